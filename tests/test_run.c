/*
 * test_run.c — whole runs of the world and the core: determinism, common random
 * numbers, conservation, and the incident's signature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "run.h"
#include "scenario.h"

/* A small world: 3 sessions x 30 utterances, 3 nodes, the given node and
 * policy fragments spliced in. */
static char *small_world(const char *node_extra, const char *policies)
{
    static const char fmt[] =
        "{\"name\": \"small\", \"seed\": 7, \"replications\": 2,"
        " \"workload\": {\"sessions\": 3, \"utterances_per_session\": 30,"
        "  \"session_start_s\": {\"dist\": \"uniform\", \"min\": 0, \"max\": 5},"
        "  \"gap_s\": {\"dist\": \"uniform\", \"min\": 1, \"max\": 3},"
        "  \"audio_s\": {\"dist\": \"lognormal\", \"median\": 2, \"sigma\": 0.5, \"max\": 20}},"
        " \"nodes\": [{\"name\": \"gpu\", \"count\": 3, \"slots\": 4 %s,"
        "  \"stages\": {\"asr\": {\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.8},"
        "   \"nmt\": {\"dist\": \"lognormal\", \"median\": 0.3, \"sigma\": 0.5},"
        "   \"tts\": {\"dist\": \"lognormal\", \"median\": 0.6, \"sigma\": 0.7}},"
        "  \"faults\": {\"stall\": {\"prob\": 0.1, \"extra_s\": {\"dist\": \"uniform\","
        "   \"min\": 20, \"max\": 90}}}}],"
        " \"policies\": [%s]}";
    size_t n = sizeof fmt + strlen(node_extra) + strlen(policies) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, fmt, node_extra, policies);
    return s;
}

static void load(const char *text, sim_scenario *s)
{
    sim_error err = {0};
    int rc = sim_scenario_load_string(text, strlen(text), "small.json", NULL, s, &err);
    if (rc != 0)
        sim_error_print(&err);
    assert_int_equal(rc, 0);
}

static const char three_presets[] =
    "{\"name\": \"a\", \"preset\": \"lingua-2025-12-28\"},"
    "{\"name\": \"b\", \"preset\": \"lingua-2025-12-31\"},"
    "{\"name\": \"c\", \"preset\": \"lingua-2025-12-28\", \"pending\": \"queue\","
    " \"result_accept\": \"first_result_wins\", \"result_queue\": \"ordered\"}";

static void same_scenario_same_seed_gives_identical_results_and_logs(void **state)
{
    (void)state;
    char *text = small_world(", \"workers\": 1, \"on_cancel\": \"ignore\"", three_presets);
    sim_scenario s;
    load(text, &s);
    char *log1 = NULL, *log2 = NULL;
    size_t n1 = 0, n2 = 0;
    FILE *f1 = open_memstream(&log1, &n1), *f2 = open_memstream(&log2, &n2);
    sim_run_opts o1 = {.log = f1, .jobs = 1}, o2 = {.log = f2, .jobs = 2};
    sim_results r1, r2;
    sim_error err = {0};
    assert_int_equal(sim_run_all(&s, &o1, &r1, &err), 0);
    assert_int_equal(sim_run_all(&s, &o2, &r2, &err), 0);
    fclose(f1);
    fclose(f2);
    size_t nv = r1.n_policies * r1.n_reps * SIM_M_COUNT;
    assert_memory_equal(r1.v, r2.v, nv * sizeof *r1.v);
    assert_true(n1 > 1000);
    assert_int_equal(n1, n2);
    assert_memory_equal(log1, log2, n1);
    /* replications differ from each other (their seeds differ) */
    assert_true(memcmp(sim_results_at(&r1, 0, 0), sim_results_at(&r1, 0, 1),
                       SIM_M_COUNT * sizeof(double)) != 0);
    free(log1);
    free(log2);
    sim_results_free(&r1);
    sim_results_free(&r2);
    sim_scenario_free(&s);
    free(text);
}

/* Extracts (time, index) of trace lines matching `needle`, as a text. */
static char *grep_lines(const char *buf, const char *needle, const char *needle2)
{
    size_t cap = strlen(buf) + 1, len = 0;
    char *out = calloc(cap, 1);
    assert_non_null(out);
    const char *p = buf;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        char line[1024];
        size_t m = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, p, m);
        line[m] = 0;
        if (strstr(line, needle) && (!needle2 || strstr(line, needle2))) {
            /* drop the policy's name, and the node: which node serves a job is the
             * policy's choice */
            static const char *const drop[] = {"\"policy\":", "\"node\":"};
            for (size_t d = 0; d < 2; d++) {
                char *nd = strstr(line, drop[d]);
                if (nd) {
                    char *comma = strchr(nd, ',');
                    memmove(nd, comma + 1, strlen(comma + 1) + 1);
                }
            }
            size_t k = strlen(line);
            memcpy(out + len, line, k);
            len += k;
        }
        p += n;
    }
    return out;
}

static void changing_a_policy_knob_keeps_the_workload_and_first_service_times(void **state)
{
    (void)state;
    /* Enough workers that nobody queues: an attempt's duration is its service time. */
    char *text = small_world(", \"workers\": 64",
                             "{\"name\": \"p30\", \"preset\": \"lingua-2025-12-28\"},"
                             "{\"name\": \"p90\", \"preset\": \"lingua-2025-12-28\","
                             " \"dispatch_timeout_s\": 90, \"ack_timeout_s\": 30}");
    sim_scenario s;
    load(text, &s);
    s.replications = 1;
    char *t[2];
    size_t n[2];
    for (int p = 0; p < 2; p++) {
        FILE *f = open_memstream(&t[p], &n[p]);
        sim_run_opts o = {.trace = f, .jobs = 1};
        double v[SIM_M_COUNT];
        sim_error err = {0};
        assert_int_equal(sim_run_one(&s, (size_t)p, 0, &o, v, &err), 0);
        fclose(f);
    }
    /* the assigns of first attempts (same utterances at the same times) */
    char *a0 = grep_lines(t[0], "\"msg\":\"assign\"", "\"attempt_id\":1,");
    char *a1 = grep_lines(t[1], "\"msg\":\"assign\"", "\"attempt_id\":1,");
    assert_true(strlen(a0) > 100);
    assert_string_equal(a0, a1);
    /* first attempts' results come back at the same times: same service times */
    char *r0 = grep_lines(t[0], "\"msg\":\"result\"", "\"attempt_id\":1,");
    char *r1 = grep_lines(t[1], "\"msg\":\"result\"", "\"attempt_id\":1,");
    assert_true(strlen(r0) > 100);
    assert_string_equal(r0, r1);
    /* ...while the policies do differ (the 30 s one re-dispatches) */
    assert_string_not_equal(t[0], t[1]);
    free(a0);
    free(a1);
    free(r0);
    free(r1);
    free(t[0]);
    free(t[1]);
    sim_scenario_free(&s);
    free(text);
}

static void check_conservation(const sim_scenario *s, const sim_results *res)
{
    for (size_t p = 0; p < res->n_policies; p++)
        for (size_t r = 0; r < res->n_reps; r++) {
            const double *v = sim_results_at(res, p, r);
            double by_cause = 0;
            for (int m = SIM_M_LOST_NO_NODE; m <= SIM_M_LOST_UNFINISHED; m++)
                by_cause += v[m];
            if (v[SIM_M_UTTERANCES] != v[SIM_M_DELIVERED] + v[SIM_M_LOST] ||
                by_cause != v[SIM_M_LOST] ||
                v[SIM_M_UTTERANCES] != (double)s->workload.sessions *
                                           s->workload.utterances_per_session)
                fail_msg("%s: policy %s rep %zu: utterances %g delivered %g lost %g by cause %g",
                         s->path, s->policies[p].name, r, v[SIM_M_UTTERANCES],
                         v[SIM_M_DELIVERED], v[SIM_M_LOST], by_cause);
            assert_true(v[SIM_M_DISPATCHES] >= v[SIM_M_DELIVERED] ||
                        v[SIM_M_DISPATCHES] >= 0);
            assert_true(v[SIM_M_WASTED_NODE_S] >= -1e-6);
        }
}

static void every_shipped_scenario_conserves_utterances(void **state)
{
    (void)state;
    const char *dir = DSIM_SOURCE_DIR "/scenarios";
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") || !strcmp(de->d_name, "schema.json"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        sim_scenario s;
        sim_error err = {0};
        if (sim_scenario_load(path, NULL, &s, &err) != 0) {
            sim_error_print(&err);
            fail_msg("cannot load %s", path);
        }
        s.replications = 1;
        sim_results res;
        sim_run_opts o = {.jobs = 2};
        assert_int_equal(sim_run_all(&s, &o, &res, &err), 0);
        check_conservation(&s, &res);
        sim_results_free(&res);
        sim_scenario_free(&s);
        files++;
    }
    closedir(d);
    assert_true(files >= 1);
}

static void a_run_past_its_event_budget_is_an_error_not_a_hang(void **state)
{
    (void)state;
    /* a heartbeat of a microsecond: millions of events per simulated second */
    char *text = small_world(", \"heartbeat_s\": 0.000001",
                             "{\"name\": \"a\", \"preset\": \"lingua-2025-12-28\"}");
    sim_scenario s;
    load(text, &s);
    double v[SIM_M_COUNT];
    sim_error err = {0};
    sim_run_opts o = {.max_events = 100000};
    assert_int_equal(sim_run_one(&s, 0, 0, &o, v, &err), -1);
    assert_true(err.count >= 1);
    /* refused before the run: the heartbeats alone would exceed the budget */
    assert_non_null(strstr(err.msg[0], "nodes[0].heartbeat_s"));
    assert_non_null(strstr(err.msg[0], "more than the budget of 100000"));
    /* the default budget grows with the utterances asked for */
    assert_true(sim_default_event_budget(&s) >= 90u * SIM_EVENTS_PER_UTTERANCE);
    sim_scenario_free(&s);
    free(text);
    /* timers that fit the budget, work that does not: the run stops at the budget */
    text = small_world("", "{\"name\": \"a\", \"preset\": \"lingua-2025-12-28\","
                           " \"result_queue\": \"ordered\"}");
    load(text, &s);
    o.max_events = 300;
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_run_one(&s, 0, 0, &o, v, &err), -1);
    assert_non_null(strstr(err.msg[0], "more than 300 events"));
    sim_scenario_free(&s);
    free(text);
}

/* An input error stays exit 2 through the merges that run, sweep and tune do;
 * an internal one is exit 3 wherever it is merged. */
static void an_internal_error_keeps_exit_3_through_merges(void **state)
{
    (void)state;
    sim_error task = {0}, all = {0};
    sim_error_add(&task, "scenario: policy a, replication 0: refused");
    sim_error_merge(&all, &task);
    assert_int_equal(all.count, 1);
    assert_string_equal(all.msg[0], task.msg[0]);
    assert_false(all.internal);
    assert_int_equal(sim_error_exit(&all), 2);
    task.internal = true;
    sim_error_merge(&all, &task);
    assert_int_equal(all.count, 2);
    assert_true(all.internal);
    assert_int_equal(sim_error_exit(&all), 3);
    sim_error_merge(&all, &(sim_error){0}); /* a later input error keeps it internal */
    assert_int_equal(sim_error_exit(&all), 3);
    assert_int_equal(sim_fail_exit(SIM_FAIL_INTERNAL), 3);
    assert_int_equal(sim_fail_exit(SIM_FAIL_INPUT), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_scenario_same_seed_gives_identical_results_and_logs),
        cmocka_unit_test(changing_a_policy_knob_keeps_the_workload_and_first_service_times),
        cmocka_unit_test(every_shipped_scenario_conserves_utterances),
        cmocka_unit_test(a_run_past_its_event_budget_is_an_error_not_a_hang),
        cmocka_unit_test(an_internal_error_keeps_exit_3_through_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
