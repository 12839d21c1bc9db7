/*
 * timeline.h — a run as a Chrome trace-event file (the JSON object form,
 * {"traceEvents": [...]}), which ui.perfetto.dev and chrome://tracing open.
 *
 * One process per (policy, replication), pid = 1 + policy x replications +
 * replication, named "POLICY #REP"; in it a thread for the scheduler (tid 1),
 * one per session (tid 2 + session), and per node a queue track and a thread
 * per worker (a block per node after the sessions), and more queue tracks for a
 * node whose waits overlap (after the last block; each wait on the node's
 * lowest-numbered queue track free when it starts, so slices on a track nest or
 * are disjoint); every tid is below 2^31. Every attempt that reached a node is
 * one complete event (ph "X", cat "attempt") on the worker that ran it — on a
 * queue track of its node when it never ran — with its wait on a queue track
 * and its stages (and cold start, stall) nested; the scheduler's log records
 * and its assigns and cancels are instants on the scheduler thread, what the
 * client received is instants on the session's thread; flow arrows join an
 * assign to its attempt and an attempt to the delivery its result caused.
 * Timestamps are microseconds written exactly from integer nanoseconds
 * ("12.345678901" s is ts 12345678.901).
 *
 * Records of one run are written in simulated-time order as they happen
 * (instants), and the attempts at the end of the run, in assign order (an
 * attempt's outcome is known only when its result has reached the client), so
 * a run holds its attempts in memory (about 150 bytes each) until it ends.
 */
#ifndef DSIM_TIMELINE_H
#define DSIM_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dispatcher.h"
#include "node.h"
#include "scenario.h"

/* What --timeline-filter keeps. */
typedef struct sim_tl_filter {
    char policy[256];   /* "" = every policy */
    int replication;    /* -1 = every replication */
    int64_t session;    /* -1 = every session */
    int64_t from, to;   /* ns: events that overlap [from, to]; to = INT64_MAX */
} sim_tl_filter;

/* The filter that keeps everything. */
void sim_tl_filter_all(sim_tl_filter *f);

/* Parses "policy=NAME,replication=R,session=S,from=SECONDS,to=SECONDS" (any
 * subset, any order; a policy name may hold commas). Returns 0, or -1 with err
 * naming the key and what was expected. */
int sim_tl_filter_parse(const char *text, sim_tl_filter *f, sim_error *err);

/* Checks the filter against the scenario (the policy exists, the replication
 * and the session are in range). Returns 0 or -1 with err. */
int sim_tl_filter_check(const sim_tl_filter *f, const sim_scenario *s, sim_error *err);

/* Bytes a timeline of s would take at about SIM_TL_BYTES_PER_UTTERANCE per
 * utterance of every run the filter keeps (the incident world takes about 2800;
 * from/to are not counted). */
#define SIM_TL_BYTES_PER_UTTERANCE 3000u
#define SIM_TL_WARN_BYTES UINT64_C(500000000) /* above this, dsim warns on stderr */
uint64_t sim_tl_estimate(const sim_scenario *s, const sim_tl_filter *f);

/* The file's head (with process 0, named "dsim " + title) and its tail. */
void sim_tl_head(FILE *f, const char *title);
#define SIM_TL_TAIL "\n]}\n"

/* The writer of one run, its pid pid_base + 1 + policy x replications + rep
 * (dsim check: pid_base counts the runs of the files before). NULL (and every call below a no-op) when the filter
 * drops the run. */
typedef struct sim_tl sim_tl;
sim_tl *sim_tl_new(FILE *f, const sim_tl_filter *flt, const sim_scenario *s, size_t policy,
                   int rep, uint64_t pid_base);

/* The core's commands (assign, cancel, log records, deliveries). */
void sim_tl_cmd(sim_tl *t, const disp_cmd *c);
/* An assign arrived at its node. */
void sim_tl_arrived(sim_tl *t, int64_t now, uint64_t job, uint32_t attempt);
/* A node's END output (the attempt left the node). */
void sim_tl_node_end(sim_tl *t, int64_t at, const node_out *o);
/* Node `node` went down (a crash fault; up = false) or came back up at `at`:
 * an instant on the node's queue track. */
void sim_tl_node_state(sim_tl *t, int64_t at, uint32_t id, bool up);
/* The result of (job, attempt) was lost on the network. */
void sim_tl_result_lost(sim_tl *t, uint64_t job, uint32_t attempt);
/* The client received a delivery (first: its first copy of the utterance) or,
 * when !deliver, an error (code). job and attempt: whose result it was. */
void sim_tl_client(sim_tl *t, int64_t now, bool deliver, bool first, int code, uint64_t session,
                   uint32_t index, uint64_t job, uint32_t attempt);
void sim_tl_session_close(sim_tl *t, int64_t now, uint64_t session);
/* Ends the run at `now`: a never_delivered instant for every utterance the
 * client `c` (simworld.h; NULL after a failed run: none) never received, at its
 * session's close (or `now`), then every attempt. Frees t. */
struct sim_client;
void sim_tl_finish(sim_tl *t, int64_t now, const struct sim_client *c);

#endif
