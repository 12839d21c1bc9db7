/*
 * trace.h — a replayed workload: the sessions and the end time of each of their
 * utterances, as a log showed them (`workload: {"trace": "FILE"}`).
 *
 * Rows are held session by session, each session's utterances in index order
 * 0, 1, 2, ... with non-decreasing end times (the loader in sim/ checks both).
 * Times are ns. An audio length the trace does not know is WL_TRACE_NO_AUDIO:
 * the workload then draws it from audio_s (workload.h).
 */
#ifndef DSIM_TRACE_H
#define DSIM_TRACE_H

#include <stdint.h>

#define WL_TRACE_NO_AUDIO INT64_C(-1)

typedef struct wl_trace {
    uint32_t n_sessions;
    uint32_t max_per_session; /* the longest session's utterances */
    uint64_t n;               /* rows: utterances in all */
    uint64_t *first;          /* n_sessions + 1: session s is rows [first[s], first[s+1]) */
    int64_t *end;             /* per row: when the utterance ends (its job is created) */
    int64_t *audio;           /* per row: its audio length, or WL_TRACE_NO_AUDIO */
} wl_trace;

/* A deep copy of t (NULL for NULL); wl_trace_free frees one (NULL is fine). */
wl_trace *wl_trace_copy(const wl_trace *t);
void wl_trace_free(wl_trace *t);

/* The utterances of session s (0 when s is out of range). */
uint32_t wl_trace_count(const wl_trace *t, uint32_t s);

/* The latest end time of the trace, ns (0 when it is empty). */
int64_t wl_trace_last_end(const wl_trace *t);

#endif
