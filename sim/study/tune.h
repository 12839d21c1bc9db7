/*
 * tune.h — `dsim tune`: search a box of knob values for the setting that
 * minimizes an objective under constraints, for one policy of a scenario.
 *
 * The objective is a linear combination of metrics ("lost_rate + 2*duplicate_rate"),
 * a constraint a linear combination compared with a number ("latency_s.p99 <= 8"),
 * both evaluated on the mean over R replications. Every setting is evaluated on
 * the same R replication seeds (common random numbers), so the objective is a
 * deterministic function of the knobs and the search behaves.
 *
 * Search (deterministic, within a budget of runs = settings x replications):
 *  1. a grid: g levels per numeric knob (g from the budget, at least 2; all the
 *     integers when the range has no more than g) times every value of each list
 *     knob, using about half the budget;
 *  2. compass refinement around the best setting: each numeric knob moved by
 *     +-h (h = the grid step), list knobs held; a better setting becomes the
 *     centre, otherwise h halves; until h is below the knob's resolution (1 for
 *     integers, 1e-3 of the range for reals) or the budget is spent.
 * Ranking: feasible settings before infeasible ones; feasible by objective,
 * infeasible by total relative violation; ties (equal means) by the tie-break
 * expression, lower first (dsim tune's default: dispatches, the setting that
 * sends less work), then by evaluation order. A setting
 * whose objective or a constraint is undefined on some replication (latency_s.*
 * where nothing was delivered: NaN, stats.h) is infeasible and ranks after every
 * setting where they are defined: delivering nothing is not a low latency.
 * Then the best and the runner-up are run again on R fresh replication seeds
 * (seed sim_tune_confirm_seed(seed)): tuning on the seeds it reports on overfits;
 * `confirmed` says whether the best still meets every constraint there.
 */
#ifndef DSIM_TUNE_H
#define DSIM_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "progress.h"
#include "scenario.h"

#define SIM_TUNE_KNOBS_MAX 8
#define SIM_TUNE_TERMS_MAX 16
#define SIM_TUNE_CONSTRAINTS_MAX 16
#define SIM_TUNE_LIST_MAX 1000
/* The largest magnitude of a coefficient or constant in an expression: with at
 * most SIM_TUNE_TERMS_MAX terms and every metric below 1e200 (counts, rates and
 * seconds all are), a sum of finite metrics cannot overflow to infinity. */
#define SIM_TUNE_COEF_MAX 1e100

/* --- knobs ------------------------------------------------------------------- */

typedef enum {
    SIM_KNOB_REAL, /* KEY=LO:HI, any value in between */
    SIM_KNOB_INT,  /* KEY=LO:HI, integers only (the scenario field is an integer) */
    SIM_KNOB_LIST  /* KEY=A,B,C: one of the values (enum names or numbers) */
} sim_knob_kind;

typedef struct sim_tune_knob {
    char key[256];
    sim_knob_kind kind;
    double lo, hi;   /* REAL and INT */
    bool int_bounds; /* LO and HI were written as integers */
    size_t n;        /* LIST */
    char **values;   /* LIST values (owned) */
} sim_tune_knob;

/* Parses "KEY=LO:HI" (kind REAL; the caller may make it INT) or "KEY=A,B,..."
 * (LIST). Returns 0, or -1 with err and *out zeroed. Free with sim_tune_knob_free. */
int sim_tune_knob_parse(const char *arg, sim_tune_knob *out, sim_error *err);
void sim_tune_knob_free(sim_tune_knob *k);

/* The text sim_scenario_set receives for coordinate x of knob k: "%d" for INT,
 * "%.10g" for REAL, the value itself for LIST (x = its index). */
void sim_tune_knob_text(const sim_tune_knob *k, double x, char *buf, size_t size);

/* --- objective and constraints ----------------------------------------------- */

/* sum of coef[i] * metric[i] (metric -1: the constant coef[i]). */
typedef struct sim_expr {
    size_t n;
    double coef[SIM_TUNE_TERMS_MAX];
    int metric[SIM_TUNE_TERMS_MAX];
} sim_expr;

/*
 * Parses a sum or difference of terms, each a metric name, a number, or
 * NUMBER*METRIC / NUMBER METRIC ("lost_rate + 2*duplicate_rate - 0.5"); every
 * number at most SIM_TUNE_COEF_MAX in magnitude. Returns 0, or -1 with err
 * naming the text and the position of the problem.
 */
int sim_expr_parse(const char *text, sim_expr *out, sim_error *err);

/* The value of e on one metric vector. */
double sim_expr_eval(const sim_expr *e, const double v[SIM_M_COUNT]);

typedef struct sim_constraint {
    sim_expr lhs;
    bool at_most;  /* "<=" (else ">=") */
    double bound;
    char text[256];
} sim_constraint;

/* Parses "EXPR <= NUMBER" or "EXPR >= NUMBER". Returns 0 or -1 (err). */
int sim_constraint_parse(const char *text, sim_constraint *out, sim_error *err);

/* --- the search -------------------------------------------------------------- */

/*
 * How a setting is evaluated. prepare() builds the world of setting x (one
 * coordinate per knob; a LIST knob's coordinate is the value's index) whose
 * replication seeds derive from `seed`; run() runs replication rep of it into
 * v[SIM_M_COUNT] and may be called from several threads at once; release()
 * frees the world. prepare and release are called from one thread.
 */
typedef struct sim_tune_evaluator {
    void *ctx;
    void *(*prepare)(void *ctx, const double *x, uint64_t seed, sim_error *err);
    int (*run)(void *ctx, void *world, int rep, double v[SIM_M_COUNT], sim_error *err);
    void (*release)(void *ctx, void *world);
} sim_tune_evaluator;

typedef struct sim_tune_opts {
    const sim_tune_knob *knobs;
    size_t n_knobs;
    sim_expr objective;
    sim_expr tie_break;  /* orders settings whose objective ties, lower first (n 0: none) */
    const sim_constraint *constraints;
    size_t n_constraints;
    int replications;  /* R >= 1 */
    uint64_t seed;     /* replication seeds of the search */
    size_t budget;     /* runs for the search (confirmation comes on top) */
    int jobs;          /* threads, >= 1 */
    sim_tune_evaluator eval;
    /* Counts every run (setting x replication) evaluated (progress.h), or NULL.
     * sim_tune_run sets its total: the budget's settings x R plus the
     * confirmation's, then the runs the search took plus the confirmation's. */
    sim_progress *progress;
} sim_tune_opts;

/* One evaluated setting. */
typedef struct sim_tune_setting {
    double x[SIM_TUNE_KNOBS_MAX];
    size_t reps;
    double *v;           /* reps x SIM_M_COUNT, owned */
    double objective, objective_hw; /* mean and 95% half-width over replications */
    double violation;    /* 0 when feasible */
    double tie;          /* mean of the tie-break expression (non-finite: +inf) */
    size_t order;        /* evaluation order */
} sim_tune_setting;

typedef struct sim_tune_result {
    sim_tune_setting *all; /* every setting evaluated, in evaluation order (owned) */
    size_t n;
    size_t runs;           /* replications run by the search */
    size_t best, runner_up; /* indices into all; runner_up == n when there is none */
    bool feasible;         /* the best setting meets every constraint */
    bool confirmed;        /* ... and still does on the fresh seeds */
    sim_tune_setting confirm_best, confirm_runner_up; /* fresh seeds */
    uint64_t confirm_seed;
} sim_tune_result;

/* The seed of the confirmation runs: derived from seed, distinct from it, below
 * 2^63 (so `dsim run --seed` accepts it and replays the same replications). */
uint64_t sim_tune_confirm_seed(uint64_t seed);

/*
 * Runs the search. Returns 0 with *out filled (free with sim_tune_result_free),
 * or -1 with err: a budget too small for one grid, a failed evaluation.
 */
int sim_tune_run(const sim_tune_opts *o, sim_tune_result *out, sim_error *err);

void sim_tune_result_free(sim_tune_result *r);

/* Mean and 95% half-width of the metric vectors of a setting, and of an expression. */
void sim_tune_setting_metric(const sim_tune_setting *s, sim_metric m, double *mean, double *hw);
void sim_tune_setting_expr(const sim_tune_setting *s, const sim_expr *e, double *mean,
                           double *hw);

/* --- the real world as evaluator (tune_eval.c) -------------------------------- */

/* Context of the real evaluator: a copy of `base` with the knobs set and the
 * seed replaced, replication rep of policy `policy` by sim_run_one. */
typedef struct sim_tune_world {
    const sim_scenario *base;
    size_t policy;
    const sim_tune_knob *knobs;
    size_t n_knobs;
    uint64_t max_events; /* per replication, 0 = none */
} sim_tune_world;

/* The evaluator over a sim_tune_world (ctx must outlive the search). */
sim_tune_evaluator sim_tune_world_evaluator(sim_tune_world *w);

/*
 * Checks knob k against the scenario and settles its kind: every bound or list
 * value must be accepted by sim_scenario_set; a LO:HI knob written with integers
 * becomes SIM_KNOB_INT when the field refuses a fractional value. Returns 0 or
 * -1 with err (the loader's message for the bad value).
 */
int sim_tune_knob_resolve(const sim_scenario *s, sim_tune_knob *k, sim_error *err);

#endif
