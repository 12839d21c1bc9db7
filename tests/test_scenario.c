/*
 * test_scenario.c — the scenario loader on good input: files parse into the
 * expected structs, seconds become nanoseconds, set-by-path edits and
 * re-validates, copies are deep, limits and their flags work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "scenario.h"
#include "scenario_fixture.h"
#include "suggest.h"

static int load(const char *text, sim_scenario *s, sim_error *err)
{
    return sim_scenario_load_string(text, strlen(text), "t.json", NULL, s, err);
}

static void load_ok(const char *text, sim_scenario *s)
{
    sim_error err;
    int rc = load(text, s, &err);
    if (rc != 0)
        sim_error_print(&err);
    assert_int_equal(rc, 0);
}

static void steady_light_file_parses_into_the_expected_structs(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    int rc = sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/steady-light.json", NULL, &s, &err);
    if (rc)
        sim_error_print(&err);
    assert_int_equal(rc, 0);
    assert_string_equal(s.name, "steady-light");
    assert_int_equal(s.seed, 1);
    assert_int_equal(s.replications, 3);
    assert_true(s.max_time_s == 0);
    assert_int_equal(s.workload.sessions, 3);
    assert_int_equal(s.workload.utterances_per_session, 20);
    assert_int_equal(s.workload.session_start.kind, DIST_UNIFORM);
    assert_true(s.workload.session_start.p1 == 5);
    assert_int_equal(s.workload.audio.kind, DIST_LOGNORMAL);
    assert_true(s.workload.audio.p0 == 2.0 && s.workload.audio.p1 == 0.4);
    assert_true(s.workload.audio.has_max && s.workload.audio.max == 10);
    assert_true(s.workload.linger_s == 30);
    assert_int_equal(s.n_nodes, 1);
    assert_int_equal(s.nodes[0].count, 4);
    assert_int_equal(s.nodes[0].slots, 4);
    assert_int_equal(s.nodes[0].workers, 2);
    assert_true(s.nodes[0].stage[STAGE_ASR].per_audio_s == 0.05);
    assert_false(s.nodes[0].stage[STAGE_NMT].has_max);
    /* delay_s applies to both directions */
    assert_int_equal(s.network.to_node_delay.kind, DIST_LOGNORMAL);
    assert_int_equal(s.network.to_sched_delay.kind, DIST_LOGNORMAL);
    assert_true(s.network.to_sched_delay.max == 0.1);
    assert_int_equal(s.n_policies, 3);
    for (size_t i = 0; i < 3; i++) {
        disp_policy want;
        assert_int_equal(disp_policy_preset(&want, disp_preset_names[i]), 0);
        assert_string_equal(s.policies[i].preset, disp_preset_names[i]);
        assert_memory_equal(&s.policies[i].policy, &want, sizeof want);
    }
    assert_int_equal(s.n_expects, 2);
    assert_string_equal(s.expects[0].policy, "*");
    assert_string_equal(s.expects[0].metric, "duplicates");
    assert_true(s.expects[0].has_equals && !s.expects[0].has_min);
    assert_true(s.expects[0].line > 1 && s.expects[0].column > 1);
    assert_non_null(s.json_text);
    sim_scenario_free(&s);
    assert_null(s.nodes);
}

static void policy_overrides_become_nanoseconds_and_enums(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(NULL, NULL,
                        fx_policy("\"dispatch_timeout_s\": 12.5, \"scan_interval_s\": 0, "
                                  "\"max_failovers\": 5, \"send_cancel\": false, "
                                  "\"failover\": \"new_job_id\", "
                                  "\"result_accept\": \"first_result_wins\", "
                                  "\"result_queue\": \"ordered\", \"ack_timeout_s\": 0.25, "
                                  "\"pending\": \"queue\", \"pending_timeout_s\": 0, "
                                  "\"slots_default\": 2, "
                                  "\"timeout\": {\"mode\": \"rfc6298\", \"min_s\": 2, "
                                  "\"max_s\": 60, \"k\": 3}, "
                                  "\"liveness\": {\"mode\": \"heartbeat\", \"silence_s\": 7}, "
                                  "\"hedge\": {\"after\": \"p99.9\", \"max_extra\": 2}, "
                                  "\"backoff\": {\"base_s\": 0.5, \"cap_s\": 8, "
                                  "\"jitter\": \"full\"}, "
                                  "\"retry_budget\": {\"ratio\": 0.1, \"min_per_s\": 1}"),
                        NULL),
            &s);
    const disp_policy *p = &s.policies[0].policy;
    assert_int_equal(p->dispatch_timeout, INT64_C(12500000000));
    assert_int_equal(p->scan_interval, 0);
    assert_int_equal(p->max_failovers, 5);
    assert_false(p->send_cancel);
    assert_int_equal(p->failover, DISP_FAILOVER_NEW_JOB_ID);
    assert_int_equal(p->result_accept, DISP_ACCEPT_FIRST_RESULT_WINS);
    assert_int_equal(p->result_queue, DISP_QUEUE_ORDERED);
    assert_int_equal(p->ack_timeout, 250 * DISP_NS_PER_MS);
    assert_int_equal(p->pending, DISP_PENDING_QUEUE);
    assert_int_equal(p->default_slots, 2);
    assert_int_equal(p->timeout.mode, DISP_TIMEOUT_RFC6298);
    assert_int_equal(p->timeout.min, 2 * DISP_NS_PER_S);
    assert_true(p->timeout.k == 3);
    assert_int_equal(p->liveness.mode, DISP_LIVENESS_HEARTBEAT);
    assert_int_equal(p->liveness.silence, 7 * DISP_NS_PER_S);
    assert_true(p->hedge.enabled);
    assert_int_equal(p->hedge.after, 0);
    assert_true(fabs(p->hedge.after_quantile - 0.999) < 1e-12);
    assert_int_equal(p->hedge.max_extra, 2);
    assert_true(p->backoff.enabled);
    assert_int_equal(p->backoff.jitter, DISP_JITTER_FULL);
    assert_int_equal(p->backoff.base, 500 * DISP_NS_PER_MS);
    assert_true(p->retry_budget.enabled && p->retry_budget.ratio == 0.1);
    sim_scenario_free(&s);
}

static void hedge_after_in_seconds_and_disabled_blocks(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(NULL, NULL,
                        fx_policy("\"hedge\": {\"after\": 4}, "
                                  "\"backoff\": {\"enabled\": false}"),
                        NULL),
            &s);
    assert_true(s.policies[0].policy.hedge.enabled);
    assert_int_equal(s.policies[0].policy.hedge.after, 4 * DISP_NS_PER_S);
    assert_true(s.policies[0].policy.hedge.after_quantile == 0);
    assert_false(s.policies[0].policy.backoff.enabled);
    sim_scenario_free(&s);
}

static void every_dist_kind_reads_its_parameters(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        dist_kind kind;
        double p0, p1;
    } cases[] = {
        {"{\"dist\": \"const\", \"value\": 2.5}", DIST_CONST, 2.5, 0},
        {"{\"dist\": \"uniform\", \"min\": 1, \"max\": 4}", DIST_UNIFORM, 1, 4},
        {"{\"dist\": \"exponential\", \"mean\": 0.5}", DIST_EXPONENTIAL, 0.5, 0},
        {"{\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.7}", DIST_LOGNORMAL, 0.8, 0.7},
        {"{\"dist\": \"gamma\", \"shape\": 2, \"scale\": 0.3}", DIST_GAMMA, 2, 0.3},
        {"{\"dist\": \"weibull\", \"shape\": 1.5, \"scale\": 2}", DIST_WEIBULL, 1.5, 2},
        {"{\"dist\": \"pareto\", \"alpha\": 2.5, \"min\": 0.1}", DIST_PARETO, 2.5, 0.1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_scenario s;
        load_ok(fx_scenario(NULL, fx_asr(cases[i].json), NULL, NULL), &s);
        const dist *d = &s.nodes[0].stage[STAGE_ASR];
        assert_int_equal(d->kind, cases[i].kind);
        assert_true(d->p0 == cases[i].p0);
        assert_true(d->p1 == cases[i].p1);
        assert_false(d->has_max);
        sim_scenario_free(&s);
    }
}

static void empirical_mixture_and_truncation_nest(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(NULL,
                        fx_asr("{\"dist\": \"mixture\", \"per_audio_s\": 0.1, \"max\": 30, "
                               "\"components\": ["
                               "{\"weight\": 3, \"dist\": \"empirical\", \"samples\": [1, 2, 4]},"
                               "{\"weight\": 1, \"dist\": \"mixture\", \"components\": ["
                               "{\"weight\": 1, \"dist\": \"const\", \"value\": 9}]}]}"),
                        NULL, NULL),
            &s);
    const dist *d = &s.nodes[0].stage[STAGE_ASR];
    assert_int_equal(d->kind, DIST_MIXTURE);
    assert_int_equal(d->n, 2);
    assert_true(d->per_audio_s == 0.1 && d->has_max && d->max == 30);
    assert_true(d->weights[0] == 3 && d->weights[1] == 1);
    assert_int_equal(d->components[0].kind, DIST_EMPIRICAL);
    assert_int_equal(d->components[0].n, 3);
    assert_true(d->components[0].samples[2] == 4);
    assert_int_equal(d->components[1].components[0].kind, DIST_CONST);
    assert_true(d->components[1].components[0].p0 == 9);
    sim_scenario_free(&s);
}

/* Writes a scenario and a samples file into a fresh folder; returns its path. */
static const char *write_pair(const char *samples, char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/dsim-test-scenario-%ld", (long)getpid());
    char path[512];
    snprintf(path, sizeof path, "mkdir -p %s", dir);
    assert_int_equal(system(path), 0);
    snprintf(path, sizeof path, "%s/lat.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(samples, f);
    fclose(f);
    return dir;
}

static void empirical_file_is_read_relative_to_the_scenario(void **state)
{
    (void)state;
    char dir[256], path[512];
    write_pair("# latencies\n0.5\n1.5 2.5\n\n3.5\n", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/s.json", dir);
    const char *text =
        fx_scenario(NULL, fx_asr("{\"dist\": \"empirical\", \"file\": \"lat.txt\"}"), NULL, NULL);
    sim_scenario s;
    sim_error err;
    assert_int_equal(sim_scenario_load_string(text, strlen(text), path, NULL, &s, &err), 0);
    const dist *d = &s.nodes[0].stage[STAGE_ASR];
    assert_int_equal(d->n, 4);
    assert_true(d->samples[0] == 0.5 && d->samples[3] == 3.5);
    sim_scenario_free(&s);

    write_pair("0.5\n1.5\nabc\n", dir, sizeof dir);
    assert_int_equal(sim_scenario_load_string(text, strlen(text), path, NULL, &s, &err), -1);
    assert_string_equal(err.msg[0],
                        fx_fmt("%s:1:%d: nodes[0].stages.asr.file: %s/lat.txt:3: expected a "
                               "number of seconds, got 'abc'",
                               path, fx_col(text, "\"lat.txt\""), dir));
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

static void network_directions_and_losses_override_the_shared_ones(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(NULL, NULL, NULL,
                        ", \"network\": {\"delay_s\": " FX_CONST ", \"to_scheduler_delay_s\": "
                        "{\"dist\": \"exponential\", \"mean\": 0.2}, \"loss\": 0.01, "
                        "\"to_node_loss\": 0.5}"),
            &s);
    assert_int_equal(s.network.to_node_delay.kind, DIST_CONST);
    assert_int_equal(s.network.to_sched_delay.kind, DIST_EXPONENTIAL);
    assert_true(s.network.to_node_loss == 0.5);
    assert_true(s.network.to_sched_loss == 0.01);
    sim_scenario_free(&s);
}

static void node_options_and_faults_fill_node_config(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(
                NULL,
                fx_node("\"count\": 3, \"slots\": 2, \"workers\": 1, "
                        "\"on_cancel\": \"abort_attempt\", \"cancel_between_stages\": false, "
                        "\"attempt_check\": \"drop_stale\", \"skip_repeat_job_id\": true, "
                        "\"progress\": true, \"heartbeat_s\": 5, \"faults\": {"
                        "\"stall\": {\"prob\": 0.1, \"extra_s\": " FX_CONST "}, "
                        "\"crash\": {\"between_s\": " FX_CONST ", \"downtime_s\": " FX_CONST "}, "
                        "\"cold_start\": {\"idle_s\": 60, \"extra_s\": " FX_CONST "}, "
                        "\"no_result\": {\"prob\": 0.02}}"),
                NULL, NULL),
            &s);
    const node_config *c = &s.nodes[0];
    assert_int_equal(c->count, 3);
    assert_int_equal(c->on_cancel, NODE_CANCEL_ABORT_ATTEMPT);
    assert_false(c->cancel_between_stages);
    assert_int_equal(c->attempt_check, NODE_ATTEMPT_DROP_STALE);
    assert_true(c->skip_repeat_job_id && c->progress && c->heartbeat_s == 5);
    assert_true(c->stall_prob == 0.1 && c->crash && c->cold_start && c->cold_idle_s == 60);
    assert_true(c->no_result_prob == 0.02);
    sim_scenario_free(&s);
}

static void sweep_lists_and_ranges_become_textual_values(void **state)
{
    (void)state;
    sim_scenario s;
    load_ok(fx_scenario(NULL, NULL, NULL,
                        ", \"sweep\": {\"policies.p.dispatch_timeout_s\": \"10:12:0.5\", "
                        "\"workload.sessions\": [1, 4], "
                        "\"policies.p.result_queue\": [\"ordered\", \"immediate\"]}"),
            &s);
    assert_int_equal(s.n_sweep, 3);
    assert_string_equal(s.sweep[0].key, "policies.p.dispatch_timeout_s");
    assert_int_equal(s.sweep[0].n, 5);
    assert_string_equal(s.sweep[0].values[0], "10");
    assert_string_equal(s.sweep[0].values[1], "10.5");
    assert_string_equal(s.sweep[0].values[4], "12");
    assert_int_equal(s.sweep[1].n, 2);
    assert_string_equal(s.sweep[1].values[1], "4");
    assert_string_equal(s.sweep[2].values[0], "ordered");
    sim_scenario_free(&s);
}

static void set_by_path_edits_the_knob_and_keeps_the_rest(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_ok(fx_scenario(NULL, NULL,
                        "[{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}, "
                        "{\"name\": \"fenced.v2\", \"preset\": \"lingua-2026-01-19\"}]",
                        NULL),
            &s);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "7", &err), 0);
    assert_int_equal(s.workload.sessions, 7);
    assert_int_equal(s.workload.utterances_per_session, 3);
    assert_string_equal(s.path, "t.json");
    assert_int_equal(sim_scenario_set(&s, "policies.fenced.v2.dispatch_timeout_s", "90", &err), 0);
    assert_int_equal(s.policies[1].policy.dispatch_timeout, 90 * DISP_NS_PER_S);
    assert_int_equal(s.policies[0].policy.dispatch_timeout, 30 * DISP_NS_PER_S);
    assert_int_equal(sim_scenario_set(&s, "nodes[0].stages.asr.value", "0.25", &err), 0);
    assert_true(s.nodes[0].stage[STAGE_ASR].p0 == 0.25);
    assert_int_equal(sim_scenario_set(&s, "nodes.gpu.count", "5", &err), 0);
    assert_int_equal(s.nodes[0].count, 5);
    assert_int_equal(sim_scenario_set(&s, "seed", "42", &err), 0);
    assert_int_equal(s.seed, 42);
    assert_int_equal(sim_scenario_set(&s, "policies[0].result_queue", "immediate", &err), 0);
    assert_int_equal(s.policies[0].policy.result_queue, DISP_QUEUE_IMMEDIATE);
    /* a block that was not in the file is created */
    assert_int_equal(sim_scenario_set(&s, "policies.p.hedge.after", "p95", &err), 0);
    assert_true(s.policies[0].policy.hedge.enabled);
    assert_true(fabs(s.policies[0].policy.hedge.after_quantile - 0.95) < 1e-12);
    /* a whole dist as a JSON value */
    assert_int_equal(sim_scenario_set(&s, "nodes[0].stages.tts",
                                      "{\"dist\": \"exponential\", \"mean\": 2}", &err),
                     0);
    assert_int_equal(s.nodes[0].stage[STAGE_TTS].kind, DIST_EXPONENTIAL);
    sim_scenario_free(&s);
}

static void set_by_path_rejects_bad_values_and_leaves_the_scenario_alone(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    load_ok(fx_scenario(NULL, NULL, NULL, NULL), &s);
    assert_int_equal(sim_scenario_set(&s, "nodes[0].count", "0", &err), -1);
    assert_string_equal(err.msg[0], "t.json: nodes[0].count: expected an integer >= 1, got 0");
    assert_int_equal(s.nodes[0].count, 1);
    assert_int_equal(sim_scenario_set(&s, "workload.sesions", "4", &err), -1);
    assert_string_equal(err.msg[0],
                        "t.json: workload: unknown key 'sesions'; did you mean 'sessions'?");
    assert_int_equal(sim_scenario_set(&s, "policies.q.ack_timeout_s", "4", &err), -1);
    assert_string_equal(err.msg[0],
                        "t.json: policies.q.ack_timeout_s: no entry named 'q' in 'policies'");
    assert_int_equal(sim_scenario_set(&s, "nodes[3].count", "4", &err), -1);
    assert_string_equal(err.msg[0], "t.json: nodes[3].count: 'nodes' has 1 entries, no [3]");
    assert_int_equal(sim_scenario_set(&s, "seed.x", "4", &err), -1);
    assert_string_equal(err.msg[0], "t.json: seed.x: 'seed' is not an object");
    assert_int_equal(sim_scenario_set(&s, "workload.utterances_per_session", "1000000000", &err),
                     -1);
    assert_string_equal(err.msg[0],
                        "t.json: workload: 2 sessions x 1000000000 utterances = 2000000000 "
                        "utterances, more than the limit of 100000000 (raise it with "
                        "--max-utterances)");
    assert_int_equal(s.workload.sessions, 2);
    sim_scenario_free(&s);
}

static void copy_is_deep(void **state)
{
    (void)state;
    sim_scenario a, b;
    sim_error err;
    load_ok(fx_scenario(NULL, fx_asr("{\"dist\": \"empirical\", \"samples\": [1, 2]}"), NULL,
                        ", \"expect\": {\"p\": {\"lost\": {\"max\": 0}}}, "
                        "\"sweep\": {\"workload.sessions\": [1, 2]}"),
            &a);
    sim_scenario_copy(&b, &a);
    assert_ptr_not_equal(a.nodes, b.nodes);
    assert_ptr_not_equal(a.nodes[0].stage[0].samples, b.nodes[0].stage[0].samples);
    assert_ptr_not_equal(a.sweep[0].values[0], b.sweep[0].values[0]);
    assert_ptr_not_equal(a.json_text, b.json_text);
    assert_int_equal(sim_scenario_set(&b, "workload.sessions", "9", &err), 0);
    assert_int_equal(a.workload.sessions, 2);
    assert_int_equal(b.workload.sessions, 9);
    assert_string_equal(b.expects[0].metric, "lost");
    sim_scenario_free(&a);
    assert_true(b.nodes[0].stage[0].samples[1] == 2);
    sim_scenario_free(&b);
}

static void limits_flags_parse_and_raise_limits(void **state)
{
    (void)state;
    sim_limits l;
    sim_limits_default(&l);
    assert_int_equal(l.max_nodes, 100000);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "200000"), 0);
    assert_int_equal(l.max_nodes, 200000);
    assert_int_equal(sim_limits_flag(&l, "--max-sweep-points", "7"), 0);
    assert_int_equal(l.max_sweep_points, 7);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "-1"), -1);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "0"), -1);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "12x"), -1);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", NULL), -1);
    assert_int_equal(sim_limits_flag(&l, "--jobs", "2"), 1);
    assert_int_equal(l.max_nodes, 200000);

    /* a scenario over the default limit loads once the limit is raised */
    const char *text = fx_scenario(NULL, fx_node("\"count\": 150000"), NULL, NULL);
    sim_scenario s;
    sim_error err;
    sim_limits_default(&l);
    assert_int_equal(sim_scenario_load_string(text, strlen(text), "t.json", &l, &s, &err), -1);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "150000"), 0);
    assert_int_equal(sim_scenario_load_string(text, strlen(text), "t.json", &l, &s, &err), 0);
    assert_int_equal(s.limits.max_nodes, 150000);
    sim_scenario_free(&s);
}

/* A limit raised past what a process can allocate, and more sessions than the
 * core can hold, are refused by the loader, not met by an out-of-memory abort. */
static void limits_have_ceilings_and_sessions_a_bound(void **state)
{
    (void)state;
    sim_limits l;
    sim_error err;
    sim_scenario s;
    sim_limits_default(&l);
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_limits_check(&l, &err), 0);
    /* the flag refuses a value above its ceiling (an option error, once); the
     * loader still guards a library caller that sets the field itself */
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "1000001"), -1);
    assert_int_equal(l.max_nodes, 100000);
    assert_int_equal(sim_limits_ceil("--max-nodes"), 1000000);
    assert_int_equal(sim_limits_ceil("--jobs"), 0);
    l.max_nodes = 1000001;
    const char *text = fx_scenario(NULL, NULL, NULL, NULL);
    assert_int_equal(sim_scenario_load_string(text, strlen(text), "t.json", &l, &s, &err), -1);
    assert_string_equal(err.msg[0], "--max-nodes: expected an integer 1..1000000 (more cannot "
                                    "fit in memory), got 1000001");
    sim_limits_default(&l);
    assert_int_equal(sim_limits_flag(&l, "--max-utterances", "18446744073709551615"), -1);
    l.max_utterances = UINT64_MAX;
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_limits_check(&l, &err), -1);

    sim_limits_default(&l);
    assert_int_equal(sim_limits_flag(&l, "--max-utterances", "1000000000000"), 0);
    load_ok(fx_scenario(NULL, NULL, NULL, NULL), &s);
    s.limits = l;
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "16777216", &err), 0);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "16777217", &err), -1);
    assert_non_null(strstr(err.msg[0], "workload.sessions: expected at most 16777216 sessions "
                                        "without linger_s (2^24: without linger_s every session "
                                        "stays open until the run drains"));
    assert_int_equal(s.workload.sessions, 16777216);
    /* with linger_s a session's slot in the core is reused once it closes: more
     * than 2^24 in all may run (review 2, 4); at most 1e8, their state up front */
    assert_int_equal(sim_scenario_set(&s, "workload.linger_s", "10", &err), 0);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "16777217", &err), 0);
    assert_int_equal(s.workload.sessions, 16777217);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "100000000", &err), 0);
    assert_int_equal(sim_scenario_set(&s, "workload.sessions", "100000001", &err), -1);
    assert_non_null(strstr(err.msg[0], "workload.sessions: expected at most 100000000 sessions (a "
                                       "run's peak memory grows by about 150 bytes per "
                                       "session), got 100000001"));
    sim_scenario_free(&s);

    /* at the ceiling, the message does not say to raise it further */
    sim_limits_default(&l);
    assert_int_equal(sim_limits_flag(&l, "--max-nodes", "1000000"), 0);
    const char *many = fx_scenario(NULL, fx_node("\"count\": 1000001"), NULL, NULL);
    assert_int_equal(sim_scenario_load_string(many, strlen(many), "t.json", &l, &s, &err), -1);
    assert_non_null(strstr(err.msg[0], "nodes: 1000001 nodes in total, more than the limit of "
                                       "1000000 (the most --max-nodes allows)"));

    /* the same for every limit at its ceiling (review 2, 6) */
    char hint[SIM_LIMITS_HINT_CAP];
    assert_string_equal(sim_limits_hint("--max-policies", 1023, hint, sizeof hint),
                        "raise it with --max-policies");
    assert_string_equal(sim_limits_hint("--max-policies", 1024, hint, sizeof hint),
                        "the most --max-policies allows");
    sim_limits_default(&l);
    assert_int_equal(sim_limits_flag(&l, "--max-replications", "100000"), 0);
    const char *reps = fx_scenario(NULL, NULL, NULL, ", \"replications\": 100001");
    assert_int_equal(sim_scenario_load_string(reps, strlen(reps), "t.json", &l, &s, &err), -1);
    assert_non_null(strstr(err.msg[0], "replications: 100001 replications, more than the limit of "
                                       "100000 (the most --max-replications allows)"));
    assert_int_equal(sim_limits_flag(&l, "--max-sweep-points", "10000000"), 0);
    const char *sw = fx_scenario(NULL, NULL, NULL, ", \"sweep\": {\"seed\": \"1:20000000:1\"}");
    assert_int_equal(sim_scenario_load_string(sw, strlen(sw), "t.json", &l, &s, &err), -1);
    assert_non_null(strstr(err.msg[0], "sweep points limit (the most --max-sweep-points allows)"));
    static char pol[1100 * 48];
    size_t o = (size_t)snprintf(pol, sizeof pol, "[");
    for (int i = 0; i < 1025; i++)
        o += (size_t)snprintf(pol + o, sizeof pol - o,
                              "%s{\"name\": \"p%d\", \"preset\": \"lingua-2025-12-28\"}",
                              i ? ", " : "", i);
    snprintf(pol + o, sizeof pol - o, "]");
    assert_int_equal(sim_limits_flag(&l, "--max-policies", "1024"), 0);
    const char *pt = fx_scenario(NULL, NULL, pol, NULL);
    assert_int_equal(sim_scenario_load_string(pt, strlen(pt), "t.json", &l, &s, &err), -1);
    assert_non_null(strstr(err.msg[0], "policies: 1025 policies, more than the limit of 1024 (the "
                                       "most --max-policies allows)"));
}

/* sim_safe_text cuts a long text at a character's start, never inside a UTF-8
 * sequence (review 2, 5). */
static void safe_text_cuts_at_a_character(void **state)
{
    (void)state;
    char buf[64];
    const char *a47 = "12345678901234567890123456789012345678901234567";
    char in[80];
    snprintf(in, sizeof in, "%s\xc3\xa9xyz", a47); /* é across the 48-byte cut */
    sim_safe_text(in, buf, sizeof buf);
    char want[80];
    snprintf(want, sizeof want, "%s...", a47);
    assert_string_equal(buf, want);
    snprintf(in, sizeof in, "%s\xc3\xa9", "1234567890123456789012345678901234567890123456");
    sim_safe_text(in, buf, sizeof buf); /* 48 bytes: whole */
    assert_string_equal(buf, in);
}

static void suggestions_pick_the_nearest_name_within_two_edits(void **state)
{
    (void)state;
    static const char *const keys[] = {"slots", "stages", "count", "workers", NULL};
    assert_int_equal(sim_edit_distance("slot", "slots"), 1);
    assert_int_equal(sim_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(sim_edit_distance("", "abc"), 3);
    assert_string_equal(sim_suggest_list("slot", keys), "slots");
    assert_string_equal(sim_suggest_list("wrokers", keys), "workers");
    assert_string_equal(sim_suggest_list("cuont", keys), "count");
    assert_null(sim_suggest_list("banana", keys));
    assert_null(sim_suggest_list("slots", keys)); /* itself */
    assert_null(sim_suggest_list("x", keys));     /* too short to guess */
}

static void metric_names_round_trip(void **state)
{
    (void)state;
    for (int m = 0; m < SIM_M_COUNT; m++)
        assert_int_equal(sim_metric_lookup(sim_metric_name((sim_metric)m)), m);
    assert_int_equal(sim_metric_lookup("lost_by_cause.no_node"), SIM_M_LOST_NO_NODE);
    assert_int_equal(sim_metric_lookup("latency_s.p99"), SIM_M_LATENCY_P99);
    assert_int_equal(sim_metric_lookup("nope"), -1);
    assert_string_equal(sim_metric_name(SIM_M_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_light_file_parses_into_the_expected_structs),
        cmocka_unit_test(limits_have_ceilings_and_sessions_a_bound),
        cmocka_unit_test(safe_text_cuts_at_a_character),
        cmocka_unit_test(policy_overrides_become_nanoseconds_and_enums),
        cmocka_unit_test(hedge_after_in_seconds_and_disabled_blocks),
        cmocka_unit_test(every_dist_kind_reads_its_parameters),
        cmocka_unit_test(empirical_mixture_and_truncation_nest),
        cmocka_unit_test(empirical_file_is_read_relative_to_the_scenario),
        cmocka_unit_test(network_directions_and_losses_override_the_shared_ones),
        cmocka_unit_test(node_options_and_faults_fill_node_config),
        cmocka_unit_test(sweep_lists_and_ranges_become_textual_values),
        cmocka_unit_test(set_by_path_edits_the_knob_and_keeps_the_rest),
        cmocka_unit_test(set_by_path_rejects_bad_values_and_leaves_the_scenario_alone),
        cmocka_unit_test(copy_is_deep),
        cmocka_unit_test(limits_flags_parse_and_raise_limits),
        cmocka_unit_test(suggestions_pick_the_nearest_name_within_two_edits),
        cmocka_unit_test(metric_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
