/*
 * scenario.h — a scenario file, loaded into plain C structs.
 *
 * The loader (sim/scenario.c) is the only place that sees the JSON. It is strict:
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
#include "world.h"

#define SIM_NAME_MAX 64

typedef struct sim_policy {
    char name[SIM_NAME_MAX];
    char preset[SIM_NAME_MAX];
    disp_policy policy;
} sim_policy;

typedef enum { SIM_EXPECT_ON_MEAN, SIM_EXPECT_ON_CI_UPPER, SIM_EXPECT_ON_CI_LOWER } sim_expect_on;

/* One bound of an `expect` block: policy ("*" = all) x metric. */
typedef struct sim_expect {
    char policy[SIM_NAME_MAX];
    char metric[SIM_NAME_MAX]; /* "duplicates", "lost_by_cause.no_node", "latency_s.p99" */
    bool has_min, has_max, has_equals;
    double min, max, equals;
    sim_expect_on on;
    int line, column;          /* where it was written, for messages */
} sim_expect;

/* A sweep knob: a path into the scenario and the values it takes. */
typedef struct sim_sweep_param {
    char key[256];
    size_t n;
    char **values; /* textual values (numbers or enum names), owned */
} sim_sweep_param;

/* Caps on what a scenario may ask for; raised with command-line flags. */
typedef struct sim_limits {
    uint64_t max_utterances;   /* sessions x utterances_per_session */
    uint64_t max_nodes;
    uint64_t max_replications;
    uint64_t max_policies;
    uint64_t max_sweep_points;
} sim_limits;

void sim_limits_default(sim_limits *l);

typedef struct sim_scenario {
    char *path;          /* the file it came from (owned) */
    char *name;          /* owned */
    char *description;   /* owned, may be "" */
    uint64_t seed;
    int replications;
    double max_time_s;   /* 0 = run until drained */
    wl_config workload;
    node_config *nodes;  /* owned array of n_nodes classes */
    size_t n_nodes;
    net_config network;
    sim_policy *policies; /* owned array */
    size_t n_policies;
    sim_expect *expects;  /* owned array */
    size_t n_expects;
    sim_sweep_param *sweep; /* owned array (the file's `sweep` block) */
    size_t n_sweep;
} sim_scenario;

/* Errors: up to SIM_ERR_MAX messages, each one line, the first is the headline. */
#define SIM_ERR_MAX 20
typedef struct sim_error {
    int count;               /* errors recorded (may exceed the stored ones) */
    char msg[SIM_ERR_MAX][512];
} sim_error;

/* Appends one formatted message ("FILE: PATH: ..."), keeping the first SIM_ERR_MAX. */
void sim_error_add(sim_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints every stored message to stderr prefixed "dsim: ". */
void sim_error_print(const sim_error *err);

/* Loads `path` into *out. Returns 0, or -1 with err filled (and *out freed/zeroed). */
int sim_scenario_load(const char *path, const sim_limits *limits, sim_scenario *out,
                      sim_error *err);

/* Same, from a string (for tests and fuzzers); `path` only names it in messages. */
int sim_scenario_load_string(const char *text, size_t len, const char *path,
                             const sim_limits *limits, sim_scenario *out, sim_error *err);

/* Frees what the scenario owns and zeroes it. */
void sim_scenario_free(sim_scenario *s);

/* Deep copy (used by sweeps: each point gets its own scenario). */
void sim_scenario_copy(sim_scenario *dst, const sim_scenario *src);

/* Sets a knob by path ("policies.fenced.dispatch_timeout_s", "nodes[0].count",
 * "workload.sessions") to a textual value. Returns 0 or -1 with err filled. */
int sim_scenario_set(sim_scenario *s, const char *key, const char *value, sim_error *err);

/* Prints a one-screen summary of the world and policies (dsim validate). */
void sim_scenario_print_summary(const sim_scenario *s, void *stdio_file);

#endif
