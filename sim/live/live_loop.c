/*
 * live_loop.c — the live room's clock, its engine of pending actions on a libuv
 * loop, and WebSocket connections through libwebsockets on that loop
 * (live_internal.h).
 */
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "live_internal.h"
#include "xalloc.h"


uint64_t live_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static sim_time scaled_now(const live_loop *l)
{
    uint64_t m = live_mono_ns();
    if (m <= l->t0)
        return 0;
    return (sim_time)((double)(m - l->t0) * l->speed);
}

static void on_wake(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    live_loop *l = h->data;
    uint64_t expirations;
    if (read(l->tfd, &expirations, sizeof expirations) < 0) { /* EAGAIN: not yet */
    }
    live_loop_sync(l);
    live_loop_arm(l);
}

void live_loop_init(live_loop *l, uint64_t t0, double speed)
{
    memset(l, 0, sizeof *l);
    uv_loop_init(&l->uv);
    /* libuv's timers count whole milliseconds, a wake-up up to 1 ms late: a
     * timerfd on the absolute CLOCK_MONOTONIC instant is exact to the kernel's
     * timer slack (50 us) */
    l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (l->tfd < 0) {
        perror("dsim: live: timerfd_create");
        abort();
    }
    uv_poll_init(&l->uv, &l->wake, l->tfd);
    l->wake.data = l;
    uv_poll_start(&l->wake, UV_READABLE, on_wake);
    l->e = sim_engine_new(256);
    l->t0 = t0;
    l->speed = speed;
}

void live_loop_sync(live_loop *l)
{
    /* before time 0 nothing is due (what is at 0 runs at t0, not when an early
     * input, a node's registration, comes in): inputs are given time 0 */
    if (live_mono_ns() < l->t0)
        return;
    sim_time now = scaled_now(l);
    if (now < sim_engine_now(l->e))
        now = sim_engine_now(l->e);
    sim_time due = sim_engine_next_time(l->e);
    if (due <= now) {
        double late = (double)(now - due) / l->speed;
        l->wakes++;
        l->late_sum_ns += late;
        if (late > l->late_max_ns)
            l->late_max_ns = late;
    }
    sim_engine_run(l->e, now, 0);
    if (l->after)
        l->after(l->after_ctx);
}

void live_loop_report(const live_loop *l, const char *who)
{
    if (l->wakes)
        fprintf(stderr,
                "dsim: live: %s: %llu wake-ups, the due event late by mean %.3f ms, "
                "max %.3f ms (wall)\n",
                who, (unsigned long long)l->wakes, l->late_sum_ns / (double)l->wakes / 1e6,
                l->late_max_ns / 1e6);
}

void live_loop_arm(live_loop *l)
{
    sim_time next = sim_engine_next_time(l->e);
    struct itimerspec its;
    memset(&its, 0, sizeof its); /* zero: disarmed */
    if (next != SIM_NEVER) {
        /* the wall instant of simulated time `next`, rounded up: never early
         * (an early wake-up would only re-arm); one in the past fires at once */
        double wall = (double)l->t0 + ceil((double)next / l->speed);
        uint64_t at = wall >= 9e18 ? UINT64_C(9000000000000000000) : (uint64_t)wall;
        if (at == 0)
            at = 1;
        its.it_value.tv_sec = (time_t)(at / 1000000000u);
        its.it_value.tv_nsec = (long)(at % 1000000000u);
    }
    timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void live_loop_free(live_loop *l)
{
    sim_engine_free(l->e);
    l->e = NULL;
    if (!uv_is_closing((uv_handle_t *)&l->wake)) {
        uv_poll_stop(&l->wake);
        uv_close((uv_handle_t *)&l->wake, NULL);
    }
    /* every close callback, lws's included; a uv_stop from one of them (a
     * connection's close) ends a uv_run early, so run again, a bounded number
     * of times */
    for (int i = 0; i < 100; i++) {
        uv_run(&l->uv, UV_RUN_DEFAULT);
        if (l->ctx) /* lws finishes a context on a foreign loop in a second call */
            lws_context_destroy(l->ctx);
        else if (uv_loop_close(&l->uv) == 0) {
            close(l->tfd);
            return;
        }
    }
    fputs("dsim: live: the event loop still has open handles at exit\n", stderr);
}

/* --- connections ----------------------------------------------------------- */

void live_conn_send(live_conn *c, const char *text)
{
    size_t n = strlen(text);
    live_out *o = sim_xmalloc(sizeof *o + LWS_PRE + n);
    o->next = NULL;
    o->len = n;
    memcpy(o->buf + LWS_PRE, text, n);
    if (c->tail)
        c->tail->next = o;
    else
        c->head = o;
    c->tail = o;
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

void live_conn_send_json(live_conn *c, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        sim_oom("a message");
    live_conn_send(c, text);
    free(text);
}

int live_conn_writable(live_conn *c)
{
    live_out *o = c->head;
    if (!o)
        return c->closing ? -1 : 0;
    int n = lws_write(c->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    c->head = o->next;
    if (!c->head)
        c->tail = NULL;
    free(o);
    if (n < 0)
        return -1;
    if (c->head || c->closing)
        lws_callback_on_writable(c->wsi);
    return 0;
}

json_t *live_conn_receive(live_conn *c, const void *in, size_t len, bool final, bool *bad)
{
    *bad = false;
    if (c->rx_len + len > LIVE_MSG_MAX) {
        *bad = true;
        c->rx_len = 0;
        return NULL;
    }
    if (!c->rx)
        c->rx = sim_xmalloc(LIVE_MSG_MAX);
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!final)
        return NULL;
    json_error_t err;
    json_t *m = json_loadb(c->rx, c->rx_len, 0, &err);
    c->rx_len = 0;
    if (!m || !json_is_object(m)) {
        json_decref(m);
        *bad = true;
        return NULL;
    }
    return m;
}

void live_conn_clear(live_conn *c)
{
    while (c->head) {
        live_out *o = c->head;
        c->head = o->next;
        free(o);
    }
    c->tail = NULL;
    free(c->rx);
    c->rx = NULL;
    c->rx_len = 0;
    c->wsi = NULL;
    c->closing = false;
}

struct lws_context *live_ws_context(live_loop *l, const struct lws_protocols *protocols,
                                    bool listen, void *user)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = {&l->uv};
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.protocols = protocols;
    info.port = listen ? 0 : CONTEXT_PORT_NO_LISTEN; /* 0: the kernel picks a free port */
    info.iface = listen ? "127.0.0.1" : NULL;
    info.user = user;
    info.pcontext = &l->ctx; /* lws clears it once the context is wholly destroyed */
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    lws_set_log_level(LLL_ERR, NULL);
#if defined(__SANITIZE_ADDRESS__)
    /* libwebsockets 4.1.6 (Debian 12) keeps what lws_create_context allocates
     * for a context on a foreign libuv loop after the context is wholly
     * destroyed (it cleared info.pcontext): once per process, not growing.
     * Only these allocations are kept out of LeakSanitizer's report. */
    __lsan_disable();
#endif
    struct lws_context *ctx = lws_create_context(&info);
#if defined(__SANITIZE_ADDRESS__)
    __lsan_enable();
#endif
    return ctx;
}

void live_ws_destroy(live_loop *l, struct lws_context *ctx)
{
    (void)l; /* the loop finishes it (live_loop_free) */
    if (!ctx)
        return;
    lws_context_destroy(ctx); /* lws closes its handles as the loop runs */
}
