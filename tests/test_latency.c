/* test_latency.c — latencies in bounded memory: exact order statistics up to the
 * bound, the histogram's stated relative error past it, exact mean and maximum,
 * every value written ascending through the spill; and the client's records
 * freed once an utterance is settled. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "latency.h"
#include "simworld.h"

static const double ps[] = {0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
#define N_PS (sizeof ps / sizeof ps[0])

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 11;
}

/* n latencies: a heavy tail from 1 ns to ~100 s, with ties. */
static int64_t *draw(size_t n, uint64_t seed)
{
    int64_t *v = calloc(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        double u = (double)(lcg(&seed) % 1000000 + 1) / 1e6;
        v[i] = (int64_t)(pow(u, -3.0) * 100.0) + (int64_t)(lcg(&seed) % 3);
    }
    return v;
}

/* GSL's quantile of v[0..n) in seconds. */
static double gsl_q(const int64_t *v, size_t n, double p)
{
    double *d = calloc(n, sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)v[i] / 1e9;
    gsl_sort(d, 1, n);
    double q = gsl_stats_quantile_from_sorted_data(d, 1, n, p);
    free(d);
    return q;
}

/* Up to the bound, exact; past it, within 2^-SIM_LAT_SUB_BITS of exact; the
 * mean and the maximum exact either way. */
static void quantiles_exact_then_within_the_stated_error(void **state)
{
    (void)state;
    enum { N = 30001 };
    int64_t *v = draw(N, 7);
    sim_lat ex, hi;
    sim_lat_init(&ex, N, false);
    sim_lat_init(&hi, 100, false);
    for (size_t i = 0; i < N; i++) {
        sim_lat_add(&ex, v[i]);
        sim_lat_add(&hi, v[i]);
    }
    assert_true(sim_lat_exact(&ex));
    assert_false(sim_lat_exact(&hi));
    const double eps = ldexp(1.0, -SIM_LAT_SUB_BITS);
    int moved = 0;
    for (size_t i = 0; i < N_PS; i++) {
        double want = gsl_q(v, N, ps[i]);
        double a = sim_lat_quantile(&ex, ps[i]), b = sim_lat_quantile(&hi, ps[i]);
        if (!(fabs(a - want) <= 1e-12 * want))
            fail_msg("exact p%g: %.17g, GSL %.17g", ps[i], a, want);
        if (!(fabs(b - want) <= eps * want))
            fail_msg("histogram p%g: %.17g, GSL %.17g (error %.3g > %.3g)", ps[i], b, want,
                     fabs(b - want) / want, eps);
        moved += b != want;
    }
    assert_true(moved > 0); /* the histogram is really in use */
    /* min and max come out exact (the clamp), the mean exactly as without a bound */
    assert_true(sim_lat_quantile(&hi, 0) == gsl_q(v, N, 0));
    assert_true(sim_lat_quantile(&hi, 1) == gsl_q(v, N, 1));
    assert_true(sim_lat_mean_s(&hi) == sim_lat_mean_s(&ex));
    assert_true(hi.max == ex.max);
    sim_lat_free(&ex);
    sim_lat_free(&hi);
    free(v);
}

/* The exact quantiles select in place (Floyd-Rivest, latency.c): on the inputs
 * that trouble a selection — all equal, few distinct values, already ascending
 * or descending, long and short — they match GSL's quantile of sorted data. */
static void exact_quantiles_of_awkward_orders_match_gsl(void **state)
{
    (void)state;
    enum { N = 5001 };
    static int64_t v[N];
    const size_t sizes[] = {1, 2, 7, 600, 601, 602, N};
    for (int shape = 0; shape < 4; shape++) {
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            uint64_t seed = 11 + (uint64_t)shape;
            for (size_t i = 0; i < n; i++)
                v[i] = shape == 0   ? 4000000
                       : shape == 1 ? (int64_t)(lcg(&seed) % 3) * 1000 + 1
                       : shape == 2 ? (int64_t)i + 1
                                    : (int64_t)(n - i);
            sim_lat l;
            sim_lat_init(&l, N, false);
            for (size_t i = 0; i < n; i++)
                sim_lat_add(&l, v[i]);
            for (size_t k = 0; k < N_PS; k++) {
                double want = gsl_q(v, n, ps[k]), got = sim_lat_quantile(&l, ps[k]);
                if (!(fabs(got - want) <= 1e-12 * want))
                    fail_msg("shape %d, n %zu, p%g: %.17g, GSL %.17g", shape, n, ps[k], got,
                             want);
            }
            sim_lat_free(&l);
        }
    }
}

/* Below 2^SIM_LAT_SUB_BITS ns every value has a bucket of its own: exact. */
static void small_values_are_exact_in_the_histogram(void **state)
{
    (void)state;
    enum { N = 5000 };
    int64_t v[N];
    uint64_t x = 3;
    sim_lat l;
    sim_lat_init(&l, 10, false);
    for (size_t i = 0; i < N; i++) {
        v[i] = (int64_t)(lcg(&x) % 4096);
        sim_lat_add(&l, v[i]);
    }
    /* GSL interpolates in seconds, dsim in nanoseconds: equal up to rounding */
    for (size_t i = 0; i < N_PS; i++) {
        double want = gsl_q(v, N, ps[i]);
        assert_true(fabs(sim_lat_quantile(&l, ps[i]) - want) <= 1e-12 * want);
    }
    sim_lat_free(&l);
}

static char *written(sim_lat *l)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(sim_lat_write(l, f, "p", 2), 0);
    fclose(f);
    return buf;
}

/* Every value, ascending, whether held in memory or spilled in sorted runs and
 * merged (runs of 7, a short last one, ties across runs). */
static void every_value_is_written_ascending_through_the_spill(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint64_t x = 11;
    sim_lat mem, sp;
    sim_lat_init(&mem, N, true);
    sim_lat_init(&sp, 7, true);
    for (size_t i = 0; i < N; i++) {
        int64_t ns = (int64_t)(lcg(&x) % 50) * 1000000007;
        sim_lat_add(&mem, ns);
        sim_lat_add(&sp, ns);
    }
    assert_true(sim_lat_exact(&mem) && !sim_lat_exact(&sp) && sp.n_runs > 100);
    char *a = written(&mem), *b = written(&sp);
    assert_string_equal(a, b);
    size_t lines = 0;
    for (const char *p = a; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, N);
    free(a);
    free(b);
    sim_lat_free(&mem);
    sim_lat_free(&sp);
}

/* An utterance sent and delivered once leaves no record; one with a duplicate,
 * an error or no delivery keeps one, and a late copy of a settled one is still
 * a duplicate with the right count of what was sent. */
static void settled_utterances_leave_no_record(void **state)
{
    (void)state;
    enum { N = 200000 };
    sim_client c;
    sim_client_init(&c, 2, N, false);
    for (uint32_t i = 0; i < N; i++) {
        sim_client_utterance_ended(&c, 0, i, (int64_t)i * 1000);
        assert_int_equal(sim_client_sent(&c, 0, i, false), 0);
        assert_true(sim_client_deliver(&c, (int64_t)i * 1000 + 500, 0, i));
    }
    assert_int_equal(c.tab_n, 0);
    assert_true(c.tab_cap <= 64); /* memory did not follow the run */
    assert_int_equal(sim_client_delivers_sent(&c, 0, 5), 1);
    assert_int_equal(sim_client_sent(&c, 0, 5, false), 1); /* a second copy, nth 1 */
    assert_false(sim_client_deliver(&c, 9000000, 0, 5));
    sim_client_cause(&c, 0, 6, CAUSE_NETWORK); /* a delivered one: no record */
    assert_int_equal(c.tab_n, 1);
    /* session 1: one lost, one answered with an error then delivered */
    sim_client_utterance_ended(&c, 1, 0, 0);
    sim_client_cause(&c, 1, 0, CAUSE_NO_NODE);
    sim_client_utterance_ended(&c, 1, 1, 0);
    assert_int_equal(sim_client_sent(&c, 1, 1, true), 0);
    assert_int_equal(sim_client_sent(&c, 1, 1, false), 0);
    assert_true(sim_client_deliver(&c, 100, 1, 1));
    uint8_t cause = 0;
    assert_true(sim_client_lost(&c, 1, 0, &cause) && cause == CAUSE_NO_NODE);
    assert_false(sim_client_lost(&c, 1, 1, &cause) || sim_client_lost(&c, 0, 7, &cause));
    assert_int_equal(c.tab_n, 3);
    double v[SIM_M_COUNT];
    memset(v, 0, sizeof v);
    sim_client_metrics(&c, v);
    assert_true(v[SIM_M_UTTERANCES] == N + 2 && v[SIM_M_DELIVERED] == N + 1);
    assert_true(v[SIM_M_DUPLICATES] == 1 && v[SIM_M_LOST] == 1 && v[SIM_M_LOST_NO_NODE] == 1);
    /* the first copies' latencies only: 500 ns each, and 100 ns */
    assert_true(v[SIM_M_LATENCY_MAX] == 500e-9 && v[SIM_M_LATENCY_P50] == 500e-9);
    assert_true(v[SIM_M_LATENCY_MEAN] == ((double)N * 500 + 100) / (N + 1) / 1e9);
    sim_client_free(&c);
}

/* A folded session's records become counts: the metrics are those of the same
 * records unfolded, and the records are gone. */
static void a_folded_session_keeps_its_counts(void **state)
{
    (void)state;
    sim_client c[2];
    double v[2][SIM_M_COUNT];
    for (int k = 0; k < 2; k++) {
        sim_client_init(&c[k], 3, 50, false);
        for (uint32_t s = 0; s < 3; s++)
            for (uint32_t i = 0; i < 50; i++) {
                sim_client_utterance_ended(&c[k], s, i, (int64_t)i * 100);
                if (i % 7 == 3) { /* lost, for one of three reasons */
                    sim_client_cause(&c[k], s, i, (sim_loss_cause)(CAUSE_NO_NODE + i % 3));
                    continue;
                }
                sim_client_sent(&c[k], s, i, false);
                sim_client_deliver(&c[k], (int64_t)i * 100 + 40 + s, s, i);
                if (i % 11 == 0) { /* a duplicate */
                    sim_client_sent(&c[k], s, i, false);
                    sim_client_deliver(&c[k], (int64_t)i * 100 + 90, s, i);
                }
            }
        if (k == 1) {
            size_t before = c[1].tab_n;
            sim_client_fold(&c[1], 0);
            sim_client_fold(&c[1], 2);
            assert_true(c[1].tab_n > 0 && c[1].tab_n * 3 == before); /* one session's left */
        }
        memset(v[k], 0, sizeof v[k]);
        sim_client_metrics(&c[k], v[k]);
        sim_client_free(&c[k]);
    }
    assert_true(v[0][SIM_M_LOST] > 0 && v[0][SIM_M_DUPLICATES] > 0);
    assert_memory_equal(v[0], v[1], sizeof v[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantiles_exact_then_within_the_stated_error),
        cmocka_unit_test(exact_quantiles_of_awkward_orders_match_gsl),
        cmocka_unit_test(small_values_are_exact_in_the_histogram),
        cmocka_unit_test(every_value_is_written_ascending_through_the_spill),
        cmocka_unit_test(settled_utterances_leave_no_record),
        cmocka_unit_test(a_folded_session_keeps_its_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
