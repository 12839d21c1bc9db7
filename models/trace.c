/*
 * trace.c — a replayed workload's rows (trace.h).
 */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *dup_or_die(const void *p, size_t bytes)
{
    void *q = malloc(bytes ? bytes : 1);
    if (!q) {
        fputs("dsim: out of memory (trace)\n", stderr);
        abort();
    }
    if (bytes)
        memcpy(q, p, bytes);
    return q;
}

wl_trace *wl_trace_copy(const wl_trace *t)
{
    if (!t)
        return NULL;
    wl_trace *c = dup_or_die(t, sizeof *t);
    c->first = dup_or_die(t->first, ((size_t)t->n_sessions + 1) * sizeof *t->first);
    c->end = dup_or_die(t->end, (size_t)t->n * sizeof *t->end);
    c->audio = dup_or_die(t->audio, (size_t)t->n * sizeof *t->audio);
    return c;
}

void wl_trace_free(wl_trace *t)
{
    if (!t)
        return;
    free(t->first);
    free(t->end);
    free(t->audio);
    free(t);
}

uint32_t wl_trace_count(const wl_trace *t, uint32_t s)
{
    if (!t || s >= t->n_sessions)
        return 0;
    return (uint32_t)(t->first[s + 1] - t->first[s]);
}

int64_t wl_trace_last_end(const wl_trace *t)
{
    int64_t m = 0;
    for (uint64_t i = 0; t && i < t->n; i++)
        m = t->end[i] > m ? t->end[i] : m;
    return m;
}
