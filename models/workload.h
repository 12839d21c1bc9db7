/*
 * workload.h — sessions and utterances, as pure functions of a config and a keyed
 * random stream.
 *
 * A session starts at a time drawn from session_start; it speaks
 * utterances_per_session utterances, each a gap (silence) then audio. Utterance i
 * ends — and its job is created — at start + sum over k <= i of (gap_k + audio_k).
 * The driver keys the streams: one per session for the start, one per
 * (session, utterance) for the gap and audio, so every policy sees the same speech.
 * Nothing here touches a queue.
 *
 * A replayed workload (c->trace, trace.h) gives each session's utterance end
 * times instead: nothing is drawn but the audio length of an utterance the trace
 * does not know (from audio_s, with the same stream).
 */
#ifndef DSIM_WORKLOAD_H
#define DSIM_WORKLOAD_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "config.h"

/* One utterance, in ns. */
typedef struct wl_utterance {
    uint32_t index; /* utterance_index, 0, 1, ... */
    int64_t gap;    /* silence before it */
    int64_t audio;  /* its audio length */
    int64_t end;    /* when it ends: the job is created then */
} wl_utterance;

/* Where a session is: the caller owns it (no allocation). */
typedef struct wl_cursor {
    int64_t t;        /* end of the last utterance (the session start before the first) */
    uint32_t next;    /* index of the next utterance */
    uint32_t session; /* which session (a trace's rows) */
} wl_cursor;

/* The start time (ns) of session `session`, drawn from session_start with `r`
 * (one draw); of a trace: its first utterance's end less that utterance's audio
 * when known (no draw). */
int64_t wl_session_start(const wl_config *c, uint32_t session, gsl_rng *r);

/* Puts a cursor at a session's start. */
void wl_cursor_init(wl_cursor *cur, uint32_t session, int64_t start);

/*
 * The session's next utterance: draws its gap, then its audio (audio_s's
 * per_audio_s is ignored: there is no audio yet) from `r`, which the driver keyed
 * by (session, cur->next). Fills *out and moves the cursor. Returns 0, or -1 when
 * the session has spoken all its utterances (then nothing is drawn).
 */
int wl_next_utterance(const wl_config *c, wl_cursor *cur, gsl_rng *r, wl_utterance *out);

/* The value wl_close_time() gives for a session without a close time. */
#define WL_NEVER INT64_MAX

/* When a session whose last utterance ended at `last_end` closes: last_end +
 * linger_s (saturating at DIST_NS_MAX), or WL_NEVER when linger_s is
 * WL_LINGER_UNTIL_DRAINED (the driver decides: when the run has drained). */
int64_t wl_close_time(const wl_config *c, int64_t last_end);

#endif
