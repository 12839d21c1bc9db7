/*
 * bench_dispatcher.c — the dispatcher core's memory over a very long session.
 *
 * dispatcher.long_session: `--sessions` sessions (default 4) each speak
 * `--utterances` utterances (default 200000 in all) one every 2 s under the
 * lingua-2025-12-28 preset, on 8 nodes of 4 slots. Every job_assign is
 * answered by the node: after 1.5 s (most), after 45 s (3 %: the 30 s timeout
 * fails it over first, so the late copy is a stale result that moves the
 * reference queue's `expected` back), or twice, 1.5 s and 4 s after (2 %). The
 * driver is a loop over the core's next deadline, the next utterance and the
 * answers due (FIFOs, one per delay: each is in time order), so only the core
 * and a bounded set of answers in flight are in memory.
 *
 * Usage: bench_dispatcher [--utterances N] [--sessions S] [--queue MODE]
 * (MODE: reference, the preset's, or ordered or immediate)
 * Prints one line:
 *   dispatcher.long_session queue=Q utterances=N sessions=S peak_rss_mb=M
 *       jobs_in_memory=J session_index_entries=E deliveries=D ack_discards=A digest=H cpu_s=T
 * (jobs_in_memory and the counters are taken when the last utterance is sent;
 * `digest` hashes every command the core emitted.)
 * Peak RSS is the process's (getrusage), so run one size per process to see
 * how it grows with N.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dispatcher.h"

#define NODES 8
#define GAP_NS (2 * DISP_NS_PER_S)
#define MAX_SESSIONS 64

enum { FAST, SECOND, LATE, NFIFO };
static const disp_time delay_of[NFIFO] = {1500 * DISP_NS_PER_MS, 4000 * DISP_NS_PER_MS,
                                          45 * DISP_NS_PER_S};

typedef struct {
    disp_time at;
    uint64_t job_id, session;
    uint32_t attempt, node, index;
} answer;

typedef struct {
    answer *v;
    size_t head, n, cap;
} fifo;

typedef struct {
    fifo f[NFIFO];
    uint64_t answers;
    uint64_t digest; /* of every command, to compare two builds of the core */
} bench;

static void fifo_push(fifo *q, answer a)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        answer *v = malloc(cap * sizeof *v);
        if (v == NULL) {
            fputs("bench_dispatcher: out of memory\n", stderr);
            exit(3);
        }
        for (size_t i = 0; i < q->n; i++)
            v[i] = q->v[(q->head + i) % q->cap];
        free(q->v);
        q->v = v;
        q->cap = cap;
        q->head = 0;
    }
    q->v[(q->head + q->n) % q->cap] = a;
    q->n++;
}

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The node side: every assignment is answered, some late, some twice. */
static void sink(void *ctx, const disp_cmd *c)
{
    bench *b = ctx;
    uint64_t fields[] = {(uint64_t)c->kind, (uint64_t)c->now, c->node, c->job_id, c->attempt,
                         c->session, c->index, (uint64_t)c->event, (uint64_t)c->elapsed_ms,
                         (uint64_t)c->failover_attempts, (uint64_t)c->error};
    answer a;
    unsigned roll;

    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        b->digest = mix(b->digest ^ fields[i]);
    if (c->kind != DISP_CMD_ASSIGN)
        return;
    a.job_id = c->job_id;
    a.attempt = c->attempt;
    a.node = c->node;
    a.session = c->session;
    a.index = c->index;
    roll = (unsigned)(mix(c->job_id ^ ((uint64_t)c->attempt << 48)) % 100);
    if (roll < 3) {
        a.at = c->now + delay_of[LATE];
        fifo_push(&b->f[LATE], a);
        return;
    }
    a.at = c->now + delay_of[FAST];
    fifo_push(&b->f[FAST], a);
    if (roll < 5) {
        a.at = c->now + delay_of[SECOND];
        fifo_push(&b->f[SECOND], a);
    }
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check(int rc, const char *what)
{
    if (rc != 0 && rc != DISP_EUNKNOWN) { /* unknown: a result after forgetting */
        fprintf(stderr, "bench_dispatcher: %s returned %d\n", what, rc);
        exit(3);
    }
}

int main(int argc, char **argv)
{
    uint64_t total = 200000, sessions = 4;
    uint32_t spoken[MAX_SESSIONS];
    disp_time next_utt[MAX_SESSIONS];
    disp_policy pol;
    disp_stats st;
    struct rusage ru;
    bench b;
    disp *d;
    uint64_t sent = 0;
    const char *queue = "reference";
    double t0;

    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--utterances") == 0)
            total = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--sessions") == 0)
            sessions = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--queue") == 0)
            queue = argv[++i];
        else {
            fprintf(stderr, "usage: bench_dispatcher [--utterances N] [--sessions S] "
                            "[--queue reference|ordered|immediate]\n");
            return 2;
        }
    }
    if (sessions < 1 || sessions > MAX_SESSIONS || total < sessions) {
        fprintf(stderr, "bench_dispatcher: --sessions must be 1..%d and <= --utterances\n",
                MAX_SESSIONS);
        return 2;
    }
    memset(&b, 0, sizeof b);
    memset(&st, 0, sizeof st);
    if (disp_policy_preset(&pol, "lingua-2025-12-28") != 0)
        return 3;
    if (strcmp(queue, "ordered") == 0) {
        pol.result_queue = DISP_QUEUE_ORDERED;
    } else if (strcmp(queue, "immediate") == 0) {
        pol.result_queue = DISP_QUEUE_IMMEDIATE;
    } else if (strcmp(queue, "reference") != 0) {
        fprintf(stderr, "bench_dispatcher: --queue: expected reference, ordered or immediate\n");
        return 2;
    }
    d = disp_new(&pol, sink, &b, NULL, NULL);
    if (d == NULL)
        return 3;
    for (uint32_t n = 1; n <= NODES; n++)
        check(disp_node_up(d, 0, n, 0, 4), "disp_node_up");
    for (uint64_t s = 0; s < sessions; s++) {
        spoken[s] = 0;
        next_utt[s] = (disp_time)s * GAP_NS / (disp_time)sessions;
    }

    t0 = cpu_s();
    for (;;) {
        disp_time next = disp_next_deadline(d);
        int src = -1; /* -1 core, 0..NFIFO-1 a FIFO, NFIFO + s a session */
        for (int k = 0; k < NFIFO; k++)
            if (b.f[k].n > 0 && b.f[k].v[b.f[k].head].at < next) {
                next = b.f[k].v[b.f[k].head].at;
                src = k;
            }
        for (uint64_t s = 0; s < sessions; s++)
            if (spoken[s] < total / sessions && next_utt[s] < next) {
                next = next_utt[s];
                src = NFIFO + (int)s;
            }
        if (next == DISP_NEVER)
            break;
        if (src < 0) {
            check(disp_advance(d, next), "disp_advance");
        } else if (src < NFIFO) {
            fifo *q = &b.f[src];
            answer a = q->v[q->head];
            q->head = (q->head + 1) % q->cap;
            q->n--;
            b.answers++;
            check(disp_result(d, a.at, a.job_id, a.attempt, a.node, a.session, a.index, true), "disp_result");
        } else {
            uint64_t s = (uint64_t)(src - NFIFO);
            disp_time audio = (disp_time)(1 + mix(s ^ spoken[s]) % 3) * DISP_NS_PER_S;
            check(disp_utterance(d, next, s + 1, spoken[s], audio, NULL), "disp_utterance");
            spoken[s]++;
            next_utt[s] += GAP_NS;
            if (++sent == total / sessions * sessions)
                disp_get_stats(d, &st); /* steady state, before the drain */
        }
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("dispatcher.long_session queue=%s utterances=%" PRIu64 " sessions=%" PRIu64
           " peak_rss_mb=%.1f jobs_in_memory=%" PRIu64 " session_index_entries=%" PRIu64
           " deliveries=%" PRIu64
           " ack_discards=%" PRIu64 " digest=%016" PRIx64 " cpu_s=%.2f\n",
           queue, total / sessions * sessions, sessions, (double)ru.ru_maxrss / 1024.0,
           st.jobs_in_memory, st.session_index_entries, st.deliveries, st.ack_discards, b.digest, cpu_s() - t0);
    disp_free(d);
    for (int k = 0; k < NFIFO; k++)
        free(b.f[k].v);
    return 0;
}
