/*
 * test_workload.c — session starts and utterance timing, as pure functions.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "workload.h"

#define S INT64_C(1000000000)

static gsl_rng *rng_seeded(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static void utterances_end_after_the_sum_of_gaps_and_audio(void **state)
{
    (void)state;
    wl_config c;
    wl_config_init(&c);
    c.utterances_per_session = 3;
    c.session_start = dist_const(5.0);
    c.gap = dist_const(1.0);
    c.audio = dist_const(2.0);
    gsl_rng *r = rng_seeded(1);
    int64_t start = wl_session_start(&c, 0, r);
    assert_true(start == 5 * S);
    wl_cursor cur;
    wl_cursor_init(&cur, 0, start);
    wl_utterance u;
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(wl_next_utterance(&c, &cur, r, &u), 0);
        assert_int_equal(u.index, i);
        assert_true(u.gap == 1 * S && u.audio == 2 * S);
        assert_true(u.end == 5 * S + (int64_t)(i + 1) * 3 * S);
    }
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), -1);
    /* without linger_s a session has no close time of its own */
    assert_true(wl_close_time(&c, u.end) == WL_NEVER);
    c.linger_s = 60;
    assert_true(wl_close_time(&c, u.end) == u.end + 60 * S);
    c.linger_s = 0;
    assert_true(wl_close_time(&c, u.end) == u.end);
    wl_config_free(&c);
    gsl_rng_free(r);
}

static void an_utterance_depends_only_on_its_own_stream(void **state)
{
    (void)state;
    wl_config c;
    wl_config_init(&c);
    c.utterances_per_session = 4;
    c.gap = dist_const(0.0);
    c.gap.kind = DIST_UNIFORM;
    c.gap.p0 = 1.0;
    c.gap.p1 = 4.0;
    c.audio = dist_const(0.0);
    c.audio.kind = DIST_LOGNORMAL;
    c.audio.p0 = 3.0;
    c.audio.p1 = 0.5;
    c.audio.has_max = true;
    c.audio.max = 20.0;
    /* One stream per utterance, seeded by its index, as a driver keys them. */
    wl_cursor cur;
    wl_cursor_init(&cur, 0, 0);
    int64_t end = 0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (uint32_t i = 0; i < 4; i++) {
        gsl_rng_set(r, 100 + i);
        wl_utterance u;
        assert_int_equal(wl_next_utterance(&c, &cur, r, &u), 0);
        gsl_rng *twin = rng_seeded(100 + i); /* gap first, then audio */
        int64_t gap = dist_to_ns(dist_sample(&c.gap, twin, 0.0));
        int64_t audio = dist_to_ns(dist_sample(&c.audio, twin, 0.0));
        gsl_rng_free(twin);
        assert_true(u.gap == gap && u.audio == audio);
        assert_true(u.gap >= 1 * S && u.gap <= 4 * S);
        assert_true(u.audio > 0 && u.audio <= 20 * S);
        end += gap + audio;
        assert_true(u.end == end);
    }
    gsl_rng_free(r);
    wl_config_free(&c);
}

static void session_starts_follow_their_distribution(void **state)
{
    (void)state;
    wl_config c;
    wl_config_init(&c);
    c.session_start.kind = DIST_UNIFORM;
    c.session_start.p0 = 0.0;
    c.session_start.p1 = 20.0;
    gsl_rng *r = rng_seeded(9);
    double sum = 0.0;
    int n = 10000;
    for (int i = 0; i < n; i++) {
        int64_t t = wl_session_start(&c, 0, r);
        assert_true(t >= 0 && t <= 20 * S);
        sum += (double)t / 1e9;
    }
    /* mean 10, sd 20/sqrt(12): 5 standard errors */
    assert_true(fabs(sum / n - 10.0) < 5 * (20.0 / sqrt(12.0)) / sqrt((double)n));
    wl_config_free(&c);
    gsl_rng_free(r);
}

static void a_session_without_utterances_has_none(void **state)
{
    (void)state;
    wl_config c;
    wl_config_init(&c);
    c.utterances_per_session = 0;
    gsl_rng *r = rng_seeded(1);
    wl_cursor cur;
    wl_cursor_init(&cur, 0, 7);
    wl_utterance u;
    gsl_rng *twin = rng_seeded(1);
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), -1);
    assert_true(cur.t == 7 && cur.next == 0);
    assert_true(gsl_rng_get(r) == gsl_rng_get(twin)); /* nothing was drawn */
    gsl_rng_free(twin);
    wl_config_free(&c);
    gsl_rng_free(r);
}

/* A trace replays its end times; audio it does not know is drawn from audio_s. */
static void a_trace_replays_its_end_times(void **state)
{
    (void)state;
    wl_config c;
    wl_config_init(&c);
    c.audio = dist_const(0.5);
    uint64_t first[] = {0, 2, 3};
    int64_t end[] = {3 * S, 7 * S, 4 * S};
    int64_t audio[] = {2 * S, WL_TRACE_NO_AUDIO, WL_TRACE_NO_AUDIO};
    wl_trace t = {2, 2, 3, first, end, audio};
    wl_trace *copy = wl_trace_copy(&t);
    c.trace = copy; /* owned: wl_config_free frees it */
    assert_int_equal(wl_trace_count(c.trace, 0), 2);
    assert_int_equal(wl_trace_count(c.trace, 1), 1);
    assert_int_equal(wl_trace_count(c.trace, 2), 0);
    assert_true(wl_trace_last_end(c.trace) == 7 * S);
    gsl_rng *r = rng_seeded(1);
    /* session 0 starts where its first utterance's audio starts; session 1's
     * first audio is unknown, so at its end */
    assert_true(wl_session_start(&c, 0, r) == 1 * S);
    assert_true(wl_session_start(&c, 1, r) == 4 * S);
    wl_cursor cur;
    wl_cursor_init(&cur, 0, 1 * S);
    wl_utterance u;
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), 0);
    assert_true(u.index == 0 && u.end == 3 * S && u.audio == 2 * S && u.gap == 0);
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), 0);
    assert_true(u.index == 1 && u.end == 7 * S && u.audio == S / 2 && u.gap == 7 * S / 2);
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), -1);
    wl_cursor_init(&cur, 1, 4 * S);
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), 0);
    assert_true(u.index == 0 && u.end == 4 * S && u.gap == 0);
    assert_int_equal(wl_next_utterance(&c, &cur, r, &u), -1);
    wl_config d;
    wl_config_copy(&d, &c);
    assert_true(d.trace != c.trace && d.trace->n == 3 && d.trace->end[1] == 7 * S);
    wl_config_free(&d);
    wl_config_free(&c);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utterances_end_after_the_sum_of_gaps_and_audio),
        cmocka_unit_test(an_utterance_depends_only_on_its_own_stream),
        cmocka_unit_test(session_starts_follow_their_distribution),
        cmocka_unit_test(a_session_without_utterances_has_none),
        cmocka_unit_test(a_trace_replays_its_end_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
