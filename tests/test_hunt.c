/* test_hunt.c — dsim hunt's invariants over metrics parse into one bound each,
 * judged as `dsim check` judges a mean of one replication; bad ones say why. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invariants_parse_into_one_bound),
        cmocka_unit_test(bad_invariants_say_what_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
