/*
 * test_run_limits.c — a core call the world makes and the core refuses stops the
 * replication with an error naming the scenario field and the limit: never a
 * run that goes on with a world the core did not see (0 dispatches and every
 * utterance lost, or utterances past a table's limit counted "unfinished").
 * The limits are lowered through the policy's memory bounds so that each world
 * stays small; the scenario-level checks of the same limits are in
 * test_scenario_errors.c and the schema mutation test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "scenario.h"

/* `sessions` sessions of `utt` utterances 0.1 s apart on 2 nodes. */
static void load_world(sim_scenario *s, int sessions, int utt)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\": \"lim\", \"seed\": 3,"
             " \"workload\": {\"sessions\": %d, \"utterances_per_session\": %d,"
             "  \"gap_s\": {\"dist\": \"const\", \"value\": 0.1}},"
             " \"nodes\": [{\"count\": 2, \"slots\": 4, \"workers\": 4,"
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 0.2},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0.1},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0.1}}}],"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
             "  \"pending\": \"queue\", \"pending_timeout_s\": 0}]}",
             sessions, utt);
    sim_error err = {0};
    int rc = sim_scenario_load_string(text, strlen(text), "lim.json", NULL, s, &err);
    if (rc != 0)
        sim_error_print(&err);
    assert_int_equal(rc, 0);
}

static int run(const sim_scenario *s, sim_error *err)
{
    double v[SIM_M_COUNT];
    memset(err, 0, sizeof *err);
    return sim_run_one(s, 0, 0, NULL, v, err);
}

static void assert_says(const sim_error *err, const char *a, const char *b)
{
    assert_true(err->count >= 1);
    if (!strstr(err->msg[0], a) || !strstr(err->msg[0], b))
        fail_msg("expected '%s' and '%s' in: %s", a, b, err->msg[0]);
}

/* Seen: slots 65537 loaded (the loader now refuses it) and ran with 0
 * dispatches, every utterance lost, exit 0. */
static void slots_the_core_refuses_stop_the_run(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_world(&s, 2, 5);
    assert_int_equal(run(&s, &err), 0);
    s.nodes[0].slots = DISP_SLOTS_MAX + 1; /* past the loader, as an API caller could */
    assert_int_equal(run(&s, &err), SIM_FAIL_INPUT);
    assert_says(&err, "nodes[0].slots", "1..65536");
    assert_int_equal(sim_fail_exit(SIM_FAIL_INPUT), 2);
    sim_scenario_free(&s);
}

/* Seen: a session of 1.2 M utterances lost everything past 2^20 indices as
 * "unfinished". Here the window is 64 indices and 300 utterances come at once. */
static void a_session_past_the_window_stops_the_run(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_world(&s, 1, 300);
    s.workload.gap = dist_const(0.0); /* every utterance at t = 0 */
    s.policies[0].policy.max_session_window = 64;
    assert_int_equal(run(&s, &err), SIM_FAIL_INPUT);
    assert_says(&err, "workload.utterances_per_session", "64 or more below");
    s.policies[0].policy.max_session_window = 512; /* room for all: runs */
    assert_int_equal(run(&s, &err), 0);
    sim_scenario_free(&s);
}

/* Seen: 5 M utterances with more than 2^22 jobs held lost 805 696 as
 * "unfinished". Here 40 jobs may be held and 20 sessions speak. */
static void more_jobs_held_than_the_core_holds_stops_the_run(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_world(&s, 20, 10);
    s.policies[0].policy.max_jobs_held = 40;
    assert_int_equal(run(&s, &err), SIM_FAIL_INPUT);
    assert_says(&err, "more than 40 jobs held", "workload.sessions");
    s.policies[0].policy.max_jobs_held = 400;
    assert_int_equal(run(&s, &err), 0);
    sim_scenario_free(&s);
}

/* Seen: a heartbeat of a microsecond ran until the event budget tripped, after
 * 3.8 GB of messages in flight. Now refused before the first event, naming the
 * field and the budget flag; with a budget that fits, the estimate lets it be. */
static void a_heartbeat_far_too_short_for_the_run_is_refused_before_it(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_world(&s, 2, 5);
    s.nodes[0].heartbeat_s = 1e-6;
    assert_int_equal(run(&s, &err), SIM_FAIL_INPUT);
    assert_says(&err, "nodes[0].heartbeat_s", "--max-events");
    assert_null(strstr(err.msg[0], "timers far shorter")); /* not the budget tripping */
    s.nodes[0].heartbeat_s = 0.5; /* ~2 x 2 x 300 s / 0.5 s events: runs */
    assert_int_equal(run(&s, &err), 0);
    sim_scenario_free(&s);
}

/* The estimate is from the means of what the draws give: a max that cuts a
 * heavy tail counts (gap pareto alpha 1, min 1, max 1e5: a mean of
 * 1 + ln 1e5 = 12.5 s, not the max). Two utterances, a heartbeat every 1 ms:
 * 2 x (300 + 2 x 12.5) s / 1 ms, about 6.5e5 events, within 1e6 (the max as
 * the mean made it 4e8 and refused the run, which makes about 6.3e5). */
static void the_estimate_honours_a_max_that_cuts_a_tail(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_world(&s, 1, 2);
    s.nodes[0].count = 1;
    s.nodes[0].heartbeat_s = 1e-3;
    dist *g = &s.workload.gap;
    g->kind = DIST_PARETO;
    g->p0 = 1.0; /* alpha */
    g->p1 = 1.0; /* min */
    g->has_max = true;
    g->max = 1e5;
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_run_plan_check(&s, 0, 1000000, &err), 0);
    assert_int_equal(sim_run_plan_check(&s, 0, 500000, &err), SIM_FAIL_INPUT);
    assert_says(&err, "nodes[0].heartbeat_s", "~325 s");
    sim_scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slots_the_core_refuses_stop_the_run),
        cmocka_unit_test(a_session_past_the_window_stops_the_run),
        cmocka_unit_test(more_jobs_held_than_the_core_holds_stops_the_run),
        cmocka_unit_test(a_heartbeat_far_too_short_for_the_run_is_refused_before_it),
        cmocka_unit_test(the_estimate_honours_a_max_that_cuts_a_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
