/* test_hunt.c — dsim hunt's invariants over metrics parse into one bound each,
 * judged as `dsim check` judges a mean of one replication; bad ones say why; a
 * run that fails inside dsim while shrinking ends the shrinking with its error; a
 * varied knob that is a count the shrink lowers is not raised back (a fixpoint). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"
#include "hunt.h"
#include "run.h"

/* --- hunt's invariants ------------------------------------------------------------- */

static void invariants_parse_into_one_bound(void **state)
{
    (void)state;
    sim_hunt_invariant in;
    sim_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_hunt_invariant_parse("duplicates == 0", &in, &err), 0);
    assert_int_equal(in.metric, SIM_M_DUPLICATES);
    assert_true(in.bound.has_equals && in.bound.equals == 0 && !in.bound.has_max);
    assert_int_equal(sim_hunt_invariant_parse("2*duplicates <= 4", &in, &err), 0);
    assert_true(in.bound.has_max && in.bound.max == 2);
    assert_int_equal(sim_hunt_invariant_parse("0 >= lost", &in, &err), 0); /* -lost >= 0 */
    assert_int_equal(in.metric, SIM_M_LOST);
    assert_true(in.bound.has_max && in.bound.max == 0);
    assert_int_equal(sim_hunt_invariant_parse("latency_s.p99 - 30 <= 0", &in, &err), 0);
    assert_true(in.bound.has_max && in.bound.max == 30);
    assert_int_equal(sim_hunt_invariant_parse("delivered >= 10 + 2", &in, &err), 0);
    assert_true(in.bound.has_min && in.bound.min == 12);
    assert_int_equal(err.count, 0);

    /* as `dsim check` judges one replication's mean */
    double m[SIM_M_COUNT] = {0};
    assert_int_equal(sim_hunt_invariant_parse("latency_s.p99 <= 30", &in, &err), 0);
    m[SIM_M_LATENCY_P99] = 30;
    assert_true(sim_expect_holds(&in.bound, m[in.metric]));
    m[SIM_M_LATENCY_P99] = 30.5;
    assert_false(sim_expect_holds(&in.bound, m[in.metric]));
    m[SIM_M_LATENCY_P99] = NAN; /* nothing delivered: no latency is not a low one */
    assert_false(sim_expect_holds(&in.bound, m[in.metric]));
}

static void bad_invariants_say_what_is_wrong(void **state)
{
    (void)state;
    struct {
        const char *text, *words;
    } cases[] = {
        {"duplicates < 1", "expected EXPR <= EXPR"},
        {"duplicates", "expected EXPR <= EXPR"},
        {"duplicates != 0", "expected EXPR <= EXPR"},
        {"dupes == 0", "unknown metric 'dupes'"},
        {"duplicates + lost <= 1", "names several"},
        {"duplicates - duplicates <= 1", "names none"},
        {"duplicates <= 1 <= 2", "more than one comparison"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_hunt_invariant in;
        sim_error err;
        memset(&err, 0, sizeof err);
        assert_int_equal(sim_hunt_invariant_parse(cases[i].text, &in, &err), -1);
        assert_int_equal(err.count, 1);
        if (!strstr(err.msg[0], cases[i].words) || !strstr(err.msg[0], cases[i].text))
            fail_msg("'%s': '%s' does not say '%s'", cases[i].text, err.msg[0], cases[i].words);
    }
}

/* --- shrinking when a run fails --------------------------------------------------- */

/* A judge that judges for real `real_calls` times, then fails as `fail_with` says. */
static int real_calls, calls, fail_with;

static int failing_judge(const sim_scenario *s, size_t policy, const sim_hunt_invariant *inv,
                         size_t n, uint64_t max_events, sim_hunt_verdict *out, sim_error *err)
{
    if (calls++ < real_calls)
        return sim_hunt_judge(s, policy, inv, n, max_events, out, err);
    memset(out, 0, sizeof *out);
    sim_error_add(err, "run %d: the engine lost an event", calls);
    return fail_with;
}

/* The shipped found world, which breaks lost == 0 for its one policy, shrunk with
 * `judge`; returns sim_hunt_shrink's rc, *runs and *steps its counts, *sessions
 * the shrunk world's sessions, *msg its error's first message. */
static int shrink_found(sim_hunt_judge_fn judge, size_t *runs, size_t *steps, int *sessions,
                        char *msg, size_t msg_size)
{
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario s;
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/found/stalls-fenced-phi-lost.json", &lim,
                          &s, &err) != 0)
        fail_msg("load: %s", err.msg[0]);
    sim_hunt_invariant in;
    assert_int_equal(sim_hunt_invariant_parse("lost == 0", &in, &err), 0);
    sim_hunt_opts o;
    memset(&o, 0, sizeof o);
    o.base = &s;
    o.inv = &in;
    o.n_inv = 1;
    o.jobs = 1;
    o.judge = judge;
    sim_hunt_found f;
    memset(&f, 0, sizeof f);
    f.found = true;
    sim_scenario_copy(&f.world, &s);
    assert_int_equal(sim_hunt_judge(&f.world, 0, &in, 1, 0, &f.verdict, &err), 0);
    assert_true(f.verdict.broken); /* the world as shipped breaks */
    sim_hunt_shrunk sh;
    int rc = sim_hunt_shrink(&o, &f, NULL, &sh, &err);
    *runs = sh.runs;
    *steps = sh.n_steps;
    *sessions = sh.world.workload.sessions;
    snprintf(msg, msg_size, "%s", err.count ? err.msg[0] : "");
    sim_hunt_shrunk_free(&sh);
    sim_hunt_found_free(&f);
    sim_scenario_free(&s);
    return rc;
}

static void a_failure_inside_dsim_ends_the_shrinking(void **state)
{
    (void)state;
    size_t runs, steps;
    int sessions;
    char msg[512];
    /* for real: the shrinking runs to its end without an error */
    real_calls = 1 << 30;
    calls = 0;
    assert_int_equal(shrink_found(failing_judge, &runs, &steps, &sessions, msg, sizeof msg), 0);
    assert_true(runs >= 3);
    size_t real_runs = runs;

    /* the third run fails inside dsim: no run after it, its error returned */
    real_calls = 2;
    calls = 0;
    fail_with = SIM_FAIL_INTERNAL;
    assert_int_equal(shrink_found(failing_judge, &runs, &steps, &sessions, msg, sizeof msg),
                     SIM_FAIL_INTERNAL);
    assert_int_equal(runs, 3);
    assert_int_equal(calls, 3);
    assert_non_null(strstr(msg, "run 3: the engine lost an event"));

    /* every smaller world refused as input: each is a step not taken, no error */
    real_calls = 0;
    calls = 0;
    fail_with = SIM_FAIL_INPUT;
    assert_int_equal(shrink_found(failing_judge, &runs, &steps, &sessions, msg, sizeof msg), 0);
    assert_int_equal(steps, 0);
    assert_int_equal(sessions, 2); /* the shipped world's */
    assert_true(runs >= 3 && runs <= real_runs);
    assert_string_equal(msg, "");
}

/* --- draws whose world the loader refuses ------------------------------------------- */

static int judged; /* calls of never_broken (one thread) */

static int never_broken(const sim_scenario *s, size_t policy, const sim_hunt_invariant *inv,
                        size_t n, uint64_t max_events, sim_hunt_verdict *out, sim_error *err)
{
    (void)s, (void)policy, (void)inv, (void)n, (void)max_events, (void)err;
    memset(out, 0, sizeof *out);
    judged++;
    return 0;
}

/* tests/data/tiny.json, loaded (the test fails if it does not load); err cleared. */
static void load_tiny(sim_scenario *s, sim_error *err)
{
    sim_limits lim;
    sim_limits_default(&lim);
    memset(err, 0, sizeof *err);
    if (sim_scenario_load(DSIM_SOURCE_DIR "/tests/data/tiny.json", &lim, s, err) != 0)
        fail_msg("load: %s", err->msg[0]);
}

/* Two knobs valid alone, not together (gap_s.min drawn above gap_s.max): such a
 * draw is skipped and counted, as a shrink step the core refuses is not taken;
 * it does not end the hunt. The same trials on one thread or two. */
static void a_draw_the_loader_refuses_is_skipped_and_counted(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_tiny(&s, &err);
    sim_tune_knob k[2];
    const char *box[2] = {"workload.gap_s.min=1:1.9", "workload.gap_s.max=1.1:2"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sim_tune_knob_parse(box[i], &k[i], &err), 0);
        assert_int_equal(sim_tune_knob_resolve(&s, &k[i], &err), 0);
    }
    sim_hunt_invariant in;
    assert_int_equal(sim_hunt_invariant_parse("utterances == 10", &in, &err), 0);
    sim_hunt_opts o;
    memset(&o, 0, sizeof o);
    o.base = &s;
    o.inv = &in;
    o.n_inv = 1;
    o.vary = k;
    o.n_vary = 2;
    o.seed = 5;
    o.budget = 40;
    o.jobs = 1;
    o.judge = never_broken;
    /* the trials whose values are min > max, drawn one by one */
    size_t refused = 0, first = SIZE_MAX;
    for (size_t t = 0; t < o.budget; t++) {
        sim_hunt_trial tr;
        sim_scenario w;
        memset(&err, 0, sizeof err);
        int rc = sim_hunt_trial_world(&o, t, &tr, &w, &err);
        bool bad = atof(tr.value[0]) > atof(tr.value[1]);
        assert_int_equal(rc, bad ? -1 : 0);
        if (rc == 0)
            sim_scenario_free(&w);
        if (bad && first == SIZE_MAX)
            first = t;
        refused += bad;
    }
    assert_true(refused > 0 && refused < o.budget); /* the box holds both */
    sim_hunt_found f;
    judged = 0;
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_hunt_search(&o, &f, &err), 0);
    assert_false(f.found);
    assert_int_equal(f.runs, o.budget);
    assert_int_equal(f.skipped, refused);
    assert_int_equal((size_t)judged, o.budget - refused);
    assert_int_equal(f.skipped_trial.index, first);
    assert_non_null(strstr(f.skipped_why, "workload.gap_s.max"));
    char why[512];
    snprintf(why, sizeof why, "%s", f.skipped_why);
    sim_hunt_found_free(&f);
    /* two threads: the same count and the same first one (judged is not counted) */
    o.jobs = 2;
    o.judge = NULL; /* the real judge: utterances == 10 holds on tiny */
    assert_int_equal(sim_hunt_search(&o, &f, &err), 0);
    assert_false(f.found);
    assert_int_equal(f.skipped, refused);
    assert_int_equal(f.skipped_trial.index, first);
    assert_string_equal(f.skipped_why, why);
    sim_hunt_found_free(&f);
    for (int i = 0; i < 2; i++)
        sim_tune_knob_free(&k[i]);
    sim_scenario_free(&s);
}

/* The boxes are checked together: min 2.5:3 beside max 4:5 over tiny's gap_s
 * (min 1, max 2) is valid only together, and every draw of it makes a world
 * (max set before min, whatever the order given); an integer knob beside them
 * stays an integer; min 2.5:4.5 beside max 3:4 (min 4.5 has no max) and min 8:9
 * beside max 5:6 (no world) are refused naming both boxes. */
static void vary_boxes_are_checked_together(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_tiny(&s, &err);
    const char *box[3] = {"workload.gap_s.min=2.5:3", "workload.gap_s.max=4:5",
                          "nodes[0].count=1:3"};
    sim_tune_knob k[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(sim_tune_knob_parse(box[i], &k[i], &err), 0);
    assert_int_not_equal(sim_tune_knob_resolve(&s, &k[0], &err), 0); /* alone: refused */
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_hunt_vary_resolve(&s, k, box, 3, &err), 0);
    assert_int_equal(k[0].kind, SIM_KNOB_REAL);
    assert_int_equal(k[1].kind, SIM_KNOB_REAL);
    assert_int_equal(k[2].kind, SIM_KNOB_INT);
    sim_hunt_opts o;
    memset(&o, 0, sizeof o);
    o.base = &s;
    o.vary = k;
    o.n_vary = 3;
    o.seed = 5;
    for (size_t t = 0; t < 20; t++) {
        sim_hunt_trial tr;
        sim_scenario w;
        if (sim_hunt_trial_world(&o, t, &tr, &w, &err) != 0)
            fail_msg("trial %zu (min %s, max %s): %s", t, tr.value[0], tr.value[1], err.msg[0]);
        assert_true(w.workload.gap.p0 >= 2.5 && w.workload.gap.p1 >= 4); /* uniform: min, max */
        sim_scenario_free(&w);
    }
    for (int i = 0; i < 3; i++)
        sim_tune_knob_free(&k[i]);

    const char *bad[2][2] = {{"workload.gap_s.min=2.5:4.5", "workload.gap_s.max=3:4"},
                             {"workload.gap_s.min=8:9", "workload.gap_s.max=5:6"}};
    for (int b = 0; b < 2; b++) {
        for (int i = 0; i < 2; i++)
            assert_int_equal(sim_tune_knob_parse(bad[b][i], &k[i], &err), 0);
        memset(&err, 0, sizeof err);
        assert_int_not_equal(sim_hunt_vary_resolve(&s, k, bad[b], 2, &err), 0);
        assert_non_null(strstr(err.msg[0], bad[b][0]));
        assert_non_null(strstr(err.msg[0], bad[b][1]));
        assert_non_null(strstr(err.msg[0], b == 0 ? "its end 4.5 makes no world"
                                                  : "the boxes hold none"));
        for (int i = 0; i < 2; i++)
            sim_tune_knob_free(&k[i]);
    }
    sim_scenario_free(&s);
}

/* --- a varied knob that is a count the shrink lowers -------------------------------- */

/* Breaks whenever a class has at most 2 nodes (as the verdict below says). */
static int few_nodes_break(const sim_scenario *s, size_t policy, const sim_hunt_invariant *inv,
                           size_t n, uint64_t max_events, sim_hunt_verdict *out, sim_error *err)
{
    (void)policy, (void)inv, (void)n, (void)max_events, (void)err;
    memset(out, 0, sizeof *out);
    out->broken = s->nodes[0].count <= 2;
    out->which = 0;
    out->cause = -1;
    snprintf(out->name, sizeof out->name, "lost");
    snprintf(out->what, sizeof out->what, "lost == 0: lost = 1");
    return 0;
}

/* The file has 5 nodes and 4 sessions, the world found 2 and 3, and both are
 * varied: the shrink takes them to 1 and 1 and the knob steps do not take them
 * back up toward the file (they did, every pass, to the run cap); a knob that is
 * no count (ack_timeout_s, 60 found, 30 in the file) still goes back. */
static void a_count_knob_is_not_raised_back(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_tiny(&s, &err);
    assert_int_equal(sim_scenario_set(&s, "nodes[0].count", "5", &err), 0);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "4", &err), 0);
    const char *box[3] = {"nodes[0].count=1:6", "workload.sessions=1:5",
                          "policies.fenced.ack_timeout_s=20:90"};
    sim_tune_knob k[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(sim_tune_knob_parse(box[i], &k[i], &err), 0);
    assert_int_equal(sim_hunt_vary_resolve(&s, k, box, 3, &err), 0);
    sim_hunt_invariant in;
    assert_int_equal(sim_hunt_invariant_parse("lost == 0", &in, &err), 0);
    sim_hunt_opts o;
    memset(&o, 0, sizeof o);
    o.base = &s;
    o.policy = 1;
    o.inv = &in;
    o.n_inv = 1;
    o.vary = k;
    o.n_vary = 3;
    o.jobs = 1;
    o.judge = few_nodes_break;
    sim_hunt_found f;
    memset(&f, 0, sizeof f);
    f.found = true;
    sim_scenario_copy(&f.world, &s);
    assert_int_equal(sim_scenario_set(&f.world, "nodes[0].count", "2", &err), 0);
    assert_int_equal(sim_scenario_set(&f.world, "workload.sessions", "3", &err), 0);
    assert_int_equal(sim_scenario_set(&f.world, "policies.fenced.ack_timeout_s", "60", &err), 0);
    assert_int_equal(few_nodes_break(&f.world, 1, &in, 1, 0, &f.verdict, &err), 0);
    sim_hunt_shrunk sh;
    assert_int_equal(sim_hunt_shrink(&o, &f, NULL, &sh, &err), 0);
    if (sh.runs >= 200)
        fail_msg("%zu runs, %zu steps: no fixpoint (the cap is %d)", sh.runs, sh.n_steps,
                 SIM_HUNT_SHRINK_RUNS_MAX);
    assert_int_equal(sh.world.nodes[0].count, 1);
    assert_int_equal(sh.world.workload.sessions, 1);
    char *ack = sim_scenario_get(&sh.world, "policies.fenced.ack_timeout_s");
    assert_non_null(ack);
    assert_string_equal(ack, "30");
    free(ack);
    for (size_t i = 0; i < sh.n_steps; i++) {
        char key[64];
        long long a, b;
        if (sscanf(sh.steps[i], "%63s %lld -> %lld", key, &a, &b) == 3 &&
            (strcmp(key, "nodes[0].count") == 0 || strcmp(key, "workload.sessions") == 0) &&
            b > a)
            fail_msg("step %zu raises a count: %s", i, sh.steps[i]);
    }
    sim_hunt_shrunk_free(&sh);
    sim_hunt_found_free(&f);
    for (int i = 0; i < 3; i++)
        sim_tune_knob_free(&k[i]);
    sim_scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invariants_parse_into_one_bound),
        cmocka_unit_test(bad_invariants_say_what_is_wrong),
        cmocka_unit_test(a_failure_inside_dsim_ends_the_shrinking),
        cmocka_unit_test(a_draw_the_loader_refuses_is_skipped_and_counted),
        cmocka_unit_test(vary_boxes_are_checked_together),
        cmocka_unit_test(a_count_knob_is_not_raised_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
