/* test_stats.c — means, Student-t half-widths, rule of three, paired comparison. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

/* cmocka 1.1 compares floats only in single precision: compare doubles here. */
#define assert_near(a, b, eps) near_((a), (b), (eps), #a, __FILE__, __LINE__)
static void near_(double a, double b, double eps, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= eps) && !(a == b))
        fail_msg("%s:%d: %s = %.17g, expected %.17g (+/- %g)", file, line, what, a, b, eps);
}

/* A results table of n_pol policies x n_rep replications, all metrics 0. */
static sim_results results_new(size_t n_pol, size_t n_rep)
{
    sim_results r = {n_pol, n_rep, calloc(n_pol * n_rep * SIM_M_COUNT, sizeof(double))};
    assert_non_null(r.v);
    return r;
}

static void set_metric(sim_results *r, size_t p, sim_metric m, const double *x)
{
    for (size_t i = 0; i < r->n_reps; i++)
        sim_results_at(r, p, i)[m] = x[i];
}

/* 2 4 4 4 5 5 7 9: mean 5, squared deviations sum to 32, s^2 = 32/7; the table
 * value t(0.975, 7) = 2.3646243 gives 2.3646243 * sqrt(32/7/8) = 1.7874879. */
static void ci_half_width_matches_hand_computed_case(void **state)
{
    (void)state;
    sim_results r = results_new(1, 8);
    set_metric(&r, 0, SIM_M_DUPLICATES, (double[]){2, 4, 4, 4, 5, 5, 7, 9});
    sim_summary s;
    sim_summarize(&r, 0, SIM_M_DUPLICATES, &s);
    assert_int_equal(s.n, 8);
    assert_near(s.mean, 5.0, 1e-12);
    assert_near(s.half_width, 2.3646243 * sqrt(32.0 / 7.0 / 8.0), 1e-6);
    assert_near(s.half_width, 1.7874879, 1e-6);
    assert_near(s.min, 2, 0);
    assert_near(s.max, 9, 0);
    assert_near(s.upper_bound, s.mean + s.half_width, 1e-12);
    free(r.v);
}

static void t_quantile_matches_tables(void **state)
{
    (void)state;
    assert_near(sim_t975(1), 12.7062047, 1e-6);
    assert_near(sim_t975(9), 2.2621572, 1e-6);
    assert_near(sim_t975(29), 2.0452296, 1e-6);
}

/* One value says nothing about spread: the half-width (and the CI bound built on
 * it) is unknown, NaN, never 0. */
static void one_replication_has_no_half_width(void **state)
{
    (void)state;
    sim_results r = results_new(1, 1);
    set_metric(&r, 0, SIM_M_LATENCY_P99, (double[]){3.5});
    sim_summary s;
    sim_summarize(&r, 0, SIM_M_LATENCY_P99, &s);
    assert_int_equal(s.n, 1);
    assert_near(s.mean, 3.5, 0);
    assert_true(isnan(s.half_width));
    assert_true(isnan(s.upper_bound));
    assert_near(s.min, 3.5, 0);
    assert_near(s.max, 3.5, 0);
    /* one finite value among several replications: the same */
    sim_results r3 = results_new(1, 3);
    set_metric(&r3, 0, SIM_M_LATENCY_P99, (double[]){NAN, 2.5, NAN});
    sim_summarize(&r3, 0, SIM_M_LATENCY_P99, &s);
    assert_int_equal(s.n, 1);
    assert_near(s.mean, 2.5, 0);
    assert_true(isnan(s.half_width));
    double mean, half;
    size_t count;
    sim_mean_ci((double[]){7}, 1, 1, &mean, &half, &count);
    assert_int_equal(count, 1);
    assert_near(mean, 7, 0);
    assert_true(isnan(half));
    sim_mean_ci((double[]){NAN, NAN}, 2, 1, &mean, &half, &count);
    assert_int_equal(count, 0);
    assert_true(isnan(mean) && isnan(half));
    /* two equal values: a measured spread of 0 is 0 */
    sim_mean_ci((double[]){7, 7}, 2, 1, &mean, &half, &count);
    assert_near(half, 0, 0);
    free(r.v);
    free(r3.v);
}

/* A latency that no replication measured: every field NaN, n 0. */
static void no_finite_value_gives_no_figure(void **state)
{
    (void)state;
    sim_results r = results_new(1, 3);
    set_metric(&r, 0, SIM_M_LATENCY_P99, (double[]){NAN, NAN, NAN});
    sim_summary s;
    sim_summarize(&r, 0, SIM_M_LATENCY_P99, &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.half_width) && isnan(s.min) && isnan(s.max));
    assert_true(isnan(s.upper_bound));
    assert_false(sim_summary_is_rule_of_three(&s, SIM_M_LATENCY_P99));
    free(r.v);
}

/* Zero events and zero utterances: no trial, so no bound on a rate (not 0); a
 * count per replication keeps its bound, 3 / N (the one `dsim check` uses). */
static void no_utterance_gives_no_rule_of_three_bound(void **state)
{
    (void)state;
    sim_results r = results_new(1, 3); /* every metric 0, utterances too */
    sim_summary s;
    sim_summarize(&r, 0, SIM_M_DUPLICATES, &s);
    assert_int_equal(s.n, 3);
    assert_near(s.mean, 0, 0);
    assert_true(sim_summary_is_rule_of_three(&s, SIM_M_DUPLICATES));
    assert_near(s.upper_bound, 1.0, 1e-15);
    assert_true(isnan(sim_summary_rate_bound(&s)));
    sim_summarize(&r, 0, SIM_M_DUPLICATE_RATE, &s);
    assert_true(sim_summary_is_rule_of_three(&s, SIM_M_DUPLICATE_RATE));
    assert_true(isnan(s.upper_bound));
    free(r.v);
}

/* Fewer than 3 trials: 3/T would exceed 1, which no rate per utterance can; the
 * rate's bound is capped at 1 (3 trials give exactly 1, 4 give 3/4 as before).
 * The count's bound is per replication: 3 / N, never more than the U utterances
 * for a loss, and 3 / N for duplicates (an utterance may come back many times). */
static void rule_of_three_bound_never_exceeds_one(void **state)
{
    (void)state;
    static const struct {
        size_t reps;
        double utt, rate, lost, dup;
    } cases[] = {{1, 1, 1.0, 1, 3},  {1, 2, 1.0, 2, 3},     {2, 1, 1.0, 1, 1.5},
                 {1, 3, 1.0, 3, 3},  {1, 4, 0.75, 3, 3},   {2, 2, 0.75, 1.5, 1.5},
                 {4, 200, 3.0 / 800, 0.75, 0.75}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sim_results r = results_new(1, cases[c].reps);
        for (size_t i = 0; i < cases[c].reps; i++)
            sim_results_at(&r, 0, i)[SIM_M_UTTERANCES] = cases[c].utt;
        sim_summary s;
        sim_summarize(&r, 0, SIM_M_LOST, &s);
        assert_true(sim_summary_is_rule_of_three(&s, SIM_M_LOST));
        assert_near(s.upper_bound, cases[c].lost, 1e-15);
        assert_near(sim_summary_rate_bound(&s), cases[c].rate, 1e-15);
        sim_summarize(&r, 0, SIM_M_LOST_NETWORK, &s);
        assert_near(s.upper_bound, cases[c].lost, 1e-15);
        sim_summarize(&r, 0, SIM_M_DUPLICATES, &s);
        assert_near(s.upper_bound, cases[c].dup, 1e-15);
        assert_near(sim_summary_rate_bound(&s), cases[c].rate, 1e-15);
        sim_summarize(&r, 0, SIM_M_LOST_RATE, &s);
        assert_near(s.upper_bound, cases[c].rate, 1e-15);
        assert_near(sim_summary_rate_bound(&s), cases[c].rate, 1e-15);
        free(r.v);
    }
}

/* One pair (or one value a side) gives a difference but no interval. */
static void comparisons_of_one_replication_have_no_interval(void **state)
{
    (void)state;
    sim_results r = results_new(2, 1);
    set_metric(&r, 0, SIM_M_LOST, (double[]){10});
    set_metric(&r, 1, SIM_M_LOST, (double[]){13});
    double mean, half;
    assert_int_equal(sim_paired(&r, 1, 0, SIM_M_LOST, &mean, &half), 1);
    assert_near(mean, 3, 0);
    assert_true(isnan(half));
    size_t n_p = 9, n_base = 9;
    sim_unpaired(&r, 1, 0, SIM_M_LOST, &mean, &half, &n_p, &n_base);
    assert_near(mean, 3, 0);
    assert_true(isnan(half));
    assert_int_equal(n_p, 1);
    assert_int_equal(n_base, 1);
    /* three replications, but only one where both sides delivered */
    sim_results q = results_new(2, 3);
    set_metric(&q, 0, SIM_M_LATENCY_P99, (double[]){1, NAN, 2});
    set_metric(&q, 1, SIM_M_LATENCY_P99, (double[]){1.5, 4, NAN});
    assert_int_equal(sim_paired(&q, 1, 0, SIM_M_LATENCY_P99, &mean, &half), 1); /* one pair */
    assert_near(mean, 0.5, 0);
    assert_true(isnan(half));
    /* the unpaired side with two values each has an interval */
    sim_unpaired(&q, 1, 0, SIM_M_LATENCY_P99, &mean, &half, &n_p, &n_base);
    assert_near(mean, 2.75 - 1.5, 1e-12);
    assert_true(isfinite(half) && half > 0);
    assert_int_equal(n_p, 2);
    assert_int_equal(n_base, 2);
    /* no pair at all */
    set_metric(&q, 1, SIM_M_LATENCY_P99, (double[]){NAN, 4, NAN});
    assert_int_equal(sim_paired(&q, 1, 0, SIM_M_LATENCY_P99, &mean, &half), 0);
    assert_true(isnan(mean) && isnan(half));
    sim_unpaired(&q, 1, 0, SIM_M_LATENCY_P99, &mean, &half, NULL, NULL); /* NULL counts */
    assert_near(mean, 4 - 1.5, 1e-12);
    free(r.v);
    free(q.v);
}

static void non_finite_values_are_left_out(void **state)
{
    (void)state;
    sim_results r = results_new(1, 4);
    set_metric(&r, 0, SIM_M_LATENCY_MAX, (double[]){1, NAN, 3, INFINITY});
    sim_summary s;
    sim_summarize(&r, 0, SIM_M_LATENCY_MAX, &s);
    assert_int_equal(s.n, 2);
    assert_near(s.mean, 2, 1e-12);
    assert_near(s.half_width, 12.7062047 * sqrt(2.0 / 2.0), 1e-6);
    assert_near(s.max, 3, 0);
    free(r.v);
}

static void event_zero_in_every_replication_gives_rule_of_three_bound(void **state)
{
    (void)state;
    sim_results r = results_new(2, 10);
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < 10; i++)
            sim_results_at(&r, p, i)[SIM_M_UTTERANCES] = 500;
    sim_summary s;
    /* 0 duplicates in 10 x 500 utterances: at most 3/10 a replication, a rate
     * <= 3/5000 per utterance. */
    sim_summarize(&r, 0, SIM_M_DUPLICATES, &s);
    assert_true(sim_summary_is_rule_of_three(&s, SIM_M_DUPLICATES));
    assert_near(s.mean, 0, 0);
    assert_near(s.upper_bound, 3.0 / 10.0, 1e-15);
    assert_near(sim_summary_rate_bound(&s), 3.0 / 5000.0, 1e-15);
    sim_summarize(&r, 0, SIM_M_OUT_OF_ORDER, &s);
    assert_near(s.upper_bound, 3.0 / 10.0, 1e-15);
    sim_summarize(&r, 0, SIM_M_LOST_RATE, &s);
    assert_near(s.upper_bound, 3.0 / 5000.0, 1e-15);
    /* Not an event metric: a zero latency is just zero. */
    sim_summarize(&r, 0, SIM_M_LATENCY_P50, &s);
    assert_false(sim_summary_is_rule_of_three(&s, SIM_M_LATENCY_P50));
    assert_near(s.upper_bound, 0, 0);
    assert_true(isnan(sim_summary_rate_bound(&s)));
    /* One replication with an event: the ordinary CI bound. */
    sim_results_at(&r, 1, 3)[SIM_M_DUPLICATES] = 10;
    sim_summarize(&r, 1, SIM_M_DUPLICATES, &s);
    assert_false(sim_summary_is_rule_of_three(&s, SIM_M_DUPLICATES));
    assert_near(s.upper_bound, s.mean + s.half_width, 1e-12);
    assert_near(s.mean, 1.0, 1e-12);
    free(r.v);
}

/* A bound printed with %.2g must stay a bound: rounded up, never to nearest. */
static void round_up_keeps_a_bound_a_bound(void **state)
{
    (void)state;
    assert_near(sim_round_up(3.0 / 800, 2), 0.0038, 1e-18);   /* 0.00375 */
    assert_near(sim_round_up(3.0 / 900, 2), 0.0034, 1e-18);   /* 0.00333 */
    assert_near(sim_round_up(3.0 / 400, 2), 0.0075, 1e-18);   /* exact: unchanged */
    assert_near(sim_round_up(3.0 / 1500, 2), 0.002, 1e-18);
    assert_near(sim_round_up(3.0 / 5000, 2), 0.0006, 1e-18);
    assert_near(sim_round_up(0.996, 2), 1.0, 1e-15);           /* carries into a digit */
    assert_near(sim_round_up(1.0, 2), 1.0, 0);
    assert_near(sim_round_up(123456, 3), 124000, 0);
    assert_near(sim_round_up(0, 2), 0, 0);
    assert_true(isnan(sim_round_up(NAN, 2)));
    /* every T up to 10^5: the printed r/utt is at or above the exact 95 % bound */
    char buf[32];
    for (int t = 1; t <= 100000; t++) {
        double r = fmin(3.0 / t, 1.0);
        snprintf(buf, sizeof buf, "%.2g", sim_round_up(r, 2));
        double printed = strtod(buf, NULL);
        if (!(printed >= 1 - pow(0.05, 1.0 / t)) || printed < r * (1 - 1e-12))
            fail_msg("T = %d: printed %s, bound %.17g, 3/T %.17g", t, buf,
                     1 - pow(0.05, 1.0 / t), r);
    }
}

/* Policy 1 = policy 0 + d with d = 1, 2, 3 (mean 2, s = 1): the paired interval is
 * t(0.975, 2) / sqrt(3) = 4.3026527 / 1.7320508; the unpaired one is far wider
 * because the replications themselves vary a lot. */
static void paired_interval_uses_per_replication_differences(void **state)
{
    (void)state;
    sim_results r = results_new(2, 3);
    set_metric(&r, 0, SIM_M_LOST, (double[]){10, 50, 90});
    set_metric(&r, 1, SIM_M_LOST, (double[]){11, 52, 93});
    double mean, half;
    assert_int_equal(sim_paired(&r, 1, 0, SIM_M_LOST, &mean, &half), 3);
    assert_near(mean, 2, 1e-12);
    assert_near(half, 4.3026527 / sqrt(3.0), 1e-6);
    sim_paired(&r, 0, 0, SIM_M_LOST, &mean, &half);
    assert_near(mean, 0, 0);
    assert_near(half, 0, 0);

    double umean, uhalf;
    sim_unpaired(&r, 1, 0, SIM_M_LOST, &umean, &uhalf, NULL, NULL);
    assert_near(umean, 2, 1e-12);
    /* s0^2 = 1600, s1^2 = 1681: q = (1600 + 1681)/3, nu = q^2 / ((1600/3)^2/2 + (1681/3)^2/2). */
    double qa = 1681.0 / 3, qb = 1600.0 / 3;
    double nu = (qa + qb) * (qa + qb) / (qa * qa / 2 + qb * qb / 2);
    assert_near(uhalf, sim_t975(nu) * sqrt(qa + qb), 1e-9);
    assert_true(uhalf > 20 * half);
    free(r.v);
}

static void events_are_losses_duplicates_and_client_harm(void **state)
{
    (void)state;
    for (int m = 0; m < SIM_M_COUNT; m++) {
        const char *name = sim_metric_name((sim_metric)m);
        bool loss = strncmp(name, "lost_by_cause.", 14) == 0;
        if (loss && !sim_metric_is_event((sim_metric)m))
            fail_msg("%s should be an event metric", name);
        if (strncmp(name, "latency_s.", 10) == 0 && sim_metric_is_event((sim_metric)m))
            fail_msg("%s is not an event metric", name);
    }
    assert_true(sim_metric_is_event(SIM_M_DUPLICATES));
    assert_true(sim_metric_is_event(SIM_M_LOST_RATE));
    assert_false(sim_metric_is_event(SIM_M_UTTERANCES));
    assert_false(sim_metric_is_event(SIM_M_EVENTS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ci_half_width_matches_hand_computed_case),
        cmocka_unit_test(t_quantile_matches_tables),
        cmocka_unit_test(one_replication_has_no_half_width),
        cmocka_unit_test(no_finite_value_gives_no_figure),
        cmocka_unit_test(comparisons_of_one_replication_have_no_interval),
        cmocka_unit_test(no_utterance_gives_no_rule_of_three_bound),
        cmocka_unit_test(rule_of_three_bound_never_exceeds_one),
        cmocka_unit_test(round_up_keeps_a_bound_a_bound),
        cmocka_unit_test(non_finite_values_are_left_out),
        cmocka_unit_test(event_zero_in_every_replication_gives_rule_of_three_bound),
        cmocka_unit_test(paired_interval_uses_per_replication_differences),
        cmocka_unit_test(events_are_losses_duplicates_and_client_harm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
