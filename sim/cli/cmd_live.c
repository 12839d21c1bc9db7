/*
 * cmd_live.c — `dsim live` and `dsim agent` (sim/live/live.h): one replication
 * of one policy executed for real (the core in this process, one agent process
 * per node over WebSocket), reported as `dsim run` reports.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "live.h"
#include "opts.h"
#include "outfile.h"
#include "report.h"
#include "timeline.h"
#include "version.h"

enum { O_POLICY = 1, O_REP, O_SPEED, O_FORMAT, O_LOG, O_TIMELINE, O_DRAIN, O_VERBOSE, O_NODE,
       O_PORT, O_T0, O_RESTART, O_QUIET };

static const sim_opt live_opts[] = {
    {O_POLICY, "policy", 0, SIM_OPT_TEXT, "NAME", 0, 0, 0,
     "the policy to run (default: the scenario's first)", NULL},
    {O_REP, "replication", 0, SIM_OPT_UINT, "K", 0, 100000, 0,
     "the replication to run (default 0): its seed, its draws", NULL},
    {O_SPEED, "speed", 0, SIM_OPT_TEXT, "X", 0, 0, 0,
     "simulated seconds per wall second, 1e-3..1e6 (default 1)", NULL},
    {O_FORMAT, "format", 0, SIM_OPT_CHOICE, "table|json|csv", 0, 0, 0,
     "the report, as dsim run prints it (default table)", NULL},
    {O_LOG, "log", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "the core's log records (JSON lines, simulated seconds)", NULL},
    {O_TIMELINE, "timeline", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "trace-event JSON of what the scheduler saw (Perfetto)", NULL},
    {O_DRAIN, "drain", 0, SIM_OPT_TEXT, "SECONDS", 0, 0, 0,
     "after the last session closed, stop once nothing is out or after this\n"
     "many simulated seconds, > 0 and <= 1e6 (default 60)",
     NULL},
    {O_VERBOSE, "verbose", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "the port, each agent's start and exit, every process's wake-up lateness", NULL},
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_live = {
    "live", "run one policy for real: the core on a socket, node agents as processes",
    "SCENARIO", 1, 1, SIM_OPT_FILE, false, false,
    "Runs one replication of one policy for real: the core in this process on\n"
    "127.0.0.1 (WebSocket, the reference's node messages), one `dsim agent`\n"
    "process per node, sessions and the client in this process, simulated time =\n"
    "wall time x --speed. Reported as dsim run reports one replication.\n",
    live_opts, sim_cmd_live};

static const sim_opt agent_opts[] = {
    {O_POLICY, "policy", 0, SIM_OPT_TEXT, "NAME", 0, 0, SIM_OPT_REQUIRED, "the policy run",
     "--policy NAME is required"},
    {O_NODE, "node", 0, SIM_OPT_UINT, "ID", 0, UINT32_MAX - 1, SIM_OPT_REQUIRED,
     "the node: its place in the scenario's node list", "--node ID is required"},
    {O_PORT, "port", 0, SIM_OPT_UINT, "N", 1, 65535, SIM_OPT_REQUIRED,
     "the scheduler's port on 127.0.0.1", "--port N is required"},
    {O_T0, "time-zero", 0, SIM_OPT_UINT, "NS", 0, UINT64_MAX, SIM_OPT_REQUIRED,
     "CLOCK_MONOTONIC nanoseconds of simulated time 0", "--time-zero NS is required"},
    {O_REP, "replication", 0, SIM_OPT_UINT, "K", 0, 100000, 0, "the replication (default 0)",
     NULL},
    {O_SPEED, "speed", 0, SIM_OPT_TEXT, "X", 0, 0, 0,
     "simulated seconds per wall second, 1e-3..1e6 (default 1)", NULL},
    {O_RESTART, "restart-at", 0, SIM_OPT_UINT, "NS", 1, INT64_MAX, 0,
     "a restart after a crash: online at this simulated time", NULL},
    {O_VERBOSE, "verbose", 0, SIM_OPT_FLAG, NULL, 0, 0, 0, "its wake-up lateness at exit",
     NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_agent = {
    "agent", "one node of a scenario as a process (started by dsim live)", "SCENARIO", 1, 1,
    SIM_OPT_FILE, false, false,
    "Connects to ws://127.0.0.1:N/ws/node and runs node ID of SCENARIO against\n"
    "the shared clock until the scheduler closes the connection or SIGTERM.\n",
    agent_opts, sim_cmd_agent};

/* The slowest --speed: at 1e-3 a scenario's day of simulated time takes about
 * 2.7 years; below it a run could not end in any useful time. */
#define LIVE_SPEED_MIN 1e-3
/* The most of --speed and --drain. */
#define LIVE_POS_MAX 1e6

/* A real in (min, LIVE_POS_MAX], or [min, ...] when min > 0: --speed, --drain. */
static int parse_pos(const char *val, double min, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(val, &end);
    if (errno || end == val || *end || !(x > 0) || x < min || x > LIVE_POS_MAX || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

typedef struct live_args {
    const char *scenario, *policy, *format, *log, *timeline;
    unsigned long long rep, node, port, t0;
    long long restart_at;
    double speed, drain_s;
    int verbose, quiet;
} live_args;

/* Both commands' options (an agent's are what live passes it). Returns 0,
 * SIM_OPT_HELPED or SIM_EXIT_USAGE (printed). */
static int parse(const sim_cmd_spec *spec, int argc, char **argv, live_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "table";
    a->speed = 1;
    a->drain_s = 60;
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, spec, argc, argv, NULL, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        switch (id) {
        case SIM_OPT_OPERAND: a->scenario = p.value; break;
        case O_POLICY: a->policy = p.value; break;
        case O_REP: a->rep = p.num; break;
        case O_FORMAT: a->format = p.value; break;
        case O_LOG: a->log = p.value; break;
        case O_TIMELINE: a->timeline = p.value; break;
        case O_VERBOSE: a->verbose = 1; break;
        case O_QUIET: a->quiet = 1; break;
        case O_NODE: a->node = p.num; break;
        case O_PORT: a->port = p.num; break;
        case O_T0: a->t0 = p.num; break;
        case O_RESTART: a->restart_at = (long long)p.num; break;
        case O_SPEED:
            if (parse_pos(p.value, LIVE_SPEED_MIN, &a->speed))
                sim_opt_fail(&p, "--speed: expected a number 1e-3..1e6, got '%s'", p.value);
            break;
        case O_DRAIN:
            if (parse_pos(p.value, 0, &a->drain_s))
                sim_opt_fail(&p, "--drain: expected simulated seconds > 0 and <= 1e6, got '%s'",
                             p.value);
            break;
        default: break;
        }
    }
    return p.status;
}

/* Loads the scenario and finds the policy (NULL: the first). */
static int load(const char *cmd, const live_args *a, sim_scenario *s, size_t *policy)
{
    sim_error err = {0};
    sim_limits limits;
    sim_limits_default(&limits);
    if (sim_scenario_load(a->scenario, &limits, s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    *policy = 0;
    if (a->policy) {
        int p = sim_report_find_policy(s, a->policy);
        if (p < 0) {
            fprintf(stderr, "dsim: %s: --policy: no policy named '%s' in %s\n", cmd, a->policy,
                    a->scenario);
            sim_scenario_free(s);
            return SIM_EXIT_USAGE;
        }
        *policy = (size_t)p;
    }
    if (a->rep >= (unsigned long long)s->replications) {
        fprintf(stderr, "dsim: %s: --replication: %s has replications 0..%d, got %llu\n", cmd,
                a->scenario, s->replications - 1, a->rep);
        sim_scenario_free(s);
        return SIM_EXIT_USAGE;
    }
    return 0;
}

int sim_cmd_agent(int argc, char **argv)
{
    live_args a;
    int rc = parse(&sim_spec_agent, argc, argv, &a);
    if (rc != 0)
        return rc == SIM_OPT_HELPED ? SIM_EXIT_OK : rc;
    sim_scenario s;
    size_t policy;
    if ((rc = load("agent", &a, &s, &policy)) != 0)
        return rc;
    sim_agent_opts o = {policy, (int)a.rep, (uint32_t)a.node, (int)a.port, a.speed, a.t0,
                        a.restart_at, a.verbose};
    sim_error err = {0};
    int fail = sim_agent_run(&s, &o, &err);
    if (fail)
        sim_error_print(&err);
    sim_scenario_free(&s);
    return fail ? sim_fail_exit(fail) : SIM_EXIT_OK;
}

int sim_cmd_live(int argc, char **argv)
{
    live_args a;
    int rc = parse(&sim_spec_live, argc, argv, &a);
    if (rc != 0)
        return rc == SIM_OPT_HELPED ? SIM_EXIT_OK : rc;
    sim_format fmt;
    if (sim_format_parse(a.format, &fmt) != 0) /* the table's choice: cannot fail */
        return SIM_EXIT_INTERNAL;
    sim_scenario s;
    size_t policy;
    if ((rc = load("live", &a, &s, &policy)) != 0)
        return rc;
    sim_error err = {0};
    sim_outfile log = {0}, tl = {0};
    /* an output that names the scenario, or the other output, would replace it */
    const char *same = a.log && sim_path_same(a.log, a.scenario)             ? "--log"
                       : a.timeline && sim_path_same(a.timeline, a.scenario) ? "--timeline"
                                                                             : NULL;
    if (same || (a.log && a.timeline && sim_outputs_clash(a.log, a.timeline))) {
        if (same)
            fprintf(stderr, "dsim: live: %s %s is the scenario: it would be overwritten\n", same,
                    same[2] == 'l' ? a.log : a.timeline);
        else
            fprintf(stderr, "dsim: live: --log and --timeline are the same file: %s\n", a.log);
        fprintf(stderr, "try 'dsim live --help'\n");
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    if ((a.log && sim_outfile_open(&log, a.log, &err) != 0) ||
        (a.timeline && sim_outfile_open(&tl, a.timeline, &err) != 0)) {
        sim_error_print(&err);
        sim_outfile_abort(&log);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    if (log.f)
        sim_version_record(log.f, "log");
    if (tl.f) {
        char title[300];
        snprintf(title, sizeof title, "live %s, policy %s, replication %llu, speed %g", s.name,
                 s.policies[policy].name, a.rep, a.speed);
        sim_tl_head(tl.f, title);
    }
    sim_live_opts o = {a.scenario, "/proc/self/exe", policy, (int)a.rep, a.speed, a.drain_s,
                       log.f, tl.f, a.verbose, NULL};
    double v[SIM_M_COUNT];
    /* --verbose's lines on stderr would cut a terminal's live line: no progress */
    o.progress = sim_progress_start("live", "utterances",
                                    (uint64_t)s.workload.sessions *
                                        (uint64_t)s.workload.utterances_per_session,
                                    a.quiet || a.verbose);
    int fail = sim_live_run(&s, &o, v, &err);
    sim_progress_end(o.progress);
    if (fail) {
        if (fail == SIM_LIVE_INTERRUPTED)
            fputs("dsim: live: interrupted; every agent stopped\n", stderr);
        else
            sim_error_print(&err);
        sim_outfile_abort(&log);
        sim_outfile_abort(&tl);
        sim_scenario_free(&s);
        return fail == SIM_LIVE_INTERRUPTED ? 130 : sim_fail_exit(fail);
    }
    if (tl.f)
        fputs(SIM_TL_TAIL, tl.f);
    if ((log.f && sim_outfile_commit(&log, &err) != 0) ||
        (tl.f && sim_outfile_commit(&tl, &err) != 0)) {
        sim_error_print(&err);
        sim_outfile_abort(&tl);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    /* the report of one policy and one replication, as dsim run prints it */
    sim_scenario one = s;
    one.policies = &s.policies[policy];
    one.n_policies = 1;
    one.replications = 1;
    sim_results res = {1, 1, v};
    sim_report(stdout, fmt, &one, &res, 0);
    rc = SIM_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dsim: live: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
    sim_scenario_free(&s);
    return rc;
}
