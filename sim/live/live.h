/*
 * live.h — dsim live: one replication of one policy executed for real. The
 * scheduler process (the caller of sim_live_run) runs the core on a libuv loop
 * and listens for WebSocket node connections on 127.0.0.1 (an ephemeral port);
 * one agent process per node of the scenario (`dsim agent`, sim_agent_run) runs
 * the node model against the wall clock and speaks the reference's node
 * protocol (live_wire.c). Simulated time is wall time x speed from a start
 * instant both sides share (CLOCK_MONOTONIC). Every random draw is the
 * simulation's (same keyed streams), so an attempt gets the same service time
 * in `dsim run` and in `dsim live`; the differences that remain are the real
 * execution's (timer resolution, scheduling, sockets).
 *
 * Sessions and the client run inside the scheduler process, on its loop (the
 * workload's utterance end times, the client hop's delay); the client's
 * accounting is the simulation's (simworld.h), so the metrics are the same
 * figures. Not measured live (NaN): wasted_node_s and events.
 */
#ifndef DSIM_LIVE_H
#define DSIM_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "progress.h"
#include "scenario.h"

/* Interrupted by SIGINT or SIGTERM: everything was stopped, nothing reported. */
#define SIM_LIVE_INTERRUPTED (-10)

typedef struct sim_live_opts {
    const char *scenario_path; /* what the agents load (the same file) */
    const char *exe;           /* the dsim executable the agents run (/proc/self/exe) */
    size_t policy;
    int rep;
    double speed;   /* simulated seconds per wall second (> 0) */
    double drain_s; /* after the last session closed (or spoke, without linger_s): stop
                       once nothing is out, or after this many simulated seconds */
    FILE *log;      /* dsim's log records (simulated time), or NULL */
    FILE *timeline; /* trace-event JSON of what the scheduler saw, or NULL */
    int verbose;    /* 1: one line per agent start and exit on stderr */
    sim_progress *progress; /* counts the utterances as they end (progress.h), or NULL */
    int *signal; /* SIM_LIVE_INTERRUPTED: the signal that stopped it, or NULL */
} sim_live_opts;

/*
 * Runs replication o->rep of policy o->policy of s live; fills v with its
 * metrics. Returns 0; SIM_FAIL_INPUT or SIM_FAIL_INTERNAL with err filled (an
 * agent that died unexpectedly is internal); SIM_LIVE_INTERRUPTED. Whatever it
 * returns, every agent it started has exited and the port is closed.
 */
int sim_live_run(const sim_scenario *s, const sim_live_opts *o, double v[SIM_M_COUNT],
                 sim_error *err);

typedef struct sim_agent_opts {
    size_t policy;
    int rep;
    uint32_t node;      /* the node's id: its place in the scenario's node list */
    int port;           /* the scheduler's, on 127.0.0.1 */
    double speed;
    uint64_t t0;        /* CLOCK_MONOTONIC ns of simulated time 0 */
    int64_t restart_at; /* > 0: a restart after a crash; online at this simulated time */
    int verbose;        /* 1: its timer figures on stderr at exit */
} sim_agent_opts;

/*
 * Runs node o->node of s as an agent until the scheduler closes the connection
 * (returns 0), SIGTERM (0) or a failure (SIM_FAIL_INPUT / SIM_FAIL_INTERNAL with
 * err filled). A crash fault ends the process with SIGKILL, as a real crash.
 */
int sim_agent_run(const sim_scenario *s, const sim_agent_opts *o, sim_error *err);

#endif
