/*
 * scenario.h — a scenario file, loaded into plain C structs.
 *
 * The loader (sim/scenario/scenario.c) is the only place that sees the JSON. It is strict:
 * unknown keys, wrong types, missing required fields and out-of-range values are
 * errors that name the file, the JSON path, line:column where known, and what was
 * expected.
 */
#ifndef DSIM_SCENARIO_H
#define DSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatcher.h"
#include "sim_error.h"
#include "config.h"

#define SIM_NAME_MAX 64

/*
 * Node-side settings a policy brings with it (the policy's `node` block): the
 * incident report's proposal 3 (nodes check attempt ids) is a change to the node
 * agent, and the lingua-2025-12-31 preset's node agent skips a repeated job_id.
 * Each applies to every node class when its has_ flag is set.
 */
typedef struct sim_node_override {
    bool has_on_cancel, has_cancel_between_stages, has_attempt_check, has_skip_repeat_job_id;
    node_cancel_mode on_cancel;
    bool cancel_between_stages;
    node_attempt_mode attempt_check;
    bool skip_repeat_job_id;
} sim_node_override;

/* 2025-12-30T00:00:00Z, the incident's day: the default "log_epoch_utc". */
#define SIM_LOG_EPOCH_DEFAULT INT64_C(1767052800)

typedef struct sim_policy {
    char name[SIM_NAME_MAX];
    char preset[SIM_NAME_MAX];
    disp_policy policy;
    sim_node_override node;
} sim_policy;

/* Applies a policy's node overrides to a node class configuration. */
void sim_node_override_apply(const sim_node_override *o, node_config *c);

typedef enum { SIM_EXPECT_ON_MEAN, SIM_EXPECT_ON_CI_UPPER, SIM_EXPECT_ON_CI_LOWER } sim_expect_on;

/* One bound of an `expect` block: policy ("*" = all) x metric. */
typedef struct sim_expect {
    char policy[SIM_NAME_MAX];
    char metric[SIM_NAME_MAX]; /* "duplicates", "lost_by_cause.no_node", "latency_s.p99" */
    bool has_min, has_max, has_equals;
    double min, max, equals;
    sim_expect_on on;
    int line, column; /* where it was written, for messages */
} sim_expect;

/* A sweep knob: a path into the scenario and the values it takes. */
typedef struct sim_sweep_param {
    char key[256];
    size_t n;
    char **values; /* textual values (numbers or enum names), owned */
} sim_sweep_param;

/* Caps on what a scenario may ask for; raised with command-line flags. */
typedef struct sim_limits {
    uint64_t max_utterances; /* sessions x utterances_per_session */
    uint64_t max_nodes;
    uint64_t max_replications;
    uint64_t max_policies;
    uint64_t max_sweep_points;
} sim_limits;

/* Fills *l with the defaults: 1e8 utterances, 1e5 nodes, 1e4 replications,
 * 64 policies, 1e5 sweep points. */
#define SIM_LIMIT_UTTERANCES_DEFAULT UINT64_C(100000000)
#define SIM_LIMIT_NODES_DEFAULT UINT64_C(100000)
#define SIM_LIMIT_REPLICATIONS_DEFAULT 10000

/* The most bytes of a scenario's "description". */
#define SIM_DESCRIPTION_MAX 4096
void sim_limits_default(sim_limits *l);

/* How far the flags may raise them: beyond, a scenario could ask for more than
 * a process can allocate (a run holds state per node and per session from its
 * start). A flag above its ceiling is an option error (exit 2). */
#define SIM_LIMIT_UTTERANCES_CEIL UINT64_C(1000000000000) /* 1e12 */
#define SIM_LIMIT_NODES_CEIL UINT64_C(1000000)            /* 1e6 */
#define SIM_LIMIT_REPLICATIONS_CEIL UINT64_C(100000)      /* 1e5, as run's --replications */
#define SIM_LIMIT_POLICIES_CEIL UINT64_C(1024)
#define SIM_LIMIT_SWEEP_POINTS_CEIL UINT64_C(10000000)    /* 1e7 */

/* Sessions of a workload without linger_s, whatever --max-utterances says: such
 * sessions all stay open until the run drains, and the core holds at most
 * DISP_SESSIONS_MAX (2^24) open at once. With linger_s a session closes after
 * its last utterance and its slot in the core is reused: how many are open at
 * once depends on the draws, a limit the run meets (exit 2). */
#define SIM_SESSIONS_OPEN_MAX (UINT32_C(1) << 24)
/* Sessions of any workload, whatever --max-utterances says: a run's peak memory
 * grows by about 150 bytes per session (README, Limits: 15 GB here). */
#define SIM_SESSIONS_MAX UINT32_C(100000000)

/* Checks every limit against its ceiling. Returns 0, or -1 with a message in err
 * for each one above ("--max-nodes: expected an integer 1..1000000, got ...").
 * The command line cannot set one above (sim_limits_flag and the option parser
 * refuse it); this guards a library caller that fills sim_limits itself. */
int sim_limits_check(const sim_limits *l, sim_error *err);

/*
 * Applies one command-line limit flag: `arg` is the flag name ("--max-nodes"),
 * `value` its text ("200000"). Returns 0 when arg is a limit flag and value an
 * integer 1..its ceiling; -1 when arg is a limit flag but value is not (a
 * message "dsim: --max-nodes: expected a positive integer, got 'x'", or
 * "expected an integer 1..1000000, got '2000000'", went to stderr); 1 when arg
 * is not a limit flag (nothing printed, *l unchanged).
 */
int sim_limits_flag(sim_limits *l, const char *arg, const char *value);

/* The ceiling of the limit flag arg ("--max-nodes": 1000000), 0 when arg is no
 * limit flag. The option parser checks a value against it. */
uint64_t sim_limits_ceil(const char *arg);

/* What a "more than the limit" message advises for a limit of `value` set by
 * flag: "raise it with --max-nodes" below the ceiling, "the most --max-nodes
 * allows" at it. Written to buf (SIM_LIMITS_HINT_CAP bytes are enough);
 * returns buf. */
#define SIM_LIMITS_HINT_CAP 48
const char *sim_limits_hint(const char *flag, uint64_t value, char *buf, size_t cap);

/* The limit flags with a one-line help each, NULL-terminated pairs
 * {flag, help, flag, help, ..., NULL}, for usage texts. */
extern const char *const sim_limits_flags_help[];

/* A file the scenario names that the loader read (workload.trace, an empirical
 * dist's file): where in the scenario it is named ("workload.trace") and the
 * path it was opened at. Outputs must not replace it (sim_scenario_input_at). */
typedef struct sim_input {
    char *key;  /* owned */
    char *file; /* owned */
} sim_input;

typedef struct sim_scenario {
    char *path;        /* the file it came from (owned) */
    char *name;        /* owned */
    char *description; /* owned, may be "" */
    uint64_t seed;
    int replications;
    double max_time_s; /* 0 = run until drained */
    int64_t log_epoch_s; /* "log_epoch_utc": Unix seconds of simulated time 0 in
                            --log-format lingua (default SIM_LOG_EPOCH_DEFAULT) */
    wl_config workload;
    node_config *nodes; /* owned array of n_nodes classes */
    size_t n_nodes;
    net_config network;
    sim_policy *policies; /* owned array */
    size_t n_policies;
    sim_expect *expects; /* owned array */
    size_t n_expects;
    sim_sweep_param *sweep; /* owned array (the file's `sweep` block) */
    size_t n_sweep;
    /* The file's `hunt` block: the knobs `dsim hunt` varies, each as its --vary
     * argument ("KEY=LO:HI" or "KEY=V1,V2,..."), in file order (owned). */
    char **hunt;
    size_t n_hunt;
    /* What the scenario was loaded from, so that sim_scenario_set can edit and
     * re-validate it: the JSON text (owned, NUL-terminated) and the limits. */
    char *json_text;
    size_t json_len;
    sim_limits limits;
    /* sim_hash (hash.h) of the contents of every other file the loader read
     * (empirical samples files), in the order read: what a sweep's --resume
     * fingerprint needs besides the text. SIM_HASH_INIT when none. */
    uint64_t files_hash;
    sim_input *inputs; /* owned: every file counted in files_hash, in the order read */
    size_t n_inputs;
} sim_scenario;

/* Errors: sim_error (sim_error.h). */

/* World assumptions of every run (README "World assumptions").
 *
 * A crashed node of a class with faults.crash.notice "heartbeat_timeout" (the
 * default) is marked offline at the first status scan, one every
 * SIM_STATUS_SCAN_S from time 0, at which more than SIM_HEARTBEAT_TIMEOUT_S have
 * passed since the last heartbeat (or registration) the scheduler received
 * (sim_crash_notice_scan, run.h). That is the reference's Phase-1 rule
 * (TinoTau/lingua_1 98e3526, central_server/scheduler: config.toml
 * [scheduler.node_health] heartbeat_timeout_seconds = 45, line 133, and
 * status_scan_interval_seconds = 30, line 140; managers/node_status_manager.rs
 * periodic_scan, lines 296-302: `now - node.last_heartbeat > heartbeat_timeout`,
 * run by start_periodic_scan, lines 320-328, a tokio interval whose first tick
 * is at start; last_heartbeat is set at registration and at each heartbeat,
 * node_registry/core.rs lines 212 and 287). "socket_close": at once, as the
 * connection's close arrives (websocket/node_handler/connection.rs lines 50-71:
 * mark_node_offline on close).
 *
 * Without max_time_s, a run that has not drained stops SIM_DRAIN_HORIZON_S after
 * the last session closed (without linger_s: after the last utterance ended). */
#define SIM_HEARTBEAT_TIMEOUT_S 45
#define SIM_STATUS_SCAN_S 30
#define SIM_DRAIN_HORIZON_S 86400

/* Bounds on what the loader reads (beyond sim_limits, which flags can raise). */
#define SIM_SCENARIO_MAX_BYTES (16u << 20)  /* a scenario file */
#define SIM_EMPIRICAL_MAX_BYTES (64u << 20) /* an empirical samples file */
#define SIM_EMPIRICAL_MAX 1000000u          /* samples of one empirical dist */
#define SIM_MIXTURE_DEPTH_MAX 4             /* mixtures inside mixtures */
#define SIM_MIXTURE_MAX 64                  /* components of one mixture */
#define SIM_EXPECT_MAX 1024                 /* expectations of one scenario */
#define SIM_SWEEP_PARAMS_MAX 16             /* knobs of one sweep block */
#define SIM_HUNT_KNOBS_MAX 16               /* knobs of one hunt block */
#define SIM_MAX_SECONDS 1e7                 /* any duration in a scenario (116 days) */

/*
 * Loads `path` into *out. Returns 0, or -1 with err filled (and *out zeroed).
 * err is reset first. Errors read "FILE:LINE:COL: PATH: what was expected, got
 * what" (LINE:COL of the offending value, or of the key for an unknown key).
 */
int sim_scenario_load(const char *path, const sim_limits *limits, sim_scenario *out,
                      sim_error *err);

/* Same, from a string (for tests and fuzzers); `path` only names it in messages. */
int sim_scenario_load_string(const char *text, size_t len, const char *path,
                             const sim_limits *limits, sim_scenario *out, sim_error *err);

/* The input of s (one of s->inputs) that path names (sim_path_same: the same
 * file, a link to it included), or NULL. */
const sim_input *sim_scenario_input_at(const sim_scenario *s, const char *path);

/* Frees what the scenario owns and zeroes it. */
void sim_scenario_free(sim_scenario *s);

/* Deep copy (used by sweeps: each point gets its own scenario). */
void sim_scenario_copy(sim_scenario *dst, const sim_scenario *src);

/*
 * Sets a knob by path ("policies.fenced.dispatch_timeout_s", "nodes[0].count",
 * "nodes.home-gpu.stages.asr.median", "workload.sessions", "seed") to a textual
 * value: a number, true/false, a JSON object or array, else a string. Elements of
 * `nodes` and `policies` can be named by index ([0]) or by name. The knob is set
 * in the scenario's JSON text, which is then re-loaded, so every check applies to
 * the new value; missing objects on the way are created. Returns 0 (and *s is the
 * re-loaded scenario), or -1 with err filled (err reset first) and *s unchanged.
 * Because it re-loads, edits made to the structs directly are lost: apply
 * command-line overrides (seed, replications) through this function too.
 */
int sim_scenario_set(sim_scenario *s, const char *key, const char *value, sim_error *err);

/* The value of a knob path (as sim_scenario_set takes it) in the scenario's JSON
 * text, as compact JSON ("5", "\"queue\"", "{\"dist\":\"const\",\"value\":1}"), or
 * NULL when the path names nothing there (a default). The caller frees it. */
char *sim_scenario_get(const sim_scenario *s, const char *key);

/* The command line's --replications (0 = keep the file's) and --seed (when
 * has_seed), applied through sim_scenario_set so that limits are checked and
 * copies made from the scenario keep them. Returns 0 or -1 with err filled. */
int sim_scenario_override(sim_scenario *s, unsigned long long replications, bool has_seed,
                          unsigned long long seed, sim_error *err);

/* A string made safe to print in quotes in a message: control bytes as '?', cut
 * at 48 bytes. */
void sim_safe_text(const char *s, char *buf, size_t cap);

/* Prints a one-screen summary of the world and policies (dsim validate). */
void sim_scenario_print_summary(const sim_scenario *s, void *stdio_file);

/*
 * The loader's key tables, for the schema test and tools: each names a
 * $defs entry of schema/scenario.schema.json and the keys its object accepts
 * (NULL-terminated). The list ends with {NULL, NULL}. Enum tables name
 * "DEF.FIELD" and list the accepted strings.
 */
typedef struct sim_key_table {
    const char *name;
    const char *const *keys;
} sim_key_table;
extern const sim_key_table sim_scenario_key_tables[];
extern const sim_key_table sim_scenario_enum_tables[];

#endif
