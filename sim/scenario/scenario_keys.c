/*
 * scenario_keys.c — every key and enum name the loader accepts, in one place.
 *
 * schema/scenario.schema.json describes the same format; tests/test_scenario_schema.c
 * reads it and checks that each $defs entry named below has exactly these keys
 * (and each enum these names), so the two cannot drift apart.
 */
#include "load_internal.h"

const char *const sim__keys_scenario[] = {"$schema",    "name",        "description", "seed",  "replications",
                                          "max_time_s", "log_epoch_utc", "workload",    "nodes", "network",
                                          "policies",   "expect",      "sweep",
                                          "hunt", NULL};
const char *const sim__keys_workload[] = {
    "sessions", "session_start_s", "utterances_per_session", "gap_s", "audio_s", "linger_s", "trace", NULL};
const char *const sim__keys_node[] = {"name",
                                      "count",
                                      "slots",
                                      "workers",
                                      "stages",
                                      "on_cancel",
                                      "cancel_between_stages",
                                      "attempt_check",
                                      "skip_repeat_job_id",
                                      "progress",
                                      "heartbeat_s",
                                      "heartbeat_count",
                                      "heartbeat_phase",
                                      "faults",
                                      NULL};
const char *const sim__keys_stages[] = {"asr", "nmt", "tts", NULL};
const char *const sim__keys_faults[] = {"stall", "crash", "cold_start", "no_result", NULL};
const char *const sim__keys_stall[] = {"prob", "extra_s", "stage", NULL};
const char *const sim__keys_crash[] = {"between_s", "downtime_s", "notice", NULL};
const char *const sim__keys_cold_start[] = {"idle_s", "extra_s", NULL};
const char *const sim__keys_no_result[] = {"prob", NULL};
const char *const sim__keys_network[] = {"delay_s", "to_node_delay_s", "to_scheduler_delay_s",
                                         "loss",    "to_node_loss",    "to_scheduler_loss",
                                         "fifo",    "client_delay_s",  NULL};
const char *const sim__keys_policy[] = {"name",
                                        "preset",
                                        "dispatch_timeout_s",
                                        "scan_interval_s",
                                        "pending_timeout_s",
                                        "max_failovers",
                                        "send_cancel",
                                        "cancel_carries_attempt",
                                        "failover",
                                        "result_accept",
                                        "result_queue",
                                        "ack_timeout_s",
                                        "result_queue_max",
                                        "result_check_interval_s",
                                        "result_check_sessions",
                                        "dedup_ttl_s",
                                        "pending",
                                        "slots_default",
                                        "node_load",
                                        "node_snapshot_refresh_s",
                                        "timeout",
                                        "liveness",
                                        "hedge",
                                        "backoff",
                                        "retry_budget",
                                        "node",
                                        NULL};
const char *const sim__keys_policy_node[] = {"on_cancel", "cancel_between_stages", "attempt_check",
                                             "skip_repeat_job_id", NULL};
const char *const sim__keys_timeout[] = {"mode", "min_s",  "max_s",  "k",
                                         "q",    "factor", "window", NULL};
const char *const sim__keys_liveness[] = {"mode", "silence_s", "threshold", NULL};
const char *const sim__keys_hedge[] = {"enabled", "after", "max_extra", "budget", NULL};
const char *const sim__keys_backoff[] = {"enabled", "base_s", "cap_s", "jitter", NULL};
const char *const sim__keys_retry_budget[] = {"enabled", "ratio", "min_per_s", NULL};
const char *const sim__keys_expect_bound[] = {"min", "max", "equals", "on", NULL};
const char *const sim__keys_component[] = {"weight", NULL};

static const char *const keys_const[] = {"dist", "value", "per_audio_s", "max", NULL};
static const char *const keys_uniform[] = {"dist", "min", "max", "per_audio_s", NULL};
static const char *const keys_exponential[] = {"dist", "mean", "per_audio_s", "max", NULL};
static const char *const keys_lognormal[] = {"dist", "median", "sigma", "per_audio_s", "max", NULL};
static const char *const keys_gamma[] = {"dist", "shape", "scale", "per_audio_s", "max", NULL};
static const char *const keys_weibull[] = {"dist", "shape", "scale", "per_audio_s", "max", NULL};
static const char *const keys_pareto[] = {"dist", "alpha", "min", "per_audio_s", "max", NULL};
static const char *const keys_empirical[] = {"dist", "samples", "file", "per_audio_s", "max", NULL};
static const char *const keys_mixture[] = {"dist", "components", "per_audio_s", "max", NULL};

/* Indexed by dist_kind (models/dist.h); test_scenario checks the names agree with
 * dist_kind_name(). */
const char *const *const sim__keys_dist[] = {keys_const,     keys_uniform,   keys_exponential,
                                             keys_lognormal, keys_gamma,     keys_weibull,
                                             keys_pareto,    keys_empirical, keys_mixture};
const char *const sim__dist_names[] = {"const",   "uniform", "exponential", "lognormal", "gamma",
                                       "weibull", "pareto",  "empirical",   "mixture",   NULL};

/* Enum names, in the order of the C enums they map to. */
const char *const sim__enum_on_cancel[] = {"ignore", "abort_by_job_id", "abort_attempt", NULL};
const char *const sim__enum_attempt_check[] = {"none", "supersede", "drop_stale", NULL};
const char *const sim__enum_heartbeat_count[] = {"job_ids", "attempts", NULL};
const char *const sim__enum_stall_stage[] = {"asr", "nmt", "tts", NULL}; /* STAGE_* order */
const char *const sim__enum_heartbeat_phase[] = {"random", "aligned", NULL};
const char *const sim__enum_crash_notice[] = {"heartbeat_timeout", "socket_close", NULL};
const char *const sim__enum_failover[] = {"same_job_id", "new_job_id", "extend_if_busy", NULL};
const char *const sim__enum_result_accept[] = {"all", "current_attempt_only", "first_result_wins",
                                               NULL};
const char *const sim__enum_result_queue[] = {"reference", "ordered", "immediate", NULL};
const char *const sim__enum_pending[] = {"fail", "queue", NULL};
const char *const sim__enum_node_load[] = {"heartbeat", "reserved", "snapshot", NULL};
const char *const sim__enum_timeout[] = {"fixed", "rfc6298", "quantile", NULL};
const char *const sim__enum_liveness[] = {"none", "heartbeat", "phi", NULL};
const char *const sim__enum_jitter[] = {"none", "full", "equal", "decorrelated", NULL};
const char *const sim__enum_expect_on[] = {"mean", "ci_upper", "ci_lower", NULL};

const sim_key_table sim_scenario_key_tables[] = {
    {"scenario", sim__keys_scenario},
    {"workload", sim__keys_workload},
    {"node", sim__keys_node},
    {"stages", sim__keys_stages},
    {"faults", sim__keys_faults},
    {"stall", sim__keys_stall},
    {"crash", sim__keys_crash},
    {"cold_start", sim__keys_cold_start},
    {"no_result", sim__keys_no_result},
    {"network", sim__keys_network},
    {"policy", sim__keys_policy},
    {"timeout", sim__keys_timeout},
    {"liveness", sim__keys_liveness},
    {"hedge", sim__keys_hedge},
    {"backoff", sim__keys_backoff},
    {"retry_budget", sim__keys_retry_budget},
    {"policy_node", sim__keys_policy_node},
    {"expect_bound", sim__keys_expect_bound},
    {"mixture_component", sim__keys_component},
    {"dist_const", keys_const},
    {"dist_uniform", keys_uniform},
    {"dist_exponential", keys_exponential},
    {"dist_lognormal", keys_lognormal},
    {"dist_gamma", keys_gamma},
    {"dist_weibull", keys_weibull},
    {"dist_pareto", keys_pareto},
    {"dist_empirical", keys_empirical},
    {"dist_mixture", keys_mixture},
    {NULL, NULL},
};

const sim_key_table sim_scenario_enum_tables[] = {
    {"node.on_cancel", sim__enum_on_cancel},
    {"node.attempt_check", sim__enum_attempt_check},
    {"node.heartbeat_count", sim__enum_heartbeat_count},
    {"node.heartbeat_phase", sim__enum_heartbeat_phase},
    {"stall.stage", sim__enum_stall_stage},
    {"crash.notice", sim__enum_crash_notice},
    {"policy.failover", sim__enum_failover},
    {"policy.result_accept", sim__enum_result_accept},
    {"policy.result_queue", sim__enum_result_queue},
    {"policy.pending", sim__enum_pending},
    {"policy.node_load", sim__enum_node_load},
    {"policy.preset", disp_preset_names},
    {"timeout.mode", sim__enum_timeout},
    {"liveness.mode", sim__enum_liveness},
    {"backoff.jitter", sim__enum_jitter},
    {"expect_bound.on", sim__enum_expect_on},
    {NULL, NULL},
};
