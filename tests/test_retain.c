/*
 * test_retain.c — forgetting a finished job as soon as nothing can refer to it
 * changes no result: every shipped scenario with failovers, stalls and crashes,
 * every policy, run with the automatic retention and again with the retention
 * the core used before (every finished job kept as long as a late result could
 * come: max(5 min, dedup, ack and pending windows, (max_failovers + 1) x the
 * dispatch timeout, and x timeout.max under adaptive timeouts or liveness)),
 * gives the same value of every metric. Only `events` may differ: the run ends
 * once the core holds no job, so the longer retention runs on (heartbeats) and
 * must count at least as many events — more in at least one run, or this test
 * compared nothing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "scenario.h"

static disp_time max_t(disp_time a, disp_time b)
{
    return a > b ? a : b;
}

/* The automatic retention before the quiet/late split (dispatcher/core.c). */
static disp_time old_retain(const disp_policy *p)
{
    disp_time t = 300 * DISP_NS_PER_S;
    t = max_t(t, p->dedup_ttl);
    t = max_t(t, p->ack_timeout);
    t = max_t(t, p->pending_timeout);
    t = max_t(t, (disp_time)(p->max_failovers + 1) * p->dispatch_timeout);
    if (p->timeout.mode != DISP_TIMEOUT_FIXED || p->liveness.mode != DISP_LIVENESS_NONE)
        t = max_t(t, (disp_time)(p->max_failovers + 1) * p->timeout.max);
    return t > DISP_DURATION_MAX ? DISP_DURATION_MAX : t;
}

static void test_old_retention_gives_the_same_metrics(void **state)
{
    (void)state;
    static const char *const files[] = {"incident-2025-12-30.json", "node-crash.json",
                                        "policy-shootout-stalls.json", "heavy-tail-stalls.json",
                                        "policy-shootout-crash.json", "policy-shootout.json",
                                        "policy-shootout-overload.json", "overload.json"};
    int runs = 0, longer = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/scenarios/%s", DSIM_SOURCE_DIR, files[f]);
        sim_limits lim;
        sim_limits_default(&lim);
        sim_error err = {0};
        sim_scenario s;
        assert_int_equal(sim_scenario_load(path, &lim, &s, &err), 0);
        for (size_t p = 0; p < s.n_policies; p++) {
            double now_v[SIM_M_COUNT], old_v[SIM_M_COUNT];
            disp_policy *pol = &s.policies[p].policy;
            disp_time keep = pol->retain;
            assert_int_equal(keep, 0); /* the shipped scenarios use the automatic one */
            assert_int_equal(sim_run_one(&s, p, 0, NULL, now_v, &err), 0);
            pol->retain = old_retain(pol);
            assert_int_equal(sim_run_one(&s, p, 0, NULL, old_v, &err), 0);
            pol->retain = keep;
            for (int m = 0; m < SIM_M_COUNT; m++) {
                if (m == SIM_M_EVENTS)
                    continue;
                if (isnan(now_v[m]) && isnan(old_v[m]))
                    continue;
                if (now_v[m] != old_v[m])
                    fail_msg("%s policy %s metric %d: %.17g now, %.17g with the old retention",
                             files[f], s.policies[p].name, m, now_v[m], old_v[m]);
            }
            assert_true(old_v[SIM_M_EVENTS] >= now_v[SIM_M_EVENTS]);
            longer += old_v[SIM_M_EVENTS] > now_v[SIM_M_EVENTS];
            runs++;
        }
        sim_scenario_free(&s);
    }
    assert_true(runs >= 10);
    assert_true(longer > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_retention_gives_the_same_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
