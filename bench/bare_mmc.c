/*
 * bare_mmc.c — the M/M/c world of scenarios/queueing-mmc.json as the smallest honest
 * event loop in C: what a discrete-event simulation of that world costs with no
 * model, no dispatcher and no accounting beyond the mean latency.
 *
 * One binary heap of events keyed by (time, sequence), integer nanoseconds as in
 * dsim; two kinds of event (an arrival, which schedules the next one; a departure,
 * which frees a server and starts the head of the FIFO); one generator
 * (xoshiro256**, exponential draws by inversion, as dsim draws them); the waiting
 * line a ring buffer of arrival times. bench_mmc.c times it against dsim.
 */
#include "bare_mmc.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    int64_t t;
    uint64_t seq;
    int64_t arrived; /* departure: the job's arrival time; arrival: -1 */
} bev;

typedef struct {
    bev *a;
    size_t n, cap;
} bheap;

static int before(const bev *x, const bev *y)
{
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static int bheap_push(bheap *h, bev e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        bev *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&e, &h->a[p]))
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = e;
    return 0;
}

static bev bheap_pop(bheap *h)
{
    bev top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= h->n)
            break;
        if (l + 1 < h->n && before(&h->a[l + 1], &h->a[l]))
            l++;
        if (!before(&h->a[l], &last))
            break;
        h->a[i] = h->a[l];
        i = l;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xo_next(uint64_t s[4])
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static int64_t exp_ns(uint64_t s[4], double rate)
{
    double u = (double)(xo_next(s) >> 11) * 0x1.0p-53;
    return (int64_t)llround(-log1p(-u) / rate * 1e9);
}

double bare_mmc_run(long jobs, int c, double lambda, double mu, uint64_t seed)
{
    uint64_t s[4];
    for (int i = 0; i < 4; i++) { /* SplitMix64 fills the state */
        uint64_t z = (seed += UINT64_C(0x9E3779B97F4A7C15));
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        s[i] = z ^ (z >> 31);
    }
    bheap h = {0};
    size_t qcap = 1024, qhead = 0, qn = 0;
    int64_t *q = malloc(qcap * sizeof *q);
    uint64_t seq = 0;
    long arrivals = 0, done = 0;
    int busy = 0;
    double sum = 0.0;
    if (!q || bheap_push(&h, (bev){exp_ns(s, lambda), seq++, -1}) != 0)
        goto oom;
    while (h.n > 0) {
        bev e = bheap_pop(&h);
        if (e.arrived < 0) { /* an arrival */
            if (++arrivals < jobs &&
                bheap_push(&h, (bev){e.t + exp_ns(s, lambda), seq++, -1}) != 0)
                goto oom;
            if (busy < c) {
                busy++;
                if (bheap_push(&h, (bev){e.t + exp_ns(s, mu), seq++, e.t}) != 0)
                    goto oom;
            } else {
                if (qn == qcap) { /* grow the ring, unwrapping it */
                    int64_t *nq = malloc(2 * qcap * sizeof *nq);
                    if (!nq)
                        goto oom;
                    for (size_t i = 0; i < qn; i++)
                        nq[i] = q[(qhead + i) % qcap];
                    free(q);
                    q = nq;
                    qhead = 0;
                    qcap *= 2;
                }
                q[(qhead + qn++) % qcap] = e.t;
            }
        } else { /* a departure */
            sum += (double)(e.t - e.arrived) * 1e-9;
            done++;
            if (qn > 0) {
                int64_t a = q[qhead];
                qhead = (qhead + 1) % qcap;
                qn--;
                if (bheap_push(&h, (bev){e.t + exp_ns(s, mu), seq++, a}) != 0)
                    goto oom;
            } else {
                busy--;
            }
        }
    }
    free(h.a);
    free(q);
    return done > 0 ? sum / (double)done : 0.0;
oom:
    free(h.a);
    free(q);
    return -1.0;
}
