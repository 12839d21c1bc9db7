/*
 * fit_internal.h — what `dsim fit` learns from logs (fit_log.c, fit_lines.c) and
 * turns into a scenario (fit.c). Times are nanoseconds since
 * 1970-01-01T00:00:00Z for the reference's lines (their RFC 3339 timestamps)
 * and since the run's start for dsim's records.
 */
#ifndef DSIM_FIT_INTERNAL_H
#define DSIM_FIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fit_mle.h"
#include "fit.h"
#include "outfile.h"
#include "sim_error.h"
#include "strmap.h"

#define FIT_LABEL_MAX 80

/* One utterance (a trace row). */
typedef struct fit_utt {
    uint32_t session;  /* fit_log.sessions index */
    int64_t index;     /* utterance_index as logged */
    int64_t end;       /* job creation / finalize time */
    double audio_s;    /* NaN when unknown */
} fit_utt;

typedef struct fit_node {
    char label[FIT_LABEL_MAX];
    uint32_t registrations;
    uint64_t heartbeats;
    double running_sum;        /* sum of running_jobs over heartbeats */
    int64_t last_beat;         /* time of the last heartbeat, or -1 */
    double beat_gap_sum;       /* sum of intervals between consecutive heartbeats */
    uint64_t beat_gaps;
    sim_fit_obs *obs;          /* its attempts' dispatch-to-result times (owned) */
    int64_t *start;            /* each one's dispatch time (parallel to obs, owned) */
    size_t n_obs, cap_obs;
    size_t exact, censored;
    size_t upgraded;           /* results after a timeout: the work went on */
    size_t aborted;            /* failures after a timeout: the cancel aborted it */
    uint64_t running_reports;  /* heartbeats with resource_usage.running_jobs (running_sum's) */
} fit_node;

/* What a set of logs shows. */
typedef struct fit_log {
    /* per file (for the provenance) */
    size_t n_files;
    char **files;              /* borrowed paths */
    uint64_t *file_lines, *file_used, *file_ignored;
    char (*file_format)[8];    /* "lingua", "dsim", "mixed", "none" */
    sim_progress *progress;    /* counts the bytes read (sim_fit_opts), or NULL */

    sim_strmap session_ids, node_ids, job_ids;
    char **session_labels;     /* by index, owned */
    size_t n_sessions, cap_sessions;
    fit_utt *utts;
    size_t n_utts, cap_utts;
    bool from_finalize;        /* utterances from "Finalizing audio utterance" lines */
    fit_node *nodes;
    size_t n_nodes, cap_nodes;
    void *jobs;                /* fit_log.c's job states */
    size_t n_jobs, cap_jobs;
    int64_t t_first, t_last;   /* first and last time seen (t_first: INT64_MAX if none) */

    /* policy evidence */
    char commit[16];           /* "98e3526", "af7c4a9", "467aee4", or "" */
    char commit_from[160];     /* the line that shows it: "FILE:LINE" */
    bool mixed_commits;
    double dispatch_timeout_s; /* NaN when not logged */
    int64_t max_failovers;     /* -1 when not logged */
    double pending_timeout_s;  /* NaN when not logged */
    int64_t ack_timeout_ms;    /* -1 when not logged */
    char dsim_policy[128];     /* dsim's format: the policy of the run read */
    uint64_t timeouts, failovers, results, stale_results, failed_results, ack_discards,
        late_after_cancel, failed_after_cancel, open_at_end, zero_dropped;
} fit_log;

/* A class of nodes that look alike, and its fitted turnaround. */
typedef struct fit_class {
    size_t *members;           /* fit_log.nodes indices, owned */
    size_t n_members;
    sim_fit_obs *obs;          /* pooled, sorted (owned) */
    size_t n, exact;
    sim_fit fits[SIM_FIT_FAMILIES];
    int best;                  /* least AIC, or -1 when no family converged */
    double ks_critical;        /* sim_fit_ks_critical(exact) */
    bool empirical;            /* no family within ks_critical: Kaplan-Meier quantiles */
    double *samples;           /* empirical: SIM_FIT_EMPIRICAL_SAMPLES, owned */
    size_t n_samples;
    double tail_mass;          /* empirical: KM mass beyond the last exact time */
} fit_class;

/*
 * Groups lg's nodes into classes (in order of first appearance, a node joins
 * the first class whose pooled Kaplan-Meier estimate is within the two-sample
 * Kolmogorov-Smirnov bound at 1 % of its own, 1.628 sqrt((n+m)/(n m)) over
 * exact counts, else starts a class; nodes with fewer than SIM_FIT_MIN_EXACT
 * exact observations join the class with the most), then fits each class.
 * Returns the number of classes (0 when no node has an observation) with
 * *out owned by the caller (sim__fit_classes_free).
 */
size_t sim__fit_classes(const fit_log *lg, fit_class **out);

/*
 * --serial-nodes: turns each node's dispatch-to-result times into service
 * times, as a node that runs one attempt at a time, first come first served,
 * would have spent them: S_i = D_i - max(A_i, D_(i-1)) over its attempts in
 * order of dispatch (A arrival, D result or censoring time; network delay
 * neglected). An attempt with no time left is dropped: *out_of_order counts
 * the results that came before an earlier attempt's (a serial node never
 * does that), *never_started the censored ones that had not begun.
 */
void sim__fit_serial(fit_log *lg, size_t *out_of_order, size_t *never_started);
void sim__fit_classes_free(fit_class *c, size_t n);

/* Reads each log (both formats) into lg (zeroed by the caller). Returns 0, or
 * -1 with err naming FILE:LINE. */
int sim__fit_read(fit_log *lg, char **files, size_t n_files, sim_error *err);

/* Frees what sim__fit_read allocated. */
void sim__fit_log_free(fit_log *lg);

/* ---- a log read: its tables and attempts (fit_log.c), its lines (fit_lines.c) ---- */

enum { FIT_A_OPEN, FIT_A_CENSORED, FIT_A_DONE };

typedef struct fit_attempt {
    uint32_t node;
    int64_t start, id;
    size_t obs;       /* index into the node's obs once it ended */
    int state;
} fit_attempt;

typedef struct fit_job {
    fit_attempt *a;
    size_t n, cap;
    int64_t created;
    uint32_t session;
    int64_t index;
    bool has_utt;
    bool stale;       /* the last line was a stale-result warning for this job */
    uint32_t stale_node;
    int64_t stale_attempt; /* the warning's attempt_id (1, 2, ... per job), or 0 */
} fit_job;


/* The number of a session, a node (may move lg->nodes) or a job, by its label;
 * a label seen first gets the next number. */
uint32_t sim__fit_session_of(fit_log *lg, const char *label);
uint32_t sim__fit_node_of(fit_log *lg, const char *label);
fit_job *sim__fit_job_of(fit_log *lg, const char *label);
/* Adds an utterance (a trace row). */
void sim__fit_add_utt(fit_log *lg, uint32_t session, int64_t index, int64_t end, double audio_s);
/* Opens attempt id of job j on node at time start. */
void sim__fit_open_attempt(fit_log *lg, fit_job *j, uint32_t node, int64_t start, int64_t id);
/* Ends attempt a at time t: exact (a result) or censored. A censored one that
 * timed out stays open to a later result (FIT_A_CENSORED). */
void sim__fit_end_attempt(fit_log *lg, fit_attempt *a, int64_t t, bool censored, bool timed_out);
/* The job's current (last) attempt when it is still out, else NULL. */
fit_attempt *sim__fit_current(fit_job *j);
/* Job j's attempt numbered id (the last such), or NULL. */
fit_attempt *sim__fit_attempt_id(fit_job *j, int64_t id);

/* One reference line at time t, checked by logread.c. Returns 1, 0 when it says
 * nothing fit uses, -1 with err naming path:line. */
int sim__fit_lingua_line(fit_log *lg, const json_t *root, const char *msg, int64_t t,
                         const char *path, uint64_t line, sim_error *err);
/* One of dsim's records (event at time t). Returns whether fit uses it. */
bool sim__fit_dsim_record(fit_log *lg, const json_t *root, const char *event, int64_t t);

/* ---- the workload and the outputs (fit_trace.c) ---- */

typedef struct trace_facts {
    size_t rows, duplicates, renumbered, reordered, audio_known;
    int64_t epoch; /* ns since 1970 of the scenario's time 0 */
} trace_facts;

/* Sorts and cleans the utterances: one per (session, index), indices 0, 1, ...
 * per session, end times not decreasing with the index. */
void sim__fit_clean_trace(fit_log *lg, trace_facts *tf);
/* The trace's rows, times from epoch. */
void sim__fit_write_trace(const fit_log *lg, FILE *f, int64_t epoch);
/* Whether every audio length is unknown or in a trace's range; else err. */
bool sim__fit_check_audio(const fit_log *lg, const char *logs, sim_error *err);
/* Whether every utterance's time from epoch is in a trace's range; else err. */
bool sim__fit_check_trace(const fit_log *lg, const char *logs, int64_t epoch, bool lingua,
                          sim_error *err);
/* Whether the scenario of these classes and this (cleaned) trace loads under the
 * default limits (sim_limits_default: nodes, sessions x the longest session) and
 * the open sessions a run holds without linger_s; else err names the limit. */
bool sim__fit_check_limits(const fit_log *lg, const fit_class *cls, size_t n_cls,
                           const char *logs, sim_error *err);
/* Whether path (the output `what`) names no input log and is a regular file if
 * it exists; else err. */
bool sim__fit_check_output(const sim_fit_opts *o, const char *path, const char *what,
                           sim_error *err);
/* Puts the trace and the scenario into place together. Returns 0 or -1 (err). */
int sim__fit_commit_both(sim_outfile *tr, sim_outfile *sc, sim_error *err);

#endif
