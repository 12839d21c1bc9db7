/*
 * test_world.c — defaults, deep copies and clean-up of the world's config structs;
 * and the world assumptions they set, seen in whole runs (link order, the
 * client hop).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "scenario.h"
#include "simworld.h"
#include "config.h"

static void node_defaults_are_the_reference_node(void **state)
{
    (void)state;
    node_config c;
    node_config_init(&c);
    assert_int_equal(c.workers, 1);
    assert_int_equal(c.slots, 4);
    assert_true(c.heartbeat_s == 15.0);
    assert_int_equal(c.on_cancel, NODE_CANCEL_IGNORE);
    assert_int_equal(c.attempt_check, NODE_ATTEMPT_NONE);
    assert_true(c.cancel_between_stages);
    assert_false(c.skip_repeat_job_id);
    assert_false(c.crash);
    assert_false(c.cold_start);
    assert_true(c.stall_prob == 0.0 && c.no_result_prob == 0.0);
    node_config_free(&c);
}

static void network_and_workload_defaults(void **state)
{
    (void)state;
    net_config n;
    net_config_init(&n);
    assert_int_equal(n.to_node_delay.kind, DIST_CONST);
    assert_true(n.to_node_delay.p0 == 0.0 && n.to_sched_delay.p0 == 0.0);
    assert_true(n.to_node_loss == 0.0 && n.to_sched_loss == 0.0);
    assert_true(n.fifo);
    assert_int_equal(n.client_delay.kind, DIST_CONST);
    assert_true(n.client_delay.p0 == 0.0);
    net_config_free(&n);
    wl_config w;
    wl_config_init(&w);
    assert_true(w.linger_s == WL_LINGER_UNTIL_DRAINED); /* no close time of its own */
    wl_config_free(&w);
}

static void node_config_copy_is_deep(void **state)
{
    (void)state;
    node_config a, b;
    node_config_init(&a);
    a.stage[STAGE_ASR] = dist_const(0.0);
    a.stage[STAGE_ASR].kind = DIST_EMPIRICAL;
    a.stage[STAGE_ASR].n = 2;
    a.stage[STAGE_ASR].samples = malloc(2 * sizeof(double));
    a.stage[STAGE_ASR].samples[0] = 1.0;
    a.stage[STAGE_ASR].samples[1] = 3.0;
    a.workers = 2;
    node_config_copy(&b, &a);
    assert_ptr_not_equal(b.stage[STAGE_ASR].samples, a.stage[STAGE_ASR].samples);
    node_config_free(&a);
    assert_int_equal(b.workers, 2);
    assert_true(dist_mean(&b.stage[STAGE_ASR]) == 2.0);
    node_config_free(&b);
    node_config_free(&b); /* safe twice */
}

/* Loads a one-line scenario and runs every policy x replication on one thread. */
static void run_text(const char *text, sim_scenario *s, sim_results *res)
{
    sim_error err = {0};
    if (sim_scenario_load_string(text, strlen(text), "t.json", NULL, s, &err) != 0) {
        sim_error_print(&err);
        fail_msg("cannot load the scenario");
    }
    sim_run_opts o = {.jobs = 1};
    assert_int_equal(sim_run_all(s, &o, res, &err), 0);
}

/*
 * One node (one worker, abort_by_job_id) that starts cold: the first attempt of
 * the one utterance pays a 40 s cold start, so the 30 s dispatch timeout sends
 * job_cancel then job_assign (attempt 2, the same job_id: the only node is
 * allowed again) to the same node at the same instant. In order, the cancel
 * aborts attempt 1 and attempt 2, arriving less than 3 s later (not cold),
 * succeeds in 1 s: delivered about 33 s after the utterance ended. If the
 * assign overtakes the cancel, attempt 2's ASR request takes the job_id's
 * abort handle (node_jobs.c), so the cancel aborts attempt 2 and attempt 1
 * goes on: its result, at about 46 s, is delivered more than 40 s after the
 * utterance ended. `network` is the network block.
 */
static const char *failover_to_the_same_node(const char *network)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"fifo\", \"seed\": 11, \"replications\": 24,"
             " \"workload\": {\"sessions\": 1, \"utterances_per_session\": 1,"
             "  \"audio_s\": {\"dist\": \"const\", \"value\": 5}, \"linger_s\": 600},"
             " \"nodes\": [{\"name\": \"gpu\", \"count\": 1, \"workers\": 1,"
             "  \"on_cancel\": \"abort_by_job_id\", \"faults\": {\"cold_start\":"
             "   {\"idle_s\": 3, \"extra_s\": {\"dist\": \"const\", \"value\": 40}}},"
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 1},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0}}}],"
             " \"network\": %s,"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
             "  \"max_failovers\": 1}]}",
             network);
    return buf;
}

/* Replications in which the utterance was delivered. */
static int delivered_runs(const sim_results *res)
{
    int n = 0;
    for (size_t r = 0; r < res->n_reps; r++)
        n += sim_results_at(res, 0, r)[SIM_M_DELIVERED] == 1.0;
    return n;
}

/* Replications in which it was delivered by attempt 1 (more than 40 s late). */
static int late_runs(const sim_results *res)
{
    int n = 0;
    for (size_t r = 0; r < res->n_reps; r++)
        n += sim_results_at(res, 0, r)[SIM_M_LATENCY_MAX] > 40.0;
    return n;
}

static void a_cancel_and_an_assign_sent_together_arrive_in_order(void **state)
{
    (void)state;
    sim_scenario s;
    sim_results res;
    /* FIFO links (the default): whatever each message's own delay, the cancel
     * arrives first, in every replication */
    run_text(failover_to_the_same_node(
                 "{\"delay_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 1}}"),
             &s, &res);
    assert_int_equal(res.n_reps, 24);
    assert_int_equal(delivered_runs(&res), 24);
    assert_int_equal(late_runs(&res), 0);
    for (size_t r = 0; r < res.n_reps; r++)
        assert_true(sim_results_at(&res, 0, r)[SIM_M_FAILOVERS] == 1.0);
    sim_results_free(&res);
    sim_scenario_free(&s);
    /* equal delays: equal arrival times keep the send order (engine ties) */
    run_text(failover_to_the_same_node(
                 "{\"delay_s\": {\"dist\": \"const\", \"value\": 0.02}, \"fifo\": false}"),
             &s, &res);
    assert_int_equal(delivered_runs(&res), 24);
    assert_int_equal(late_runs(&res), 0);
    sim_results_free(&res);
    sim_scenario_free(&s);
    /* independent delays (fifo off): the assign overtakes the cancel about half
     * the time, and then the cancel aborts the new attempt instead */
    run_text(failover_to_the_same_node(
                 "{\"delay_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 1},"
                 " \"fifo\": false}"),
             &s, &res);
    assert_int_equal(delivered_runs(&res), 24);
    int late = late_runs(&res);
    assert_true(late >= 3 && late <= 21);
    sim_results_free(&res);
    sim_scenario_free(&s);
}

/* A small busy world: 4 sessions x 40 utterances on 4 two-worker nodes with
 * stalls (results come back out of order), the reference preset. */
static const char *busy_world(const char *network)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\": \"busy\", \"seed\": 5, \"replications\": 3,"
             " \"workload\": {\"sessions\": 4, \"utterances_per_session\": 40,"
             "  \"session_start_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 5},"
             "  \"gap_s\": {\"dist\": \"uniform\", \"min\": 1, \"max\": 3},"
             "  \"audio_s\": {\"dist\": \"lognormal\", \"median\": 2, \"sigma\": 0.5},"
             "  \"linger_s\": 900},"
             " \"nodes\": [{\"name\": \"gpu\", \"count\": 4, \"workers\": 2,"
             "  \"stages\": {\"asr\": {\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.8},"
             "   \"nmt\": {\"dist\": \"lognormal\", \"median\": 0.3, \"sigma\": 0.5},"
             "   \"tts\": {\"dist\": \"lognormal\", \"median\": 0.6, \"sigma\": 0.7}},"
             "  \"faults\": {\"stall\": {\"prob\": 0.1, \"extra_s\": {\"dist\": \"uniform\","
             "   \"min\": 20, \"max\": 60}}}}],"
             " \"network\": %s,"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}]}",
             network);
    return buf;
}

static void the_client_hop_adds_its_delay_to_latency_and_nothing_else(void **state)
{
    (void)state;
    sim_scenario s0, s1;
    sim_results r0, r1;
    run_text(busy_world("{\"delay_s\": {\"dist\": \"const\", \"value\": 0.01}}"), &s0, &r0);
    run_text(busy_world("{\"delay_s\": {\"dist\": \"const\", \"value\": 0.01},"
                        " \"client_delay_s\": {\"dist\": \"const\", \"value\": 0.5}}"),
             &s1, &r1);
    for (size_t r = 0; r < r0.n_reps; r++) {
        const double *a = sim_results_at(&r0, 0, r), *b = sim_results_at(&r1, 0, r);
        assert_true(a[SIM_M_DELIVERED] > 100);
        assert_true(a[SIM_M_DUPLICATES] + a[SIM_M_LOST] > 0); /* something went wrong */
        for (int m = 0; m < SIM_M_COUNT; m++) {
            if (m >= SIM_M_LATENCY_P50 && m <= SIM_M_LATENCY_MEAN)
                assert_true(fabs(b[m] - a[m] - 0.5) < 1e-4);
            else if (m != SIM_M_EVENTS) /* a delivery in flight is one event more */
                assert_true(a[m] == b[m]);
        }
        assert_true(b[SIM_M_EVENTS] > a[SIM_M_EVENTS]);
    }
    sim_results_free(&r0);
    sim_results_free(&r1);
    sim_scenario_free(&s0);
    sim_scenario_free(&s1);
}

static void a_session_hears_its_results_in_the_order_they_were_sent(void **state)
{
    (void)state;
    sim_scenario s[3];
    sim_results r[3];
    run_text(busy_world("{}"), &s[0], &r[0]);
    run_text(busy_world("{\"client_delay_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 3}}"),
             &s[1], &r[1]);
    run_text(busy_world("{\"client_delay_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 3},"
                        " \"fifo\": false}"),
             &s[2], &r[2]);
    double ooo[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < r[k].n_reps; i++)
            ooo[k] += sim_results_at(&r[k], 0, i)[SIM_M_OUT_OF_ORDER];
    assert_true(ooo[0] > 0);       /* the core itself releases some out of order */
    assert_true(ooo[1] == ooo[0]); /* a FIFO hop keeps exactly that order */
    assert_true(ooo[2] > ooo[0]);  /* independent delays reorder more */
    for (int k = 0; k < 3; k++) {
        sim_results_free(&r[k]);
        sim_scenario_free(&s[k]);
    }
}

/* One utterance whose only attempt takes 200 s (no timeout fires before it);
 * `linger` is "" or a workload member such as ", \"linger_s\": 60". */
static const char *slow_result(const char *linger)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"name\": \"slow\", \"seed\": 3, \"replications\": 1,"
             " \"workload\": {\"sessions\": 1, \"utterances_per_session\": 1%s},"
             " \"nodes\": [{\"name\": \"gpu\","
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 200},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0}}}],"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
             "  \"dispatch_timeout_s\": 600}]}",
             linger);
    return buf;
}

static void a_session_closes_only_when_the_scenario_says_so(void **state)
{
    (void)state;
    sim_scenario s;
    sim_results res;
    /* no linger_s: the session waits for the result that comes 200 s later */
    run_text(slow_result(""), &s, &res);
    const double *v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_DELIVERED] == 1 && v[SIM_M_LOST] == 0);
    assert_true(fabs(v[SIM_M_LATENCY_MAX] - 200.0) < 1e-3);
    sim_results_free(&res);
    sim_scenario_free(&s);
    /* linger_s 60: the session closed before it, the result is lost */
    run_text(slow_result(", \"linger_s\": 60"), &s, &res);
    v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_DELIVERED] == 0 && v[SIM_M_LOST_SESSION_CLOSED] == 1);
    sim_results_free(&res);
    sim_scenario_free(&s);
}

static void a_run_that_never_drains_stops_at_the_horizon(void **state)
{
    (void)state;
    /* The node keeps computing the first attempt for 1e6 s (cancels are
     * ignored) and heartbeats every 15 s: sessions without linger_s never see
     * the run drain. It stops SIM_DRAIN_HORIZON_S after the last utterance, not
     * after the 1e6 s of work (about 67000 heartbeats). */
    const char *text =
        "{\"name\": \"stuck\", \"seed\": 3, \"replications\": 1,"
        " \"workload\": {\"sessions\": 2, \"utterances_per_session\": 2,"
        "  \"gap_s\": {\"dist\": \"const\", \"value\": 1}},"
        " \"nodes\": [{\"name\": \"gpu\","
        "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 1e6},"
        "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
        "   \"tts\": {\"dist\": \"const\", \"value\": 0}}}],"
        " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}]}";
    sim_scenario s;
    sim_results res;
    run_text(text, &s, &res);
    const double *v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_UTTERANCES] == 4 && v[SIM_M_DELIVERED] == 0 && v[SIM_M_LOST] == 4);
    double beats = SIM_DRAIN_HORIZON_S / 15.0; /* two events each: sent, arrived */
    assert_true(v[SIM_M_EVENTS] > 2 * beats && v[SIM_M_EVENTS] < 2.5 * beats);
    sim_results_free(&res);
    sim_scenario_free(&s);
}

/*
 * One utterance, one node with two workers that starts cold: attempt 1 pays a
 * 40 s cold start (41 s of work); the 40.5 s dispatch timeout sends attempt 2
 * to the other worker (1 s of work, no cold start: the node is busy). The core
 * releases attempt 1's copy at 41 s and attempt 2's (a duplicate, accept all)
 * at 41.5 s; each crosses the client hop with its own uniform 0..10 s delay.
 * `fifo` is the network's "fifo" value.
 */
static const char *two_copies(const char *fifo)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"name\": \"two-copies\", \"seed\": 1, \"replications\": 16,"
             " \"workload\": {\"sessions\": 1, \"utterances_per_session\": 1,"
             "  \"audio_s\": {\"dist\": \"const\", \"value\": 2}},"
             " \"nodes\": [{\"name\": \"gpu\", \"count\": 1, \"workers\": 2,"
             "  \"faults\": {\"cold_start\": {\"idle_s\": 1,"
             "   \"extra_s\": {\"dist\": \"const\", \"value\": 40}}},"
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 1},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0}}}],"
             " \"network\": {\"fifo\": %s,"
             "  \"client_delay_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 10}},"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
             "  \"dispatch_timeout_s\": 40.5, \"scan_interval_s\": 0}]}",
             fifo);
    return buf;
}

/* Replication `rep` of two_copies(fifo): its wasted_node_s, and which attempt
 * the timeline says made the client's first copy (outcome "delivered"). */
static double two_copies_run(const char *fifo, int rep, int *first)
{
    const char *text = two_copies(fifo);
    sim_scenario sc;
    sim_error err = {0};
    assert_int_equal(sim_scenario_load_string(text, strlen(text), "t.json", NULL, &sc, &err), 0);
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    sim_run_opts o = {.timeline = f, .jobs = 1};
    double v[SIM_M_COUNT];
    assert_int_equal(sim_run_one(&sc, 0, rep, &o, v, &err), 0);
    fclose(f);
    assert_true(v[SIM_M_DELIVERED] == 1 && v[SIM_M_DUPLICATES] == 1 && v[SIM_M_FAILOVERS] == 1);
    *first = 0;
    for (int k = 1; k <= 2; k++) {
        char needle[160];
        snprintf(needle, sizeof needle,
                 "\"attempt_id\":%d,\"session\":0,\"utterance_index\":0,\"node\":0,"
                 "\"outcome\":\"delivered\"",
                 k);
        if (strstr(buf, needle)) {
            assert_int_equal(*first, 0); /* one first copy */
            *first = k;
        }
    }
    assert_true(*first != 0);
    free(buf);
    sim_scenario_free(&sc);
    return v[SIM_M_WASTED_NODE_S];
}

static void the_useful_attempt_is_the_one_whose_copy_the_client_hears_first(void **state)
{
    (void)state;
    /* Independent client hops: the later copy overtakes the earlier one in
     * some replications. The useful work is then attempt 2's 1 s, and attempt
     * 1's 41 s are wasted — the copy the client heard first decides, as for
     * latency and the timeline, not the core's release order. */
    int overtaken = 0;
    for (int r = 0; r < 16; r++) {
        int first;
        double wasted = two_copies_run("false", r, &first);
        assert_true(wasted == (first == 1 ? 1.0 : 41.0));
        overtaken += first == 2;
    }
    assert_true(overtaken >= 2 && overtaken <= 14);
    /* A FIFO hop keeps the release order: attempt 1 is always the useful one. */
    for (int r = 0; r < 16; r++) {
        int first;
        assert_true(two_copies_run("true", r, &first) == 1.0);
        assert_int_equal(first, 1);
    }
}

/*
 * One utterance ending at 3 s on one node with two workers; its attempts need
 * `asr` seconds each. The 10 s dispatch timeout (checked at once: no scan
 * interval) sends attempt 2 at 13 s to the second worker and attempt 3 at 23 s,
 * which waits in the node's queue (cancels are ignored). `cut` is the
 * max_time_s member, or "".
 */
static const char *busy_at_the_cut(double asr, const char *cut)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"name\": \"busy-cut\", \"seed\": 1, \"replications\": 1%s,"
             " \"workload\": {\"sessions\": 1, \"session_start_s\": {\"dist\": \"const\", \"value\": 0},"
             "  \"utterances_per_session\": 1, \"gap_s\": {\"dist\": \"const\", \"value\": 1},"
             "  \"audio_s\": {\"dist\": \"const\", \"value\": 2}},"
             " \"nodes\": [{\"name\": \"gpu\", \"count\": 1, \"slots\": 4, \"workers\": 2,"
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": %g},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0}}}],"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
             "  \"dispatch_timeout_s\": 10, \"scan_interval_s\": 0}]}",
             cut, asr);
    return buf;
}

static void work_still_on_a_node_at_the_cut_is_wasted(void **state)
{
    (void)state;
    sim_scenario s;
    sim_results res;
    /* max_time_s 30: attempt 1 worked 3..30 s, attempt 2 13..30 s, attempt 3
     * never ran: 27 + 17 s on output never delivered */
    run_text(busy_at_the_cut(50, ", \"max_time_s\": 30"), &s, &res);
    const double *v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_DELIVERED] == 0 && v[SIM_M_LOST_UNFINISHED] == 1);
    assert_true(v[SIM_M_DISPATCHES] == 3);
    assert_true(fabs(v[SIM_M_WASTED_NODE_S] - 44.0) < 1e-9);
    sim_results_free(&res);
    sim_scenario_free(&s);
    /* no max_time_s, attempts of 1e6 s: the drain horizon cuts the run
     * SIM_DRAIN_HORIZON_S after the utterance (no linger_s), with attempts 1
     * and 2 on the workers since 3 s and 13 s */
    run_text(busy_at_the_cut(1e6, ""), &s, &res);
    v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_DELIVERED] == 0);
    assert_true(fabs(v[SIM_M_WASTED_NODE_S] - (2 * SIM_DRAIN_HORIZON_S - 10.0)) < 1e-9);
    sim_results_free(&res);
    sim_scenario_free(&s);
    /* a run that drained has nothing on a node: attempts of 5 s, attempt 1's
     * copy (3..8 s) is delivered, nothing else is sent or wasted */
    run_text(busy_at_the_cut(5, ""), &s, &res);
    v = sim_results_at(&res, 0, 0);
    assert_true(v[SIM_M_DELIVERED] == 1 && v[SIM_M_DISPATCHES] == 1);
    assert_true(v[SIM_M_WASTED_NODE_S] == 0.0);
    sim_results_free(&res);
    sim_scenario_free(&s);
}

/*
 * How the scheduler notices a crash (faults.crash.notice): one node, heartbeats
 * every `hb` s at aligned instants (hb, 2 hb, ...), node -> scheduler delay
 * `delay` s, one crash at `crash` s, down for 1000 s; one utterance at 0 done
 * long before. Returns when the core marked the node offline (its log's first
 * node_offline), or -1.
 */
static double offline_at(double hb, double delay, double crash, const char *notice)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\": \"crash\", \"seed\": 2, \"replications\": 1, \"max_time_s\": 300,"
             " \"workload\": {\"sessions\": 1, \"utterances_per_session\": 1, \"linger_s\": 1000},"
             " \"nodes\": [{\"name\": \"gpu\", \"heartbeat_s\": %g, \"heartbeat_phase\": \"aligned\","
             "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 0.1},"
             "   \"nmt\": {\"dist\": \"const\", \"value\": 0},"
             "   \"tts\": {\"dist\": \"const\", \"value\": 0}},"
             "  \"faults\": {\"crash\": {\"between_s\": {\"dist\": \"const\", \"value\": %g},"
             "   \"downtime_s\": {\"dist\": \"const\", \"value\": 1000}%s%s%s}}}],"
             " \"network\": {\"to_scheduler_delay_s\": {\"dist\": \"const\", \"value\": %g}},"
             " \"policies\": [{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}]}",
             hb, crash, notice ? ", \"notice\": \"" : "", notice ? notice : "",
             notice ? "\"" : "", delay);
    sim_scenario s;
    sim_results res;
    sim_error err = {0};
    if (sim_scenario_load_string(text, strlen(text), "t.json", NULL, &s, &err) != 0) {
        sim_error_print(&err);
        fail_msg("cannot load the scenario");
    }
    FILE *log = tmpfile();
    assert_non_null(log);
    sim_run_opts o = {.jobs = 1, .log = log};
    assert_int_equal(sim_run_all(&s, &o, &res, &err), 0);
    rewind(log);
    char line[4096];
    double at = -1;
    while (at < 0 && fgets(line, sizeof line, log))
        if (strstr(line, "\"event\":\"node_offline\""))
            assert_int_equal(sscanf(line, "{\"t\":%lf", &at), 1);
    fclose(log);
    sim_results_free(&res);
    sim_scenario_free(&s);
    return at;
}

static void a_silent_crash_is_noticed_at_the_first_scan_past_the_heartbeat_timeout(void **state)
{
    (void)state;
    /* before the first heartbeat: counted from the registration at 0; the scan
     * at 30 s sees 30 s, the one at 60 s more than 45 s (the default notice) */
    assert_true(offline_at(15, 0, 10, NULL) == 60.0);
    assert_true(offline_at(15, 0, 10, "heartbeat_timeout") == 60.0);
    /* between heartbeats: the last one at 15 s; at the 60 s scan exactly 45 s
     * have passed, which is not more: the 90 s scan */
    assert_true(offline_at(15, 0, 20, NULL) == 90.0);
    /* the last heartbeat the scheduler received: sent at 42 s, it arrives at
     * 46 s; the 90 s scan sees 44 s (48 s from its sending): the 120 s scan */
    assert_true(offline_at(14, 4, 50, NULL) == 120.0);
    /* a heartbeat still in flight at the crash: sent at 14 s, it arrives at
     * 18 s, after the crash at 15 s; the 60 s scan sees 42 s: the 90 s scan */
    assert_true(offline_at(14, 4, 15, NULL) == 90.0);
}

static void a_crash_that_closes_the_socket_is_noticed_at_once(void **state)
{
    (void)state;
    assert_true(offline_at(15, 0, 20, "socket_close") == 20.0);
    /* the close comes behind the heartbeat sent at 14 s (arrives at 18 s) on
     * the FIFO link: at 18 s, not at the crash at 15 s */
    assert_true(offline_at(14, 4, 15, "socket_close") == 18.0);
    assert_true(offline_at(14, 4, 17, "socket_close") == 18.0);
    assert_true(offline_at(14, 4, 19, "socket_close") == 19.0);
}

static void the_status_scan_rule(void **state)
{
    (void)state;
    const int64_t s = INT64_C(1000000000);
    assert_true(sim_crash_notice_scan(0, 0) == 60 * s);
    assert_true(sim_crash_notice_scan(15 * s, 20 * s) == 90 * s); /* 45 s is not more */
    assert_true(sim_crash_notice_scan(15 * s - 1, 20 * s) == 60 * s);
    assert_true(sim_crash_notice_scan(10 * s, 200 * s) == 210 * s); /* not before now */
    assert_true(sim_crash_notice_scan(10 * s, 210 * s) == 210 * s); /* a scan now */
}

static void job_ids_are_the_references_8_hex_digits_and_name_the_utterance(void **state)
{
    (void)state;
    /* 1 + session x per_session + index; per attempt under new_job_id */
    assert_int_equal(sim_job_label(7 << 16, 7 << 16, 0, 0, 100, 500), 1);
    assert_int_equal(sim_job_label(9 << 16, 9 << 16, 2, 5, 100, 500), 206);
    assert_int_equal(sim_job_label((9 << 16) | 2, 9 << 16, 2, 5, 100, 500), 1206);
    assert_int_equal(sim_job_label(0, 0, 3, 3, 100, 500), 0); /* no job */
    /* past 2^32 ids they wrap (mod 2^32), always 8 digits */
    uint64_t big = UINT64_C(1) << 32;
    assert_int_equal(sim_job_label(1 << 16, 1 << 16, 0, 0, UINT32_MAX, big), 1);
    assert_int_equal(sim_job_label(1 << 16, 1 << 16, 1, 0, UINT32_MAX, big), 0);
    /* In a run, every id in the log and the trace is "job-" + 8 upper-case hex
     * digits, and an utterance's job shows its number as id in every world
     * (two replications: sessions start, and jobs are created, in other
     * orders). */
    const char *text = busy_world("{}");
    sim_scenario sc;
    sim_error err = {0};
    assert_int_equal(sim_scenario_load_string(text, strlen(text), "t.json", NULL, &sc, &err), 0);
    char *buf[2];
    size_t len[2];
    for (int p = 0; p < 2; p++) {
        FILE *f = open_memstream(&buf[p], &len[p]);
        sim_run_opts o = {.log = f, .trace = f, .jobs = 1};
        double v[SIM_M_COUNT];
        assert_int_equal(sim_run_one(&sc, 0, p, &o, v, &err), 0);
        fclose(f);
    }
    size_t ids = 0;
    for (const char *q = buf[0]; (q = strstr(q, "\"job_id\":\"")) != NULL; q++, ids++) {
        const char *id = q + 10;
        assert_memory_equal(id, "job-", 4);
        for (int k = 4; k < 12; k++)
            assert_true((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'A' && id[k] <= 'F'));
        assert_true(id[12] == '"');
    }
    assert_true(ids > 1000);
    /* session 3, index 39 (the last utterance): 1 + 3 x 40 + 39 = 160 = A0 */
    const char *needle = "\"job_id\":\"job-000000A0\",\"attempt_id\":0,\"session\":3,"
                         "\"utterance_index\":39";
    assert_non_null(strstr(buf[0], needle));
    assert_non_null(strstr(buf[1], needle));
    free(buf[0]);
    free(buf[1]);
    sim_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_defaults_are_the_reference_node),
        cmocka_unit_test(network_and_workload_defaults),
        cmocka_unit_test(node_config_copy_is_deep),
        cmocka_unit_test(a_cancel_and_an_assign_sent_together_arrive_in_order),
        cmocka_unit_test(the_client_hop_adds_its_delay_to_latency_and_nothing_else),
        cmocka_unit_test(a_session_hears_its_results_in_the_order_they_were_sent),
        cmocka_unit_test(a_session_closes_only_when_the_scenario_says_so),
        cmocka_unit_test(a_run_that_never_drains_stops_at_the_horizon),
        cmocka_unit_test(the_useful_attempt_is_the_one_whose_copy_the_client_hears_first),
        cmocka_unit_test(work_still_on_a_node_at_the_cut_is_wasted),
        cmocka_unit_test(job_ids_are_the_references_8_hex_digits_and_name_the_utterance),
        cmocka_unit_test(a_silent_crash_is_noticed_at_the_first_scan_past_the_heartbeat_timeout),
        cmocka_unit_test(a_crash_that_closes_the_socket_is_noticed_at_once),
        cmocka_unit_test(the_status_scan_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
