/*
 * metrics.h — the figures of a run, as a flat vector indexed by metric id.
 *
 * One replication of one policy yields `double v[SIM_M_COUNT]`. Everything that
 * reports, compares or checks figures (tables, JSON, CSV, expectations, sweeps,
 * tune) goes through these ids and names, so a metric added here is everywhere.
 */
#ifndef DSIM_METRICS_H
#define DSIM_METRICS_H

#include <stddef.h>

#define SIM_METRICS(X)                                                                \
    X(UTTERANCES, "utterances")                                                       \
    X(DELIVERED, "delivered")                                                         \
    X(DUPLICATES, "duplicates")                                                       \
    X(LOST, "lost")                                                                   \
    X(LOST_NO_NODE, "lost_by_cause.no_node")                                          \
    X(LOST_FAILOVER_EXHAUSTED, "lost_by_cause.failover_exhausted")                    \
    X(LOST_ACK_DISCARD, "lost_by_cause.ack_discard")                                  \
    X(LOST_DEDUP_DROP, "lost_by_cause.dedup_drop")                                    \
    X(LOST_FENCED, "lost_by_cause.fenced")                                            \
    X(LOST_PROCESSING_ERROR, "lost_by_cause.processing_error")                        \
    X(LOST_NETWORK, "lost_by_cause.network")                                          \
    X(LOST_NODE_CRASH, "lost_by_cause.node_crash")                                    \
    X(LOST_NO_RESULT, "lost_by_cause.no_result")                                      \
    X(LOST_SESSION_CLOSED, "lost_by_cause.session_closed")                            \
    X(LOST_UNFINISHED, "lost_by_cause.unfinished")                                    \
    X(DUPLICATE_RATE, "duplicate_rate")                                               \
    X(LOST_RATE, "lost_rate")                                                         \
    X(LATENCY_P50, "latency_s.p50")                                                   \
    X(LATENCY_P90, "latency_s.p90")                                                   \
    X(LATENCY_P99, "latency_s.p99")                                                   \
    X(LATENCY_P999, "latency_s.p999")                                                 \
    X(LATENCY_MAX, "latency_s.max")                                                   \
    X(LATENCY_MEAN, "latency_s.mean")                                                 \
    X(FAILOVERS, "failovers")                                                         \
    X(DISPATCHES, "dispatches")                                                       \
    X(EXTRA_LOAD, "extra_load")                                                       \
    X(HEDGES, "hedges")                                                               \
    X(BUDGET_REFUSALS, "budget_refusals")                                             \
    X(WASTED_NODE_S, "wasted_node_s")                                                 \
    X(OUT_OF_ORDER, "out_of_order")                                                   \
    X(ERRORS_TO_CLIENT, "client_errors")                                              \
    X(EVENTS, "events")

typedef enum {
#define SIM_METRIC_ENUM(id, name) SIM_M_##id,
    SIM_METRICS(SIM_METRIC_ENUM)
#undef SIM_METRIC_ENUM
    SIM_M_COUNT
} sim_metric;

/* The metric's name as in files and output ("lost_by_cause.no_node"). */
const char *sim_metric_name(sim_metric m);
/* The id of a name, or -1. */
int sim_metric_lookup(const char *name);

/* Summary of one metric over n replications. */
typedef struct sim_summary {
    size_t n;           /* replications with a value (a latency needs a delivery) */
    double mean;
    double half_width;  /* 95% Student-t half-width; NaN (unknown) when n < 2 */
    double min, max;
    double upper_bound; /* in the metric's own unit: when every value is 0, the rule
                           of three, 3/(n x utterances) for rates (at most 1) and
                           3/n per replication for counts (a loss at most the
                           utterances); else the CI upper bound, mean + half_width */
    double utterances;  /* with a rule-of-three bound: the mean utterances per
                           replication (its trials); else 0 */
} sim_summary;

#endif
