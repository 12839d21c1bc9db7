/*
 * hunt.h — `dsim hunt`: search worlds for a run that breaks a policy's promise,
 * shrink it to a small scenario that still does, keep it as a regression check.
 *
 * A trial is one run (replication 0) of the hunted policy in a world drawn from
 * the scenario: a seed and a value of each varied knob, drawn from a stream keyed
 * by (the hunt's seed, trial number), so trial t is the same world whatever the
 * thread count. A run breaks the hunt when a built-in trace invariant breaks
 * (invariants.h) or an invariant over its metrics does not hold. The search runs
 * trials 0, 1, ... on several threads and reports the lowest-numbered trial that
 * broke (every trial below it was judged), or none within the budget.
 *
 * Shrinking (hunt_shrink.c) edits the breaking world one step at a time through
 * sim_scenario_set, keeping the seed, and accepts a step only when the edited
 * world still breaks the same way: the same invariant and, for one on lost or
 * lost_rate, the same leading cause of loss (a world shrunk to one overloaded
 * node loses results too, but not the way that was found).
 */
#ifndef DSIM_HUNT_H
#define DSIM_HUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "scenario.h"
#include "tune.h"

#define SIM_HUNT_INVARIANTS_MAX 16
#define SIM_HUNT_VARY_MAX SIM_HUNT_KNOBS_MAX
#define SIM_HUNT_VALUE_LEN 160
#define SIM_HUNT_BUDGET_DEFAULT 200

/* --- invariants over metrics ----------------------------------------------------- */

/*
 * "EXPR OP EXPR" with OP one of <=, >=, == and each side in tune's expression
 * language (tune.h: sums of NUMBER*METRIC and numbers). The two sides together
 * must name exactly one metric (with a non-zero coefficient), so the invariant
 * is a bound on it, which an `expect` block can state: "2*duplicates <= 4" is
 * duplicates <= 2. Checked per run, as `dsim check` checks a bound on a mean of
 * one replication (sim_expect_holds: `==` within 1e-9 relative; an undefined
 * value, a latency of a run that delivered nothing, breaks every bound).
 */
typedef struct sim_hunt_invariant {
    char text[256];
    sim_metric metric;
    sim_expect bound; /* min / max / equals on the mean; policy and metric filled */
} sim_hunt_invariant;

/* Returns 0, or -1 with err ("--invariant 'x': ..."). */
int sim_hunt_invariant_parse(const char *text, sim_hunt_invariant *out, sim_error *err);

/* --- judging one run ---------------------------------------------------------------- */

typedef struct sim_hunt_verdict {
    bool broken;
    int which;      /* -1: a built-in invariant; else the index of the invariant */
    char name[64];  /* the built-in's name, or the invariant's metric */
    char what[600]; /* "duplicates == 0: duplicates = 3", or the built-in's message */
    int cause;      /* for an invariant on lost or lost_rate: the lost_by_cause metric that
                       lost the most (shrinking keeps it), else -1 */
} sim_hunt_verdict;

/*
 * Runs replication 0 of policy `policy` of s with the built-in invariants on and
 * judges it against inv[0..n). Returns 0 with *out, or SIM_FAIL_INPUT /
 * SIM_FAIL_INTERNAL with err (the run could not be made).
 */
int sim_hunt_judge(const sim_scenario *s, size_t policy, const sim_hunt_invariant *inv, size_t n,
                   uint64_t max_events, sim_hunt_verdict *out, sim_error *err);

/* --- the search ------------------------------------------------------------------------ */

/* How a world is judged: sim_hunt_judge's signature (a test puts a failing one in). */
typedef int (*sim_hunt_judge_fn)(const sim_scenario *s, size_t policy,
                                 const sim_hunt_invariant *inv, size_t n, uint64_t max_events,
                                 sim_hunt_verdict *out, sim_error *err);

typedef struct sim_hunt_opts {
    const sim_scenario *base; /* the scenario as loaded */
    size_t policy;            /* the hunted policy */
    const sim_hunt_invariant *inv;
    size_t n_inv;
    const sim_tune_knob *vary; /* resolved (sim_tune_knob_resolve) */
    size_t n_vary;
    uint64_t seed;       /* the hunt's own seed */
    size_t budget;       /* trials at most */
    int jobs;            /* threads, >= 1 */
    sim_progress *progress; /* counts the search's runs, then the shrinking's (progress.h), or NULL */
    uint64_t max_events; /* per run, 0 = the default */
    sim_hunt_judge_fn judge; /* NULL: sim_hunt_judge */
} sim_hunt_opts;

typedef struct sim_hunt_trial {
    size_t index;
    uint64_t seed;                                     /* the world's scenario seed */
    char value[SIM_HUNT_VARY_MAX][SIM_HUNT_VALUE_LEN]; /* each knob's drawn value */
} sim_hunt_trial;

/* Combinations of the --vary boxes' ends tried by sim_hunt_vary_resolve, at most
 * (beyond its diagonals). */
#define SIM_HUNT_BOX_TRIES 256

/*
 * Checks the --vary boxes k[0..n) (parsed; text[i] their arguments, for messages)
 * together against s and settles their kinds. A box is drawn whole, beside the
 * others: every end of each (LO and HI; a list's every value) must make a world
 * the loader accepts with some end (or value) of each other box: the ends are
 * tried in combination (all LO, all HI, ..., then every combination, at most
 * SIM_HUNT_BOX_TRIES of them; beyond that an end not yet seen in a world is let
 * through unless the loader refuses it alone the same way, and a draw the loader
 * refuses is skipped). So min 4.5:5 beside max 6:7
 * passes over a file whose max is 4, min 1:3 beside max 2:10 passes (a draw of
 * min above max is skipped), min 4.5:7 beside max 5:6 is refused (min 7 makes a
 * world with no max of its box) and so is min 8:9 beside max 5:6 (no world at
 * all). A LO:HI knob written with integers becomes SIM_KNOB_INT when the field
 * refuses LO + 0.5 (beside the file's values and beside a combination where LO
 * loads). Returns 0, or -1 with err: "hunt: --vary 'TEXT': ...", naming the other
 * boxes when they take part, and the loader's message.
 */
int sim_hunt_vary_resolve(const sim_scenario *s, sim_tune_knob *k, const char *const *text,
                          size_t n, sim_error *err);

/* Draws trial t (seed and knob values, in *trial even on failure) and builds its
 * world: a copy of base with every knob set (a value refused beside a file value
 * another knob replaces is set after it), the seed set and one replication.
 * Returns 0, or -1 with err when the drawn values make a world the loader
 * refuses (workload.gap_s.min drawn above workload.gap_s.max). */
int sim_hunt_trial_world(const sim_hunt_opts *o, size_t t, sim_hunt_trial *trial,
                         sim_scenario *world, sim_error *err);

typedef struct sim_hunt_found {
    bool found;
    size_t runs;          /* trials up to and including the breaking one (or the budget) */
    /* Of those, trials whose drawn world the loader refused: skipped, not judged
     * (as a shrink step the core refuses is not taken); the lowest one's draws
     * and the loader's message. */
    size_t skipped;
    sim_hunt_trial skipped_trial;
    char skipped_why[512];
    sim_hunt_trial trial; /* the breaking trial */
    sim_scenario world;   /* its world (owned when found) */
    sim_hunt_verdict verdict;
} sim_hunt_found;

/* Runs the search. Returns 0 with *out (free with sim_hunt_found_free), or the
 * failure of the lowest trial that could not run (SIM_FAIL_*) with err. A trial
 * whose world the loader refuses is skipped and counted (out->skipped), not a
 * failure. */
int sim_hunt_search(const sim_hunt_opts *o, sim_hunt_found *out, sim_error *err);
void sim_hunt_found_free(sim_hunt_found *f);

/* --- shrinking (hunt_shrink.c) --------------------------------------------------------- */

#define SIM_HUNT_SHRINK_RUNS_MAX 3000
/* utterances the sessions x utterances step may simulate in one pass */
#define SIM_HUNT_GRID_COST 200000

typedef struct sim_hunt_shrunk {
    sim_scenario world; /* the smallest world found that still breaks (owned) */
    sim_hunt_verdict verdict;
    char **steps; /* accepted steps, "workload.sessions 5 -> 1" (owned) */
    size_t n_steps;
    size_t runs; /* runs the shrinking took */
} sim_hunt_shrunk;

/*
 * Shrinks f->world (which breaks f->verdict's invariant): fewer sessions, fewer
 * utterances (the tail after the violation cut, then bisection, then the
 * smallest product sessions x utterances that breaks), fewer nodes,
 * faults off one by one, distributions replaced by constants, varied knobs moved
 * toward the scenario's own values (a knob that is a count, a loss or a fault
 * only down: no step makes the world larger); the seed is kept; passes until one
 * accepts nothing (or SIM_HUNT_SHRINK_RUNS_MAX runs). Each accepted step is
 * printed to `report` (NULL: not printed) as it is accepted, clear of o->progress's live
 * line (sim_progress_print); each run is counted there. A smaller world the core
 * refuses (SIM_FAIL_INPUT) is a step not taken; a run that fails inside dsim
 * (SIM_FAIL_INTERNAL) ends the shrinking, which returns it with err. Returns 0
 * or that; *out either way (free with sim_hunt_shrunk_free).
 */
int sim_hunt_shrink(const sim_hunt_opts *o, const sim_hunt_found *f, FILE *report,
                    sim_hunt_shrunk *out, sim_error *err);
void sim_hunt_shrunk_free(sim_hunt_shrunk *s);

/* --- keeping (hunt_keep.c) ------------------------------------------------------------- */

/*
 * Writes the shrunk world to `path` atomically as a scenario: the hunted policy
 * alone, one replication at the breaking seed, an `expect` block asserting the
 * invariant that broke (a built-in: every metric invariant, which `dsim check`
 * joins with the built-in checks), a description of what was found, the shrink
 * steps and `command`; no sweep block. The text written is loaded again and
 * judged before it is renamed into place: it must still break. Returns 0, or -1
 * with err (then nothing is written).
 */
int sim_hunt_keep(const sim_hunt_opts *o, const sim_hunt_found *f, const sim_hunt_shrunk *sh,
                  const char *command, const char *path, sim_error *err);

#endif
