/* latency.c — exact latencies up to a bound, then a log-bucketed histogram (latency.h). */
#include "latency.h"
#include "escape.h"
#include "outfile.h"
#include "version.h"
#include "xalloc.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SUB ((uint64_t)1 << SIM_LAT_SUB_BITS)
#define HALF (SUB >> 1)
/* buckets for every int64 >= 0: SUB unit ones, then HALF per power of two */
#define N_BUCKETS ((size_t)(64 - SIM_LAT_SUB_BITS) * HALF + HALF)

__extension__ typedef unsigned __int128 lat_u128;

/* Values below SUB have a bucket each; above, the top SIM_LAT_SUB_BITS bits. */
static size_t bucket_of(uint64_t v)
{
    if (v < SUB)
        return (size_t)v;
    int shift = 63 - __builtin_clzll(v) - SIM_LAT_SUB_BITS + 1;
    return (size_t)shift * HALF + (size_t)(v >> shift);
}

/* The middle of bucket b, in ns (exact for a unit bucket). */
static int64_t bucket_mid(size_t b)
{
    if (b < SUB)
        return (int64_t)b;
    unsigned shift = (unsigned)(b / HALF) - 1;
    uint64_t low = ((uint64_t)b - shift * HALF) << shift;
    return (int64_t)(low + (((uint64_t)1 << shift) - 1) / 2);
}

void sim_lat_init(sim_lat *l, size_t bound, bool keep_all)
{
    assert(bound >= 1);
    memset(l, 0, sizeof *l);
    l->bound = bound;
    l->keep_all = keep_all;
    l->min = INT64_MAX;
}

void sim_lat_free(sim_lat *l)
{
    free(l->v);
    free(l->hist);
    free(l->runs);
    if (l->spill)
        fclose(l->spill);
    memset(l, 0, sizeof *l);
}

bool sim_lat_exact(const sim_lat *l)
{
    return l->hist == NULL;
}

static int cmp_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts the held values and appends them to the spill as one run. */
static void spill_run(sim_lat *l)
{
    if (l->n_v == 0 || l->spill_failed)
        return;
    if (!l->spill && !(l->spill = sim_spool_open(NULL))) {
        l->spill_failed = true;
        return;
    }
    qsort(l->v, l->n_v, sizeof *l->v, cmp_ns);
    if (fwrite(l->v, sizeof *l->v, l->n_v, l->spill) != l->n_v)
        l->spill_failed = true;
    if (l->n_runs == l->cap_runs)
        l->runs = sim_xgrow(l->runs, &l->cap_runs, l->n_runs + 1, sizeof *l->runs, 16);
    l->runs[l->n_runs++] = l->n_v;
    l->n_v = 0;
}

void sim_lat_add(sim_lat *l, int64_t ns)
{
    assert(ns >= 0);
    lat_u128 s = ((lat_u128)l->sum_hi << 64 | l->sum_lo) + (uint64_t)ns;
    l->sum_hi = (uint64_t)(s >> 64);
    l->sum_lo = (uint64_t)s;
    l->n++;
    l->min = ns < l->min ? ns : l->min;
    l->max = ns > l->max ? ns : l->max;
    if (l->hist) {
        l->hist[bucket_of((uint64_t)ns)]++;
        if (!l->keep_all)
            return;
        if (l->n_v == l->bound)
            spill_run(l);
    } else if (l->n_v == l->bound) {
        l->sel_lo = 0;
        /* past the bound: the held values move into the histogram */
        l->hist = sim_xcalloc(N_BUCKETS, sizeof *l->hist);
        for (size_t i = 0; i < l->n_v; i++)
            l->hist[bucket_of((uint64_t)l->v[i])]++;
        l->hist[bucket_of((uint64_t)ns)]++;
        if (!l->keep_all) {
            free(l->v);
            l->v = NULL;
            l->n_v = l->cap_v = 0;
            return;
        }
        spill_run(l);
    }
    l->sel_lo = 0; /* the new value may be smaller than the selected prefix */
    if (l->n_v == l->cap_v)
        l->v = sim_xgrow(l->v, &l->cap_v, l->n_v + 1, sizeof *l->v, 1024);
    l->v[l->n_v++] = ns;
}

static void swap_ns(int64_t *a, int64_t *b)
{
    int64_t t = *a;
    *a = *b;
    *b = t;
}

/* Puts the k-th smallest of a[lo..hi] (lo <= k <= hi) at a[k], with everything
 * before it no larger and everything after it no smaller. Floyd and Rivest's
 * SELECT (CACM 18(3), 1975, algorithm 489): on a long range, the pivot is first
 * put in place by selecting within a sample around k's expected rank, so one
 * partition leaves little on k's side; the partition stops on keys equal to
 * the pivot, so runs of equal latencies (const service times) split evenly.
 * Deterministic. */
static void select_range(int64_t *a, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
    while (hi > lo) {
        if (hi - lo > 600) {
            double n = (double)(hi - lo + 1), i = (double)(k - lo + 1);
            double z = log(n), s = 0.5 * exp(2 * z / 3);
            double sign = i < n / 2 ? -1 : i > n / 2 ? 1 : 0;
            double sd = 0.5 * sqrt(z * s * (n - s) / n) * sign;
            ptrdiff_t sub_lo = (ptrdiff_t)fmax((double)lo, (double)k - i * s / n + sd);
            ptrdiff_t sub_hi = (ptrdiff_t)fmin((double)hi, (double)k + (n - i) * s / n + sd);
            if (sub_lo <= k && k <= sub_hi)
                select_range(a, sub_lo, sub_hi, k);
        }
        int64_t t = a[k];
        ptrdiff_t i = lo, j = hi;
        swap_ns(&a[lo], &a[k]);
        if (a[hi] > t)
            swap_ns(&a[hi], &a[lo]);
        /* a[lo] <= t <= a[hi]: they stop both scans */
        while (i < j) {
            swap_ns(&a[i], &a[j]);
            i++;
            j--;
            while (a[i] < t)
                i++;
            while (a[j] > t)
                j--;
        }
        if (a[lo] == t) {
            swap_ns(&a[lo], &a[j]);
        } else {
            j++;
            swap_ns(&a[j], &a[hi]);
        }
        /* a[j] == t, a[lo..j) <= t <= a(j..hi] */
        if (j <= k)
            lo = j + 1;
        if (k <= j)
            hi = j - 1;
    }
}

/* The k-th smallest of a[0..n) (k < n), put in place as select_range does. */
static int64_t select_ns(int64_t *a, size_t n, size_t k)
{
    assert(k < n && n <= PTRDIFF_MAX);
    select_range(a, 0, (ptrdiff_t)n - 1, (ptrdiff_t)k);
    return a[k];
}

/* The order statistic k (k < n) from the histogram: the middle of its bucket,
 * clamped to the exact extremes. */
static int64_t hist_rank(const sim_lat *l, uint64_t k)
{
    uint64_t below = 0;
    size_t b = 0;
    while (below + l->hist[b] <= k)
        below += l->hist[b++];
    int64_t v = bucket_mid(b);
    return v < l->min ? l->min : v > l->max ? l->max : v;
}

/*
 * GSL's gsl_stats_quantile_from_sorted_data: linear between order statistics
 * (n-1)p and the next. Exact: by selection, without sorting (a selection puts
 * the order statistic k in place with everything after it no smaller, so the
 * next one is the minimum of the rest), in nanoseconds until the one division
 * into seconds. From the histogram: the same, on the buckets' middles.
 */
double sim_lat_quantile(sim_lat *l, double p)
{
    assert(l->n > 0);
    double h = (double)(l->n - 1) * p;
    uint64_t k = (uint64_t)h;
    int64_t lo, hi;
    if (l->hist) {
        lo = hist_rank(l, k);
        if (k + 1 >= l->n || h == (double)k)
            return (double)lo / 1e9;
        hi = hist_rank(l, k + 1);
    } else {
        /* Quantiles asked in ascending order (as the metrics do) select in
         * what the previous selection left above its rank: a shrinking part. */
        size_t n = l->n_v;
        if ((size_t)k >= l->sel_lo) {
            lo = select_ns(l->v + l->sel_lo, n - l->sel_lo, (size_t)k - l->sel_lo);
            l->sel_lo = (size_t)k + 1;
        } else { /* within the selected prefix, which stays the smallest */
            lo = select_ns(l->v, l->sel_lo, (size_t)k);
        }
        if (k + 1 >= n || h == (double)k)
            return (double)lo / 1e9;
        hi = l->v[k + 1];
        for (size_t i = (size_t)k + 2; i < n; i++)
            if (l->v[i] < hi)
                hi = l->v[i];
    }
    return ((double)lo + (h - (double)k) * (double)(hi - lo)) / 1e9;
}

double sim_lat_mean_s(const sim_lat *l)
{
    assert(l->n > 0);
    lat_u128 s = (lat_u128)l->sum_hi << 64 | l->sum_lo;
    uint64_t q = (uint64_t)(s / l->n), r = (uint64_t)(s % l->n);
    return ((double)q + (double)r / (double)l->n) / 1e9;
}

static void row(FILE *f, const char *policy, int rep, int64_t ns)
{
    sim_csv_field(f, policy);
    fprintf(f, ",%d,%" PRId64 ".%09" PRId64, rep, ns / 1000000000, ns % 1000000000);
    sim_version_csv_fields(f);
    fputc('\n', f);
}

/* One spilled run being merged: a window of it in memory. */
enum { RUN_BUF = 1024 };
typedef struct run_rd {
    uint64_t at, left; /* next value's position in the spill, values not yet read */
    size_t pos, len;
    int64_t buf[RUN_BUF];
} run_rd;

static int run_fill(FILE *f, run_rd *r)
{
    size_t want = r->left < RUN_BUF ? (size_t)r->left : RUN_BUF;
    if (fseeko(f, (off_t)(r->at * sizeof(int64_t)), SEEK_SET) != 0 ||
        fread(r->buf, sizeof(int64_t), want, f) != want)
        return -1;
    r->at += want;
    r->left -= want;
    r->pos = 0;
    r->len = want;
    return 0;
}

/* Restores the min-heap of runs (by their current value) below slot i. */
static void heap_down(run_rd **h, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, a = 2 * i + 1, b = a + 1;
        if (a < n && h[a]->buf[h[a]->pos] < h[m]->buf[h[m]->pos])
            m = a;
        if (b < n && h[b]->buf[h[b]->pos] < h[m]->buf[h[m]->pos])
            m = b;
        if (m == i)
            return;
        run_rd *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merges the spilled runs into rows (equal values print alike: ties need no order). */
static int merge_runs(sim_lat *l, FILE *f, const char *policy, int rep)
{
    size_t n = l->n_runs;
    run_rd *rd = sim_xcalloc(n, sizeof *rd);
    run_rd **h = sim_xcalloc(n, sizeof *h);
    int rc = fflush(l->spill) == 0 ? 0 : -1;
    uint64_t at = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rd[i].at = at;
        rd[i].left = l->runs[i];
        at += l->runs[i];
        rc = run_fill(l->spill, &rd[i]);
        h[i] = &rd[i];
    }
    for (size_t i = n / 2; rc == 0 && i-- > 0;)
        heap_down(h, n, i);
    while (rc == 0 && n > 0) {
        run_rd *r = h[0];
        row(f, policy, rep, r->buf[r->pos++]);
        if (r->pos == r->len && (r->left == 0 || (rc = run_fill(l->spill, r)) != 0))
            h[0] = h[--n]; /* this run is done */
        heap_down(h, n, 0);
    }
    free(h);
    free(rd);
    return rc;
}

int sim_lat_write(sim_lat *l, FILE *f, const char *policy, int rep)
{
    assert(l->keep_all);
    if (!l->hist) {
        if (l->n_v > 0) /* v is NULL when nothing was delivered: qsort must not see it */
            qsort(l->v, l->n_v, sizeof *l->v, cmp_ns);
        for (size_t i = 0; i < l->n_v; i++)
            row(f, policy, rep, l->v[i]);
        return 0;
    }
    spill_run(l);
    if (l->spill_failed)
        return -1;
    return merge_runs(l, f, policy, rep);
}
