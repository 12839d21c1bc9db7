/* test_world_client.c — the client's records and the metrics made from them:
 * latencies in integer nanoseconds, quantiles by selection, no latency without a
 * delivery. */
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

#include "simworld.h"
#include "version.h"

#define NS 1000000000LL

/* A client of one session of n utterances: utterance i ends at end[i] and, when
 * lat[i] >= 0, is first delivered lat[i] ns later. */
static void record(sim_client *c, size_t n, const int64_t *end, const int64_t *lat)
{
    sim_client_init(c, 1, (uint32_t)n, true);
    for (size_t i = 0; i < n; i++) {
        sim_client_utterance_ended(c, 0, (uint32_t)i, end[i]);
        if (lat[i] >= 0)
            assert_true(sim_client_deliver(c, end[i] + lat[i], 0, (uint32_t)i));
    }
}

static void metrics(sim_client *c, double v[SIM_M_COUNT])
{
    memset(v, 0, SIM_M_COUNT * sizeof *v);
    sim_client_metrics(c, v);
}

/* Quantiles by selection equal GSL's on the sorted data, with many ties. */
static void quantiles_match_gsl_on_sorted_data(void **state)
{
    (void)state;
    enum { N = 2001 };
    int64_t *end = calloc(N, sizeof *end), *lat = calloc(N, sizeof *lat);
    double *sorted = calloc(N, sizeof *sorted);
    assert_true(end && lat && sorted);
    uint64_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        end[i] = (int64_t)i * 3 * NS;
        /* 0..40 s in 1 ms steps: ties everywhere */
        lat[i] = (int64_t)((x >> 33) % 40000) * 1000000;
        sorted[i] = (double)lat[i] / 1e9;
    }
    gsl_sort(sorted, 1, N);
    sim_client c;
    record(&c, N, end, lat);
    double v[SIM_M_COUNT];
    metrics(&c, v);
    const struct {
        sim_metric m;
        double p;
    } q[] = {{SIM_M_LATENCY_P50, 0.5},
             {SIM_M_LATENCY_P90, 0.9},
             {SIM_M_LATENCY_P99, 0.99},
             {SIM_M_LATENCY_P999, 0.999}};
    for (size_t i = 0; i < 4; i++) {
        double want = gsl_stats_quantile_from_sorted_data(sorted, 1, N, q[i].p);
        if (!(fabs(v[q[i].m] - want) <= 1e-12 * want))
            fail_msg("p%g: %.17g, GSL %.17g", q[i].p * 100, v[q[i].m], want);
    }
    assert_true(v[SIM_M_LATENCY_MAX] == sorted[N - 1]);
    free(end);
    free(lat);
    free(sorted);
    sim_client_free(&c);
}

/* Exact nanoseconds: 1.95 s is 1.95 (not a float's 1.9500000477), a latency of
 * 500 ns is not rounded to a millisecond, an utterance ending after 150 years
 * of simulated time is as exact, and a mean whose sum overflows int64 is exact. */
static void latencies_are_exact_nanoseconds(void **state)
{
    (void)state;
    sim_client c;
    int64_t end[3] = {4 * NS, 5 * NS + 123, 7 * NS}, lat[3] = {1950000000, 1950000000, 1950000000};
    record(&c, 3, end, lat);
    double v[SIM_M_COUNT];
    metrics(&c, v);
    assert_true(v[SIM_M_LATENCY_P50] == 1.95 && v[SIM_M_LATENCY_P999] == 1.95);
    assert_true(v[SIM_M_LATENCY_MAX] == 1.95 && v[SIM_M_LATENCY_MEAN] == 1.95);
    sim_client_free(&c);

    int64_t end2[2] = {2000400000, 3000400000}, lat2[2] = {500, 500};
    record(&c, 2, end2, lat2);
    metrics(&c, v);
    assert_true(v[SIM_M_LATENCY_P50] == 500e-9 && v[SIM_M_LATENCY_MEAN] == 500e-9);
    sim_client_free(&c);

    /* 150 years in, and three latencies of ~100 years: their sum exceeds INT64_MAX */
    const int64_t big = 3100000000LL * NS; /* 3.1e18 ns */
    int64_t end3[3] = {150LL * 365 * 86400 * NS, 150LL * 365 * 86400 * NS + 1, 5},
            lat3[3] = {big, big + 2, big + 4};
    record(&c, 3, end3, lat3);
    metrics(&c, v);
    assert_true(v[SIM_M_LATENCY_MEAN] == (double)(big + 2) / 1e9);
    assert_true(v[SIM_M_LATENCY_P50] == (double)(big + 2) / 1e9);
    assert_true(v[SIM_M_LATENCY_MAX] == (double)(big + 4) / 1e9);
    sim_client_free(&c);
}

/* No delivery, no latency: NaN, not 0. Only first deliveries count. */
static void nothing_delivered_has_no_latency(void **state)
{
    (void)state;
    sim_client c;
    int64_t end[4] = {NS, 2 * NS, 3 * NS, 4 * NS}, lat[4] = {-1, -1, -1, -1};
    record(&c, 4, end, lat);
    double v[SIM_M_COUNT];
    metrics(&c, v);
    assert_true(v[SIM_M_DELIVERED] == 0 && v[SIM_M_LOST] == 4);
    for (int m = SIM_M_LATENCY_P50; m <= SIM_M_LATENCY_MEAN; m++)
        assert_true(isnan(v[m]));
    sim_client_free(&c);

    /* one of four delivered, twice: its first delivery is the latency */
    int64_t lat2[4] = {-1, 250000000, -1, -1};
    record(&c, 4, end, lat2);
    assert_false(sim_client_deliver(&c, 9 * NS, 0, 1)); /* a duplicate */
    metrics(&c, v);
    assert_true(v[SIM_M_DELIVERED] == 1 && v[SIM_M_DUPLICATES] == 1);
    assert_true(v[SIM_M_LATENCY_P50] == 0.25 && v[SIM_M_LATENCY_MAX] == 0.25);
    assert_true(v[SIM_M_LATENCY_MEAN] == 0.25);
    sim_client_free(&c);
}

/* An utterance that never ended (max_time_s cut the run first) never became a
 * job: it is not an utterance of the run, nor lost. */
static void only_spoken_utterances_count(void **state)
{
    (void)state;
    sim_client c;
    sim_client_init(&c, 2, 3, false);
    sim_client_utterance_ended(&c, 0, 0, NS);
    sim_client_utterance_ended(&c, 1, 0, NS);
    sim_client_utterance_ended(&c, 1, 1, 2 * NS);
    assert_true(sim_client_deliver(&c, 3 * NS, 1, 0));
    double v[SIM_M_COUNT];
    metrics(&c, v);
    assert_true(v[SIM_M_UTTERANCES] == 3 && v[SIM_M_DELIVERED] == 1 && v[SIM_M_LOST] == 2);
    assert_true(v[SIM_M_LOST_UNFINISHED] == 2 && v[SIM_M_LOST_RATE] == 2.0 / 3);
    assert_true(v[SIM_M_LATENCY_MAX] == 2.0);
    sim_client_free(&c);
    /* nothing spoken: no utterance, so no rate */
    sim_client_init(&c, 2, 3, false);
    metrics(&c, v);
    assert_true(v[SIM_M_UTTERANCES] == 0 && v[SIM_M_LOST] == 0);
    assert_true(isnan(v[SIM_M_LOST_RATE]) && isnan(v[SIM_M_DUPLICATE_RATE]));
    assert_true(isnan(v[SIM_M_LATENCY_P50]));
    sim_client_free(&c);
}

/* --latencies rows: ascending, exact decimal seconds from the nanoseconds. */
static void latencies_are_written_ascending_and_exact(void **state)
{
    (void)state;
    sim_client c;
    int64_t end[4] = {NS, 2 * NS, 3 * NS, 4 * NS},
            lat[4] = {1950000000, 7, -1, 12 * NS + 340000001};
    record(&c, 4, end, lat);
    double v[SIM_M_COUNT];
    metrics(&c, v);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sim_client_write_latencies(&c, f, "a,b", 3);
    fclose(f);
    char want[256];
    snprintf(want, sizeof want,
             "\"a,b\",3,0.000000007,%s,%d\n"
             "\"a,b\",3,1.950000000,%s,%d\n"
             "\"a,b\",3,12.340000001,%s,%d\n",
             sim_version(), SIM_SCHEMA_VERSION, sim_version(), SIM_SCHEMA_VERSION,
             sim_version(), SIM_SCHEMA_VERSION);
    assert_string_equal(buf, want);
    free(buf);
    sim_client_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantiles_match_gsl_on_sorted_data),
        cmocka_unit_test(latencies_are_exact_nanoseconds),
        cmocka_unit_test(nothing_delivered_has_no_latency),
        cmocka_unit_test(only_spoken_utterances_count),
        cmocka_unit_test(latencies_are_written_ascending_and_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
