/*
 * cmd_run.c — `dsim run SCENARIO [options]`: every policy of a scenario on the
 * same world(s), figures side by side.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "page.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"
#include "timeline.h"
#include "version.h"
#include "xalloc.h"

enum {
    O_FORMAT = 1, O_REPS, O_SEED, O_JOBS, O_BASELINE, O_OUT, O_LOG, O_LOG_FORMAT, O_TRACE,
    O_LATENCIES, O_TIMELINE, O_TIMELINE_FILTER, O_MAX_EVENTS, O_QUIET
};

static const sim_opt run_opts[] = {
    {O_FORMAT, "format", 0, SIM_OPT_CHOICE, "table|json|csv", 0, 0, 0,
     "how the report is printed (default: table)", NULL},
    {O_REPS, "replications", 0, SIM_OPT_UINT, "N", 1, 100000, 0,
     "replications of every policy (default: the scenario's)", NULL},
    SIM_OPT_SEED(O_SEED),
    SIM_OPT_JOBS(O_JOBS),
    {O_BASELINE, "baseline", 0, SIM_OPT_TEXT, "POLICY", 0, 0, 0,
     "the policy the paired differences are taken against (default: the first)", NULL},
    {O_OUT, "out", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "also write DIR/results.json, results.csv, results-long.csv, table.txt and\n"
     "summary.txt (dsim report DIR draws them); made if missing",
     NULL},
    {O_LOG, "log", 0, SIM_OPT_FILE, "FILE", 0, 0, 0, "every run's scheduler log", NULL},
    {O_LOG_FORMAT, "log-format", 0, SIM_OPT_CHOICE, "dsim|lingua", 0, 0, 0,
     "the log's format: dsim's records or the reference's lines (with --log;\n"
     "default: dsim)", NULL},
    {O_TRACE, "trace", 0, SIM_OPT_FILE, "FILE", 0, 0, 0, "every message of every run", NULL},
    {O_LATENCIES, "latencies", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "every delivered utterance's latency (CSV)", NULL},
    {O_TIMELINE, "timeline", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "every run as a Chrome trace-event file (open it in Perfetto)", NULL},
    {O_TIMELINE_FILTER, "timeline-filter", 0, SIM_OPT_TEXT, "FILTER", 0, 0, 0,
     "policy=NAME,replication=R,session=S,from=SECONDS,to=SECONDS: keep only\n"
     "those runs, sessions and times in the timeline",
     NULL},
    SIM_OPT_MAX_EVENTS(O_MAX_EVENTS),
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_run = {
    "run", "run every policy of a scenario; report duplicates, losses, latency", "SCENARIO", 1, 1,
    SIM_OPT_FILE, true, true,
    "Runs every policy of SCENARIO on the same world (the same utterances and the\n"
    "same per-attempt latencies: common random numbers) for each replication and\n"
    "prints their figures side by side: mean and 95% CI over the replications,\n"
    "and the paired difference against the baseline policy.\n",
    run_opts, sim_cmd_run};

typedef struct run_args {
    const char *scenario, *format, *out_dir, *log, *trace, *latencies, *baseline, *log_format;
    const char *timeline, *timeline_filter;
    bool has_reps, has_seed, quiet;
    unsigned long long reps, seed, jobs, max_events;
    sim_limits limits;
} run_args;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("dsim: run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\ntry 'dsim run --help'\n", stderr);
    return SIM_EXIT_USAGE;
}

/* Returns 0, -1 after --help, or an exit code (the message printed). */
static int run_parse(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "table";
    sim_limits_default(&a->limits);
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_run, argc, argv, &a->limits, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        const char *v = p.value;
        switch (id) {
        case SIM_OPT_OPERAND: a->scenario = v; break;
        case O_FORMAT: a->format = v; break;
        case O_OUT: a->out_dir = v; break;
        case O_LOG: a->log = v; break;
        case O_LOG_FORMAT: a->log_format = v; break;
        case O_TRACE: a->trace = v; break;
        case O_LATENCIES: a->latencies = v; break;
        case O_TIMELINE: a->timeline = v; break;
        case O_TIMELINE_FILTER: a->timeline_filter = v; break;
        case O_BASELINE: a->baseline = v; break;
        case O_REPS: a->reps = p.num; a->has_reps = true; break;
        case O_SEED: a->seed = p.num; a->has_seed = true; break;
        case O_JOBS: a->jobs = p.num; break;
        case O_MAX_EVENTS: a->max_events = p.num; break;
        case O_QUIET: a->quiet = true; break;
        default: break;
        }
    }
    if (p.status)
        return p.status;
    if (a->log_format && !a->log)
        return sim_opt_fail(&p, "--log-format needs --log FILE");
    char hint[SIM_LIMITS_HINT_CAP];
    if (a->has_reps && a->reps > a->limits.max_replications)
        return sim_opt_fail(&p, "--replications: %llu, more than the limit of %" PRIu64 " (%s)",
                            a->reps, a->limits.max_replications,
                            sim_limits_hint("--max-replications", a->limits.max_replications,
                                            hint, sizeof hint));
    return 0;
}

/* True when --log writes dsim's own records (not the reference's lines, which
 * stay exactly the reference's: no header record). */
static bool o_log_dsim(const run_args *a)
{
    return !a->log_format || strcmp(a->log_format, "lingua") != 0;
}

/* --log, --trace and --latencies: files that a signal or a failed run leaves
 * holding whole runs (see outfile.h), their records appended in task order. */
enum { ST_LOG, ST_TRACE, ST_LAT, ST_TL, N_ST };
#define RUN_UNIT "runs (policy x replication, in order)"

typedef struct run_streams {
    sim_outfile f[N_ST];
    char dir[N_ST][4096]; /* where their spools go */
    size_t done;          /* runs whole in them */
} run_streams;

/* Every stream's checkpoint moves to `done` at once: a signal in between would
 * keep a different number of runs in each (seen: the log 86, the latencies 85). */
static void streams_committed(void *ctx, size_t done)
{
    run_streams *st = ctx;
    st->done = done;
    sigset_t saved;
    sim_signals_block(&saved);
    for (int k = 0; k < N_ST; k++)
        if (st->f[k].f)
            sim_outfile_checkpoint(&st->f[k], done);
    sim_signals_restore(&saved);
}

static void streams_abort(run_streams *st)
{
    for (int k = 0; k < N_ST; k++)
        sim_outfile_abort(&st->f[k]);
}

/* Opens the streams asked for. Returns 0, or -1 with err (none left open). */
static int streams_open(run_streams *st, const char *const path[N_ST], size_t runs,
                        sim_error *err)
{
    memset(st, 0, sizeof *st);
    for (int k = 0; k < N_ST; k++) {
        if (!path[k])
            continue;
        if (sim_outfile_open(&st->f[k], path[k], err) != 0) {
            streams_abort(st);
            return -1;
        }
        sim_outfile_keep_on_signal(&st->f[k], RUN_UNIT, runs);
        if (k == ST_TL)
            sim_outfile_keep_tail(&st->f[k], SIM_TL_TAIL);
        sim_path_dir(path[k], st->dir[k], sizeof st->dir[k]);
    }
    return 0;
}

/* Spools go beside their output; an output that is not a regular file (a FIFO,
 * /dev/stdout) spools to the system's temporary folder (NULL). */
static const char *spool_dir(const run_streams *st, int k)
{
    return st->f[k].tmp ? st->dir[k] : NULL;
}

/* Commits every open stream (the timeline gets its tail). Returns 0, or -1
 * after printing the errors. */
static int streams_commit(run_streams *st)
{
    int rc = 0;
    for (int k = 0; k < N_ST; k++) {
        sim_error err = {0};
        if (k == ST_TL && st->f[k].f)
            fputs(SIM_TL_TAIL, st->f[k].f);
        if (st->f[k].f && sim_outfile_commit(&st->f[k], &err) != 0) {
            sim_error_print(&err);
            rc = -1;
        }
    }
    return rc;
}

/* --out DIR: made with its parents if missing; it must be a folder dsim can
 * write in. Returns 0, or -1 with err. */
static int out_dir_prepare(const char *dir, sim_error *err)
{
    if (sim_sweep_mkdir(dir, err) != 0)
        return -1;
    if (access(dir, W_OK | X_OK) != 0) {
        sim_error_add(err, "%s: cannot write in this folder: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* --out DIR's files: the three formats of the report and the long CSV. */
#define SIM_FMT_LONG_CSV ((sim_format)-1)

/* What --out DIR receives (sim_page_write_summary writes summary.txt). */
static const char *const out_files[] = {"results.json", "results.csv", "results-long.csv",
                                        "table.txt", "summary.txt"};
#define N_OUT_FILES (sizeof out_files / sizeof out_files[0])

static const char *const stream_opt[N_ST] = {"--log", "--trace", "--latencies", "--timeline"};

/* Outputs that would replace the scenario being read, or each other, are
 * refused before anything runs: one output must never replace an input or
 * another output. Returns 0, or exit 2 after the message. */
static int outputs_check(const run_args *a, const sim_scenario *s, const char *const path[N_ST])
{
    const char *in = strcmp(a->scenario, "-") != 0 ? a->scenario : NULL;
    for (int k = 0; k < N_ST; k++) {
        if (!path[k])
            continue;
        const sim_input *fin = sim_scenario_input_at(s, path[k]);
        if (fin) {
            fprintf(stderr,
                    "dsim: run: %s %s names %s's file %s, an input of the scenario: it would "
                    "replace it; write it elsewhere\n",
                    stream_opt[k], path[k], fin->key, fin->file);
            return SIM_EXIT_USAGE;
        }
        if (in && sim_path_same(path[k], in)) {
            fprintf(stderr,
                    "dsim: run: %s %s names the scenario being read (SCENARIO %s): it would "
                    "replace it; write it elsewhere\n",
                    stream_opt[k], path[k], in);
            return SIM_EXIT_USAGE;
        }
        for (int j = 0; j < k; j++)
            if (path[j] && sim_outputs_clash(path[j], path[k])) {
                fprintf(stderr,
                        "dsim: run: %s %s and %s %s name the same file: one would replace the "
                        "other; give each its own path\n",
                        stream_opt[j], path[j], stream_opt[k], path[k]);
                return SIM_EXIT_USAGE;
            }
    }
    if (!a->out_dir)
        return 0;
    for (int k = 0; k < N_ST; k++)
        if (path[k] && sim_path_same(path[k], a->out_dir)) {
            fprintf(stderr,
                    "dsim: run: %s %s names the folder --out %s: give %s a file's path\n",
                    stream_opt[k], path[k], a->out_dir, stream_opt[k]);
            return SIM_EXIT_USAGE;
        }
    for (size_t f = 0; f < N_OUT_FILES; f++) {
        size_t n = strlen(a->out_dir) + strlen(out_files[f]) + 2;
        char *file = sim_xmalloc(n);
        snprintf(file, n, "%s/%s", a->out_dir, out_files[f]);
        int clash = in && sim_path_same(file, in) ? N_ST : -1; /* N_ST: the scenario */
        for (int k = 0; clash < 0 && k < N_ST; k++)
            if (path[k] && sim_path_same(file, path[k]))
                clash = k;
        const sim_input *fin = clash < 0 ? sim_scenario_input_at(s, file) : NULL;
        if (fin) {
            clash = N_ST + 1;
            fprintf(stderr,
                    "dsim: run: --out %s would replace %s, %s's file, an input of the scenario; "
                    "give --out another folder\n",
                    a->out_dir, file, fin->key);
        } else if (clash == N_ST)
            fprintf(stderr,
                    "dsim: run: --out %s would replace %s, the scenario being read (SCENARIO "
                    "%s); give --out another folder\n",
                    a->out_dir, file, in);
        else if (clash >= 0)
            fprintf(stderr,
                    "dsim: run: --out %s writes %s, which %s %s names too; give %s another "
                    "path\n",
                    a->out_dir, file, stream_opt[clash], path[clash], stream_opt[clash]);
        free(file);
        if (clash >= 0)
            return SIM_EXIT_USAGE;
    }
    return 0;
}

static int write_report_file(const char *dir, const char *name, sim_format fmt,
                             const sim_scenario *s, const sim_results *res, size_t base,
                             sim_error *err)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = sim_xmalloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    sim_outfile o;
    int rc = sim_outfile_open(&o, path, err);
    if (rc == 0) {
        if (fmt == SIM_FMT_LONG_CSV)
            sim_report_long_csv(o.f, s, res);
        else
            sim_report(o.f, fmt, s, res, base);
        rc = sim_outfile_commit(&o, err);
    }
    free(path);
    return rc;
}

int sim_cmd_run(int argc, char **argv)
{
    run_args a;
    int prc = run_parse(argc, argv, &a);
    if (prc != 0)
        return prc < 0 ? SIM_EXIT_OK : prc;
    sim_format fmt;
    if (sim_format_parse(a.format, &fmt) != 0)
        return usage_error("--format: expected table, json or csv, got '%s'", a.format);

    sim_error err = {0};
    sim_scenario s;
    if (sim_opt_load_scenario(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    if (sim_scenario_override(&s, a.has_reps ? a.reps : 0, a.has_seed, a.seed, &err) != 0) {
        sim_error_print(&err);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    size_t base = 0;
    if (a.baseline) {
        int b = sim_report_find_policy(&s, a.baseline);
        if (b < 0) {
            fprintf(stderr, "dsim: run: --baseline: no policy named '%s' in %s\n", a.baseline,
                    a.scenario);
            sim_scenario_free(&s);
            return SIM_EXIT_USAGE;
        }
        base = (size_t)b;
    }
    const char *paths[N_ST] = {a.log, a.trace, a.latencies, a.timeline};
    int orc = outputs_check(&a, &s, paths);
    if (orc != 0) {
        sim_scenario_free(&s);
        return orc;
    }
    /* --out DIR is checked before anything runs: a long run must not end in
     * "not a directory". */
    if (a.out_dir && out_dir_prepare(a.out_dir, &err) != 0) {
        sim_error_print(&err);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }

    sim_tl_filter tlf;
    sim_tl_filter_all(&tlf);
    if (a.timeline_filter && !a.timeline) {
        sim_scenario_free(&s);
        return usage_error("%s", "--timeline-filter needs --timeline FILE");
    }
    if (a.timeline && ((a.timeline_filter && sim_tl_filter_parse(a.timeline_filter, &tlf, &err)) ||
                       sim_tl_filter_check(&tlf, &s, &err))) {
        sim_error_print(&err);
        fputs("try 'dsim run --help'\n", stderr);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    if (a.timeline && sim_tl_estimate(&s, &tlf) > SIM_TL_WARN_BYTES)
        fprintf(stderr,
                "dsim: warning: %s may reach %" PRIu64 " MB (about %u bytes per utterance "
                "and run); keep less with --timeline-filter policy=NAME,replication=R,"
                "session=S,from=SECONDS,to=SECONDS\n",
                a.timeline, sim_tl_estimate(&s, &tlf) / 1000000, SIM_TL_BYTES_PER_UTTERANCE);

    /* Streams first, whole before anything is printed: a closed standard output
     * (dsim run ... | head) must not cost the log. */
    size_t runs = s.n_policies * (size_t)s.replications;
    run_streams st;
    if (streams_open(&st, paths, runs, &err) != 0) {
        sim_error_print(&err);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    FILE *lat = st.f[ST_LAT].f;
    if (lat) {
        fputs("policy,replication,latency_s", lat);
        sim_version_csv_header(lat);
        fputc('\n', lat);
    }
    if (st.f[ST_LOG].f && o_log_dsim(&a))
        sim_version_record(st.f[ST_LOG].f, "log");
    if (st.f[ST_TRACE].f)
        sim_version_record(st.f[ST_TRACE].f, "trace");
    if (st.f[ST_TL].f) {
        char title[300];
        snprintf(title, sizeof title, "run %s, seed %" PRIu64, s.name, s.seed);
        sim_tl_head(st.f[ST_TL].f, title);
    }
    sim_run_opts o = {.log = st.f[ST_LOG].f,
                      .log_format = a.log_format && strcmp(a.log_format, "lingua") == 0
                                        ? SIM_LOG_LINGUA
                                        : SIM_LOG_DSIM,
                      .trace = st.f[ST_TRACE].f, .latencies = lat,
                      .jobs = (int)a.jobs, .max_events = a.max_events,
                      .log_dir = spool_dir(&st, ST_LOG), .trace_dir = spool_dir(&st, ST_TRACE),
                      .latencies_dir = spool_dir(&st, ST_LAT),
                      .timeline = st.f[ST_TL].f, .timeline_filter = &tlf,
                      .timeline_dir = spool_dir(&st, ST_TL),
                      .committed = streams_committed, .committed_ctx = &st};
    sim_results res;
    int rc = SIM_EXIT_OK;
    o.progress = sim_progress_start("run", "utterances", sim_run_progress_units(&s, &o), a.quiet);
    int fail = sim_run_all(&s, &o, &res, &err);
    sim_progress_end(o.progress);
    if (fail != 0) {
        sim_error_print(&err);
        /* what the failed run wrote (up to a tripped event budget) explains it */
        for (int k = 0; k < N_ST; k++) {
            if (!st.f[k].f)
                continue;
            fprintf(stderr, "dsim: keeping %s: ", st.f[k].path);
            if (k == ST_LAT) {
                /* a run's latencies are sorted and written when it ends */
                if (st.done)
                    fprintf(stderr, "the first %zu of %zu %s whole; ", st.done, runs, RUN_UNIT);
                else
                    fputs("its header only; ", stderr);
                fputs("none of the failed run's latencies (a run's are written when it ends)\n",
                      stderr);
                continue;
            }
            if (st.done)
                fprintf(stderr, "the first %zu of %zu %s whole, then ", st.done, runs, RUN_UNIT);
            fputs("the failed run's records up to its error\n", stderr);
        }
        streams_commit(&st);
        sim_scenario_free(&s);
        return sim_fail_exit(fail);
    }
    if (streams_commit(&st) != 0) {
        sim_results_free(&res);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    if (a.out_dir) {
        if (write_report_file(a.out_dir, "results.json", SIM_FMT_JSON, &s, &res, base, &err) ||
            write_report_file(a.out_dir, "results.csv", SIM_FMT_CSV, &s, &res, base, &err) ||
            write_report_file(a.out_dir, "results-long.csv", SIM_FMT_LONG_CSV, &s, &res, base,
                              &err) ||
            write_report_file(a.out_dir, "table.txt", SIM_FMT_TABLE, &s, &res, base, &err) ||
            sim_page_write_summary(a.out_dir, &s, &err)) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        }
    }
    sim_report(stdout, fmt, &s, &res, base);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dsim: run: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
    sim_results_free(&res);
    sim_scenario_free(&s);
    return rc;
}
