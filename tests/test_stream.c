/* test_stream.c — keyed random streams: the generator's known answers,
 * reproducibility by key, independence between neighbouring keys, uniformity, and
 * use through GSL's gsl_rng / gsl_ran_* interface. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "stream.h"
#include "stream_internal.h"

#define DRAWS 100000

/* |r| bound for independence: under independence r has sd 1/sqrt(1e5) = 0.0032, so
 * 0.02 is over 6 sd. */
#define MAX_ABS_R 0.02

/* Chi-square tests fail below this p-value (a correct generator fails one seed in
 * 10^4; the seeds here are fixed, so the test is deterministic). */
#define MIN_P 1e-4

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* ---- the generator ------------------------------------------------------------ */

static void philox_matches_random123_known_answers(void **state)
{
    (void)state;
    /* Random123's kat_vectors for philox4x64-10. */
    const uint64_t ctr[3][4] = {
        {0, 0, 0, 0},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX},
        {UINT64_C(0x243f6a8885a308d3), UINT64_C(0x13198a2e03707344),
         UINT64_C(0xa4093822299f31d0), UINT64_C(0x082efa98ec4e6c89)}};
    const uint64_t key[3][2] = {{0, 0},
                                {UINT64_MAX, UINT64_MAX},
                                {UINT64_C(0x452821e638d01377), UINT64_C(0xbe5466cf34e90c6c)}};
    const uint64_t want[3][4] = {
        {UINT64_C(0x16554d9eca36314c), UINT64_C(0xdb20fe9d672d0fdc),
         UINT64_C(0xd7e772cee186176b), UINT64_C(0x7e68b68aec7ba23b)},
        {UINT64_C(0x87b092c3013fe90b), UINT64_C(0x438c3c67be8d0224),
         UINT64_C(0x9cc7d7c69cd777b6), UINT64_C(0xa09caebf594f0ba0)},
        {UINT64_C(0xa528f45403e61d95), UINT64_C(0x38c72dbd566e9788),
         UINT64_C(0xa5a1610e72fd18b5), UINT64_C(0x57bd43b5e52b7fe6)}};
    for (int k = 0; k < 3; k++) {
        uint64_t out[4];
        sim_stream__philox(ctr[k], key[k], out);
        for (int j = 0; j < 4; j++)
            assert_true(out[j] == want[k][j]);
    }
}

/* A named stream is Philox-4x64-10 of its name under its sim_streams' key, block
 * after block: its round keys, computed once, give the same words as the
 * reference rounds that the known answers check. */
static void named_stream_is_philox_of_its_name(void **state)
{
    (void)state;
    sim_streams k;
    sim_streams_init(&k, 20251230);
    const uint64_t a = UINT64_C(0x243f6a8885a308d3), b = UINT64_MAX, sub = 12345;
    sim_stream s;
    sim_stream_named(&s, &k, SIM_KEY_NET, a, b, sub);
    for (uint64_t block = 0; block < 3; block++) {
        const uint64_t ctr[4] = {block, (uint64_t)SIM_KEY_NET << 56 | sub, a, b};
        uint64_t want[4];
        sim_stream__philox(ctr, k.key, want);
        for (int j = 0; j < 4; j++)
            assert_true(sim_stream_u64(&s) == want[j]);
    }
}

/* ---- reproducibility ---------------------------------------------------------- */

static void same_key_gives_same_sequence_whatever_else_ran(void **state)
{
    (void)state;
    enum { N = 1000 };
    static double alone[N];
    sim_stream a, b, c;
    sim_stream(&a, 7, SIM_KEY_SERVICE, 3, 14, 1, 2);
    for (int i = 0; i < N; i++)
        alone[i] = sim_stream_uniform(&a);

    /* Again, interleaved with other streams, through both interfaces. */
    sim_stream(&b, 7, SIM_KEY_SERVICE, 3, 14, 1, 1);
    for (int i = 0; i < 17; i++)
        sim_stream_u64(&b);
    sim_stream(&a, 7, SIM_KEY_SERVICE, 3, 14, 1, 2);
    sim_stream(&c, 8, SIM_KEY_SERVICE, 3, 14, 1, 2);
    for (int i = 0; i < N; i++) {
        double x = i % 2 ? gsl_rng_uniform(&a.rng) : sim_stream_uniform(&a);
        assert_true(x == alone[i]);
        gsl_ran_gaussian(&b.rng, 1.0);
        sim_stream_uniform(&c);
    }
    /* A distinct key gives a distinct sequence. */
    sim_stream(&b, 7, SIM_KEY_SERVICE, 3, 14, 1, 1);
    int same = 0;
    for (int i = 0; i < N; i++)
        same += sim_stream_uniform(&b) == alone[i];
    assert_true(same < 3);
}

static void copied_stream_continues_independently_after_fix(void **state)
{
    (void)state;
    sim_stream a;
    sim_stream(&a, 1, SIM_KEY_WORKLOAD, 5, 6);
    for (int i = 0; i < 5; i++) /* mid-block: the copy carries the buffer */
        sim_stream_u64(&a);
    sim_stream b = a;
    sim_stream_fix(&b);
    assert_ptr_equal(b.rng.state, &b.st);
    for (int i = 0; i < 100; i++) {
        uint64_t x = gsl_rng_get(&a.rng);
        uint64_t y = gsl_rng_get(&b.rng);
        assert_true(x == y);
    }
}

static void gsl_rng_interface_behaves_like_gsl_generators(void **state)
{
    (void)state;
    assert_string_equal(sim_rng_keyed->name, "dsim-keyed");
    assert_true(sim_rng_keyed->min == 0);
    assert_true(sim_rng_keyed->max == UINT32_MAX);
    /* gsl_rng_alloc / gsl_rng_set seed a stream with no keys. */
    gsl_rng *r = gsl_rng_alloc(sim_rng_keyed);
    assert_non_null(r);
    gsl_rng_set(r, 99);
    sim_stream s;
    sim_stream_init(&s, 99, NULL, 0);
    for (int i = 0; i < 50; i++)
        assert_true(gsl_rng_uniform(r) == sim_stream_uniform(&s));
    gsl_rng *c = gsl_rng_clone(r);
    unsigned long max = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned long x = gsl_rng_get(r);
        assert_true(x == gsl_rng_get(c));
        assert_true(x <= UINT32_MAX);
        max = x > max ? x : max;
    }
    assert_true(max > UINT32_MAX / 2); /* the top half of the range is reached */
    /* uniform_int, which works from get/min/max, stays in range and hits both ends. */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        unsigned long k = gsl_rng_uniform_int(r, 7);
        assert_true(k < 7);
        seen[k]++;
    }
    for (int k = 0; k < 7; k++)
        assert_true(seen[k] > 800 && seen[k] < 1200);
    gsl_rng_free(c);
    gsl_rng_free(r);
}

/* ---- independence ------------------------------------------------------------- */

static double corr_of(uint64_t seed_a, const uint64_t *ka, size_t na, uint64_t seed_b,
                      const uint64_t *kb, size_t nb)
{
    double *x = malloc(DRAWS * sizeof *x);
    double *y = malloc(DRAWS * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    sim_stream a, b;
    sim_stream_init(&a, seed_a, ka, na);
    sim_stream_init(&b, seed_b, kb, nb);
    for (size_t i = 0; i < DRAWS; i++) {
        x[i] = sim_stream_uniform(&a);
        y[i] = sim_stream_uniform(&b);
    }
    double r = pearson(x, y, DRAWS);
    free(x);
    free(y);
    return r;
}

static void neighbouring_keys_are_uncorrelated(void **state)
{
    (void)state;
    const uint64_t k123[] = {1, 2, 3}, k124[] = {1, 2, 4}, k12[] = {1, 2}, k120[] = {1, 2, 0};
    const uint64_t k0[] = {0}, k1[] = {1};
    double r[5] = {
        corr_of(42, k123, 3, 42, k124, 3), /* last key word + 1 */
        corr_of(42, k123, 3, 43, k123, 3), /* seed + 1 */
        corr_of(42, k12, 2, 42, k120, 3),  /* one more (zero) key word */
        corr_of(0, k0, 1, 0, k1, 1),       /* all-zero neighbours */
        corr_of(0, k0, 1, 1, k0, 1),
    };
    for (int i = 0; i < 5; i++) {
        if (!(fabs(r[i]) < MAX_ABS_R))
            fail_msg("pair %d: r = %g, want |r| < %g", i, r[i], MAX_ABS_R);
    }
    /* Lag-1 within a stream, too. */
    sim_stream s;
    sim_stream(&s, 42, 1, 2, 3);
    double *x = malloc((DRAWS + 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i <= DRAWS; i++)
        x[i] = sim_stream_uniform(&s);
    double lag1 = pearson(x, x + 1, DRAWS);
    free(x);
    assert_true(fabs(lag1) < MAX_ABS_R);
}

/* ---- uniformity ----------------------------------------------------------------- */

static double chisq_p(const unsigned *count, unsigned bins, unsigned n)
{
    double expect = (double)n / bins, chi = 0;
    for (unsigned i = 0; i < bins; i++)
        chi += ((double)count[i] - expect) * ((double)count[i] - expect) / expect;
    return gsl_cdf_chisq_Q(chi, (double)(bins - 1));
}

static void draws_are_uniform_by_chi_square(void **state)
{
    (void)state;
    enum { BINS = 100, LOW_BINS = 256 };
    static unsigned cnt[BINS], low[LOW_BINS], pairs[BINS];
    memset(cnt, 0, sizeof cnt);
    memset(low, 0, sizeof low);
    memset(pairs, 0, sizeof pairs);
    sim_stream s;
    sim_stream(&s, 20251230, SIM_KEY_SERVICE, 1, 2, 3, 4);
    for (unsigned i = 0; i < DRAWS; i++)
        cnt[(unsigned)(sim_stream_uniform(&s) * BINS)]++;
    /* The low byte of the 32-bit gsl_rng_get output. */
    for (unsigned i = 0; i < DRAWS; i++)
        low[gsl_rng_get(&s.rng) & 0xff]++;
    /* Successive pairs on a 10 x 10 grid. */
    for (unsigned i = 0; i < DRAWS; i++) {
        unsigned a = (unsigned)(sim_stream_uniform(&s) * 10);
        unsigned b = (unsigned)(sim_stream_uniform(&s) * 10);
        pairs[a * 10 + b]++;
    }
    double p1 = chisq_p(cnt, BINS, DRAWS);
    double p2 = chisq_p(low, LOW_BINS, DRAWS);
    double p3 = chisq_p(pairs, BINS, DRAWS);
    if (!(p1 > MIN_P && p2 > MIN_P && p3 > MIN_P))
        fail_msg("chi-square p-values %g %g %g, want all > %g", p1, p2, p3, MIN_P);
    /* A biased histogram does fail the same test (the test can fail). */
    cnt[0] += 400;
    cnt[1] -= 400;
    assert_true(chisq_p(cnt, BINS, DRAWS) < MIN_P);
}

/* Named streams (the hot path's): the first draw of each of DRAWS neighbouring
 * names — the utterance counting up, as the world makes them — is uniform by
 * chi-square, and the first draws of names one apart in each field (domain, a,
 * b, sub) and of seeds one apart are uncorrelated; the same name and seed give
 * the same sequence. */
static void named_streams_are_uniform_across_names_and_reproducible(void **state)
{
    (void)state;
    enum { BINS = 100 };
    static unsigned cnt[BINS];
    memset(cnt, 0, sizeof cnt);
    sim_streams k, k2;
    sim_streams_init(&k, 20251230);
    sim_streams_init(&k2, 20251231);
    double *x[6];
    for (int f = 0; f < 6; f++) {
        x[f] = malloc(DRAWS * sizeof *x[f]);
        assert_non_null(x[f]);
    }
    for (unsigned i = 0; i < DRAWS; i++) {
        sim_stream s;
        sim_stream_named(&s, &k, SIM_KEY_SERVICE, 3, i, UINT64_C(1) << 40 | 2);
        x[0][i] = sim_stream_uniform(&s);
        cnt[(unsigned)(x[0][i] * BINS)]++;
        sim_stream_named(&s, &k, SIM_KEY_NET, 3, i, UINT64_C(1) << 40 | 2);
        x[1][i] = sim_stream_uniform(&s);
        sim_stream_named(&s, &k, SIM_KEY_SERVICE, 4, i, UINT64_C(1) << 40 | 2);
        x[2][i] = sim_stream_uniform(&s);
        sim_stream_named(&s, &k, SIM_KEY_SERVICE, 3, i + 1, UINT64_C(1) << 40 | 2);
        x[3][i] = sim_stream_uniform(&s);
        sim_stream_named(&s, &k, SIM_KEY_SERVICE, 3, i, UINT64_C(1) << 40 | 3);
        x[4][i] = sim_stream_uniform(&s);
        sim_stream_named(&s, &k2, SIM_KEY_SERVICE, 3, i, UINT64_C(1) << 40 | 2);
        x[5][i] = sim_stream_uniform(&s);
    }
    double p = chisq_p(cnt, BINS, DRAWS);
    if (!(p > MIN_P))
        fail_msg("chi-square p-value %g across names, want > %g", p, MIN_P);
    for (int f = 1; f < 6; f++) {
        double r = pearson(x[0], x[f], DRAWS);
        if (!(fabs(r) < MAX_ABS_R))
            fail_msg("name field %d: r = %g, want |r| < %g", f, r, MAX_ABS_R);
    }
    for (int f = 0; f < 6; f++)
        free(x[f]);
    sim_stream a, b;
    sim_stream_named(&a, &k, SIM_KEY_WORKLOAD, 7, 9, 0);
    sim_stream_named(&b, &k, SIM_KEY_WORKLOAD, 7, 9, 0);
    for (int i = 0; i < 1000; i++)
        assert_true(sim_stream_u64(&a) == sim_stream_u64(&b));
}

static void gsl_gaussian_through_stream_has_unit_moments(void **state)
{
    (void)state;
    sim_stream s;
    sim_stream(&s, 3, SIM_KEY_NET, 9);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < DRAWS; i++) {
        double z = gsl_ran_gaussian(&s.rng, 1.0);
        sum += z;
        sum2 += z * z;
    }
    double mean = sum / DRAWS;
    double sd = sqrt(sum2 / DRAWS - mean * mean);
    /* sd of the mean 0.0032, of the sd 0.0022: bounds at about 5 sd. */
    if (!(fabs(mean) < 0.016 && fabs(sd - 1.0) < 0.011))
        fail_msg("gaussian mean %g sd %g", mean, sd);
    /* Exponential and gamma means through the same stream. */
    double e = 0, g = 0;
    for (int i = 0; i < DRAWS; i++) {
        e += gsl_ran_exponential(&s.rng, 2.0);
        g += gsl_ran_gamma(&s.rng, 3.0, 0.5);
    }
    /* means 2 and 1.5; sds of the means 0.0063 and 0.0027 */
    assert_true(fabs(e / DRAWS - 2.0) < 0.032);
    assert_true(fabs(g / DRAWS - 1.5) < 0.014);
}

/* ---- seed derivation ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void derived_seeds_are_distinct_for_distinct_keys(void **state)
{
    (void)state;
    enum { N = 3 * 64 * 64 + 8 };
    uint64_t *v = malloc(N * sizeof *v);
    assert_non_null(v);
    size_t n = 0;
    for (uint64_t seed = 0; seed < 3; seed++)
        for (uint64_t i = 0; i < 64; i++)
            for (uint64_t j = 0; j < 64; j++)
                v[n++] = sim_seed_derive(seed, (const uint64_t[]){SIM_KEY_REPLICATION, i, j}, 3);
    /* Lengths and orders differ. */
    v[n++] = sim_seed_derive(0, NULL, 0);
    v[n++] = sim_seed_derive(0, (const uint64_t[]){0}, 1);
    v[n++] = sim_seed_derive(0, (const uint64_t[]){0, 0}, 2);
    v[n++] = sim_seed_derive(0, (const uint64_t[]){SIM_KEY_REPLICATION, 0}, 2);
    v[n++] = sim_seed_derive(0, (const uint64_t[]){0, SIM_KEY_REPLICATION}, 2);
    v[n++] = sim_seed_derive(1, NULL, 0);
    v[n++] = sim_seed_derive(UINT64_MAX, NULL, 0);
    v[n++] = sim_seed_derive(0, (const uint64_t[]){1, 2, 3, 4, 5, 6}, 6);
    assert_int_equal(n, N);
    /* Deterministic. */
    assert_true(v[0] == sim_seed_derive(0, (const uint64_t[]){SIM_KEY_REPLICATION, 0, 0}, 3));
    qsort(v, n, sizeof *v, cmp_u64);
    for (size_t i = 1; i < n; i++)
        assert_true(v[i] != v[i - 1]);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(philox_matches_random123_known_answers),
        cmocka_unit_test(named_stream_is_philox_of_its_name),
        cmocka_unit_test(same_key_gives_same_sequence_whatever_else_ran),
        cmocka_unit_test(copied_stream_continues_independently_after_fix),
        cmocka_unit_test(gsl_rng_interface_behaves_like_gsl_generators),
        cmocka_unit_test(neighbouring_keys_are_uncorrelated),
        cmocka_unit_test(draws_are_uniform_by_chi_square),
        cmocka_unit_test(named_streams_are_uniform_across_names_and_reproducible),
        cmocka_unit_test(gsl_gaussian_through_stream_has_unit_moments),
        cmocka_unit_test(derived_seeds_are_distinct_for_distinct_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
