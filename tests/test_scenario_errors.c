/*
 * test_scenario_errors.c — every class of bad scenario input gets its exact
 * message: file, line:column of the offending value (or key), JSON path, what
 * was expected and what was found; all errors are listed; nothing crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "scenario_fixture.h"

/* Loads text as "t.json" and checks that it fails with `headline` first. */
static void fails_with(const char *text, const char *headline)
{
    sim_scenario s;
    sim_error err;
    int rc = sim_scenario_load_string(text, strlen(text), "t.json", NULL, &s, &err);
    assert_int_equal(rc, -1);
    assert_true(err.count >= 1);
    if (strcmp(err.msg[0], headline) != 0) {
        fprintf(stderr, "input: %s\n", text);
        sim_error_print(&err);
    }
    assert_string_equal(err.msg[0], headline);
    assert_null(s.nodes); /* the scenario was zeroed */
}

/* Fails with a headline naming `path` and containing `range`. */
static void refused_at(const char *text, const char *path, const char *range)
{
    sim_scenario s;
    sim_error err;
    int rc = sim_scenario_load_string(text, strlen(text), "t.json", NULL, &s, &err);
    if (rc != -1 || !strstr(err.msg[0], path) || !strstr(err.msg[0], range)) {
        fprintf(stderr, "input: %s\n", text);
        sim_error_print(&err);
        if (rc == 0)
            sim_scenario_free(&s);
        fail_msg("expected a refusal at %s naming %s", path, range);
    }
}

/* What the core (disp_node_up, disp_policy_check) and the node model (node_new)
 * refuse, the loader refuses, at the field. Seen: each of these loaded, then
 * failed at run time ("nodes[0]: unusable node configuration") or ran wrong. */
static void the_core_and_node_limits_are_the_loaders(void **state)
{
    (void)state;
    refused_at(fx_scenario(NULL, fx_node("\"slots\": 65537"), NULL, NULL), "nodes[0].slots",
               "[1, 65536]");
    refused_at(fx_scenario(NULL, fx_node("\"workers\": 1025"), NULL, NULL), "nodes[0].workers",
               "[1, 1024]");
    refused_at(fx_scenario(NULL, fx_node("\"heartbeat_s\": 1e-10"), NULL, NULL),
               "nodes[0].heartbeat_s", ">= 1e-09");
    const char *pol[][3] = {
        {"\"dispatch_timeout_s\": 0", "policies[0].dispatch_timeout_s", "[1e-09, 86400]"},
        {"\"dispatch_timeout_s\": 86401", "policies[0].dispatch_timeout_s", "[1e-09, 86400]"},
        {"\"ack_timeout_s\": 1e7", "policies[0].ack_timeout_s", "[0, 86400]"},
        {"\"hedge\": {\"max_extra\": 5}", "policies[0].hedge.max_extra", "[1, 4]"},
        {"\"timeout\": {\"window\": 1}", "policies[0].timeout.window", "[16, 65536]"},
        {"\"result_check_interval_s\": 1e-10", "policies[0].result_check_interval_s", "[1e-09"},
        {"\"node_load\": \"snapshot\", \"node_snapshot_refresh_s\": 0",
         "policies[0].node_snapshot_refresh_s", "[1e-09, 86400]"},
        {"\"node_snapshot_refresh_s\": 86401", "policies[0].node_snapshot_refresh_s",
         "[1e-09, 86400]"},
    };
    for (size_t i = 0; i < sizeof pol / sizeof pol[0]; i++)
        refused_at(fx_scenario(NULL, NULL, fx_policy(pol[i][0]), NULL), pol[i][1], pol[i][2]);
}

static void json_syntax_errors_give_line_column_and_janssons_text(void **state)
{
    (void)state;
    const char *text = "{\"name\": \"t\",\n  \"seed\": 1,,\n}";
    json_error_t je;
    assert_null(json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, &je));
    assert_int_equal(je.line, 2);
    fails_with(text, fx_fmt("t.json:2:%d: %s", je.column, je.text));

    /* what jansson refuses for one of the loader's own rules is said in dsim's
     * words, with the JSON path the parser was at */
    const char *dup = "{\"name\": \"t\", \"name\": \"u\"}";
    assert_null(json_loadb(dup, strlen(dup), JSON_REJECT_DUPLICATES, &je));
    fails_with(dup, fx_fmt("t.json:1:%d: duplicate key 'name' in the scenario object", je.column));
    const char *dup2 = "{\"workload\": {\"linger_s\": 30, \"linger_s\": 40}}";
    assert_null(json_loadb(dup2, strlen(dup2), JSON_REJECT_DUPLICATES, &je));
    fails_with(dup2, fx_fmt("t.json:1:%d: duplicate key 'linger_s' in workload", je.column));
    const char *dup3 = "{\"nodes\": [{}, {\"x\": [1, {\"a\": 1, \"a\": 2}]}]}";
    assert_null(json_loadb(dup3, strlen(dup3), JSON_REJECT_DUPLICATES, &je));
    fails_with(dup3, fx_fmt("t.json:1:%d: duplicate key 'a' in nodes[1].x[1]", je.column));
    const char *big = "{\"name\": \"t\", \"seed\": 9223372036854775808}";
    assert_null(json_loadb(big, strlen(big), 0, &je));
    fails_with(big, fx_fmt("t.json:1:%d: seed: expected an integer <= 9223372036854775807 "
                           "(2^63-1), got 9223372036854775808",
                           je.column));
    const char *nul = "{\"name\": \"a\\u0000b\"}";
    assert_null(json_loadb(nul, strlen(nul), 0, &je));
    fails_with(nul, fx_fmt("t.json:1:%d: name: expected a string without \\u0000 (a NUL "
                           "character), got \"a\\u0000b\"",
                           je.column));
    const char *nulkey = "{\"w\": {\"a\\u0000\": 1}}";
    assert_null(json_loadb(nulkey, strlen(nulkey), 0, &je));
    fails_with(nulkey, fx_fmt("t.json:1:%d: w: a key may not hold \\u0000 (a NUL character), "
                              "got \"a\\u0000\"",
                              je.column));
    /* past 20 bytes jansson leaves its "near '...'" out: the token is taken
     * from the text, cut with "..." (review 2, 5) */
    const char *big24 = "{\"name\": \"t\", \"seed\": 999999999999999999999999}";
    assert_null(json_loadb(big24, strlen(big24), 0, &je));
    fails_with(big24, fx_fmt("t.json:1:%d: seed: expected an integer <= 9223372036854775807 "
                             "(2^63-1), got 999999999999999999999999",
                             je.column));
    const char *neg24 = "{\"name\": \"t\", \"seed\": -999999999999999999999999}";
    assert_null(json_loadb(neg24, strlen(neg24), 0, &je));
    fails_with(neg24, fx_fmt("t.json:1:%d: seed: expected an integer >= -9223372036854775808 "
                             "(-2^63), got -999999999999999999999999",
                             je.column));
    const char *nul2 = "{\"w\": {\"k\": \"a\\u0000bc\\\"defghijklmnopqrstuvwxyz\"}}";
    assert_null(json_loadb(nul2, strlen(nul2), 0, &je));
    fails_with(nul2, fx_fmt("t.json:1:%d: w.k: expected a string without \\u0000 (a NUL "
                            "character), got \"a\\u0000bc\\\"defghijklmnopqrstuvwxyz\"",
                            je.column));
    const char *nulk2 = "{\"w\": {\"a\\u0000bcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn"
                        "opqrstuvwxyz\": 1}}";
    assert_null(json_loadb(nulk2, strlen(nulk2), 0, &je));
    fails_with(nulk2, fx_fmt("t.json:1:%d: w: a key may not hold \\u0000 (a NUL character), "
                             "got \"a\\u0000bcdefghijklmnopqrstuvwxyz0123456789abcde...",
                             je.column));
    /* a key past 63 bytes is cut at a character's start and marked "..." */
    const char *k59 = "k2345678901234567890123456789012345678901234567890123456789";
    char longkey[200];
    snprintf(longkey, sizeof longkey, "{\"w\": {\"%s\xc3\xa9\xc3\xa9xyz\": 99999999999999999999999}}",
             k59);
    assert_int_equal(strlen(k59), 59);
    assert_null(json_loadb(longkey, strlen(longkey), 0, &je));
    fails_with(longkey, fx_fmt("t.json:1:%d: w.%s...: expected an integer <= "
                               "9223372036854775807 (2^63-1), got 99999999999999999999999",
                               je.column, k59));

    fails_with("", "t.json: the file is empty (expected a scenario object)");
    fails_with(" \n\t ", "t.json: the file is empty (expected a scenario object)");

    /* jansson's column 0 (before a line's first character) is shown as column 1 */
    const char *eof = "{\"name\": \"t\",\n";
    assert_null(json_loadb(eof, strlen(eof), 0, &je));
    assert_int_equal(je.column, 0);
    fails_with(eof, fx_fmt("t.json:%d:1: %s", je.line, je.text));
}

static void the_top_level_must_be_an_object(void **state)
{
    (void)state;
    fails_with("[1, 2]", "t.json:1:1: expected a scenario object {\"name\": ..., \"seed\": ...}, "
                         "got an array");
}

static void unknown_keys_suggest_the_nearest_valid_one(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_node("\"slot\": 4"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0]: unknown key 'slot'; did you mean 'slots'?",
                         fx_col(t, "\"slot\"")));
    t = fx_scenario(NULL, NULL, NULL, ", \"netwrk\": {}");
    fails_with(t, fx_fmt("t.json:1:%d: unknown key 'netwrk'; did you mean 'network'?",
                         fx_col(t, "\"netwrk\"")));
    /* too far from every key: the valid keys are listed instead */
    t = fx_scenario(NULL, NULL, NULL, ", \"network\": {\"jitter\": 1}");
    fails_with(t, fx_fmt("t.json:1:%d: network: unknown key 'jitter' (valid keys: delay_s, "
                         "to_node_delay_s, to_scheduler_delay_s, loss, to_node_loss, "
                         "to_scheduler_loss, fifo, client_delay_s)",
                         fx_col(t, "\"jitter\"")));
    /* a key written with escapes is found in the text all the same */
    t = fx_scenario(NULL, fx_node("\"\\u0073lot\": 4"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0]: unknown key 'slot'; did you mean 'slots'?",
                         fx_col(t, "\"\\u0073lot\"")));
}

static void wrong_types_say_what_was_expected_and_found(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_node("\"count\": \"3\""), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].count: expected an integer >= 1, got \"3\"",
                         fx_col(t, "\"3\"")));
    t = fx_scenario(NULL, fx_node("\"slots\": 2.5"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].slots: expected an integer in [1, 65536], got 2.5",
                         fx_col(t, "2.5")));
    t = fx_scenario(NULL, fx_node("\"progress\": 1"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].progress: expected true or false, got 1",
                         fx_col(t, "1, \"stages\"")));
    t = fx_scenario(NULL, "[{\"name\": \"gpu\", \"stages\": []}]", NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages: expected an object with asr, nmt and "
                         "tts dists, got an array",
                         fx_col(t, "[]")));
    t = fx_scenario(NULL, "{\"name\": \"gpu\"}", NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes: expected an array of node classes, got an object",
                         fx_col(t, "{\"name\": \"gpu\"}")));
}

static void missing_required_keys_are_named_at_their_object(void **state)
{
    (void)state;
    const char *t = "{\"name\": \"t\", \"workload\": " FX_WORKLOAD ", \"nodes\": " FX_NODES
                    ", \"policies\": " FX_POLICIES "}";
    fails_with(t, "t.json:1:1: missing required key 'seed'");
    t = fx_scenario("{\"sessions\": 2}", NULL, NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: workload: missing required key 'utterances_per_session'",
                         fx_col(t, "{\"sessions\"")));
    t = fx_scenario(NULL, NULL, "[{\"name\": \"p\"}]", NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0]: missing required key 'preset'",
                         fx_col(t, "{\"name\": \"p\"}")));
}

static void out_of_range_values_name_the_range(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_node("\"slots\": -2"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].slots: expected an integer in [1, 65536], got -2",
                         fx_col(t, "-2")));
    t = fx_scenario(NULL, NULL, NULL, ", \"network\": {\"loss\": 1.5}");
    fails_with(t, fx_fmt("t.json:1:%d: network.loss: expected a number in [0, 1], got 1.5",
                         fx_col(t, "1.5")));
    t = fx_scenario(NULL, NULL, NULL, ", \"max_time_s\": -1");
    fails_with(t,
               fx_fmt("t.json:1:%d: max_time_s: expected a number >= 0, got -1", fx_col(t, "-1}")));
    t = fx_scenario(NULL, NULL, NULL, ", \"max_time_s\": 1e9");
    fails_with(t, fx_fmt("t.json:1:%d: max_time_s: expected a number <= 1e+07, got 1e+09",
                         fx_col(t, "1e9")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"lognormal\", \"median\": 1, \"sigma\": 0}"), NULL,
                    NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.sigma: expected a number > 0, got 0",
                         fx_col(t, "0}")));
    t = "{\"name\": \"t\", \"seed\": 1e19, \"workload\": " FX_WORKLOAD ", \"nodes\": " FX_NODES
        ", \"policies\": " FX_POLICIES "}";
    fails_with(t, fx_fmt("t.json:1:%d: seed: expected an integer <= 9223372036854775807, got "
                         "1e+19",
                         fx_col(t, "1e19")));
    t = fx_scenario(NULL, fx_node("\"count\": 3000000000"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].count: expected an integer <= 2147483647, got "
                         "3000000000",
                         fx_col(t, "3000000000")));
    t = fx_scenario(NULL, NULL, NULL, ", \"seed\": -5");
    /* duplicate "seed": jansson refuses it before any range check */
    json_error_t je;
    assert_null(json_loadb(t, strlen(t), JSON_REJECT_DUPLICATES, &je));
    fails_with(t, fx_fmt("t.json:1:%d: duplicate key 'seed' in the scenario object", je.column));
}

static void a_bare_number_is_not_a_dist(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_asr("0.8"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr: expected a dist, got the bare number "
                         "0.8; write {\"dist\": \"const\", \"value\": 0.8}",
                         fx_col(t, "0.8")));
}

static void dist_kinds_and_parameters_are_checked(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_asr("{\"dist\": \"lognorm\", \"median\": 1}"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.dist: expected one of \"const\", "
                         "\"uniform\", \"exponential\", \"lognormal\", \"gamma\", \"weibull\", "
                         "\"pareto\", \"empirical\", \"mixture\", got \"lognorm\"; did you mean "
                         "\"lognormal\"?",
                         fx_col(t, "\"lognorm\"")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"lognormal\", \"mean\": 1, \"sigma\": 1}"), NULL,
                    NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr: unknown key 'mean' for a lognormal "
                         "dist; did you mean 'median'?",
                         fx_col(t, "\"mean\"")));
    t = fx_scenario(NULL, fx_asr("{\"value\": 1}"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr: missing required key 'dist' (one of "
                         "const, uniform, exponential, lognormal, gamma, weibull, pareto, "
                         "empirical, mixture)",
                         fx_col(t, "{\"value\"")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"uniform\", \"min\": 5, \"max\": 3}"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.max: expected a number >= min (5), "
                         "got 3",
                         fx_col(t, "3}, \"nmt\"")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"empirical\", \"samples\": []}"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.samples: expected at least one "
                         "sample, got an empty array",
                         fx_col(t, "[]")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"empirical\", \"samples\": [1, -1]}"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.samples[1]: expected a number >= 0, "
                         "got -1",
                         fx_col(t, "-1]")));
    t = fx_scenario(NULL, fx_asr("{\"dist\": \"empirical\", \"file\": \"no-such-file.txt\"}"), NULL,
                    NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.file: cannot read samples file "
                         "'no-such-file.txt': No such file or directory",
                         fx_col(t, "\"no-such")));
    t = fx_scenario(NULL,
                    fx_asr("{\"dist\": \"mixture\", \"components\": [{\"weight\": 0, \"dist\": "
                           "\"const\", \"value\": 1}]}"),
                    NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.components[0].weight: expected a "
                         "number > 0, got 0",
                         fx_col(t, "0, \"dist\"")));
}

/* A dist of `levels` mixtures, one inside the other, around a const. */
static const char *nested_mixture(int levels)
{
    static char d[4096];
    char inner[4096] = "\"dist\": \"const\", \"value\": 1";
    for (int i = 0; i < levels; i++) {
        char next[4096];
        snprintf(next, sizeof next,
                 "\"dist\": \"mixture\", \"components\": [{\"weight\": 1, %.3900s}]", inner);
        memcpy(inner, next, sizeof inner);
    }
    snprintf(d, sizeof d, "{%.4000s}", inner);
    return d;
}

static void mixtures_nest_at_most_four_deep(void **state)
{
    (void)state;
    sim_scenario s;
    sim_error err;
    const char *t = fx_scenario(NULL, fx_asr(nested_mixture(SIM_MIXTURE_DEPTH_MAX)), NULL, NULL);
    assert_int_equal(sim_scenario_load_string(t, strlen(t), "t.json", NULL, &s, &err), 0);
    assert_int_equal(s.nodes[0].stage[0].components[0].components[0].components[0].kind,
                     DIST_MIXTURE);
    sim_scenario_free(&s);
    t = fx_scenario(NULL, fx_asr(nested_mixture(SIM_MIXTURE_DEPTH_MAX + 1)), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].stages.asr.components[0].components[0]."
                         "components[0].components[0].components: mixtures nest at most 4 deep",
                         fx_col_nth(t, "[{\"weight\"", 5)));
}

static void enum_and_preset_typos_list_the_choices(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_node("\"on_cancel\": \"ignroe\""), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[0].on_cancel: expected one of \"ignore\", "
                         "\"abort_by_job_id\", \"abort_attempt\", got \"ignroe\"; did you mean "
                         "\"ignore\"?",
                         fx_col(t, "\"ignroe\"")));
    t = fx_scenario(NULL, NULL, "[{\"name\": \"p\", \"preset\": \"lingua\"}]", NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0].preset: expected one of "
                         "\"lingua-2025-12-28\", \"lingua-2025-12-31\", \"lingua-2026-01-19\", "
                         "got \"lingua\"",
                         fx_col(t, "\"lingua\"")));
}

static void policy_names_are_unique_and_checked_by_the_core(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, NULL,
                                "[{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}, "
                                "{\"name\": \"p\", \"preset\": \"lingua-2025-12-31\"}]",
                                NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[1].name: policy 'p' is already defined at "
                         "policies[0]",
                         fx_col_nth(t, "\"p\"", 2)));
    t = fx_scenario(NULL, NULL, "[{\"name\": \"*\", \"preset\": \"lingua-2025-12-28\"}]", NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0].name: a policy may not be named \"*\" (in "
                         "expect it means every policy)",
                         fx_col(t, "\"*\"")));
    t = fx_scenario(NULL,
                    "[{\"name\": \"gpu\", \"stages\": {\"asr\": " FX_CONST ", \"nmt\": " FX_CONST
                    ", \"tts\": " FX_CONST "}}, {\"name\": \"gpu\", \"stages\": {\"asr\": " FX_CONST
                    ", \"nmt\": " FX_CONST ", \"tts\": " FX_CONST "}}]",
                    NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes[1].name: node class 'gpu' is already defined at "
                         "nodes[0]",
                         fx_col_nth(t, "\"gpu\"", 2)));
    /* the core's own check, with its message, at the field it names */
    disp_policy p;
    assert_int_equal(disp_policy_preset(&p, "lingua-2025-12-28"), 0);
    p.pending_timeout = 0;
    const char *why = disp_policy_check(&p);
    assert_non_null(why);
    t = fx_scenario(NULL, NULL, fx_policy("\"pending_timeout_s\": 0"), NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0].%s, got 0", fx_col(t, "0}"), why));
    t = fx_scenario(NULL, NULL, fx_policy("\"hedge\": {\"after\": \"p100\"}"), NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0].hedge.after: expected a quantile \"pNN\" "
                         "with 0 < NN < 100, got \"p100\"",
                         fx_col(t, "\"p100\"")));
}

static void expectations_name_existing_policies_and_metrics(void **state)
{
    (void)state;
    const char *t =
        fx_scenario(NULL, NULL, "[{\"name\": \"fenced\", \"preset\": \"lingua-2025-12-28\"}]",
                    ", \"expect\": {\"fencd\": {\"lost\": {\"max\": 0}}}");
    fails_with(t, fx_fmt("t.json:1:%d: expect: no policy named 'fencd'; did you mean 'fenced'?",
                         fx_col(t, "\"fencd\"")));
    t = fx_scenario(NULL, NULL, NULL, ", \"expect\": {\"*\": {\"duplicate\": {\"max\": 0}}}");
    fails_with(t, fx_fmt("t.json:1:%d: expect.*: unknown metric 'duplicate'; did you mean "
                         "'duplicates'?",
                         fx_col(t, "\"duplicate\"")));
    t = fx_scenario(NULL, NULL, NULL, ", \"expect\": {\"p\": {\"lost\": {\"on\": \"mean\"}}}");
    fails_with(t, fx_fmt("t.json:1:%d: expect.p.lost: expected at least one bound: min, max or "
                         "equals",
                         fx_col(t, "{\"on\"")));
    t = fx_scenario(NULL, NULL, NULL,
                    ", \"expect\": {\"p\": {\"lost\": {\"min\": 2, \"max\": 1}}}");
    fails_with(t, fx_fmt("t.json:1:%d: expect.p.lost.max: expected a number >= min (2), got 1",
                         fx_col(t, "1}}}}")));
}

static void limits_say_how_to_raise_them(void **state)
{
    (void)state;
    const char *t =
        fx_scenario("{\"sessions\": 20000, \"utterances_per_session\": 10000}", NULL, NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: workload: 20000 sessions x 10000 utterances = 200000000 "
                         "utterances, more than the limit of 100000000 (raise it with "
                         "--max-utterances)",
                         fx_col(t, "{\"sessions\"")));
    t = fx_scenario(NULL, fx_node("\"count\": 100001"), NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: nodes: 100001 nodes in total, more than the limit of "
                         "100000 (raise it with --max-nodes)",
                         fx_col(t, "[{\"name\": \"gpu\"")));
    t = fx_scenario(NULL, NULL, NULL, ", \"replications\": 10001");
    fails_with(t, fx_fmt("t.json:1:%d: replications: 10001 replications, more than the limit of "
                         "10000 (raise it with --max-replications)",
                         fx_col(t, "10001")));
    static char pol[65 * 64];
    size_t o = 0;
    pol[o++] = '[';
    for (int i = 0; i < 65; i++)
        o += (size_t)snprintf(pol + o, sizeof pol - o,
                              "%s{\"name\": \"p%d\", \"preset\": \"lingua-2025-12-28\"}",
                              i ? ", " : "", i);
    snprintf(pol + o, sizeof pol - o, "]");
    t = fx_scenario(NULL, NULL, pol, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies: 65 policies, more than the limit of 64 (raise "
                         "it with --max-policies)",
                         fx_col(t, "[{\"name\": \"p0\"")));
    t = fx_scenario(NULL, NULL, NULL,
                    ", \"sweep\": {\"seed\": \"1:1000:1\", \"workload.sessions\": \"1:1000:1\"}");
    fails_with(t, fx_fmt("t.json:1:%d: sweep: 1000000 sweep points (the product of the value "
                         "counts), more than the limit of 100000 (raise it with "
                         "--max-sweep-points)",
                         fx_col(t, "{\"seed\"")));
}

/* Utterance ends past the ~73 years a time can reach would saturate and pile
 * up on one instant: refused from the workload's means. */
static void workload_past_the_time_cap_is_refused(void **state)
{
    (void)state;
    const char *t = fx_scenario("{\"sessions\": 1, \"utterances_per_session\": 300, "
                                "\"gap_s\": {\"dist\": \"const\", \"value\": 1e7}}",
                                NULL, NULL, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: workload: a session's expected length, session_start_s + "
                         "utterances_per_session x (gap_s + audio_s) = 0 + 300 x (1e+07 + 0) = "
                         "3e+09 s, is past the 2.306e+09 s (about 73 years) a simulated time can "
                         "reach: fewer utterances_per_session, a shorter gap_s, or a max_time_s "
                         "to stop the run",
                         fx_col(t, "{\"sessions\"")));
}

/* Loads text as "t.json" and checks that it loads (printing why not). */
static void loads(const char *text)
{
    sim_scenario s;
    sim_error err;
    if (sim_scenario_load_string(text, strlen(text), "t.json", NULL, &s, &err) != 0) {
        fprintf(stderr, "input: %s\n", text);
        sim_error_print(&err);
        fail_msg("expected the scenario to load");
    }
    sim_scenario_free(&s);
}

/* A run with max_time_s stops long before the cap (review 2, 1): a steady
 * stream of 1e8 utterances 30 s apart cut at one hour ran before the check and
 * is not refused by it. */
static void workload_with_max_time_s_is_not_held_to_the_time_cap(void **state)
{
    (void)state;
    const char *w = "{\"sessions\": 1, \"utterances_per_session\": 100000000, "
                    "\"gap_s\": {\"dist\": \"const\", \"value\": 30}}";
    loads(fx_scenario(w, NULL, NULL, ", \"max_time_s\": 3600"));
    refused_at(fx_scenario(w, NULL, NULL, NULL), "workload",
               "is past the 2.306e+09 s (about 73 years)");
}

/* The estimate honours a mixture component's max (review 2, 2): every gap
 * below is at most 10 s, so 20000 of them are far from the cap; a mixture
 * whose own max is small is bounded too, and an uncapped heavy component
 * still counts. */
static void workload_time_cap_honours_every_max_of_a_mixture(void **state)
{
    (void)state;
    const char *capped = "{\"sessions\": 2, \"utterances_per_session\": 20000, \"gap_s\": "
                         "{\"dist\": \"mixture\", \"components\": [{\"weight\": 0.5, \"dist\": "
                         "\"lognormal\", \"median\": 1, \"sigma\": 5, \"max\": 10}, "
                         "{\"weight\": 0.5, \"dist\": \"const\", \"value\": 1}]}}";
    loads(fx_scenario(capped, NULL, NULL, NULL));
    const char *outer = "{\"sessions\": 2, \"utterances_per_session\": 20000, \"gap_s\": "
                        "{\"dist\": \"mixture\", \"max\": 10, \"components\": [{\"weight\": 1, "
                        "\"dist\": \"mixture\", \"components\": [{\"weight\": 1, \"dist\": "
                        "\"lognormal\", \"median\": 1, \"sigma\": 5}]}]}}";
    loads(fx_scenario(outer, NULL, NULL, NULL));
    const char *heavy = "{\"sessions\": 2, \"utterances_per_session\": 20000, \"gap_s\": "
                        "{\"dist\": \"mixture\", \"components\": [{\"weight\": 0.5, \"dist\": "
                        "\"lognormal\", \"median\": 1, \"sigma\": 5}, "
                        "{\"weight\": 0.5, \"dist\": \"const\", \"value\": 1}]}}";
    refused_at(fx_scenario(heavy, NULL, NULL, NULL), "workload", "20000 x (1.342e+05 + 0)");
}

static void sweep_values_are_checked_like_the_file(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, NULL, NULL, ", \"sweep\": {\"nodes[0].count\": [2, 0]}");
    fails_with(t, fx_fmt("t.json:1:%d: sweep.nodes[0].count: value 0: nodes[0].count: expected "
                         "an integer >= 1, got 0",
                         fx_col(t, "[2, 0]")));
    t = fx_scenario(NULL, NULL, NULL, ", \"sweep\": {\"policies.q.ack_timeout_s\": [1]}");
    fails_with(t, fx_fmt("t.json:1:%d: sweep.policies.q.ack_timeout_s: policies.q.ack_timeout_s: "
                         "no entry named 'q' in 'policies'",
                         fx_col(t, "[1]")));
    t = fx_scenario(NULL, NULL, NULL, ", \"sweep\": {\"seed\": \"1:x:1\"}");
    fails_with(t, fx_fmt("t.json:1:%d: sweep.seed: expected \"LO:HI:STEP\" with three numbers, "
                         "got \"1:x:1\"",
                         fx_col(t, "\"1:x:1\"")));
}

static void names_have_a_length_limit(void **state)
{
    (void)state;
    char name[100];
    memset(name, 'n', 70);
    name[70] = '\0';
    char pol[256];
    snprintf(pol, sizeof pol, "[{\"name\": \"%s\", \"preset\": \"lingua-2025-12-28\"}]", name);
    const char *t = fx_scenario(NULL, NULL, pol, NULL);
    fails_with(t, fx_fmt("t.json:1:%d: policies[0].name: expected a string of at most 63 bytes, "
                         "got 70 bytes",
                         fx_col(t, "\"nnn")));
}

static void every_error_is_listed_in_file_order_up_to_the_limit(void **state)
{
    (void)state;
    const char *t = fx_scenario(NULL, fx_node("\"count\": 0, \"slots\": 0, \"workers\": 0"), NULL,
                                ", \"max_time_s\": -1");
    sim_scenario s;
    sim_error err;
    assert_int_equal(sim_scenario_load_string(t, strlen(t), "t.json", NULL, &s, &err), -1);
    assert_int_equal(err.count, 4);
    assert_non_null(strstr(err.msg[0], "nodes[0].count"));
    assert_non_null(strstr(err.msg[1], "nodes[0].slots"));
    assert_non_null(strstr(err.msg[2], "nodes[0].workers"));
    assert_non_null(strstr(err.msg[3], "max_time_s"));

    /* 30 bad samples: 30 errors counted, the first SIM_ERR_MAX kept */
    char d[512] = "{\"dist\": \"empirical\", \"samples\": [-1";
    for (int i = 1; i < 30; i++)
        strcat(d, ", -1");
    strcat(d, "]}");
    t = fx_scenario(NULL, fx_asr(d), NULL, NULL);
    assert_int_equal(sim_scenario_load_string(t, strlen(t), "t.json", NULL, &s, &err), -1);
    assert_int_equal(err.count, 30);
    assert_non_null(strstr(err.msg[SIM_ERR_MAX - 1], "samples[19]"));
}

/* Deterministic mutations of a valid scenario: each must load or fail with a
 * message naming the file, never crash (run under ASan+UBSan by make test). */
static void mutated_scenarios_never_crash(void **state)
{
    (void)state;
    const char *base = fx_scenario(
        "{\"sessions\": 2, \"utterances_per_session\": 3, \"audio_s\": {\"dist\": \"mixture\", "
        "\"components\": [{\"weight\": 1, \"dist\": \"empirical\", \"samples\": [1, 2]}]}}",
        fx_node("\"faults\": {\"stall\": {\"prob\": 0.1, \"extra_s\": " FX_CONST "}}"),
        fx_policy("\"hedge\": {\"after\": \"p95\"}, \"timeout\": {\"mode\": \"quantile\"}"),
        ", \"expect\": {\"*\": {\"lost\": {\"max\": 0}}}, \"sweep\": {\"seed\": [1, 2]}");
    size_t len = strlen(base);
    char *buf = malloc(len + 16);
    assert_non_null(buf);
    static const char alphabet[] = "{}[]\":,0123456789-.eE \\tnfu\x01\xff";
    uint64_t x = 88172645463325252ull;
    int loaded = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, base, len + 1);
        size_t n = len;
        int edits = 1 + (int)(iter % 4);
        for (int e = 0; e < edits; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x % n);
            switch ((x >> 32) % 4) {
            case 0:
                buf[at] = alphabet[(x >> 40) % (sizeof alphabet - 1)];
                break;
            case 1:
                n = at;
                break; /* truncate */
            case 2:
                memmove(buf + at, buf + at + 1, n - at), n--;
                break;
            default:
                buf[at] = (char)(x >> 48);
                break;
            }
            if (n == 0)
                break;
        }
        sim_scenario s;
        sim_error err;
        if (sim_scenario_load_string(buf, n, "t.json", NULL, &s, &err) == 0) {
            loaded++;
            sim_scenario_free(&s);
        } else {
            assert_true(err.count >= 1);
            assert_memory_equal(err.msg[0], "t.json", 6);
        }
    }
    assert_true(loaded > 0); /* some mutations stay valid (a digit changed) */
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_syntax_errors_give_line_column_and_janssons_text),
        cmocka_unit_test(the_core_and_node_limits_are_the_loaders),
        cmocka_unit_test(the_top_level_must_be_an_object),
        cmocka_unit_test(unknown_keys_suggest_the_nearest_valid_one),
        cmocka_unit_test(wrong_types_say_what_was_expected_and_found),
        cmocka_unit_test(missing_required_keys_are_named_at_their_object),
        cmocka_unit_test(out_of_range_values_name_the_range),
        cmocka_unit_test(a_bare_number_is_not_a_dist),
        cmocka_unit_test(dist_kinds_and_parameters_are_checked),
        cmocka_unit_test(mixtures_nest_at_most_four_deep),
        cmocka_unit_test(enum_and_preset_typos_list_the_choices),
        cmocka_unit_test(policy_names_are_unique_and_checked_by_the_core),
        cmocka_unit_test(expectations_name_existing_policies_and_metrics),
        cmocka_unit_test(limits_say_how_to_raise_them),
        cmocka_unit_test(workload_past_the_time_cap_is_refused),
        cmocka_unit_test(workload_with_max_time_s_is_not_held_to_the_time_cap),
        cmocka_unit_test(workload_time_cap_honours_every_max_of_a_mixture),
        cmocka_unit_test(sweep_values_are_checked_like_the_file),
        cmocka_unit_test(names_have_a_length_limit),
        cmocka_unit_test(every_error_is_listed_in_file_order_up_to_the_limit),
        cmocka_unit_test(mutated_scenarios_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
