/*
 * load_policy.c — reading `policies`: a preset, then overrides, then the core's
 * own check (disp_policy_check), whose message is reported at the policy's path.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "suggest.h"

static disp_time to_ns(double s)
{
    return (disp_time)llround(s * 1e9);
}

/* A duration knob: SIM__DURATION, or SIM__POS_DURATION where the core needs it > 0.
 * These ranges, the core's own checks and schema/scenario.schema.json say the
 * same (tests/schema_mutation.py). */
static void secs(sim__ld *ld, const json_t *o, const char *key, sim__range r, disp_time *field)
{
    double v;
    if (sim__num(ld, o, key, false, r, &v) == SIM__SET)
        *field = to_ns(v);
}

/* The core's number ranges (disp_policy_check), unconditional here: the core
 * checks some only in the mode that uses them, the loader always. */
static const sim__range K_RANGE = {0, 100, false, false, true};
static const sim__range Q_RANGE = {0, 1, true, true, true};
static const sim__range FACTOR_RANGE = {0, 100, true, false, true};
static const sim__range THRESHOLD_RANGE = {0, 100, true, false, true};
static const sim__range HEDGE_BUDGET_RANGE = {0, 1000, false, false, true};
static const sim__range RATIO_RANGE = {0, 1000, false, false, true};
static const sim__range MIN_PER_S_RANGE = {0, 1e9, false, false, true};

static void count(sim__ld *ld, const json_t *o, const char *key, int lo, int hi, int *field)
{
    int64_t v;
    if (sim__int(ld, o, key, false, lo, hi, &v) == SIM__SET)
        *field = (int)v;
}

static void choice(sim__ld *ld, const json_t *o, const char *key, const char *const *names,
                   int *field)
{
    int v;
    if (sim__enum(ld, o, key, false, names, &v) == SIM__SET)
        *field = v;
}

/* Opens block `key` of policy p: returns it (path pushed) or NULL (nothing pushed). */
static const json_t *block(sim__ld *ld, const json_t *p, const char *key, const char *const *keys)
{
    const json_t *b = json_object_get(p, key);
    if (!b)
        return NULL;
    sim__push_key(ld, key);
    if (!sim__want_object(ld, b, "an object")) {
        sim__pop(ld);
        return NULL;
    }
    sim__check_keys(ld, b, keys);
    return b;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether t (after the 'p') is NN of 0 < NN < 100 as the schema's pattern says:
 * 1..99 without a leading zero and an optional fraction, or 0.DIGITS not all 0. */
static bool quantile_text(const char *t)
{
    size_t i;
    if (t[0] == '0') {
        bool nonzero = false;
        if (t[1] != '.' || t[2] == '\0')
            return false;
        for (i = 2; t[i]; i++) {
            if (!is_digit(t[i]))
                return false;
            nonzero = nonzero || t[i] != '0';
        }
        return nonzero;
    }
    if (t[0] < '1' || t[0] > '9')
        return false;
    i = is_digit(t[1]) ? 2 : 1;
    if (t[i] == '\0')
        return true;
    if (t[i] != '.' || t[i + 1] == '\0')
        return false;
    for (i++; t[i]; i++)
        if (!is_digit(t[i]))
            return false;
    return true;
}

/* hedge.after: seconds, or a quantile of observed durations written "p95", "p99.9". */
static void hedge_after(sim__ld *ld, const json_t *h, disp_policy *pol)
{
    const json_t *v = json_object_get(h, "after");
    if (!v)
        return;
    sim__push_key(ld, "after");
    double q = 0;
    char got[80];
    if (json_is_number(v)) {
        double s;
        if (sim__check_num(ld, v, SIM__POS_DURATION, &s)) { /* 0 would mean "a quantile" */
            pol->hedge.after = to_ns(s);
            pol->hedge.after_quantile = 0;
        }
    } else if (json_is_string(v) && json_string_value(v)[0] == 'p' && json_string_length(v) < 16) {
        const char *txt = json_string_value(v) + 1;
        q = quantile_text(txt) ? strtod(txt, NULL) : 0;
        if (!(q > 0 && q < 100)) {
            sim__describe(v, got, sizeof got);
            sim__err(ld, "expected a quantile \"pNN\" with 0 < NN < 100, got %s", got);
        } else {
            pol->hedge.after = 0;
            pol->hedge.after_quantile = q / 100.0;
        }
    } else {
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected seconds (a number) or a quantile such as \"p95\", got %s", got);
    }
    sim__pop(ld);
}

/* The policy's `node` block: node-agent settings this policy brings along. The
 * lingua-2025-12-31 and later presets bring their node agent's skip of a
 * repeated job_id (af7c4a9); the block can turn it off. */
static void load_node_block(sim__ld *ld, const json_t *p, const char *preset, sim_node_override *o)
{
    memset(o, 0, sizeof *o);
    if (strcmp(preset, "lingua-2025-12-28") != 0) {
        o->has_skip_repeat_job_id = true;
        o->skip_repeat_job_id = true;
    }
    const json_t *b = block(ld, p, "node", sim__keys_policy_node);
    if (!b)
        return;
    int e;
    if (sim__enum(ld, b, "on_cancel", false, sim__enum_on_cancel, &e) == SIM__SET) {
        o->has_on_cancel = true;
        o->on_cancel = (node_cancel_mode)e;
    }
    if (sim__enum(ld, b, "attempt_check", false, sim__enum_attempt_check, &e) == SIM__SET) {
        o->has_attempt_check = true;
        o->attempt_check = (node_attempt_mode)e;
    }
    if (sim__bool(ld, b, "cancel_between_stages", false, &o->cancel_between_stages) == SIM__SET)
        o->has_cancel_between_stages = true;
    if (sim__bool(ld, b, "skip_repeat_job_id", false, &o->skip_repeat_job_id) == SIM__SET)
        o->has_skip_repeat_job_id = true;
    sim__pop(ld);
}

static void load_blocks(sim__ld *ld, const json_t *p, disp_policy *pol)
{
    const json_t *b;
    int e;
    if ((b = block(ld, p, "timeout", sim__keys_timeout))) {
        if (sim__enum(ld, b, "mode", false, sim__enum_timeout, &e) == SIM__SET)
            pol->timeout.mode = (disp_timeout_mode)e;
        secs(ld, b, "min_s", SIM__POS_DURATION, &pol->timeout.min);
        secs(ld, b, "max_s", SIM__POS_DURATION, &pol->timeout.max);
        sim__num(ld, b, "k", false, K_RANGE, &pol->timeout.k);
        sim__num(ld, b, "q", false, Q_RANGE, &pol->timeout.q);
        sim__num(ld, b, "factor", false, FACTOR_RANGE, &pol->timeout.factor);
        count(ld, b, "window", 16, 65536, &pol->timeout.window);
        sim__pop(ld);
    }
    if ((b = block(ld, p, "liveness", sim__keys_liveness))) {
        if (sim__enum(ld, b, "mode", false, sim__enum_liveness, &e) == SIM__SET)
            pol->liveness.mode = (disp_liveness_mode)e;
        secs(ld, b, "silence_s", SIM__POS_DURATION, &pol->liveness.silence);
        sim__num(ld, b, "threshold", false, THRESHOLD_RANGE, &pol->liveness.threshold);
        sim__pop(ld);
    }
    if ((b = block(ld, p, "hedge", sim__keys_hedge))) {
        pol->hedge.enabled = true;
        sim__bool(ld, b, "enabled", false, &pol->hedge.enabled);
        hedge_after(ld, b, pol);
        count(ld, b, "max_extra", 1, 4, &pol->hedge.max_extra);
        sim__num(ld, b, "budget", false, HEDGE_BUDGET_RANGE, &pol->hedge.budget);
        sim__pop(ld);
    }
    if ((b = block(ld, p, "backoff", sim__keys_backoff))) {
        pol->backoff.enabled = true;
        sim__bool(ld, b, "enabled", false, &pol->backoff.enabled);
        secs(ld, b, "base_s", SIM__DURATION, &pol->backoff.base);
        secs(ld, b, "cap_s", SIM__DURATION, &pol->backoff.cap);
        if (sim__enum(ld, b, "jitter", false, sim__enum_jitter, &e) == SIM__SET)
            pol->backoff.jitter = (disp_jitter_mode)e;
        sim__pop(ld);
    }
    if ((b = block(ld, p, "retry_budget", sim__keys_retry_budget))) {
        pol->retry_budget.enabled = true;
        sim__bool(ld, b, "enabled", false, &pol->retry_budget.enabled);
        sim__num(ld, b, "ratio", false, RATIO_RANGE, &pol->retry_budget.ratio);
        sim__num(ld, b, "min_per_s", false, MIN_PER_S_RANGE, &pol->retry_budget.min_per_s);
        sim__pop(ld);
    }
}

/* Reports disp_policy_check's message ("FIELD: expected ...") at that field,
 * with the value written in the file when there is one. */
static void report_check(sim__ld *ld, const json_t *p, const char *msg)
{
    char field[64];
    size_t n = strcspn(msg, ":/");
    sim__seg segs[2];
    size_t nseg = 0;
    if (n > 0 && n < sizeof field) {
        memcpy(field, msg, n);
        field[n] = '\0';
        char *dot = strchr(field, '.');
        if (dot) {
            *dot = '\0';
            segs[nseg++] = (sim__seg){field, 0};
            segs[nseg++] = (sim__seg){dot + 1, 0};
        } else {
            segs[nseg++] = (sim__seg){field, 0};
        }
    }
    const json_t *v = NULL;
    if (nseg >= 1)
        v = json_object_get(p, segs[0].key);
    if (v && nseg == 2)
        v = json_object_get(v, segs[1].key);
    char got[80];
    if (v && json_is_number(v)) {
        sim__describe(v, got, sizeof got);
        sim__err_at(ld, segs, nseg, "%s, got %s", msg, got);
    } else {
        sim__err_at(ld, segs, nseg, "%s", msg);
    }
}

static void load_policy(sim__ld *ld, const json_t *p, sim_policy *out)
{
    int before = ld->err->count;
    sim__check_keys(ld, p, sim__keys_policy);
    const char *name, *preset;
    if (sim__name(ld, p, "name", true, SIM_NAME_MAX - 1, &name) == SIM__SET) {
        if (strcmp(name, "*") == 0) {
            sim__push_key(ld, "name");
            sim__err(ld, "a policy may not be named \"*\" (in expect it means every policy)");
            sim__pop(ld);
        } else {
            snprintf(out->name, sizeof out->name, "%s", name);
        }
    }
    if (sim__str(ld, p, "preset", true, SIM_NAME_MAX - 1, &preset) != SIM__SET)
        return;
    disp_policy *pol = &out->policy;
    if (disp_policy_preset(pol, preset) != 0) {
        int ignored;
        sim__enum(ld, p, "preset", true, disp_preset_names, &ignored);
        return;
    }
    snprintf(out->preset, sizeof out->preset, "%s", preset);
    int e;

    secs(ld, p, "dispatch_timeout_s", SIM__POS_DURATION, &pol->dispatch_timeout);
    secs(ld, p, "scan_interval_s", SIM__DURATION, &pol->scan_interval);
    secs(ld, p, "pending_timeout_s", SIM__DURATION, &pol->pending_timeout);
    count(ld, p, "max_failovers", 0, 1000, &pol->max_failovers);
    sim__bool(ld, p, "send_cancel", false, &pol->send_cancel);
    sim__bool(ld, p, "cancel_carries_attempt", false, &pol->cancel_carries_attempt);
    e = (int)pol->failover;
    choice(ld, p, "failover", sim__enum_failover, &e);
    pol->failover = (disp_failover_mode)e;
    e = (int)pol->result_accept;
    choice(ld, p, "result_accept", sim__enum_result_accept, &e);
    pol->result_accept = (disp_accept_mode)e;
    e = (int)pol->result_queue;
    choice(ld, p, "result_queue", sim__enum_result_queue, &e);
    pol->result_queue = (disp_queue_mode)e;
    secs(ld, p, "ack_timeout_s", SIM__DURATION, &pol->ack_timeout);
    count(ld, p, "result_queue_max", 1, 1000000, &pol->result_queue_max);
    secs(ld, p, "result_check_interval_s", SIM__POS_DURATION, &pol->result_check_interval);
    count(ld, p, "result_check_sessions", 1, 1000000, &pol->result_check_sessions);
    secs(ld, p, "dedup_ttl_s", SIM__DURATION, &pol->dedup_ttl);
    e = (int)pol->pending;
    choice(ld, p, "pending", sim__enum_pending, &e);
    pol->pending = (disp_pending_mode)e;
    count(ld, p, "slots_default", 1, DISP_SLOTS_MAX, &pol->default_slots);
    e = (int)pol->node_load;
    choice(ld, p, "node_load", sim__enum_node_load, &e);
    pol->node_load = (disp_load_mode)e;
    secs(ld, p, "node_snapshot_refresh_s", SIM__POS_DURATION, &pol->node_snapshot_refresh);
    load_blocks(ld, p, pol);
    load_node_block(ld, p, preset, &out->node);

    if (ld->err->count == before) {
        const char *why = disp_policy_check(pol);
        if (why)
            report_check(ld, p, why);
    }
}

void sim__load_policies(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *a = sim__member(ld, root, "policies", true);
    if (!a)
        return;
    sim__push_key(ld, "policies");
    size_t n = json_array_size(a);
    char got[80];
    if (!json_is_array(a)) {
        sim__describe(a, got, sizeof got);
        sim__err(ld, "expected an array of policies, got %s", got);
    } else if (n == 0) {
        sim__err(ld, "expected at least one policy, got an empty array");
    } else if (n > ld->lim.max_policies) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim__err(ld, "%zu policies, more than the limit of %" PRIu64 " (%s)", n,
                 ld->lim.max_policies,
                 sim_limits_hint("--max-policies", ld->lim.max_policies, hint, sizeof hint));
    } else {
        s->policies = sim_xcalloc(n, sizeof *s->policies);
        s->n_policies = n;
        for (size_t i = 0; i < n; i++) {
            const json_t *p = json_array_get(a, i);
            sim__push_index(ld, i);
            if (sim__want_object(ld, p, "a policy object")) {
                load_policy(ld, p, &s->policies[i]);
                for (size_t j = 0; j < i && s->policies[i].name[0]; j++)
                    if (strcmp(s->policies[j].name, s->policies[i].name) == 0) {
                        char safe[80];
                        sim_safe_text(s->policies[i].name, safe, sizeof safe);
                        sim__push_key(ld, "name");
                        sim__err(ld, "policy '%s' is already defined at policies[%zu]", safe, j);
                        sim__pop(ld);
                        break;
                    }
            }
            sim__pop(ld);
        }
    }
    sim__pop(ld);
}
