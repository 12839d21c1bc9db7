/*
 * policy.c — the reference presets, policy validation and log event names.
 *
 * The preset values come from the reference scheduler's config.rs / config.toml at
 * the three commits described in reference-scheduler.md.
 */
#include <stddef.h>
#include <string.h>

#include "dispatcher.h"

const char *const disp_preset_names[] = {
    "lingua-2025-12-28",
    "lingua-2025-12-31",
    "lingua-2026-01-19",
    NULL,
};

/* The 2025-12-28 (incident) settings plus neutral values for the knobs beyond it. */
static void policy_base(disp_policy *p)
{
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->dispatch_timeout = 30 * DISP_NS_PER_S;
    p->scan_interval = 1000 * DISP_NS_PER_MS;
    p->pending_timeout = 10 * DISP_NS_PER_S;
    p->max_failovers = 3;
    p->send_cancel = true;
    p->cancel_carries_attempt = false;
    p->failover = DISP_FAILOVER_SAME_JOB_ID;
    p->result_accept = DISP_ACCEPT_ALL;
    p->result_queue = DISP_QUEUE_REFERENCE;
    p->ack_timeout = 5 * DISP_NS_PER_S;
    p->result_queue_max = 200;
    p->result_check_interval = 1 * DISP_NS_PER_S;
    p->result_check_sessions = 100;
    p->dedup_ttl = 0;
    p->pending = DISP_PENDING_FAIL;
    p->default_slots = 4;
    p->node_load = DISP_LOAD_HEARTBEAT;
    /* config.toml [scheduler.phase2.node_snapshot] refresh_interval_ms = 2000 (98e3526) */
    p->node_snapshot_refresh = 2 * DISP_NS_PER_S;

    p->timeout.mode = DISP_TIMEOUT_FIXED;
    p->timeout.min = 1 * DISP_NS_PER_S;
    p->timeout.max = 300 * DISP_NS_PER_S;
    p->timeout.k = 4.0;
    p->timeout.q = 0.999;
    p->timeout.factor = 1.5;
    p->timeout.window = 1024;

    p->liveness.mode = DISP_LIVENESS_NONE;
    p->liveness.silence = 5 * DISP_NS_PER_S;
    p->liveness.threshold = 8.0;

    p->hedge.enabled = false;
    p->hedge.after = 0;
    p->hedge.after_quantile = 0.95;
    p->hedge.max_extra = 1;
    p->hedge.budget = 0.05;

    p->backoff.enabled = false;
    p->backoff.base = 1 * DISP_NS_PER_S;
    p->backoff.cap = 30 * DISP_NS_PER_S;
    p->backoff.jitter = DISP_JITTER_NONE;

    p->retry_budget.enabled = false;
    p->retry_budget.ratio = 0.2;
    p->retry_budget.min_per_s = 10.0;
}

int disp_policy_preset(disp_policy *out, const char *name)
{
    disp_policy p;

    if (out == NULL || name == NULL)
        return -1;
    policy_base(&p);
    if (strcmp(name, "lingua-2025-12-28") == 0) {
        /* 98e3526: ack timeout 5 s, no dedup. */
    } else if (strcmp(name, "lingua-2025-12-31") == 0) {
        /* af7c4a9: ack timeout 10 s, dedup (session, job_id) for 30 s. */
        p.ack_timeout = 10 * DISP_NS_PER_S;
        p.dedup_ttl = 30 * DISP_NS_PER_S;
    } else if (strcmp(name, "lingua-2026-01-19") == 0) {
        /* 467aee4: ack timeout 30 s (from 2026-01-14), dispatch timeout 60 s. */
        p.ack_timeout = 30 * DISP_NS_PER_S;
        p.dedup_ttl = 30 * DISP_NS_PER_S;
        p.dispatch_timeout = 60 * DISP_NS_PER_S;
    } else {
        return -1;
    }
    *out = p;
    return 0;
}

/* One day: no single duration knob may exceed it (keeps all arithmetic far from
 * overflow and catches seconds-vs-nanoseconds mistakes). */
#define POLICY_MAX_DURATION DISP_DURATION_MAX

static bool dur_ok(disp_time t, bool zero_ok)
{
    return (zero_ok ? t >= 0 : t > 0) && t <= POLICY_MAX_DURATION;
}

const char *disp_policy_check(const disp_policy *p)
{
    if (p == NULL)
        return "policy: missing";
    /* first: nothing beyond `size` is read from a policy of another header */
    if (p->size != sizeof *p)
        return "size: expected sizeof(disp_policy) as set by disp_policy_preset (a program "
               "built against another dispatcher.h?)";
    if (!dur_ok(p->dispatch_timeout, false))
        return "dispatch_timeout_s: expected a duration > 0 and <= 1 day";
    if (!dur_ok(p->scan_interval, true))
        return "scan_interval_s: expected a duration >= 0 and <= 1 day";
    if (!dur_ok(p->pending_timeout, true))
        return "pending_timeout_s: expected a duration >= 0 and <= 1 day";
    if (p->pending == DISP_PENDING_FAIL && p->pending_timeout == 0)
        return "pending_timeout_s: must be > 0 when pending is \"fail\"";
    if (p->max_failovers < 0 || p->max_failovers > 1000)
        return "max_failovers: expected an integer in 0..1000";
    if ((unsigned)p->failover > DISP_FAILOVER_EXTEND_IF_BUSY)
        return "failover: unknown mode";
    if ((unsigned)p->result_accept > DISP_ACCEPT_FIRST_RESULT_WINS)
        return "result_accept: unknown mode";
    if ((unsigned)p->result_queue > DISP_QUEUE_IMMEDIATE)
        return "result_queue: unknown mode";
    if ((unsigned)p->pending > DISP_PENDING_QUEUE)
        return "pending: unknown mode";
    if (!dur_ok(p->ack_timeout, true))
        return "ack_timeout_s: expected a duration >= 0 and <= 1 day";
    if (p->result_queue_max < 1 || p->result_queue_max > 1000000)
        return "result_queue_max: expected an integer in 1..1000000";
    if (!dur_ok(p->result_check_interval, false))
        return "result_check_interval_s: expected a duration > 0 and <= 1 day";
    if (p->result_check_sessions < 1 || p->result_check_sessions > 1000000)
        return "result_check_sessions: expected an integer in 1..1000000";
    if (!dur_ok(p->dedup_ttl, true))
        return "dedup_ttl_s: expected a duration >= 0 and <= 1 day";
    if ((unsigned)p->node_load > DISP_LOAD_SNAPSHOT)
        return "node_load: unknown mode";
    if (p->node_load == DISP_LOAD_SNAPSHOT && !dur_ok(p->node_snapshot_refresh, false))
        return "node_snapshot_refresh_s: expected a duration > 0 and <= 1 day";
    if (p->default_slots < 1 || p->default_slots > DISP_SLOTS_MAX)
        return "slots_default: expected an integer in 1..65536";
    if (!dur_ok(p->retain, true))
        return "retain_s: expected a duration >= 0 and <= 1 day";
    if (p->max_jobs_held > DISP_JOBS_HELD_MAX)
        return "max_jobs_held: expected at most DISP_JOBS_HELD_MAX (2^22)";
    if (p->max_session_window > DISP_SESSION_WINDOW_MAX)
        return "max_session_window: expected at most DISP_SESSION_WINDOW_MAX (2^20)";

    if ((unsigned)p->timeout.mode > DISP_TIMEOUT_QUANTILE)
        return "timeout.mode: unknown mode";
    if (p->timeout.mode != DISP_TIMEOUT_FIXED) {
        if (!dur_ok(p->timeout.min, false) || !dur_ok(p->timeout.max, false) ||
            p->timeout.min > p->timeout.max)
            return "timeout.min_s/max_s: expected 0 < min_s <= max_s <= 1 day";
        if (!(p->timeout.k >= 0.0 && p->timeout.k <= 100.0))
            return "timeout.k: expected a number in 0..100";
        if (!(p->timeout.q > 0.0 && p->timeout.q < 1.0))
            return "timeout.q: expected a number in (0, 1)";
        if (!(p->timeout.factor > 0.0 && p->timeout.factor <= 100.0))
            return "timeout.factor: expected a number in (0, 100]";
    }
    if ((p->timeout.mode == DISP_TIMEOUT_QUANTILE || (p->hedge.enabled && p->hedge.after == 0)) &&
        (p->timeout.window < 16 || p->timeout.window > 65536))
        return "timeout.window: expected an integer in 16..65536";
    if (p->liveness.mode != DISP_LIVENESS_NONE &&
        (!dur_ok(p->timeout.max, false) || p->timeout.max < p->timeout.min))
        return "timeout.max_s: expected a duration > 0 and <= 1 day (the liveness hard cap)";
    if ((unsigned)p->liveness.mode > DISP_LIVENESS_PHI)
        return "liveness.mode: unknown mode";
    if (p->liveness.mode == DISP_LIVENESS_HEARTBEAT && !dur_ok(p->liveness.silence, false))
        return "liveness.silence_s: expected a duration > 0 and <= 1 day";
    if (p->liveness.mode == DISP_LIVENESS_PHI &&
        !(p->liveness.threshold > 0.0 && p->liveness.threshold <= 100.0))
        return "liveness.threshold: expected a number in (0, 100]";
    if (p->hedge.enabled) {
        if (!dur_ok(p->hedge.after, true))
            return "hedge.after: expected a duration >= 0 and <= 1 day";
        if (p->hedge.after == 0 &&
            !(p->hedge.after_quantile > 0.0 && p->hedge.after_quantile < 1.0))
            return "hedge.after: expected a quantile in (0, 1)";
        if (p->hedge.max_extra < 1 || p->hedge.max_extra > 4)
            return "hedge.max_extra: expected an integer in 1..4";
        if (!(p->hedge.budget >= 0.0 && p->hedge.budget <= 1000.0))
            return "hedge.budget: expected a number in 0..1000";
    }
    if (p->backoff.enabled) {
        if ((unsigned)p->backoff.jitter > DISP_JITTER_DECORRELATED)
            return "backoff.jitter: unknown mode";
        if (!dur_ok(p->backoff.base, true) || !dur_ok(p->backoff.cap, true) ||
            p->backoff.base > p->backoff.cap)
            return "backoff.base_s/cap_s: expected 0 <= base_s <= cap_s <= 1 day";
    }
    if (p->retry_budget.enabled) {
        if (!(p->retry_budget.ratio >= 0.0 && p->retry_budget.ratio <= 1000.0))
            return "retry_budget.ratio: expected a number in 0..1000";
        if (!(p->retry_budget.min_per_s >= 0.0 && p->retry_budget.min_per_s <= 1e9))
            return "retry_budget.min_per_s: expected a number in 0..1e9";
    }
    return NULL;
}

static const char *const log_names[DISP_LOG_EVENT_COUNT] = {
    [DISP_LOG_JOB_CREATED] = "job_created",
    [DISP_LOG_JOB_DISPATCHED] = "job_dispatched",
    [DISP_LOG_JOB_PENDING] = "job_pending",
    [DISP_LOG_PENDING_TIMEOUT] = "pending_timeout",
    [DISP_LOG_DISPATCH_TIMEOUT] = "dispatch_timeout",
    [DISP_LOG_FAILOVER_DISPATCHED] = "failover_dispatched",
    [DISP_LOG_FAILOVER_EXHAUSTED] = "failover_exhausted",
    [DISP_LOG_FAILOVER_NO_NODE] = "failover_no_node",
    [DISP_LOG_DEADLINE_EXTENDED] = "deadline_extended",
    [DISP_LOG_RESULT_ACCEPTED] = "result_accepted",
    [DISP_LOG_RESULT_STALE_QUEUED] = "result_stale_queued",
    [DISP_LOG_RESULT_FENCED] = "result_fenced",
    [DISP_LOG_RESULT_DUPLICATE] = "result_duplicate_filtered",
    [DISP_LOG_RESULT_FAILED] = "result_failed",
    [DISP_LOG_ACK_DISCARD] = "ack_timeout_discard",
    [DISP_LOG_ACK_SKIP] = "ack_timeout_skip",
    [DISP_LOG_QUEUE_EVICT] = "result_queue_evict",
    [DISP_LOG_RESULT_RELEASED] = "result_released",
    [DISP_LOG_HEDGE_DISPATCHED] = "hedge_dispatched",
    [DISP_LOG_BUDGET_REFUSED] = "retry_budget_refused",
    [DISP_LOG_BACKOFF_WAIT] = "backoff_wait",
    [DISP_LOG_NODE_DOWN] = "node_offline",
    [DISP_LOG_RESULT_UNKNOWN] = "result_unknown_job",
    [DISP_LOG_RESULT_SESSION_CLOSED] = "result_session_closed",
    [DISP_LOG_QUEUE_DUPLICATE] = "result_queue_duplicate",
};

const char *disp_log_name(disp_log_event ev)
{
    if ((unsigned)ev >= DISP_LOG_EVENT_COUNT)
        return "unknown";
    return log_names[ev];
}
