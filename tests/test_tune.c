/* test_tune.c — objective parsing and the search, on a world that is a formula. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "tune.h"

/* --- expressions and knobs --------------------------------------------------- */

static void expressions_parse_coefficients_and_signs(void **state)
{
    (void)state;
    sim_expr e;
    sim_error err = {0};
    assert_int_equal(sim_expr_parse(" lost_rate + 2*duplicate_rate - 0.5 latency_s.p99 + 3", &e, &err), 0);
    assert_int_equal(e.n, 4);
    double v[SIM_M_COUNT] = {0};
    v[SIM_M_LOST_RATE] = 0.1;
    v[SIM_M_DUPLICATE_RATE] = 0.2;
    v[SIM_M_LATENCY_P99] = 4;
    /* 0.1 + 0.4 - 2 + 3 */
    assert_true(fabs(sim_expr_eval(&e, v) - 1.5) < 1e-12);
    assert_int_equal(sim_expr_parse("-lost_by_cause.no_node*1e3", &e, &err), 0);
    v[SIM_M_LOST_NO_NODE] = 2;
    assert_true(fabs(sim_expr_eval(&e, v) + 2000) < 1e-9);
    assert_int_equal(err.count, 0);
}

static void expression_errors_point_at_the_problem(void **state)
{
    (void)state;
    sim_expr e;
    sim_error err = {0};
    assert_int_equal(sim_expr_parse("lost_rate + duplicate_rat", &e, &err), -1);
    assert_non_null(strstr(err.msg[0], "unknown metric 'duplicate_rat' at column 13"));
    assert_non_null(strstr(err.msg[0], "did you mean 'duplicate_rate'?"));
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_expr_parse("lost_rate +", &e, &err), -1);
    assert_non_null(strstr(err.msg[0], "column 12"));
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_expr_parse("lost_rate ) 2", &e, &err), -1);
    assert_non_null(strstr(err.msg[0], "unexpected ')' at column 11"));
}

/* A number an objective of finite metrics cannot use: not finite, or so large
 * that a sum of its terms overflows to infinity. The bound is SIM_TUNE_COEF_MAX. */
static void expression_numbers_are_bounded(void **state)
{
    (void)state;
    sim_expr e;
    sim_error err = {0};
    const char *bad[] = {"1e999*events", "1e308*events + 1e308*events", "events*1e101",
                         "lost - 1e200", "-1e101 lost", "1e-400*lost"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(sim_expr_parse(bad[i], &e, &err), -1);
        assert_non_null(strstr(err.msg[0], "is out of range"));
    }
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_expr_parse("events*1e101", &e, &err), -1);
    assert_non_null(strstr(err.msg[0], "at column 8"));
    assert_non_null(strstr(err.msg[0], "at most 1e+100 in magnitude"));
    memset(&err, 0, sizeof err); /* too small is not said to be too large */
    assert_int_equal(sim_expr_parse("1e-400*lost", &e, &err), -1);
    assert_non_null(strstr(err.msg[0], "too small"));
    assert_null(strstr(err.msg[0], "at most"));
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_expr_parse("1e100*events + 1e100*events - 1e100", &e, &err), 0);
    double v[SIM_M_COUNT] = {0};
    v[SIM_M_EVENTS] = 1e19;
    assert_true(isfinite(sim_expr_eval(&e, v)));
    /* a constraint's bound is a number compared, not summed: any finite one */
    sim_constraint c;
    assert_int_equal(sim_constraint_parse("lost <= 1e300", &c, &err), 0);
    assert_int_equal(sim_constraint_parse("lost <= 1e999", &c, &err), -1);
}

static void constraints_parse_both_directions(void **state)
{
    (void)state;
    sim_constraint c;
    sim_error err = {0};
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= 8", &c, &err), 0);
    assert_true(c.at_most);
    assert_true(c.bound == 8);
    assert_int_equal(sim_constraint_parse("delivered - utterances>=-1.5", &c, &err), 0);
    assert_false(c.at_most);
    assert_true(c.bound == -1.5);
    assert_int_equal(c.lhs.n, 2);
    assert_int_equal(sim_constraint_parse("latency_s.p99 < 8", &c, &err), -1);
    assert_non_null(strstr(err.msg[0], "expected '<=' or '>='"));
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= fast", &c, &err), -1);
}

static void knobs_are_ranges_or_lists(void **state)
{
    (void)state;
    sim_tune_knob k;
    sim_error err = {0};
    assert_int_equal(sim_tune_knob_parse("nodes[0].count=1:10", &k, &err), 0);
    assert_int_equal(k.kind, SIM_KNOB_REAL);
    assert_true(k.int_bounds);
    sim_tune_knob_free(&k);
    assert_int_equal(sim_tune_knob_parse("policies.f.dispatch_timeout_s=2.5:90", &k, &err), 0);
    assert_false(k.int_bounds);
    char buf[64];
    sim_tune_knob_text(&k, 12.25, buf, sizeof buf);
    assert_string_equal(buf, "12.25");
    sim_tune_knob_free(&k);
    assert_int_equal(sim_tune_knob_parse("policies.f.failover=same_job_id,new_job_id", &k, &err), 0);
    assert_int_equal(k.kind, SIM_KNOB_LIST);
    sim_tune_knob_text(&k, 1, buf, sizeof buf);
    assert_string_equal(buf, "new_job_id");
    sim_tune_knob_free(&k);
    assert_int_equal(sim_tune_knob_parse("k=5:5", &k, &err), -1);
    assert_int_equal(sim_tune_knob_parse("k=", &k, &err), -1);
    assert_int_equal(sim_tune_knob_parse("=1:2", &k, &err), -1);
}

/* --- a world with a known optimum ------------------------------------------------ */

/*
 * Knobs: t (a timeout, real 1..100), n (an integer 1..10), mode (a or b).
 *   duplicate_rate = 1/t              (short timeouts duplicate)
 *   lost_rate      = 0.001 t + 0.01 (n - 7)^2 + (mode a: 0.05)
 *   latency_s.p99  = 2 + 0.1 t
 * plus a noise per (seed, replication) shared by every setting (common random
 * numbers). lost_rate + duplicate_rate is least at t = sqrt(1000) = 31.62, n = 7,
 * mode b; under latency_s.p99 <= 5 the best t is the bound's t = 30 - 2 x mean noise.
 */
typedef struct synth_world {
    double x[3];
    uint64_t seed;
} synth_world;

typedef struct synth {
    pthread_mutex_t mu;
    uint64_t seeds[2]; /* distinct seeds seen */
    size_t n_seeds;
    double silent_below; /* t below this: replication 0 delivers nothing (p99 NaN) */
} synth;

static double noise(uint64_t seed, int rep)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)rep * 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 29;
    z *= 0x94d049bb133111ebULL;
    z ^= z >> 32;
    return (double)(z % 2001) / 1000.0 - 1.0; /* [-1, 1] */
}

static void *synth_prepare(void *ctx, const double *x, uint64_t seed, sim_error *err)
{
    (void)err;
    synth *sy = ctx;
    synth_world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    memcpy(w->x, x, sizeof w->x);
    w->seed = seed;
    if (sy->n_seeds == 0 || (sy->seeds[sy->n_seeds - 1] != seed && sy->n_seeds < 2))
        sy->seeds[sy->n_seeds++] = seed;
    return w;
}

static int synth_run(void *ctx, void *world, int rep, double v[SIM_M_COUNT], sim_error *err)
{
    const synth *sy = ctx;
    (void)err;
    const synth_world *w = world;
    double t = w->x[0], n = w->x[1], e = noise(w->seed, rep);
    assert_true(n == floor(n));
    memset(v, 0, SIM_M_COUNT * sizeof *v);
    v[SIM_M_DUPLICATE_RATE] = 1.0 / t + 0.002 * e;
    v[SIM_M_LOST_RATE] = 0.001 * t + 0.01 * (n - 7) * (n - 7) + (w->x[2] == 0 ? 0.05 : 0);
    v[SIM_M_LATENCY_P99] = 2 + 0.1 * t + 0.2 * e;
    if (t < sy->silent_below && rep == 0)
        v[SIM_M_LATENCY_P99] = NAN;
    return 0;
}

static void synth_release(void *ctx, void *world)
{
    (void)ctx;
    free(world);
}

typedef struct fixture {
    sim_tune_knob knobs[3];
    synth sy;
    sim_tune_opts o;
} fixture;

static void fixture_init(fixture *f, int jobs)
{
    memset(f, 0, sizeof *f);
    sim_error err = {0};
    assert_int_equal(sim_tune_knob_parse("t=1:100", &f->knobs[0], &err), 0);
    assert_int_equal(sim_tune_knob_parse("n=1:10", &f->knobs[1], &err), 0);
    f->knobs[1].kind = SIM_KNOB_INT;
    assert_int_equal(sim_tune_knob_parse("mode=a,b", &f->knobs[2], &err), 0);
    pthread_mutex_init(&f->sy.mu, NULL);
    f->o.knobs = f->knobs;
    f->o.n_knobs = 3;
    assert_int_equal(sim_expr_parse("lost_rate + duplicate_rate", &f->o.objective, &err), 0);
    f->o.replications = 4;
    f->o.seed = 42;
    f->o.budget = 4 * 200;
    f->o.jobs = jobs;
    f->o.eval = (sim_tune_evaluator){&f->sy, synth_prepare, synth_run, synth_release};
}

static void fixture_free(fixture *f)
{
    for (int k = 0; k < 3; k++)
        sim_tune_knob_free(&f->knobs[k]);
    pthread_mutex_destroy(&f->sy.mu);
}

static double mean_noise(uint64_t seed)
{
    double s = 0;
    for (int r = 0; r < 4; r++)
        s += noise(seed, r);
    return s / 4;
}

static void tune_finds_the_interior_optimum(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1);
    sim_tune_result r;
    sim_error err = {0};
    assert_int_equal(sim_tune_run(&f.o, &r, &err), 0);
    const sim_tune_setting *b = &r.all[r.best];
    if (fabs(b->x[0] - sqrt(1000.0)) > 0.5)
        fail_msg("best t = %g, expected about 31.6", b->x[0]);
    assert_true(b->x[1] == 7);
    assert_true(b->x[2] == 1);
    assert_true(r.feasible);
    assert_true(r.runs <= f.o.budget);
    assert_int_equal(r.runs, r.n * 4);
    assert_true(r.runner_up < r.n && r.runner_up != r.best);
    assert_true(r.all[r.runner_up].objective >= b->objective);
    sim_tune_result_free(&r);
    fixture_free(&f);
}

static void tune_respects_the_constraint_and_confirms_on_fresh_seeds(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 2);
    sim_constraint c;
    sim_error err = {0};
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= 5", &c, &err), 0);
    f.o.constraints = &c;
    f.o.n_constraints = 1;
    sim_tune_result r;
    assert_int_equal(sim_tune_run(&f.o, &r, &err), 0);
    const sim_tune_setting *b = &r.all[r.best];
    double bound_t = 30 - 2 * mean_noise(42); /* 2 + 0.1 t + 0.2 noise <= 5 */
    if (!(b->x[0] <= bound_t + 1e-9 && b->x[0] > bound_t - 0.5))
        fail_msg("best t = %g, expected just below %g", b->x[0], bound_t);
    assert_true(r.feasible);
    double p99, hw;
    sim_tune_setting_metric(b, SIM_M_LATENCY_P99, &p99, &hw);
    assert_true(p99 <= 5);
    /* The confirmation ran the best setting on other seeds. */
    assert_int_equal(f.sy.n_seeds, 2);
    assert_true(f.sy.seeds[0] == 42 && f.sy.seeds[1] == sim_tune_confirm_seed(42));
    assert_true(r.confirm_seed != 42);
    assert_memory_equal(r.confirm_best.x, b->x, sizeof b->x);
    sim_tune_setting_metric(&r.confirm_best, SIM_M_LATENCY_P99, &p99, &hw);
    assert_true(fabs(p99 - (2 + 0.1 * b->x[0] + 0.2 * mean_noise(r.confirm_seed))) < 1e-9);
    sim_tune_result_free(&r);
    fixture_free(&f);
}

static void tune_is_the_same_on_one_or_two_threads(void **state)
{
    (void)state;
    fixture f1, f2;
    fixture_init(&f1, 1);
    fixture_init(&f2, 2);
    sim_tune_result a, b;
    sim_error err = {0};
    assert_int_equal(sim_tune_run(&f1.o, &a, &err), 0);
    assert_int_equal(sim_tune_run(&f2.o, &b, &err), 0);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.best, b.best);
    assert_int_equal(a.runner_up, b.runner_up);
    for (size_t i = 0; i < a.n; i++) {
        assert_memory_equal(a.all[i].x, b.all[i].x, sizeof a.all[i].x);
        assert_memory_equal(a.all[i].v, b.all[i].v, 4 * SIM_M_COUNT * sizeof(double));
    }
    sim_tune_result_free(&a);
    sim_tune_result_free(&b);
    fixture_free(&f1);
    fixture_free(&f2);
}

static void tune_refuses_a_budget_below_the_coarsest_grid(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1);
    f.o.budget = 4 * 7; /* the coarsest grid: 2 x 2 x 2 settings */
    sim_tune_result r;
    sim_error err = {0};
    assert_int_equal(sim_tune_run(&f.o, &r, &err), -1);
    assert_non_null(strstr(err.msg[0], "too small"));
    assert_null(r.all);
    fixture_free(&f);
}

/* Minimizing latency: settings with t < 20 deliver nothing in one replication of
 * four. Their p99 over the other three is low, but undefined on one: they are
 * infeasible, and the best is the lowest t that always delivers. */
static void tune_never_picks_a_setting_that_delivers_nothing(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1);
    f.sy.silent_below = 20;
    sim_error err = {0};
    assert_int_equal(sim_expr_parse("latency_s.p99", &f.o.objective, &err), 0);
    sim_tune_result r;
    assert_int_equal(sim_tune_run(&f.o, &r, &err), 0);
    const sim_tune_setting *b = &r.all[r.best];
    if (!(b->x[0] >= 20 && b->x[0] < 21))
        fail_msg("best t = %g, expected the smallest t >= 20", b->x[0]);
    assert_true(r.feasible);
    assert_true(isfinite(b->objective) && b->violation == 0);
    size_t silent = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.all[i].x[0] < 20) {
            silent++;
            assert_true(r.all[i].violation > 0 && isinf(r.all[i].objective));
        }
    }
    assert_true(silent > 0); /* the grid did try them */
    sim_tune_result_free(&r);
    fixture_free(&f);
}

/* --- one setting reached twice ------------------------------------------------ */

/* p99 = (t - 65)^2 on every seed: a world with its minimum between grid points. */
static void *bowl_prepare(void *ctx, const double *x, uint64_t seed, sim_error *err)
{
    (void)ctx;
    (void)seed;
    (void)err;
    double *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w[0] = x[0];
    return w;
}

static int bowl_run(void *ctx, void *world, int rep, double v[SIM_M_COUNT], sim_error *err)
{
    (void)ctx;
    (void)rep;
    (void)err;
    const double *w = world;
    memset(v, 0, SIM_M_COUNT * sizeof *v);
    v[SIM_M_LATENCY_P99] = (w[0] - 65) * (w[0] - 65);
    return 0;
}

/* Audit 2, B F2: t=5:120, budget 40, 5 replications: the grid 5, 43.33, 81.67,
 * 120; the compass from 81.67 (both neighbours seen), then by 115/6 from 62.5,
 * lands on 43.33 one ulp off the grid's. It is the same setting: not run
 * again, so the 8 settings of the budget are 8 distinct ones. */
static void tune_evaluates_a_setting_once_whatever_the_route_to_it(void **state)
{
    (void)state;
    /* the two routes to 43.33 differ in the last bit */
    volatile double grid = 5.0 + 115.0 * 1.0 / 3.0, compass = 62.5 - (115.0 / 3.0) / 2.0;
    assert_true(grid != compass && fabs(grid - compass) < 1e-13);
    sim_tune_knob k;
    sim_error err = {0};
    assert_int_equal(sim_tune_knob_parse("t=5:120", &k, &err), 0);
    sim_tune_opts o;
    memset(&o, 0, sizeof o);
    o.knobs = &k;
    o.n_knobs = 1;
    assert_int_equal(sim_expr_parse("latency_s.p99", &o.objective, &err), 0);
    o.replications = 5;
    o.seed = 1;
    o.budget = 40;
    o.jobs = 1;
    o.eval = (sim_tune_evaluator){NULL, bowl_prepare, bowl_run, synth_release};
    sim_tune_result r;
    assert_int_equal(sim_tune_run(&o, &r, &err), 0);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.runs, 40);
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = 0; j < i; j++)
            if (!(fabs(r.all[i].x[0] - r.all[j].x[0]) > 1e-6))
                fail_msg("settings %zu and %zu are both t = %.17g and %.17g", j, i, r.all[j].x[0],
                         r.all[i].x[0]);
    /* the 8th setting is the one the duplicate took: 62.5 + 115/12 */
    bool found = false;
    for (size_t i = 0; i < r.n; i++)
        found |= fabs(r.all[i].x[0] - (62.5 + 115.0 / 12.0)) < 1e-9;
    assert_true(found);
    assert_true(fabs(r.all[r.best].x[0] - 62.5) < 1e-9);
    sim_tune_result_free(&r);
    sim_tune_knob_free(&k);
}

/* --- ties and the confirmation verdict ----------------------------------------- */

/* A list knob of three values whose objective ties (lost = 0 everywhere) and
 * whose dispatches are 5, 3, 4; p99 is 4 on seed 42 and 6 on any other seed. */
static void *tie_prepare(void *ctx, const double *x, uint64_t seed, sim_error *err)
{
    (void)ctx;
    (void)err;
    double *w = calloc(2, sizeof *w);
    assert_non_null(w);
    w[0] = x[0];
    w[1] = seed == 42 ? 4 : 6;
    return w;
}

static int tie_run(void *ctx, void *world, int rep, double v[SIM_M_COUNT], sim_error *err)
{
    (void)ctx;
    (void)rep;
    (void)err;
    const double *w = world;
    const double dispatches[] = {5, 3, 4};
    memset(v, 0, SIM_M_COUNT * sizeof *v);
    v[SIM_M_DISPATCHES] = dispatches[(int)w[0]];
    v[SIM_M_LATENCY_P99] = w[1];
    return 0;
}

static void tune_breaks_ties_by_the_tie_break_and_says_when_fresh_seeds_break(void **state)
{
    (void)state;
    sim_tune_knob k;
    sim_error err = {0};
    assert_int_equal(sim_tune_knob_parse("mode=a,b,c", &k, &err), 0);
    sim_tune_opts o = {.knobs = &k, .n_knobs = 1, .replications = 2, .seed = 42, .budget = 20,
                       .jobs = 1, .eval = {NULL, tie_prepare, tie_run, synth_release}};
    assert_int_equal(sim_expr_parse("lost", &o.objective, &err), 0);
    sim_tune_result r;
    /* Without a tie-break the first evaluated wins (a); with dispatches, b then c. */
    assert_int_equal(sim_tune_run(&o, &r, &err), 0);
    assert_true(r.all[r.best].x[0] == 0);
    sim_tune_result_free(&r);
    assert_int_equal(sim_expr_parse("dispatches", &o.tie_break, &err), 0);
    assert_int_equal(sim_tune_run(&o, &r, &err), 0);
    assert_true(r.all[r.best].x[0] == 1);
    assert_true(r.all[r.runner_up].x[0] == 2);
    assert_true(r.confirmed); /* no constraint */
    sim_tune_result_free(&r);
    /* p99 <= 5 holds on the search seeds (4) and breaks on the fresh ones (6). */
    sim_constraint c;
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= 5", &c, &err), 0);
    o.constraints = &c;
    o.n_constraints = 1;
    assert_int_equal(sim_tune_run(&o, &r, &err), 0);
    assert_true(r.feasible);
    assert_false(r.confirmed);
    sim_tune_result_free(&r);
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= 7", &c, &err), 0);
    assert_int_equal(sim_tune_run(&o, &r, &err), 0);
    assert_true(r.feasible && r.confirmed);
    sim_tune_result_free(&r);
    sim_tune_knob_free(&k);
}

/* --- the real world ------------------------------------------------------------ */

/* network.loss = 1 loses every message: nothing is delivered, so there is no
 * latency at all — which must not read as the lowest p99. */
static const char lossy_scenario[] =
    "{\"name\": \"lossy\", \"seed\": 3, \"replications\": 2,"
    " \"workload\": {\"sessions\": 2, \"session_start_s\": {\"dist\": \"const\", \"value\": 0},"
    "  \"utterances_per_session\": 5, \"gap_s\": {\"dist\": \"const\", \"value\": 1},"
    "  \"audio_s\": {\"dist\": \"const\", \"value\": 2}},"
    " \"nodes\": [{\"name\": \"gpu\", \"count\": 2, \"slots\": 4, \"workers\": 1,"
    "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 0.5},"
    "   \"nmt\": {\"dist\": \"const\", \"value\": 0.1}, \"tts\": {\"dist\": \"const\", \"value\": 0.2}},"
    "  \"on_cancel\": \"ignore\"}],"
    " \"network\": {\"delay_s\": {\"dist\": \"const\", \"value\": 0.01}, \"loss\": 0},"
    " \"policies\": [{\"name\": \"reference\", \"preset\": \"lingua-2025-12-28\"}]}";

static void tune_of_latency_does_not_pick_a_network_that_loses_everything(void **state)
{
    (void)state;
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario s;
    sim_error err = {0};
    if (sim_scenario_load_string(lossy_scenario, strlen(lossy_scenario), "lossy", &lim, &s,
                                 &err) != 0)
        fail_msg("%s", err.msg[0]);
    sim_tune_knob k;
    assert_int_equal(sim_tune_knob_parse("network.loss=0:1", &k, &err), 0);
    assert_int_equal(sim_tune_knob_resolve(&s, &k, &err), 0);
    sim_tune_world w = {&s, 0, &k, 1, 0};
    sim_tune_opts o = {.knobs = &k, .n_knobs = 1, .replications = 2, .seed = s.seed,
                       .budget = 2 * 12, .jobs = 1, .eval = sim_tune_world_evaluator(&w)};
    assert_int_equal(sim_expr_parse("latency_s.p99", &o.objective, &err), 0);
    sim_tune_result r;
    if (sim_tune_run(&o, &r, &err) != 0)
        fail_msg("%s", err.msg[0]);
    const sim_tune_setting *b = &r.all[r.best];
    bool tried_total_loss = false;
    for (size_t i = 0; i < r.n; i++)
        if (r.all[i].x[0] == 1) {
            tried_total_loss = true;
            assert_true(isnan(r.all[i].v[SIM_M_LATENCY_P99]));
            assert_true(r.all[i].violation > 0);
        }
    assert_true(tried_total_loss);
    if (!(b->x[0] < 1 && r.feasible && isfinite(b->objective)))
        fail_msg("best network.loss = %g (objective %g, feasible %d)", b->x[0], b->objective,
                 r.feasible);
    double p99, hw;
    sim_tune_setting_metric(b, SIM_M_LATENCY_P99, &p99, &hw);
    assert_true(isfinite(p99) && p99 > 0);
    sim_tune_result_free(&r);
    sim_tune_knob_free(&k);
    sim_scenario_free(&s);
}

/* Nodes that stall now and then and keep working on cancelled attempts: a short
 * dispatch timeout fails over healthy jobs (duplicates), a long one makes stalled
 * jobs wait for it (latency). Under latency_s.p99 <= 15 the best timeout lies
 * just below the point where p99 jumps (about 8-9 s here). The nodes beat in
 * phase (heartbeat_phase aligned), the world this comparison was built on. */
static const char optimum_scenario[] =
    "{\"name\": \"timeout-optimum\", \"seed\": 11, \"replications\": 4,"
    " \"workload\": {\"sessions\": 6, \"session_start_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 10},"
    "  \"utterances_per_session\": 80, \"gap_s\": {\"dist\": \"uniform\", \"min\": 2, \"max\": 4},"
    "  \"audio_s\": {\"dist\": \"lognormal\", \"median\": 2.5, \"sigma\": 0.4, \"max\": 10}},"
    " \"nodes\": [{\"name\": \"gpu\", \"count\": 6, \"slots\": 4, \"workers\": 2,"
    "  \"stages\": {\"asr\": {\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.6, \"per_audio_s\": 0.1},"
    "   \"nmt\": {\"dist\": \"lognormal\", \"median\": 0.3, \"sigma\": 0.5},"
    "   \"tts\": {\"dist\": \"lognormal\", \"median\": 0.6, \"sigma\": 0.6}},"
    "  \"on_cancel\": \"ignore\", \"heartbeat_phase\": \"aligned\","
    "  \"faults\": {\"stall\": {\"prob\": 0.05, \"extra_s\": {\"dist\": \"uniform\", \"min\": 30, \"max\": 60}}}}],"
    " \"network\": {\"delay_s\": {\"dist\": \"const\", \"value\": 0.01}},"
    " \"policies\": [{\"name\": \"tuned\", \"preset\": \"lingua-2025-12-28\", \"dispatch_timeout_s\": 10}]}";

/* tune's best is feasible and at least as good as the best feasible setting of
 * an exhaustive 0.5 s grid evaluated on the same seeds. */
static void tune_beats_an_exhaustive_grid_on_a_real_scenario(void **state)
{
    (void)state;
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario s;
    sim_error err = {0};
    if (sim_scenario_load_string(optimum_scenario, strlen(optimum_scenario), "optimum", &lim, &s,
                                 &err) != 0)
        fail_msg("%s", err.msg[0]);
    sim_tune_knob k;
    assert_int_equal(sim_tune_knob_parse("policies.tuned.dispatch_timeout_s=1:40", &k, &err), 0);
    assert_int_equal(sim_tune_knob_resolve(&s, &k, &err), 0);
    assert_int_equal(k.kind, SIM_KNOB_REAL);
    sim_tune_world w = {&s, 0, &k, 1, 0};
    sim_tune_opts o = {.knobs = &k, .n_knobs = 1, .replications = 4, .seed = s.seed,
                       .budget = 4 * 40, .jobs = 2, .eval = sim_tune_world_evaluator(&w)};
    sim_constraint c;
    assert_int_equal(sim_expr_parse("duplicate_rate", &o.objective, &err), 0);
    assert_int_equal(sim_constraint_parse("latency_s.p99 <= 15", &c, &err), 0);
    o.constraints = &c;
    o.n_constraints = 1;
    sim_tune_result r;
    if (sim_tune_run(&o, &r, &err) != 0)
        fail_msg("%s", err.msg[0]);
    assert_true(r.feasible);
    const sim_tune_setting *b = &r.all[r.best];

    /* The exhaustive grid, through the same evaluator on the same seeds. */
    double xs[79], best_grid = INFINITY, best_t = 0;
    for (int i = 0; i < 79; i++)
        xs[i] = 1 + 0.5 * i;
    for (int i = 0; i < 79; i++) {
        void *world = o.eval.prepare(o.eval.ctx, &xs[i], s.seed, &err);
        assert_non_null(world);
        sim_tune_setting g = {.reps = 4, .v = calloc(4 * SIM_M_COUNT, sizeof(double))};
        assert_non_null(g.v);
        for (int rep = 0; rep < 4; rep++)
            assert_int_equal(o.eval.run(o.eval.ctx, world, rep, g.v + rep * SIM_M_COUNT, &err), 0);
        o.eval.release(o.eval.ctx, world);
        double obj, p99, hw;
        sim_tune_setting_expr(&g, &o.objective, &obj, &hw);
        sim_tune_setting_metric(&g, SIM_M_LATENCY_P99, &p99, &hw);
        if (p99 <= 15 && obj < best_grid) {
            best_grid = obj;
            best_t = xs[i];
        }
        free(g.v);
    }
    if (!(b->objective <= best_grid + 1e-12))
        fail_msg("tune's best t = %g (objective %g) is worse than the grid's t = %g (%g)",
                 b->x[0], b->objective, best_t, best_grid);
    assert_true(b->x[0] >= best_t - 1 && b->x[0] <= best_t + 1);
    sim_tune_result_free(&r);
    sim_tune_knob_free(&k);
    sim_scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expressions_parse_coefficients_and_signs),
        cmocka_unit_test(expression_errors_point_at_the_problem),
        cmocka_unit_test(expression_numbers_are_bounded),
        cmocka_unit_test(constraints_parse_both_directions),
        cmocka_unit_test(knobs_are_ranges_or_lists),
        cmocka_unit_test(tune_finds_the_interior_optimum),
        cmocka_unit_test(tune_respects_the_constraint_and_confirms_on_fresh_seeds),
        cmocka_unit_test(tune_is_the_same_on_one_or_two_threads),
        cmocka_unit_test(tune_refuses_a_budget_below_the_coarsest_grid),
        cmocka_unit_test(tune_evaluates_a_setting_once_whatever_the_route_to_it),
        cmocka_unit_test(tune_breaks_ties_by_the_tie_break_and_says_when_fresh_seeds_break),
        cmocka_unit_test(tune_beats_an_exhaustive_grid_on_a_real_scenario),
        cmocka_unit_test(tune_never_picks_a_setting_that_delivers_nothing),
        cmocka_unit_test(tune_of_latency_does_not_pick_a_network_that_loses_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
