/*
 * invariants.h — the built-in trace invariants: promises the core and the world
 * keep whatever the policy, checked on the events of one replication as they
 * happen.
 *
 * The world feeds a checker what happens (sim/world.c, when sim_run_opts.invariants
 * is set: `dsim check` and `dsim hunt` set it); a test can feed one a trace of its
 * own (tests/test_invariants.c breaks each). The first violation is kept, with
 * its time and what it was; later events are still accepted and ignored.
 *
 *   conserved          every utterance ends once; at the end, the client's figures
 *                      agree with an independent count: utterances = those that
 *                      ended, delivered = those with a copy, duplicates = the extra
 *                      copies, delivered + lost = utterances, the lost_by_cause
 *                      counts add up to lost
 *   spoken_first       no command names an utterance that has not ended (the core
 *                      cannot assign, deliver or fail a job before it exists), and
 *                      every delivery comes at or after its utterance's end
 *   one_job            an utterance's attempts all belong to one job of the core
 *   attempts_bounded   per job, attempt ids strictly increase; first dispatch plus
 *                      failovers (non-hedge assigns) <= max_failovers + 1; hedges
 *                      <= (max_failovers + 1) x hedge.max_extra; so attempts <=
 *                      max_failovers + 1 + hedges
 *   cancel_assigned    a cancel goes to a node the job was assigned to
 *   backed             the core delivers an utterance no more often than nodes'
 *                      successful results for it reached the core
 *   client_sent        the client receives no more copies than the core sent
 *   ordered_once       under result_queue "ordered": no index released twice,
 *   ordered_forward    and a session's released indices only increase
 *   time_forward       time never goes back between events
 */
#ifndef DSIM_INVARIANTS_H
#define DSIM_INVARIANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "dispatcher.h"
#include "metrics.h"

typedef struct sim_inv_config {
    uint32_t n_sessions, per_session; /* the workload's shape */
    bool ordered;                     /* result_queue "ordered" */
    int max_failovers;                /* the policy's */
    int hedge_max_extra;              /* 0 without hedging */
} sim_inv_config;

typedef struct sim_inv sim_inv;

/* A checker for one replication (free with sim_inv_free; NULL is a no-op there
 * and in every feeding function, so the world calls them unconditionally). */
sim_inv *sim_inv_new(const sim_inv_config *c);
void sim_inv_free(sim_inv *v);

/* Utterance (session, index) ended at `now`: its job is created. */
void sim_inv_utterance(sim_inv *v, int64_t now, uint64_t session, uint32_t index);
/* A node's result for (session, index) reaches the core. */
void sim_inv_result(sim_inv *v, int64_t now, uint64_t session, uint32_t index, bool success);
/* Every command the core emits (assign, cancel, deliver, error, log). */
void sim_inv_cmd(sim_inv *v, const disp_cmd *c);
/* The client receives a delivery (deliver) or an error for (session, index). */
void sim_inv_client(sim_inv *v, int64_t now, bool deliver, uint64_t session, uint32_t index);
/* The run's figures, at its end: the conservation checks. */
void sim_inv_finish(sim_inv *v, const double m[SIM_M_COUNT]);

/* True once an invariant was broken; then sim_inv_what says which and how
 * ("ordered_once: session 0 index 3 released twice, at t=12.5 s"). */
bool sim_inv_broken(const sim_inv *v);
const char *sim_inv_what(const sim_inv *v);
/* The name alone ("ordered_once"), or "" when none was broken. */
const char *sim_inv_name(const sim_inv *v);

/* The names, NULL-terminated, in the order above (for help texts). */
extern const char *const sim_inv_names[];

#endif
