/*
 * test_node_phase.c — each node's heartbeat phase in a whole run: a keyed draw
 * per node (different nodes beat at different instants), the same under every
 * policy of a scenario, and every node in phase under heartbeat_phase aligned.
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

#define NODES 4

static const char world_fmt[] =
    "{\"name\": \"phase\", \"seed\": 5, \"replications\": 1,"
    " \"workload\": {\"sessions\": 2, \"utterances_per_session\": 10,"
    "  \"gap_s\": {\"dist\": \"uniform\", \"min\": 1, \"max\": 3},"
    "  \"audio_s\": {\"dist\": \"const\", \"value\": 2}},"
    " \"nodes\": [{\"name\": \"gpu\", \"count\": %d %s,"
    "  \"stages\": {\"asr\": {\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.8},"
    "   \"nmt\": {\"dist\": \"const\", \"value\": 0.3},"
    "   \"tts\": {\"dist\": \"const\", \"value\": 0.6}}}],"
    " \"policies\": [{\"name\": \"a\", \"preset\": \"lingua-2025-12-28\"},"
    "  {\"name\": \"b\", \"preset\": \"lingua-2025-12-31\", \"dispatch_timeout_s\": 5,"
    "   \"node_load\": \"reserved\", \"pending\": \"queue\"}]}";

/* Runs policy p of the world and returns each node's first heartbeat (s). */
static void first_beats(const char *node_extra, size_t p, double first[NODES])
{
    char text[2048];
    snprintf(text, sizeof text, world_fmt, NODES, node_extra);
    sim_scenario s;
    sim_error err = {0};
    if (sim_scenario_load_string(text, strlen(text), "phase.json", NULL, &s, &err) != 0) {
        sim_error_print(&err);
        fail_msg("cannot load the world");
    }
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    sim_run_opts o = {.trace = f, .jobs = 1};
    double v[SIM_M_COUNT];
    assert_int_equal(sim_run_one(&s, p, 0, &o, v, &err), 0);
    fclose(f);
    for (int k = 0; k < NODES; k++)
        first[k] = -1;
    int beats = 0;
    for (const char *line = buf; *line;) {
        const char *end = strchr(line, '\n');
        const char *hb = strstr(line, "\"msg\":\"heartbeat\"");
        double t;
        int node;
        if (hb && (!end || hb < end)) {
            assert_int_equal(sscanf(line, "{\"t\":%lf,", &t), 1);
            assert_int_equal(sscanf(strstr(hb, "\"node\":"), "\"node\":%d", &node), 1);
            assert_true(node >= 0 && node < NODES);
            if (first[node] < 0)
                first[node] = t;
            beats++;
        }
        line = end ? end + 1 : line + strlen(line);
    }
    assert_true(beats >= 2 * NODES);
    for (int k = 0; k < NODES; k++)
        assert_true(first[k] > 0 && first[k] <= 15.0);
    free(buf);
    sim_scenario_free(&s);
}

static void each_node_has_its_own_phase_under_every_policy(void **state)
{
    (void)state;
    double a[NODES], b[NODES];
    first_beats("", 0, a);
    first_beats("", 1, b);
    for (int k = 0; k < NODES; k++) {
        assert_true(a[k] == b[k]); /* the policy does not move it */
        for (int j = 0; j < k; j++)
            assert_true(a[j] != a[k]);
    }
}

static void aligned_nodes_all_beat_at_the_period(void **state)
{
    (void)state;
    double a[NODES];
    first_beats(", \"heartbeat_phase\": \"aligned\"", 1, a);
    for (int k = 0; k < NODES; k++)
        assert_true(a[k] == 15.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_node_has_its_own_phase_under_every_policy),
        cmocka_unit_test(aligned_nodes_all_beat_at_the_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
