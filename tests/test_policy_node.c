/*
 * test_policy_node.c — a policy's `node` block: node-agent settings that travel
 * with a policy (the 12-31 agent's skip of a repeated job_id, the report's
 * proposal 3), loaded, checked, and applied to the world of that policy only.
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

/* One node, one worker, one utterance; every attempt stalls 40 s, so the job
 * times out (30 s) and fails over to the same node, the only one, with the job_id
 * that node received last. */
static char *one_node_world(const char *policies)
{
    static const char fmt[] =
        "{\"name\": \"one-node\", \"seed\": 3, \"replications\": 1,"
        " \"workload\": {\"sessions\": 1, \"utterances_per_session\": 1, \"linger_s\": 600,"
        "  \"session_start_s\": {\"dist\": \"const\", \"value\": 0},"
        "  \"gap_s\": {\"dist\": \"const\", \"value\": 1},"
        "  \"audio_s\": {\"dist\": \"const\", \"value\": 2}},"
        " \"nodes\": [{\"name\": \"gpu\", \"count\": 1, \"slots\": 4, \"workers\": 1,"
        "  \"stages\": {\"asr\": {\"dist\": \"const\", \"value\": 1},"
        "   \"nmt\": {\"dist\": \"const\", \"value\": 0.2},"
        "   \"tts\": {\"dist\": \"const\", \"value\": 0.5}},"
        "  \"faults\": {\"stall\": {\"prob\": 1, \"extra_s\": {\"dist\": \"const\", \"value\": 40}}}}],"
        " \"policies\": [%s]}";
    size_t n = sizeof fmt + strlen(policies) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, fmt, policies);
    return s;
}

static int load(const char *text, sim_scenario *s, sim_error *err)
{
    memset(err, 0, sizeof *err);
    return sim_scenario_load_string(text, strlen(text), "one-node.json", NULL, s, err);
}

static const char policies[] =
    "{\"name\": \"p28\", \"preset\": \"lingua-2025-12-28\"},"
    "{\"name\": \"p31\", \"preset\": \"lingua-2025-12-31\"},"
    "{\"name\": \"p31-accepts\", \"preset\": \"lingua-2025-12-31\","
    " \"node\": {\"skip_repeat_job_id\": false}},"
    "{\"name\": \"p28-checks\", \"preset\": \"lingua-2025-12-28\","
    " \"node\": {\"attempt_check\": \"supersede\", \"on_cancel\": \"abort_attempt\","
    "  \"cancel_between_stages\": false}}";

static void presets_bring_their_node_agent_and_the_block_overrides_it(void **state)
{
    (void)state;
    char *text = one_node_world(policies);
    sim_scenario s;
    sim_error err;
    assert_int_equal(load(text, &s, &err), 0);
    const sim_node_override *o28 = &s.policies[0].node, *o31 = &s.policies[1].node,
                            *o31a = &s.policies[2].node, *o28c = &s.policies[3].node;
    assert_false(o28->has_skip_repeat_job_id || o28->has_attempt_check || o28->has_on_cancel);
    assert_true(o31->has_skip_repeat_job_id && o31->skip_repeat_job_id);
    assert_true(o31a->has_skip_repeat_job_id && !o31a->skip_repeat_job_id);
    assert_true(o28c->has_attempt_check && o28c->attempt_check == NODE_ATTEMPT_SUPERSEDE);
    assert_true(o28c->has_on_cancel && o28c->on_cancel == NODE_CANCEL_ABORT_ATTEMPT);
    assert_true(o28c->has_cancel_between_stages && !o28c->cancel_between_stages);
    node_config c = s.nodes[0];
    sim_node_override_apply(o28c, &c);
    assert_int_equal(c.attempt_check, NODE_ATTEMPT_SUPERSEDE);
    assert_int_equal(s.nodes[0].attempt_check, NODE_ATTEMPT_NONE); /* the world is untouched */
    sim_scenario_free(&s);
    free(text);
}

static void a_misspelled_node_key_is_an_error_with_a_suggestion(void **state)
{
    (void)state;
    char *text = one_node_world("{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\","
                                " \"node\": {\"attempt_chek\": \"supersede\"}}");
    sim_scenario s;
    sim_error err;
    assert_int_equal(load(text, &s, &err), -1);
    assert_true(err.count >= 1);
    assert_non_null(strstr(err.msg[0], "policies[0].node"));
    assert_non_null(strstr(err.msg[0], "did you mean 'attempt_check'?"));
    free(text);
}

/* Under 12-31 the node drops the failover back to itself (same job_id as the
 * last assign it received), so it spends no time on a second attempt; with the
 * skip turned off it computes both. */
static void the_skip_of_a_repeated_job_id_acts_in_the_world(void **state)
{
    (void)state;
    char *text = one_node_world(policies);
    sim_scenario s;
    sim_error err;
    assert_int_equal(load(text, &s, &err), 0);
    double skip[SIM_M_COUNT], accept[SIM_M_COUNT];
    assert_int_equal(sim_run_one(&s, 1, 0, NULL, skip, &err), 0);
    assert_int_equal(sim_run_one(&s, 2, 0, NULL, accept, &err), 0);
    /* the same failovers are decided by the scheduler... */
    assert_true(skip[SIM_M_FAILOVERS] >= 1);
    assert_true(skip[SIM_M_DISPATCHES] == accept[SIM_M_DISPATCHES]);
    /* ...but only the accepting node spends time on the repeated attempts */
    assert_true(accept[SIM_M_WASTED_NODE_S] > skip[SIM_M_WASTED_NODE_S] + 1.0);
    sim_scenario_free(&s);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(presets_bring_their_node_agent_and_the_block_overrides_it),
        cmocka_unit_test(a_misspelled_node_key_is_an_error_with_a_suggestion),
        cmocka_unit_test(the_skip_of_a_repeated_job_id_acts_in_the_world),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
