/* test_expect.c — expectations expanded, resolved and checked against synthetic results. */
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
#include "stats.h"

#define assert_near(a, b, eps) near_((a), (b), (eps), #a, __FILE__, __LINE__)
static void near_(double a, double b, double eps, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= eps) && !(a == b))
        fail_msg("%s:%d: %s = %.17g, expected %.17g (+/- %g)", file, line, what, a, b, eps);
}

/* t(0.975, 2), from tables: the half-width of 3 replications is T2 * s / sqrt(3). */
#define T2 4.302652729911275

/* A scenario with the named policies and room for expectations; results to match. */
typedef struct fixture {
    sim_scenario s;
    sim_results res;
    sim_expect_item *items;
    size_t n;
    sim_error err;
} fixture;

static void fixture_init(fixture *f, size_t n_pol, const char *const *names, size_t n_reps)
{
    memset(f, 0, sizeof *f);
    f->s.path = strdup("t.json");
    f->s.name = strdup("t");
    f->s.replications = (int)n_reps;
    f->s.policies = calloc(n_pol, sizeof *f->s.policies);
    assert_non_null(f->s.policies);
    for (size_t p = 0; p < n_pol; p++)
        snprintf(f->s.policies[p].name, SIM_NAME_MAX, "%s", names[p]);
    f->s.n_policies = n_pol;
    f->s.expects = calloc(16, sizeof *f->s.expects);
    f->res.n_policies = n_pol;
    f->res.n_reps = n_reps;
    f->res.v = calloc(n_pol * n_reps * SIM_M_COUNT, sizeof(double));
    assert_non_null(f->res.v);
    /* 100 utterances everywhere, so rates and rule-of-three bounds are defined */
    for (size_t p = 0; p < n_pol; p++)
        for (size_t r = 0; r < n_reps; r++)
            sim_results_at(&f->res, p, r)[SIM_M_UTTERANCES] = 100;
}

static void fixture_free(fixture *f)
{
    free(f->items);
    free(f->res.v);
    free(f->s.policies);
    free(f->s.expects);
    free(f->s.path);
    free(f->s.name);
}

/* Appends an expectation; bounds are set by the caller on the returned pointer. */
static sim_expect *add_expect(fixture *f, const char *policy, const char *metric)
{
    assert_true(f->s.n_expects < 16);
    sim_expect *e = &f->s.expects[f->s.n_expects++];
    snprintf(e->policy, SIM_NAME_MAX, "%s", policy);
    snprintf(e->metric, SIM_NAME_MAX, "%s", metric);
    return e;
}

static void set_metric(fixture *f, size_t p, sim_metric m, const double *x)
{
    for (size_t r = 0; r < f->res.n_reps; r++)
        sim_results_at(&f->res, p, r)[m] = x[r];
}

static void plan_and_eval(fixture *f)
{
    assert_int_equal(sim_expect_plan(&f->s, &f->items, &f->n, &f->err), 0);
    sim_expect_eval(&f->s, &f->res, f->items, f->n);
}

static const char *const THREE[] = {"old", "timeout-90s", "fenced"};

static void star_expands_to_every_policy_and_items_keep_file_order(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 3, THREE, 2);
    add_expect(&f, "fenced", "duplicates")->has_max = true;
    add_expect(&f, "*", "lost_by_cause.no_node")->has_max = true;
    add_expect(&f, "old", "latency_s.p99")->has_min = true;
    assert_int_equal(sim_expect_plan(&f.s, &f.items, &f.n, &f.err), 0);
    assert_int_equal(f.n, 5);
    const size_t want_expect[] = {0, 1, 1, 1, 2};
    const size_t want_policy[] = {2, 0, 1, 2, 0};
    const sim_metric want_metric[] = {SIM_M_DUPLICATES, SIM_M_LOST_NO_NODE, SIM_M_LOST_NO_NODE,
                                      SIM_M_LOST_NO_NODE, SIM_M_LATENCY_P99};
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(f.items[k].expect, want_expect[k]);
        assert_int_equal(f.items[k].policy, want_policy[k]);
        assert_int_equal(f.items[k].metric, want_metric[k]);
    }
    fixture_free(&f);
}

static void plan_reports_every_unknown_policy_and_metric_with_its_path(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 3, THREE, 2);
    add_expect(&f, "fenced", "duplicates")->has_max = true;
    add_expect(&f, "fencd", "duplicates")->has_max = true;
    add_expect(&f, "*", "dupilcates")->has_max = true;
    add_expect(&f, "old", "lost")->on = SIM_EXPECT_ON_MEAN; /* no bound at all */
    assert_int_equal(sim_expect_plan(&f.s, &f.items, &f.n, &f.err), -1);
    assert_null(f.items);
    assert_int_equal(f.n, 0);
    assert_int_equal(f.err.count, 3);
    assert_non_null(strstr(f.err.msg[0], "t.json: expect.fencd"));
    assert_non_null(strstr(f.err.msg[0], "no policy named 'fencd'"));
    assert_non_null(strstr(f.err.msg[1], "t.json: expect.*.dupilcates"));
    assert_non_null(strstr(f.err.msg[1], "unknown metric"));
    assert_non_null(strstr(f.err.msg[2], "expect.old.lost: no bound"));
    fixture_free(&f);
}

static void scenario_without_expectations_plans_nothing(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 3, THREE, 2);
    assert_int_equal(sim_expect_plan(&f.s, &f.items, &f.n, &f.err), 0);
    assert_int_equal(f.n, 0);
    assert_null(f.items);
    assert_int_equal(f.err.count, 0);
    fixture_free(&f);
}

/* duplicates 2, 4, 6 -> mean 4, s = 2, half-width T2 * 2 / sqrt(3). */
static void mean_bounds_pass_at_the_edge_and_fail_beyond_it(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 3);
    set_metric(&f, 0, SIM_M_DUPLICATES, (double[]){2, 4, 6});
    sim_expect *e;
    e = add_expect(&f, "old", "duplicates");
    e->has_min = true, e->min = 4;
    e = add_expect(&f, "old", "duplicates");
    e->has_min = true, e->min = 4.5;
    e = add_expect(&f, "old", "duplicates");
    e->has_max = true, e->max = 4;
    e = add_expect(&f, "old", "duplicates");
    e->has_max = true, e->max = 3.99;
    e = add_expect(&f, "old", "duplicates");
    e->has_min = true, e->min = 1, e->has_max = true, e->max = 3;
    plan_and_eval(&f);
    assert_int_equal(f.n, 5);
    const bool want[] = {true, false, true, false, false};
    for (size_t k = 0; k < 5; k++) {
        assert_near(f.items[k].value, 4.0, 1e-12);
        assert_int_equal(f.items[k].pass, want[k]);
    }
    assert_int_equal(f.items[0].summary.n, 3);
    assert_near(f.items[0].summary.half_width, T2 * 2 / sqrt(3.0), 1e-9);
    fixture_free(&f);
}

static void ci_bounds_are_mean_plus_and_minus_the_half_width(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 3);
    set_metric(&f, 0, SIM_M_LATENCY_P99, (double[]){2, 4, 6});
    const double hw = T2 * 2 / sqrt(3.0); /* 4.968...: the upper bound is 8.968... */
    sim_expect *e;
    e = add_expect(&f, "old", "latency_s.p99");
    e->has_max = true, e->max = 8.9, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "latency_s.p99");
    e->has_max = true, e->max = 9.0, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "latency_s.p99");
    e->has_min = true, e->min = -0.9, e->on = SIM_EXPECT_ON_CI_LOWER;
    e = add_expect(&f, "old", "latency_s.p99");
    e->has_min = true, e->min = -1.0, e->on = SIM_EXPECT_ON_CI_LOWER;
    plan_and_eval(&f);
    assert_near(f.items[0].value, 4 + hw, 1e-9);
    assert_false(f.items[0].pass);
    assert_true(f.items[1].pass);
    assert_near(f.items[2].value, 4 - hw, 1e-9);
    assert_false(f.items[2].pass);
    assert_true(f.items[3].pass);
    fixture_free(&f);
}

/* Zero in all 4 replications: a count's upper bound is 3 / 4 per replication, a
 * rate's is 3 / (4 x 100 utterances); "max 0" on the mean still passes. */
static void ci_upper_of_an_event_never_seen_is_the_rule_of_three(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 4);
    sim_expect *e;
    e = add_expect(&f, "old", "duplicates");
    e->has_max = true, e->max = 0, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "duplicates");
    e->has_max = true, e->max = 0.75, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "duplicate_rate");
    e->has_max = true, e->max = 0.0075, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "duplicate_rate");
    e->has_max = true, e->max = 0.007, e->on = SIM_EXPECT_ON_CI_UPPER;
    e = add_expect(&f, "old", "duplicates");
    e->has_max = true, e->max = 0;
    plan_and_eval(&f);
    assert_near(f.items[0].value, 0.75, 1e-12);
    assert_false(f.items[0].pass);
    assert_true(f.items[1].pass);
    assert_near(f.items[2].value, 3.0 / 400.0, 1e-12);
    assert_true(f.items[2].pass);
    assert_false(f.items[3].pass);
    assert_near(f.items[4].value, 0, 0);
    assert_true(f.items[4].pass);
    char buf[128];
    sim_expect_measured(&f.s, &f.items[0], buf, sizeof buf);
    assert_string_equal(buf, "0.75 (rule of three: 0 in each of 4 replications)");
    /* == 0 on the mean: the per-utterance bound, as dsim run prints it, not "0 ± 0" */
    sim_expect_measured(&f.s, &f.items[4], buf, sizeof buf);
    assert_string_equal(buf, "0 (\xe2\x89\xa4 0.0075/utt)");
    fixture_free(&f);
}

/* 0 in 4 x 200 utterances: 3/800 = 0.00375 is printed rounded up, 0.0038, not to
 * nearest (0.0037 is below the exact 95 % bound 0.0037377). */
static void the_printed_rule_of_three_bound_is_rounded_up(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 4);
    set_metric(&f, 0, SIM_M_UTTERANCES, (double[]){200, 200, 200, 200});
    sim_expect *e = add_expect(&f, "old", "duplicates");
    e->has_equals = true, e->equals = 0;
    plan_and_eval(&f);
    char buf[128];
    sim_expect_measured(&f.s, &f.items[0], buf, sizeof buf);
    assert_string_equal(buf, "0 (\xe2\x89\xa4 0.0038/utt)");
    fixture_free(&f);
}

static void equals_tolerates_rounding_of_a_mean_but_not_a_real_difference(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 3);
    set_metric(&f, 0, SIM_M_LOST_RATE, (double[]){0.1, 0.2, 0.3});
    sim_expect *e;
    e = add_expect(&f, "old", "lost_rate");
    e->has_equals = true, e->equals = 0.2;
    e = add_expect(&f, "old", "lost_rate");
    e->has_equals = true, e->equals = 0.2001;
    plan_and_eval(&f);
    assert_true(f.items[0].pass);
    assert_false(f.items[1].pass);
    fixture_free(&f);
}

/* A policy that delivers nothing has no latency: a latency bound fails, however
 * wide, and says why. */
static void a_latency_with_no_delivery_fails_every_bound(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 2);
    set_metric(&f, 0, SIM_M_LATENCY_P50, (double[]){NAN, NAN});
    sim_expect *e = add_expect(&f, "old", "latency_s.p50");
    e->has_max = true, e->max = 1e300;
    e = add_expect(&f, "old", "latency_s.p50");
    e->has_min = true, e->min = -1e300, e->on = SIM_EXPECT_ON_CI_LOWER;
    plan_and_eval(&f);
    char buf[128];
    for (size_t k = 0; k < 2; k++) {
        assert_true(isnan(f.items[k].value));
        assert_false(f.items[k].pass);
        assert_int_equal(f.items[k].summary.n, 0);
        assert_int_equal(f.items[k].reps, 2);
        sim_expect_measured(&f.s, &f.items[k], buf, sizeof buf);
        assert_string_equal(buf, "no utterance delivered (in 2 replications)");
    }
    fixture_free(&f);
}

/* Some replications delivered: the mean is over those, and the line says so. */
static void a_latency_of_some_replications_says_over_how_many(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 3);
    set_metric(&f, 0, SIM_M_LATENCY_P99, (double[]){2, NAN, 4});
    sim_expect *e = add_expect(&f, "old", "latency_s.p99");
    e->has_max = true, e->max = 3;
    plan_and_eval(&f);
    assert_true(f.items[0].pass);
    assert_int_equal(f.items[0].summary.n, 2);
    char buf[160], want[160];
    sim_expect_measured(&f.s, &f.items[0], buf, sizeof buf);
    snprintf(want, sizeof want,
             "3 \xc2\xb1 %.3g (over the 2 of 3 replications that delivered)",
             12.706204736174707 * sqrt(2.0) / sqrt(2.0));
    assert_string_equal(buf, want);
    fixture_free(&f);
}

/* One replication: a mean, no interval. The mean is shown alone (not "± 0"), and
 * a bound on the CI fails, since one value gives none. */
static void one_replication_has_a_mean_but_no_interval(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 1, THREE, 1);
    set_metric(&f, 0, SIM_M_LATENCY_P99, (double[]){1.95});
    sim_expect *e = add_expect(&f, "old", "latency_s.p99");
    e->has_equals = true, e->equals = 1.95;
    e = add_expect(&f, "old", "latency_s.p99");
    e->has_max = true, e->max = 100, e->on = SIM_EXPECT_ON_CI_UPPER;
    plan_and_eval(&f);
    assert_true(f.items[0].pass);
    assert_true(isnan(f.items[0].summary.half_width));
    char buf[160];
    sim_expect_measured(&f.s, &f.items[0], buf, sizeof buf);
    assert_string_equal(buf, "1.95");
    assert_false(f.items[1].pass);
    assert_true(isnan(f.items[1].value));
    sim_expect_measured(&f.s, &f.items[1], buf, sizeof buf);
    assert_string_equal(buf, "no confidence interval from 1 replication (mean 1.95)");
    fixture_free(&f);
}

static void lines_name_policy_metric_bounds_and_the_figures(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 3, THREE, 3);
    set_metric(&f, 2, SIM_M_DUPLICATES, (double[]){2, 4, 6});
    sim_expect *e;
    e = add_expect(&f, "fenced", "duplicates");
    e->has_min = true, e->min = 1, e->has_max = true, e->max = 5;
    e = add_expect(&f, "fenced", "duplicates");
    e->has_max = true, e->max = 0.5, e->on = SIM_EXPECT_ON_CI_UPPER;
    plan_and_eval(&f);
    char what[256], measured[256], want[256];
    sim_expect_describe(&f.s, &f.items[0], what, sizeof what);
    assert_string_equal(what, "fenced duplicates >= 1 and <= 5");
    sim_expect_measured(&f.s, &f.items[0], measured, sizeof measured);
    snprintf(want, sizeof want, "4 \xc2\xb1 %.3g", T2 * 2 / sqrt(3.0));
    assert_string_equal(measured, want);
    assert_string_equal(measured, "4 \xc2\xb1 4.97");
    sim_expect_describe(&f.s, &f.items[1], what, sizeof what);
    assert_string_equal(what, "fenced duplicates (ci_upper) <= 0.5");
    sim_expect_measured(&f.s, &f.items[1], measured, sizeof measured);
    snprintf(want, sizeof want, "%.6g (mean 4 \xc2\xb1 %.3g)", 4 + T2 * 2 / sqrt(3.0),
             T2 * 2 / sqrt(3.0));
    assert_string_equal(measured, want);
    fixture_free(&f);
}

static void describe_truncates_safely_into_a_small_buffer(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 3, THREE, 1);
    sim_expect *e = add_expect(&f, "timeout-90s", "lost_by_cause.failover_exhausted");
    e->has_min = true, e->min = 1, e->has_max = true, e->max = 2, e->has_equals = true;
    e->equals = 1.5;
    plan_and_eval(&f);
    char full[256], small[12];
    sim_expect_describe(&f.s, &f.items[0], full, sizeof full);
    assert_string_equal(full,
                        "timeout-90s lost_by_cause.failover_exhausted >= 1 and <= 2 and == 1.5");
    sim_expect_describe(&f.s, &f.items[0], small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, full, sizeof small - 1);
    char bounds[5];
    sim_expect_bounds(e, bounds, sizeof bounds);
    assert_string_equal(bounds, ">= 1");
    fixture_free(&f);
}

static void numbers_print_specials_and_negative_zero_plainly(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(sim_expect_number(NAN, 6, b, sizeof b), "n/a");
    assert_string_equal(sim_expect_number(-NAN, 6, b, sizeof b), "n/a");
    assert_string_equal(sim_expect_number(INFINITY, 6, b, sizeof b), "inf");
    assert_string_equal(sim_expect_number(-INFINITY, 6, b, sizeof b), "-inf");
    assert_string_equal(sim_expect_number(-0.0, 6, b, sizeof b), "0");
    assert_string_equal(sim_expect_number(0.1, 15, b, sizeof b), "0.1");
    assert_string_equal(sim_expect_number(37.23333, 6, b, sizeof b), "37.2333");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(star_expands_to_every_policy_and_items_keep_file_order),
        cmocka_unit_test(plan_reports_every_unknown_policy_and_metric_with_its_path),
        cmocka_unit_test(scenario_without_expectations_plans_nothing),
        cmocka_unit_test(mean_bounds_pass_at_the_edge_and_fail_beyond_it),
        cmocka_unit_test(ci_bounds_are_mean_plus_and_minus_the_half_width),
        cmocka_unit_test(ci_upper_of_an_event_never_seen_is_the_rule_of_three),
        cmocka_unit_test(the_printed_rule_of_three_bound_is_rounded_up),
        cmocka_unit_test(equals_tolerates_rounding_of_a_mean_but_not_a_real_difference),
        cmocka_unit_test(a_latency_with_no_delivery_fails_every_bound),
        cmocka_unit_test(a_latency_of_some_replications_says_over_how_many),
        cmocka_unit_test(one_replication_has_a_mean_but_no_interval),
        cmocka_unit_test(lines_name_policy_metric_bounds_and_the_figures),
        cmocka_unit_test(describe_truncates_safely_into_a_small_buffer),
        cmocka_unit_test(numbers_print_specials_and_negative_zero_plainly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
