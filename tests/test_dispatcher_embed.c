/*
 * test_dispatcher_embed.c — the embedding contract of the core: version, error
 * names, the policy's size field, re-entrant calls refused (disp_free from the
 * sink too), the host's allocator (a refused allocation at any point leaves the
 * state as it was), disp_node_up's slots past DISP_SLOTS_MAX.
 */
#include <stdio.h>

#include "test_dispatcher_harness.h"

static void test_version(void **state)
{
    char want[32];

    (void)state;
    snprintf(want, sizeof want, "%d.%d.%d", DISP_VERSION_MAJOR, DISP_VERSION_MINOR,
             DISP_VERSION_PATCH);
    assert_string_equal(disp_version(), want);
    assert_string_equal(DISP_VERSION_STRING, want);
    assert_int_equal(disp_version_hex(), ((unsigned)DISP_VERSION_MAJOR << 16) |
                                             ((unsigned)DISP_VERSION_MINOR << 8) |
                                             (unsigned)DISP_VERSION_PATCH);
}

#define CODE_ROW(code, name, msg) {code, #code, name, msg},
static const struct {
    int code;
    const char *macro, *name, *msg;
} codes[] = {DISP_ERRNO_MAP(CODE_ROW)};
#define N_CODES (sizeof codes / sizeof codes[0])

static void test_error_names(void **state)
{
    (void)state;
    assert_int_equal(N_CODES, 6);
    for (size_t i = 0; i < N_CODES; i++) {
        assert_true(codes[i].code < 0);
        /* the name is the macro's own */
        assert_string_equal(disp_err_name(codes[i].code), codes[i].macro);
        assert_string_equal(disp_strerror(codes[i].code), codes[i].msg);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i].code, codes[j].code);
            assert_string_not_equal(disp_strerror(codes[i].code), disp_strerror(codes[j].code));
        }
    }
    assert_string_equal(disp_err_name(DISP_EBUSY), "DISP_EBUSY");
    assert_string_equal(disp_err_name(0), "DISP_OK");
    assert_string_equal(disp_strerror(0), "success");
    assert_string_equal(disp_err_name(-1000), "DISP_E?");
    assert_string_equal(disp_err_name(7), "DISP_E?");
    assert_string_equal(disp_strerror(-1000), "unknown error");
}

static void test_policy_size(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    disp_config cfg;
    disp *d = (disp *)&cfg; /* disp_create must set it to NULL on error */
    const char *why;

    (void)state;
    assert_int_equal(p.size, sizeof p);
    disp_config_init(&cfg, &p);
    assert_int_equal(cfg.size, sizeof cfg);
    assert_int_equal(disp_create(&d, &cfg), 0);
    assert_non_null(d);
    disp_free(d);

    /* a program built against a header with a smaller (older) policy */
    p.size = sizeof p - sizeof(disp_time);
    why = disp_policy_check(&p);
    assert_non_null(why);
    assert_non_null(strstr(why, "size"));
    assert_null(disp_new(&p, NULL, NULL, NULL, NULL));
    d = (disp *)&cfg;
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    assert_null(d);
    p.size = 0; /* a policy filled by hand, without the preset */
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    p.size = sizeof p;

    cfg.size = sizeof cfg + 8; /* a newer config struct */
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    cfg.size = sizeof cfg;
    p.dispatch_timeout = 0; /* a bad knob is EINVAL, not EVERSION */
    assert_int_equal(disp_create(&d, &cfg), DISP_EINVAL);
    assert_int_equal(disp_create(NULL, &cfg), DISP_EINVAL);
    assert_int_equal(disp_create(&d, NULL), DISP_EINVAL);
}

/* A sink that calls every input of its own dispatcher on each command. */
typedef struct {
    disp *d;
    rec r;
    int calls, busy, other;
    disp_time seen_deadline;
} reenter;

static void reenter_sink(void *ctx, const disp_cmd *c)
{
    reenter *x = ctx;
    int rc[8];
    disp_stats st;

    rec_sink(&x->r, c);
    rc[0] = disp_result(x->d, c->now, c->job_id, c->attempt, c->node, c->session, c->index, true);
    rc[1] = disp_progress(x->d, c->now, c->job_id, c->attempt, c->node, 0);
    rc[2] = disp_node_up(x->d, c->now, 99, 0, 4);
    rc[3] = disp_node_down(x->d, c->now, c->node);
    rc[4] = disp_node_heartbeat(x->d, c->now, c->node, 0);
    rc[5] = disp_utterance(x->d, c->now, c->session, c->index + 1, SEC(1), NULL);
    rc[6] = disp_session_close(x->d, c->now, c->session);
    rc[7] = disp_advance(x->d, c->now + SEC(100));
    for (int i = 0; i < 8; i++) {
        x->calls++;
        if (rc[i] == DISP_EBUSY)
            x->busy++;
        else
            x->other++;
    }
    /* the read-only functions may be used from the sink */
    disp_get_stats(x->d, &st);
    x->seen_deadline = disp_next_deadline(x->d);
    (void)disp_node_load(x->d, 1);
}

/* The same inputs with and without a re-entrant sink give the same commands:
 * every re-entrant call was refused and changed nothing. */
static void drive(disp *d)
{
    assert_int_equal(disp_node_up(d, 0, 1, 0, 1), 0);
    assert_int_equal(disp_utterance(d, SEC(1), 5, 0, SEC(2), NULL), 0);
    assert_int_equal(disp_utterance(d, SEC(2), 5, 1, SEC(2), NULL), 0); /* pending */
    assert_int_equal(disp_advance(d, SEC(40)), 0);                       /* timeouts */
    assert_int_equal(disp_session_close(d, SEC(41), 5), 0);
}

static void test_reentrant_refused(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    reenter x;
    rec plain = {0};
    disp *d;
    disp_stats a, b;

    (void)state;
    memset(&x, 0, sizeof x);
    x.d = disp_new(&p, reenter_sink, &x, NULL, NULL);
    assert_non_null(x.d);
    drive(x.d);
    d = disp_new(&p, rec_sink, &plain, NULL, NULL);
    drive(d);
    assert_true(x.r.n > 3);
    assert_int_equal(x.calls, 8 * (int)x.r.n);
    assert_int_equal(x.busy, x.calls);
    assert_int_equal(x.other, 0);
    assert_int_equal(x.r.n, plain.n);
    assert_memory_equal(x.r.v, plain.v, plain.n * sizeof *plain.v);
    disp_get_stats(x.d, &a);
    disp_get_stats(d, &b);
    assert_memory_equal(&a, &b, sizeof a);
    /* after the sink returned, inputs work again */
    assert_int_equal(disp_node_up(x.d, SEC(50), 2, 0, 1), 0);
    disp_free(d);
    disp_free(x.d);
    rec_free(&plain);
    rec_free(&x.r);
}

/* ---- the host's allocator ------------------------------------------------- */

/* Counts calls; the fail_at-th call (1-based; 0 = never) returns NULL. */
typedef struct {
    long calls, fail_at, live, failed;
} counting;

static void *c_malloc(void *ctx, size_t n)
{
    counting *c = ctx;
    void *p;

    assert_true(n > 0); /* the core never asks for 0 bytes */
    if (++c->calls == c->fail_at) {
        c->failed++;
        return NULL;
    }
    if ((p = malloc(n)) != NULL)
        c->live++;
    return p;
}

static void *c_realloc(void *ctx, void *old, size_t n)
{
    counting *c = ctx;
    void *p;

    assert_true(n > 0);
    if (++c->calls == c->fail_at) {
        c->failed++;
        return NULL;
    }
    if ((p = realloc(old, n)) != NULL && old == NULL)
        c->live++;
    return p;
}

static void c_free(void *ctx, void *p)
{
    counting *c = ctx;

    if (p != NULL)
        c->live--;
    free(p);
}

/* One scripted input: i-th of the run. Covers node registration (two classes),
 * utterances in three sessions (more than the first job table holds), results
 * in and out of order and twice (dedup, gaps), progress, heartbeats, timeouts
 * and failovers, a node down, session closes. */
#define SCRIPT_LEN 700
static int script_step(disp *d, int i)
{
    disp_time t = MSEC(100) * i;
    uint64_t sess = (uint64_t)(i % 3) + 1;
    uint32_t idx = (uint32_t)(i / 3);

    if (i < 6)
        return disp_node_up(d, t, (uint32_t)i + 1, (uint32_t)(i % 2), 64);
    if (i == 400)
        return disp_node_down(d, t, 3);
    if (i == 650 || i == 690)
        return disp_session_close(d, t, i == 650 ? 2 : 1);
    switch (i % 7) {
    case 0:
    case 1:
    case 2:
    case 3:
        return disp_utterance(d, t, sess, idx, SEC(2), NULL);
    case 4:
        return disp_advance(d, t);
    default:
        return i % 2 ? disp_node_heartbeat(d, t, (uint32_t)(i % 6) + 1, i % 5)
                     : disp_advance(d, t);
    }
}

typedef struct {
    rec r;
    counting *al;
} run_ctx;

/* Results answer assigns: the run answers the assigns it saw, in order (some
 * never: they time out and fail over; some as failures), with a progress
 * report before every third. The next assign to answer, or NULL. */
static const disp_cmd *to_answer(const rec *r, size_t *next)
{
    while (*next < r->n) {
        const disp_cmd *c = &r->v[(*next)++];
        if (c->kind == DISP_CMD_ASSIGN && c->job % 11 != 0)
            return c;
    }
    return NULL;
}

typedef struct {
    long fail_at;      /* 0: never */
    uint64_t log_off;  /* disp_config.log_off */
    long calls;        /* allocator calls of the whole run */
    int refused;       /* inputs that returned DISP_ENOMEM */
    rec r;
    disp_stats st;
} run_out;

/* Runs the script. An input refused with DISP_ENOMEM must have emitted nothing;
 * it is then made again (the allocator no longer fails) and must succeed. */
static void run_script(const disp_policy *p, run_out *o)
{
    counting al = {0, o->fail_at, 0, 0};
    disp_config cfg;
    disp *d = NULL;
    size_t next = 0;
    int rc;

    disp_config_init(&cfg, p);
    cfg.sink = rec_sink;
    cfg.sink_ctx = &o->r;
    cfg.alloc.malloc_fn = c_malloc;
    cfg.alloc.realloc_fn = c_realloc;
    cfg.alloc.free_fn = c_free;
    cfg.alloc.ctx = &al;
    cfg.log_off = o->log_off;
    rc = disp_create(&d, &cfg);
    if (rc == DISP_ENOMEM) {
        assert_null(d);
        assert_int_equal(al.live, 0);
        o->refused++;
        rc = disp_create(&d, &cfg);
    }
    assert_int_equal(rc, 0);
    for (int i = 0; i < SCRIPT_LEN; i++) {
        for (int part = 0; part < 3; part++) {
            size_t before = o->r.n;
            disp_time t = MSEC(100) * i + part;
            disp_cmd c;
            const disp_cmd *a;
            if (part == 0) {
                rc = script_step(d, i);
            } else if ((a = to_answer(&o->r, &next)) == NULL) {
                continue;
            } else {
                c = *a; /* the record may move while the core emits */
                if (i % 3 == 0) {
                    rc = disp_progress(d, t, c.job_id, c.attempt, c.node, 0);
                    assert_int_not_equal(rc, DISP_ENOMEM);
                }
                rc = disp_result(d, t, c.job_id, c.attempt, c.node, c.session, c.index, c.job % 13 != 0);
            }
            if (rc == DISP_ENOMEM) {
                assert_int_equal(o->r.n, before); /* nothing emitted */
                o->refused++;
                rc = part == 0 ? script_step(d, i)
                               : disp_result(d, t, c.job_id, c.attempt, c.node, c.session, c.index, c.job % 13 != 0);
            }
            assert_int_not_equal(rc, DISP_ENOMEM);
        }
    }
    assert_int_equal(disp_advance(d, SEC(100000)), 0);
    disp_get_stats(d, &o->st);
    disp_free(d);
    assert_int_equal(al.live, 0); /* everything the core got, it gave back */
    assert_true(al.failed <= 1);
    o->calls = al.calls;
}

static void check_every_failure(const disp_policy *p)
{
    run_out ref = {0};
    long total;

    run_script(p, &ref);
    total = ref.calls;
    assert_int_equal(ref.refused, 0);
    assert_true(ref.st.jobs_created > 256); /* the job table grew */
    assert_true(ref.st.deliveries > 0 && ref.st.timeouts > 0);
    assert_true(total > 20);
    for (long n = 1; n <= total; n++) {
        run_out o = {0};
        o.fail_at = n;
        run_script(p, &o);
        /* a refused input changed nothing: the run is the reference run */
        assert_int_equal(o.refused, 1);
        assert_int_equal(o.r.n, ref.r.n);
        assert_memory_equal(o.r.v, ref.r.v, ref.r.n * sizeof *ref.r.v);
        assert_memory_equal(&o.st, &ref.st, sizeof o.st);
        rec_free(&o.r);
    }
    rec_free(&ref.r);
}

static void test_alloc_fails_everywhere_reference(void **state)
{
    disp_policy p = preset("lingua-2025-12-31"); /* dedup on, reference queue */

    (void)state;
    check_every_failure(&p);
}

static void test_alloc_fails_everywhere_adaptive(void **state)
{
    disp_policy p = preset("lingua-2025-12-31");

    (void)state;
    p.result_queue = DISP_QUEUE_ORDERED;
    p.timeout.mode = DISP_TIMEOUT_QUANTILE; /* class windows, quantile scratch */
    p.liveness.mode = DISP_LIVENESS_PHI;    /* per-node phi windows */
    p.pending = DISP_PENDING_QUEUE;
    assert_null(disp_policy_check(&p));
    check_every_failure(&p);
}

static void test_alloc_half_refused(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    disp_config cfg;
    counting al = {0};
    disp *d;

    (void)state;
    disp_config_init(&cfg, &p);
    cfg.alloc.malloc_fn = c_malloc; /* without realloc and free */
    cfg.alloc.ctx = &al;
    assert_int_equal(disp_create(&d, &cfg), DISP_EINVAL);
    assert_null(d);
    assert_int_equal(al.calls, 0);
}

/* log_off: the LOG commands of the events turned off are missing, nothing else
 * changes (every other command, in order, and every statistic). */
static void test_log_off(void **state)
{
    (void)state;
    disp_policy p;
    assert_int_equal(disp_policy_preset(&p, "lingua-2025-12-28"), 0);
    run_out all = {0}, some = {0};
    const disp_log_event kept = DISP_LOG_DISPATCH_TIMEOUT;
    some.log_off = ~DISP_LOG_BIT(kept);
    run_script(&p, &all);
    run_script(&p, &some);
    size_t j = 0, logs_all = 0, kept_all = 0;
    for (size_t i = 0; i < all.r.n; i++) {
        const disp_cmd *c = &all.r.v[i];
        if (c->kind == DISP_CMD_LOG) {
            logs_all++;
            if (c->event != kept)
                continue;
            kept_all++;
        }
        assert_true(j < some.r.n);
        assert_memory_equal(c, &some.r.v[j], sizeof *c);
        j++;
    }
    assert_int_equal(j, some.r.n);
    assert_true(kept_all > 0 && logs_all > kept_all); /* the script logs both kinds */
    assert_memory_equal(&all.st, &some.st, sizeof all.st);
    rec_free(&all.r);
    rec_free(&some.r);
}

/* ---- misuse from the sink and past the bounded tables ------------------------ */

/* A sink that calls disp_free on its own handle on every command, with the
 * handle's allocator counting what is live. */
typedef struct {
    disp *d;
    rec r;
    counting *al;
    int frees;
    long live_lost; /* blocks freed by those calls (0: each was refused) */
} free_in_sink;

static void free_sink(void *ctx, const disp_cmd *c)
{
    free_in_sink *x = ctx;
    long live = x->al->live;

    rec_sink(&x->r, c);
    disp_free(x->d);
    x->frees++;
    x->live_lost += live - x->al->live;
}

/* disp_free from the sink is refused, as every input from it is: it frees
 * nothing, the input that called the sink goes on with a valid handle (ASan in
 * the sanitizer build sees no use after free), the commands are those of a
 * plain sink, and the handle works and is freed whole after. */
static void test_free_in_sink_refused(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    counting al = {0, 0, 0, 0};
    disp_config cfg;
    free_in_sink x;
    rec plain = {0};
    disp *d;

    (void)state;
    memset(&x, 0, sizeof x);
    x.al = &al;
    disp_config_init(&cfg, &p);
    cfg.sink = free_sink;
    cfg.sink_ctx = &x;
    cfg.alloc.malloc_fn = c_malloc;
    cfg.alloc.realloc_fn = c_realloc;
    cfg.alloc.free_fn = c_free;
    cfg.alloc.ctx = &al;
    assert_int_equal(disp_create(&x.d, &cfg), 0);
    drive(x.d);
    d = disp_new(&p, rec_sink, &plain, NULL, NULL);
    drive(d);
    assert_true(x.frees > 3);
    assert_int_equal(x.frees, (int)x.r.n);
    assert_int_equal(x.live_lost, 0);
    assert_int_equal(x.r.n, plain.n);
    assert_memory_equal(x.r.v, plain.v, plain.n * sizeof *plain.v);
    assert_int_equal(disp_node_up(x.d, SEC(50), 2, 0, 1), 0);
    assert_true(al.live > 0);
    disp_free(x.d); /* outside the sink: frees everything */
    assert_int_equal(al.live, 0);
    disp_free(d);
    rec_free(&plain);
    rec_free(&x.r);
}

/* disp_node_up's slots: 0..DISP_SLOTS_MAX taken, above it DISP_ELIMIT (a
 * bounded table, as dispatcher.h and README "Rules" list it), below 0
 * DISP_EINVAL; a refused call leaves no node. */
static void test_slots_limit(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = disp_new(&p, rec_sink, &r, NULL, NULL);

    (void)state;
    assert_non_null(d);
    assert_int_equal(disp_node_up(d, 0, 1, 0, DISP_SLOTS_MAX + 1), DISP_ELIMIT);
    assert_int_equal(disp_node_up(d, 0, 1, 0, INT32_MAX), DISP_ELIMIT);
    assert_int_equal(disp_node_up(d, 0, 1, 0, -1), DISP_EINVAL);
    assert_int_equal(disp_node_load(d, 1), -1); /* unknown: no node was added */
    assert_int_equal(disp_node_up(d, 0, 1, 0, DISP_SLOTS_MAX), 0);
    assert_int_equal(disp_node_up(d, 0, 2, 0, 0), 0); /* 0: the policy's default */
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_log_off),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_policy_size),
        cmocka_unit_test(test_reentrant_refused),
        cmocka_unit_test(test_alloc_half_refused),
        cmocka_unit_test(test_alloc_fails_everywhere_reference),
        cmocka_unit_test(test_alloc_fails_everywhere_adaptive),
        cmocka_unit_test(test_free_in_sink_refused),
        cmocka_unit_test(test_slots_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
