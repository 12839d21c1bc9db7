/*
 * dsim-example-server — a small real scheduler built on the dsim core.
 *
 * What a server team copies: the core (<dsim/dispatcher.h>) driven from a libuv
 * event loop. Node agents and clients connect over TCP to 127.0.0.1 and speak
 * newline-delimited JSON, one message per line, named and shaped as the
 * reference scheduler's (TinoTau/lingua_1, central_server/scheduler/src/messages/
 * node.rs and session.rs at 98e3526); only the fields the core needs are read.
 *
 *   node -> server   {"type":"node_register","node_id":"n1","max_concurrent_jobs":2}
 *   server -> node   {"type":"node_register_ack","node_id":"n1","message":"...","status":"registering"}
 *   node -> server   {"type":"node_heartbeat","node_id":"n1","timestamp":0,
 *                     "resource_usage":{"running_jobs":1}}
 *   server -> node   {"type":"job_assign","job_id":"job-0000002A","attempt_id":1,
 *                     "session_id":"s1","utterance_index":0,...}
 *   server -> node   {"type":"job_cancel","job_id":"job-0000002A","reason":"..."}
 *   node -> server   {"type":"job_result","job_id":"job-0000002A","attempt_id":1,
 *                     "node_id":"n1","session_id":"s1","utterance_index":0,"success":true}
 *   client -> server {"type":"session_init"}  -> {"type":"session_init_ack","session_id":"s1",...}
 *   client -> server {"type":"utterance","session_id":"s1","utterance_index":0,"audio_ms":2000}
 *   server -> client {"type":"translation_result","session_id":"s1","utterance_index":0,"job_id":...}
 *   server -> client {"type":"ui_event","event":"ERROR","error_code":"JOB_TIMEOUT",...}
 *   client -> server {"type":"session_close","session_id":"s1","reason":"done"}
 *
 * (`max_concurrent_jobs` and `audio_ms` are not in the reference's messages: its
 * slots come from the scheduler's config and its audio is base64 data.)
 *
 * The three rules of embedding the core, all below:
 *   1. `now` is the loop's monotonic clock (uv_hrtime, ns) and never decreases.
 *   2. Every input's return code is looked at (they are DISP_NODISCARD).
 *   3. After every input, one timer is re-armed at disp_next_deadline(); when it
 *      fires, disp_advance(now) runs whatever is due.
 * The sink writes commands to sockets; it never calls the core (that would be
 * DISP_EBUSY), so nothing here needs a queue.
 *
 * Usage: dsim-example-server [--preset NAME] [--port N] [--dispatch-timeout-ms N]
 *                            [--scan-interval-ms N] [--max-failovers N]
 * Prints "listening 127.0.0.1:PORT" first, then one JSON line per core log record.
 * SIGINT or SIGTERM closes every connection and exits 0.
 */
#include <dsim/dispatcher.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MAX_NODES 256
#define MAX_SESSIONS 4096
#define LINE_MAX_BYTES 65536

struct peer;

struct server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_timer_t timer;
    uv_signal_t sigint, sigterm;
    disp *d;
    uint64_t t0;       /* uv_hrtime() at start: now = uv_hrtime() - t0 */
    disp_time last;    /* the last now given to the core */
    struct peer *peers;
    /* node index (the core's uint32 node id) -> name and connection */
    char node_name[MAX_NODES][64];
    struct peer *node_peer[MAX_NODES];
    int n_nodes;
    /* session id (the core's uint64, 1-based) -> client connection */
    struct peer *session_peer[MAX_SESSIONS + 1];
    int n_sessions;
};

struct peer {
    uv_tcp_t tcp;
    struct server *srv;
    struct peer *next;
    char buf[LINE_MAX_BYTES];
    size_t len;
    int node; /* index into node_name, or -1 when this is not a node */
};

/* ---- time ---------------------------------------------------------------------- */

static disp_time now_ns(struct server *s)
{
    disp_time t = (disp_time)(uv_hrtime() - s->t0);
    if (t < s->last) /* rule 1: never give the core a time that goes back */
        t = s->last;
    s->last = t;
    return t;
}

static void on_timer(uv_timer_t *t);

/* Rule 3: one timer, always at the core's next deadline. */
static void arm_timer(struct server *s)
{
    disp_time next = disp_next_deadline(s->d);
    if (next == DISP_NEVER) {
        uv_timer_stop(&s->timer);
        return;
    }
    disp_time wait = next - now_ns(s);
    uint64_t ms = wait <= 0 ? 0 : (uint64_t)((wait + DISP_NS_PER_MS - 1) / DISP_NS_PER_MS);
    uv_timer_start(&s->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *t)
{
    struct server *s = t->data;
    int rc = disp_advance(s->d, now_ns(s));
    if (rc != 0 && rc != DISP_ELIMIT) /* ELIMIT: the rest stays due, the timer fires again */
        fprintf(stderr, "disp_advance: %s\n", disp_strerror(rc));
    arm_timer(s);
}

/* ---- writing ------------------------------------------------------------------- */

struct write_req {
    uv_write_t req;
    char *data;
};

static void on_written(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    (void)status; /* a peer that went away: its connection is being closed anyway */
    free(w->data);
    free(w);
}

/* Sends one JSON message (and a newline) to a peer; takes the reference of msg. */
static void send_json(struct peer *p, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (p == NULL || text == NULL) {
        free(text);
        return;
    }
    size_t n = strlen(text);
    struct write_req *w = malloc(sizeof *w);
    char *data = realloc(text, n + 2);
    if (w == NULL || data == NULL) {
        free(w);
        free(data != NULL ? data : text);
        return;
    }
    data[n] = '\n';
    data[n + 1] = '\0';
    w->data = data;
    uv_buf_t b = uv_buf_init(data, (unsigned)(n + 1));
    if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &b, 1, on_written) != 0) {
        free(data);
        free(w);
    }
}

static void job_name(char *out, size_t n, uint64_t job_id)
{
    snprintf(out, n, "job-%08" PRIX64, job_id);
}

static void session_name(char *out, size_t n, uint64_t session)
{
    snprintf(out, n, "s%" PRIu64, session);
}

/* ---- the sink: commands of the core become messages ----------------------------- */

static void on_command(void *ctx, const disp_cmd *c)
{
    struct server *s = ctx;
    char job[32], sess[32];
    job_name(job, sizeof job, c->job_id);
    session_name(sess, sizeof sess, c->session);
    struct peer *node = c->node < MAX_NODES ? s->node_peer[c->node] : NULL;
    struct peer *client = c->session <= MAX_SESSIONS ? s->session_peer[c->session] : NULL;

    switch (c->kind) {
    case DISP_CMD_ASSIGN:
        send_json(node, json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:{s:b, s:b, s:b},"
                                  " s:s, s:s, s:i, s:s, s:I}",
                                  "type", "job_assign", "job_id", job,
                                  "attempt_id", (json_int_t)c->attempt, "session_id", sess,
                                  "utterance_index", (json_int_t)c->index,
                                  "src_lang", "zh", "tgt_lang", "en",
                                  "pipeline", "use_asr", 1, "use_nmt", 1, "use_tts", 1,
                                  "audio", "", "audio_format", "pcm16", "sample_rate", 16000,
                                  "trace_id", job, "audio_ms",
                                  (json_int_t)(c->audio / DISP_NS_PER_MS)));
        break;
    case DISP_CMD_CANCEL:
        send_json(node, json_pack("{s:s, s:s, s:s, s:s}", "type", "job_cancel", "job_id", job,
                                  "trace_id", job, "reason", "dispatch_timeout"));
        break;
    case DISP_CMD_DELIVER:
        send_json(client, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
                                    "type", "translation_result", "session_id", sess,
                                    "utterance_index", (json_int_t)c->index, "job_id", job,
                                    "text_asr", "", "text_translated", "", "tts_audio", "",
                                    "tts_format", "pcm16", "trace_id", job));
        break;
    case DISP_CMD_ERROR:
        send_json(client, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
                                    "type", "ui_event", "trace_id", job, "session_id", sess,
                                    "job_id", job, "utterance_index", (json_int_t)c->index,
                                    "event", "ERROR", "status", "error", "error_code",
                                    c->error == DISP_ERR_JOB_TIMEOUT ? "JOB_TIMEOUT"
                                                                     : "PROCESSING_ERROR"));
        break;
    case DISP_CMD_LOG: {
        /* one JSON line per log record on stdout */
        json_t *rec = json_pack("{s:I, s:s, s:s, s:I, s:s, s:I}",
                                "t_ms", (json_int_t)(c->now / DISP_NS_PER_MS),
                                "event", disp_log_name(c->event), "job_id", job,
                                "attempt_id", (json_int_t)c->attempt, "session_id", sess,
                                "utterance_index", (json_int_t)c->index);
        if (rec != NULL && c->node < (uint32_t)s->n_nodes)
            json_object_set_new(rec, "node_id", json_string(s->node_name[c->node]));
        char *text = rec != NULL ? json_dumps(rec, JSON_COMPACT) : NULL;
        if (text != NULL)
            printf("%s\n", text);
        fflush(stdout);
        free(text);
        json_decref(rec);
        break;
    }
    }
}

/* ---- reading: messages of peers become inputs of the core ------------------------ */

/* A string field of a message, or "" when it is missing or not a string. */
static const char *str_field(const json_t *m, const char *key)
{
    const char *v = json_string_value(json_object_get(m, key));
    return v != NULL ? v : "";
}

static int find_node(struct server *s, const char *name)
{
    for (int i = 0; i < s->n_nodes; i++)
        if (strcmp(s->node_name[i], name) == 0)
            return i;
    return -1;
}

/* "job-0000002A" -> 0x2A; 0 (no job of the core) when it is not that form */
static uint64_t parse_job(const char *s)
{
    if (s == NULL || strncmp(s, "job-", 4) != 0)
        return 0;
    char *end;
    unsigned long long v = strtoull(s + 4, &end, 16);
    return *end == '\0' ? (uint64_t)v : 0;
}

/* "s7" -> 7; 0 when it is not a session of this server */
static uint64_t parse_session(const char *s)
{
    if (s == NULL || s[0] != 's')
        return 0;
    char *end;
    unsigned long long v = strtoull(s + 1, &end, 10);
    return *end == '\0' && v >= 1 && v <= MAX_SESSIONS ? (uint64_t)v : 0;
}

static void send_error(struct peer *p, const char *code, const char *message)
{
    send_json(p, json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message));
}

/* One message from a peer. Returns the core's code (0, or DISP_E* when refused). */
static int handle(struct peer *p, json_t *m)
{
    struct server *s = p->srv;
    const char *type = json_string_value(json_object_get(m, "type"));
    disp_time now = now_ns(s);
    int rc = 0;

    if (type == NULL) {
        send_error(p, "INVALID_MESSAGE", "no \"type\"");
        return 0;
    }
    if (strcmp(type, "node_register") == 0) {
        const char *name = json_string_value(json_object_get(m, "node_id"));
        char made[64];
        if (name == NULL) { /* the reference assigns an id when the node brings none */
            snprintf(made, sizeof made, "node-%d", s->n_nodes + 1);
            name = made;
        }
        int node = find_node(s, name);
        if (node < 0) {
            if (s->n_nodes == MAX_NODES || strlen(name) >= sizeof s->node_name[0]) {
                send_error(p, "INTERNAL_ERROR", "too many nodes or node_id too long");
                return 0;
            }
            node = s->n_nodes++;
            strcpy(s->node_name[node], name);
        }
        int slots = (int)json_integer_value(json_object_get(m, "max_concurrent_jobs"));
        rc = disp_node_up(s->d, now, (uint32_t)node, 0, slots);
        if (rc == 0) {
            s->node_peer[node] = p;
            p->node = node;
            send_json(p, json_pack("{s:s, s:s, s:s, s:s}", "type", "node_register_ack",
                                   "node_id", name, "message", "registered",
                                   "status", "registering"));
        }
    } else if (strcmp(type, "node_heartbeat") == 0) {
        int node = find_node(s, str_field(m, "node_id"));
        json_t *usage = json_object_get(m, "resource_usage");
        int running = (int)json_integer_value(json_object_get(usage, "running_jobs"));
        rc = node < 0 ? DISP_EUNKNOWN : disp_node_heartbeat(s->d, now, (uint32_t)node, running);
    } else if (strcmp(type, "job_result") == 0) {
        int node = find_node(s, str_field(m, "node_id"));
        uint64_t job_id = parse_job(json_string_value(json_object_get(m, "job_id")));
        uint64_t sess = parse_session(json_string_value(json_object_get(m, "session_id")));
        json_int_t index = json_integer_value(json_object_get(m, "utterance_index"));
        json_int_t attempt = json_integer_value(json_object_get(m, "attempt_id"));
        if (node < 0 || job_id == 0 || index < 0 || index >= (json_int_t)DISP_INDEX_MAX ||
            attempt < 0 || attempt > (json_int_t)UINT32_MAX)
            rc = DISP_EUNKNOWN;
        else
            rc = disp_result(s->d, now, job_id, (uint32_t)attempt, (uint32_t)node, sess,
                             (uint32_t)index, json_is_true(json_object_get(m, "success")));
    } else if (strcmp(type, "session_init") == 0) {
        if (s->n_sessions == MAX_SESSIONS) {
            send_error(p, "INTERNAL_ERROR", "too many sessions");
            return 0;
        }
        uint64_t sess = (uint64_t)++s->n_sessions;
        char name[32];
        session_name(name, sizeof name, sess);
        s->session_peer[sess] = p;
        send_json(p, json_pack("{s:s, s:s, s:s, s:s}", "type", "session_init_ack",
                               "session_id", name, "message", "ok", "trace_id", name));
    } else if (strcmp(type, "utterance") == 0) {
        uint64_t sess = parse_session(json_string_value(json_object_get(m, "session_id")));
        json_int_t index = json_integer_value(json_object_get(m, "utterance_index"));
        json_int_t audio_ms = json_integer_value(json_object_get(m, "audio_ms"));
        if (sess == 0 || s->session_peer[sess] != p || index < 0 ||
            index >= (json_int_t)DISP_INDEX_MAX || audio_ms < 0)
            rc = DISP_EINVAL;
        else
            rc = disp_utterance(s->d, now, sess, (uint32_t)index,
                                (disp_time)audio_ms * DISP_NS_PER_MS, NULL);
    } else if (strcmp(type, "session_close") == 0) {
        uint64_t sess = parse_session(json_string_value(json_object_get(m, "session_id")));
        rc = sess == 0 || s->session_peer[sess] != p ? DISP_EUNKNOWN
                                                     : disp_session_close(s->d, now, sess);
        if (rc == 0)
            s->session_peer[sess] = NULL;
    } else {
        send_error(p, "INVALID_MESSAGE", "unknown \"type\"");
    }
    return rc;
}

/* Rule 2: a refused input is answered, not ignored. */
static void handle_line(struct peer *p, const char *line, size_t n)
{
    json_error_t err;
    json_t *m = json_loadb(line, n, 0, &err);
    if (m == NULL) {
        send_error(p, "INVALID_MESSAGE", err.text);
        return;
    }
    int rc = handle(p, m);
    json_decref(m);
    if (rc != 0)
        send_error(p, disp_err_name(rc), disp_strerror(rc));
    arm_timer(p->srv);
}

/* ---- connections ---------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void drop_peer(struct peer *p)
{
    struct server *s = p->srv;
    disp_time now = now_ns(s);
    int rc;
    if (p->node >= 0 && s->node_peer[p->node] == p) { /* a node that goes away is down */
        s->node_peer[p->node] = NULL;
        rc = disp_node_down(s->d, now, (uint32_t)p->node);
        if (rc != 0)
            fprintf(stderr, "disp_node_down: %s\n", disp_strerror(rc));
    }
    for (int i = 1; i <= s->n_sessions; i++) /* a client that goes away closes its sessions */
        if (s->session_peer[i] == p) {
            s->session_peer[i] = NULL;
            rc = disp_session_close(s->d, now, (uint64_t)i);
            if (rc != 0)
                fprintf(stderr, "disp_session_close: %s\n", disp_strerror(rc));
        }
    for (struct peer **q = &s->peers; *q != NULL; q = &(*q)->next)
        if (*q == p) {
            *q = p->next;
            break;
        }
    if (!uv_is_closing((uv_handle_t *)&p->tcp))
        uv_close((uv_handle_t *)&p->tcp, on_closed);
    arm_timer(s);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct peer *p = h->data;
    (void)suggested;
    *b = uv_buf_init(p->buf + p->len, (unsigned)(sizeof p->buf - p->len));
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *b)
{
    struct peer *p = stream->data;
    (void)b;
    if (n < 0) {
        drop_peer(p);
        return;
    }
    p->len += (size_t)n;
    char *start = p->buf, *nl;
    while ((nl = memchr(start, '\n', (size_t)(p->buf + p->len - start))) != NULL) {
        handle_line(p, start, (size_t)(nl - start));
        start = nl + 1;
    }
    p->len -= (size_t)(start - p->buf);
    memmove(p->buf, start, p->len);
    if (p->len == sizeof p->buf) { /* a line longer than the buffer: refuse the peer */
        send_error(p, "INVALID_MESSAGE", "line too long");
        drop_peer(p);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct server *s = listener->data;
    if (status < 0)
        return;
    struct peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return;
    p->srv = s;
    p->node = -1;
    uv_tcp_init(s->loop, &p->tcp);
    p->tcp.data = p;
    if (uv_accept(listener, (uv_stream_t *)&p->tcp) != 0) {
        uv_close((uv_handle_t *)&p->tcp, on_closed);
        return;
    }
    uv_tcp_nodelay(&p->tcp, 1);
    p->next = s->peers;
    s->peers = p;
    uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    struct server *s = sig->data;
    (void)signum;
    while (s->peers != NULL)
        drop_peer(s->peers);
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->timer, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
}

/* ---- main ----------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: dsim-example-server [--preset NAME] [--port N] "
                    "[--dispatch-timeout-ms N] [--scan-interval-ms N] [--max-failovers N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static struct server srv; /* large tables: not on the stack */
    struct server *s = &srv;
    const char *preset = "lingua-2025-12-31";
    long port = 0, timeout_ms = -1, scan_ms = -1, failovers = -1;

    for (int i = 1; i < argc; i++) {
        long *num = strcmp(argv[i], "--port") == 0                 ? &port
                    : strcmp(argv[i], "--dispatch-timeout-ms") == 0 ? &timeout_ms
                    : strcmp(argv[i], "--scan-interval-ms") == 0    ? &scan_ms
                    : strcmp(argv[i], "--max-failovers") == 0       ? &failovers
                                                                    : NULL;
        if (i + 1 == argc)
            return usage();
        if (strcmp(argv[i], "--preset") == 0) {
            preset = argv[++i];
        } else if (num != NULL) {
            char *end;
            *num = strtol(argv[++i], &end, 10);
            /* a port is 16 bits (sin_port): above 65535 it would wrap to another */
            if (*end != '\0' || *num < 0 || *num > (num == &port ? 65535 : 86400000))
                return usage();
        } else {
            return usage();
        }
    }

    disp_policy pol;
    if (disp_policy_preset(&pol, preset) != 0) {
        fprintf(stderr, "dsim-example-server: unknown preset '%s'\n", preset);
        return 2;
    }
    if (timeout_ms >= 0)
        pol.dispatch_timeout = timeout_ms * DISP_NS_PER_MS;
    if (scan_ms >= 0)
        pol.scan_interval = scan_ms * DISP_NS_PER_MS;
    if (failovers >= 0)
        pol.max_failovers = (int)failovers;
    disp_config cfg;
    disp_config_init(&cfg, &pol);
    cfg.sink = on_command;
    cfg.sink_ctx = s;
    int rc = disp_create(&s->d, &cfg);
    if (rc != 0) {
        fprintf(stderr, "dsim-example-server: %s: %s\n", disp_err_name(rc), disp_strerror(rc));
        return 2;
    }

    s->loop = uv_default_loop();
    s->t0 = uv_hrtime();
    uv_timer_init(s->loop, &s->timer);
    s->timer.data = s;
    uv_signal_init(s->loop, &s->sigint);
    uv_signal_init(s->loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);

    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", (int)port, &addr);
    uv_tcp_init(s->loop, &s->listener);
    s->listener.data = s;
    if ((rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&s->listener, 64, on_connection)) != 0) {
        fprintf(stderr, "dsim-example-server: 127.0.0.1:%ld: %s\n", port, uv_strerror(rc));
        disp_free(s->d);
        return 1;
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
    printf("listening 127.0.0.1:%d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);

    uv_run(s->loop, UV_RUN_DEFAULT);
    uv_loop_close(s->loop);
    disp_free(s->d);
    return 0;
}
