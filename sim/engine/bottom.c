/*
 * bottom.c — the ladder queue's Bottom: the events due before the lowest rung's
 * current bucket, in (time, sequence) order (see queue.h).
 *
 * Two parts. The run holds a bucket moved down from a rung, sorted, and is
 * consumed from its head in O(1). The heap (4-ary) holds events inserted into
 * Bottom directly (scheduled before the current bucket's end, e.g. at `now`). The
 * minimum is the smaller of the run's head and the heap's root.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "xalloc.h"

/* Buckets up to this size are insertion-sorted, larger ones merge-sorted. */
#define SORT_MAX 32

void sim_bottom__free(sim_bottom *b)
{
    free(b->run);
    free(b->tmp);
    free(b->heap);
    memset(b, 0, sizeof *b);
}

static void sift_down(sim_bottom_ent *h, size_t n, size_t i, sim_bottom_ent x)
{
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t m = c;
        size_t last = c + 4 < n ? c + 4 : n;
        for (size_t j = c + 1; j < last; j++)
            m = h[j].key < h[m].key ? j : m;
        if (!(h[m].key < x.key))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

void sim_bottom__heapify(sim_bottom *b)
{
    size_t n = b->hn;
    if (n > 1) {
        for (size_t i = (n - 2) / 4 + 1; i-- > 0;)
            sift_down(b->heap, n, i, b->heap[i]);
    }
}

void sim_bottom__push(sim_bottom *b, sim_bottom_ent x)
{
    /* After everything in the run (the usual case: a new event later than the
     * bucket's last one, or the run used up): append, O(1), and the heap stays
     * small. The run stays sorted; the minimum is still the smaller of the two. */
    if (b->rhead == b->rn) {
        if (b->hn == 0) {
            b->rhead = b->rn = 0;
            b->run = sim_xgrow(b->run, &b->rcap, 1, sizeof *b->run, 64);
            b->run[b->rn++] = x;
            return;
        }
    } else if (b->run[b->rn - 1].key < x.key) {
        if (b->rn == b->rcap)
            b->run = sim_xgrow(b->run, &b->rcap, b->rn + 1, sizeof *b->run, 64);
        b->run[b->rn++] = x;
        return;
    }
    b->heap = sim_xgrow(b->heap, &b->hcap, b->hn + 1, sizeof *b->heap, 64);
    sim_bottom_ent *h = b->heap;
    size_t i = b->hn++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!(x.key < h[p].key))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

sim_bottom_ent *sim_bottom__fill_begin(sim_bottom *b, size_t n)
{
    assert(b->rhead == b->rn);
    b->run = sim_xgrow(b->run, &b->rcap, n ? n : 1, sizeof *b->run, 64);
    b->rhead = b->rn = 0;
    return b->run;
}

/* The end of the ascending run that starts at i. */
static size_t run_end(const sim_bottom_ent *r, size_t i, size_t n)
{
    while (i + 1 < n && r[i].key < r[i + 1].key)
        i++;
    return i + 1;
}

static void merge(const sim_bottom_ent *a, size_t na, const sim_bottom_ent *b, size_t nb,
                  sim_bottom_ent *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb)
        out[k++] = b[j].key < a[i].key ? b[j++] : a[i++];
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
}

/* Natural merge sort of run[0..n): descending runs are reversed, then adjacent
 * runs are merged pass by pass, so a bucket made of a few ordered stretches (the
 * usual case: events that share one timestamp, pushed in sequence) sorts in O(n). */
static void sort_run(sim_bottom *b, size_t n)
{
    sim_bottom_ent *r = b->run;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (j < n && r[j].key < r[i].key) {
            while (j < n && r[j].key < r[j - 1].key)
                j++;
            for (size_t x = i, y = j - 1; x < y; x++, y--) {
                sim_bottom_ent t = r[x];
                r[x] = r[y];
                r[y] = t;
            }
        } else {
            j = run_end(r, i, n);
        }
        i = j;
    }
    if (run_end(r, 0, n) == n)
        return;
    b->tmp = sim_xgrow(b->tmp, &b->tcap, n, sizeof *b->tmp, 64);
    for (;;) { /* each pass at least halves the number of runs */
        size_t i = 0;
        while (i < n) {
            size_t m = run_end(b->run, i, n);
            size_t e = m < n ? run_end(b->run, m, n) : n;
            merge(b->run + i, m - i, b->run + m, e - m, b->tmp + i);
            i = e;
        }
        sim_bottom_ent *t = b->run;
        size_t tc = b->rcap;
        b->run = b->tmp;
        b->rcap = b->tcap;
        b->tmp = t;
        b->tcap = tc;
        if (run_end(b->run, 0, n) == n)
            return;
    }
}

void sim_bottom__fill_end(sim_bottom *b, size_t n)
{
    sim_bottom_ent *r = b->run;
    if (n <= SORT_MAX) {
        for (size_t i = 1; i < n; i++) {
            sim_bottom_ent x = r[i];
            size_t j = i;
            while (j > 0 && x.key < r[j - 1].key) {
                r[j] = r[j - 1];
                j--;
            }
            r[j] = x;
        }
    } else {
        sort_run(b, n);
    }
    b->rn = n;
}

const sim_bottom_ent *sim_bottom__min(sim_bottom *b)
{
    bool run = b->rhead < b->rn;
    if (b->hn == 0) {
        if (!run)
            return NULL;
    } else if (!run || !(b->run[b->rhead].key < b->heap[0].key)) {
        b->min_in_run = false;
        return &b->heap[0];
    }
    b->min_in_run = true;
    return &b->run[b->rhead];
}

void sim_bottom__pop(sim_bottom *b)
{
    if (b->min_in_run) {
        assert(b->rhead < b->rn);
        b->rhead++;
        return;
    }
    assert(b->hn > 0);
    b->hn--;
    if (b->hn > 0)
        sift_down(b->heap, b->hn, 0, b->heap[b->hn]);
}
