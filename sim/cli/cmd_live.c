/*
 * cmd_live.c — `dsim live` and `dsim agent` (sim/live/live.h): one replication
 * of one policy executed for real (the core in this process, one agent process
 * per node over WebSocket), reported as `dsim run` reports.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "live.h"
#include "opts.h"
#include "outfile.h"
#include "report.h"
#include "run.h"
#include "xalloc.h"
#include "timeline.h"
#include "version.h"

enum { O_POLICY = 1, O_REP, O_SPEED, O_FORMAT, O_LOG, O_TIMELINE, O_DRAIN, O_VERBOSE, O_NODE,
       O_PORT, O_T0, O_RESTART, O_QUIET, O_TEXT_STDIN, O_FILES_HASH };

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
    {O_TEXT_STDIN, "text-on-stdin", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "the scenario's text is on standard input, as dsim live loaded it (SCENARIO\n"
     "names it and places the files it names)",
     NULL},
    {O_FILES_HASH, "files-hash", 0, SIM_OPT_UINT, "H", 0, UINT64_MAX, 0,
     "the hash of the files the scenario names, as dsim live read them: refused\n"
     "(exit 2) when they changed since",
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
    unsigned long long rep, node, port, t0, files_hash;
    long long restart_at;
    double speed, drain_s;
    int verbose, quiet, text_stdin, has_files_hash;
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
        case O_TEXT_STDIN: a->text_stdin = 1; break;
        case O_FILES_HASH:
            a->files_hash = p.num;
            a->has_files_hash = 1;
            break;
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

/* Standard input, whole (an agent's scenario text: a memfd dsim live shares with
 * every agent, read from its start whatever the shared offset). NULL on error. */
static char *read_stdin_text(size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (ssize_t r; buf; n += (size_t)r) {
        if (n == cap) {
            char *bigger = cap < SIM_SCENARIO_MAX_BYTES + 1 ? realloc(buf, cap *= 2) : NULL;
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
        }
        r = pread(0, buf + n, cap - n, (off_t)n);
        if (r < 0) {
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
    }
    *len = n;
    return buf;
}

/* Loads the scenario (an agent: from its text on stdin, the files it names
 * checked against dsim live's) and finds the policy (NULL: the first). */
static int load(const char *cmd, const live_args *a, sim_scenario *s, size_t *policy)
{
    sim_error err = {0};
    sim_limits limits;
    sim_limits_default(&limits);
    int lrc;
    if (a->text_stdin) {
        size_t len = 0;
        char *text = read_stdin_text(&len);
        if (!text) {
            fprintf(stderr, "dsim: %s: %s: cannot read the scenario's text on standard input: %s\n",
                    cmd, a->scenario, strerror(errno));
            return SIM_EXIT_USAGE;
        }
        lrc = sim_scenario_load_string(text, len, a->scenario, &limits, s, &err);
        free(text);
    } else {
        lrc = sim_scenario_load(a->scenario, &limits, s, &err);
    }
    if (lrc != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    if (a->has_files_hash && s->files_hash != a->files_hash) {
        fprintf(stderr,
                "dsim: %s: %s: a file it names (", cmd, a->scenario);
        for (size_t i = 0; i < s->n_inputs; i++)
            fprintf(stderr, "%s%s %s", i ? ", " : "", s->inputs[i].key, s->inputs[i].file);
        fputs(") changed since dsim live read it: a run must use one version of its inputs\n",
              stderr);
        sim_scenario_free(s);
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

/* The report of the one replication run, as dsim run prints it, with what ran
 * named: "replication" and "speed" (table: a first line; JSON: a "live" object;
 * CSV: a first column "replication"). The report's seed is the scenario's; the
 * replication's draws come from it and K, as in dsim run. */
static void live_report(FILE *f, sim_format fmt, const sim_scenario *one, const sim_results *res,
                        const live_args *a)
{
    if (fmt == SIM_FMT_TABLE) {
        fprintf(f, "dsim live: replication %llu, --speed %g (dsim run's replication %llu, run "
                   "for real)\n",
                a->rep, a->speed, a->rep);
        sim_report(f, fmt, one, res, 0);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        sim_oom("the report");
    sim_report(m, fmt, one, res, 0);
    if (fclose(m) != 0)
        sim_oom("the report");
    if (fmt == SIM_FMT_JSON) {
        json_error_t je;
        json_t *root = json_loadb(buf, len, 0, &je);
        if (!root)
            sim_oom("the report");
        json_object_set_new(root, "live", json_pack("{s:I, s:f}", "replication",
                                                    (json_int_t)a->rep, "speed", a->speed));
        json_dumpf(root, f, SIM_JSON_FLAGS);
        fputc('\n', f);
        json_decref(root);
    } else {
        /* every line gets the column first: the header its name, each row K */
        for (char *line = buf, *nl; line < buf + len; line = nl + 1) {
            nl = memchr(line, '\n', (size_t)(buf + len - line));
            if (!nl)
                nl = buf + len;
            if (line == buf)
                fputs("replication,", f);
            else
                fprintf(f, "%llu,", a->rep);
            fwrite(line, 1, (size_t)(nl - line), f);
            fputc('\n', f);
        }
    }
    free(buf);
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
    /* an output that names the scenario, a file it names (workload.trace, a
     * samples file), or the other output, would replace it */
    const char *same = a.log && sim_path_same(a.log, a.scenario)             ? "--log"
                       : a.timeline && sim_path_same(a.timeline, a.scenario) ? "--timeline"
                                                                             : NULL;
    const sim_input *fin = NULL;
    const char *fin_opt = (a.log && (fin = sim_scenario_input_at(&s, a.log)))           ? "--log"
                          : (a.timeline && (fin = sim_scenario_input_at(&s, a.timeline))) ? "--timeline"
                                                                                          : NULL;
    if (same || fin_opt || (a.log && a.timeline && sim_outputs_clash(a.log, a.timeline))) {
        if (same)
            fprintf(stderr, "dsim: live: %s %s is the scenario: it would be overwritten\n", same,
                    same[2] == 'l' ? a.log : a.timeline);
        else if (fin_opt)
            fprintf(stderr,
                    "dsim: live: %s %s is %s's file %s, an input of the scenario: it would be "
                    "overwritten\n",
                    fin_opt, fin_opt[2] == 'l' ? a.log : a.timeline, fin->key, fin->file);
        else
            fprintf(stderr, "dsim: live: --log and --timeline are the same file: %s\n", a.log);
        fprintf(stderr, "try 'dsim live --help'\n");
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    /* what dsim run refuses before running (a heartbeat of a microsecond: its
     * agents would do nothing else), refused here with the same message */
    if (sim_run_plan_check(&s, policy, sim_default_event_budget(&s), &err) != 0) {
        sim_error_print(&err);
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
    int signo = 0;
    sim_live_opts o = {a.scenario, "/proc/self/exe", policy, (int)a.rep, a.speed, a.drain_s,
                       log.f, tl.f, a.verbose, NULL, &signo};
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
        if (fail == SIM_LIVE_INTERRUPTED && signo > 0) {
            /* everything is stopped and removed: die of the signal, as dsim run
             * does (130 for SIGINT, 143 for SIGTERM) */
            fflush(NULL);
            signal(signo, SIG_DFL);
            raise(signo);
            return 128 + signo;
        }
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
    live_report(stdout, fmt, &one, &res, &a);
    rc = SIM_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dsim: live: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
    sim_scenario_free(&s);
    return rc;
}
