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

#include "cli.h"
#include "commands.h"
#include "outfile.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "xalloc.h"

static const char run_usage[] =
    "usage: dsim run SCENARIO [--format table|json|csv] [--replications N] [--seed N]\n"
    "                [--jobs N] [--baseline POLICY] [--out DIR] [--log FILE] [--trace FILE]\n"
    "                [--latencies FILE]\n"
    "                [--max-events N] [--max-utterances N] [--max-replications N] ...\n";

typedef struct run_args {
    const char *scenario, *format, *out_dir, *log, *trace, *latencies, *baseline;
    bool has_reps, has_seed;
    unsigned long long reps, seed, jobs, max_events;
    sim_limits limits;
} run_args;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("dsim: run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\ntry 'dsim --help'\n", stderr);
    return SIM_EXIT_USAGE;
}

static int run_parse(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "table";
    sim_limits_default(&a->limits);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(run_usage, stdout);
            return -1;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (a->scenario)
                return usage_error("more than one scenario ('%s'); run takes one", arg);
            a->scenario = arg;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("%s needs a value", arg);
        const char *val = argv[++i];
        if (strcmp(arg, "--format") == 0)
            a->format = val;
        else if (strcmp(arg, "--out") == 0)
            a->out_dir = val;
        else if (strcmp(arg, "--log") == 0)
            a->log = val;
        else if (strcmp(arg, "--trace") == 0)
            a->trace = val;
        else if (strcmp(arg, "--latencies") == 0)
            a->latencies = val;
        else if (strcmp(arg, "--baseline") == 0)
            a->baseline = val;
        else if (strcmp(arg, "--replications") == 0) {
            if (sim_parse_uint(val, 1, 100000, &a->reps))
                return usage_error("--replications: expected an integer 1..100000, got '%s'", val);
            a->has_reps = true;
        } else if (strcmp(arg, "--seed") == 0) {
            if (sim_parse_uint(val, 0, INT64_MAX, &a->seed))
                return usage_error("--seed: expected an integer 0..2^63-1, got '%s'", val);
            a->has_seed = true;
        } else if (strcmp(arg, "--jobs") == 0) {
            if (sim_parse_uint(val, 1, 1024, &a->jobs))
                return usage_error("--jobs: expected an integer 1..1024, got '%s'", val);
        } else if (strcmp(arg, "--max-events") == 0) {
            if (sim_parse_uint(val, 1, UINT64_MAX, &a->max_events))
                return usage_error("--max-events: expected a positive integer, got '%s'", val);
        } else if (sim_limits_flag(&a->limits, arg, val) != 0) {
            return usage_error("unknown option '%s'", arg);
        }
    }
    if (!a->scenario)
        return usage_error("%s", "missing SCENARIO");
    return 0;
}

/* Opens an atomic output file for --log/--trace, or leaves *o zeroed. */
static int open_opt(sim_outfile *o, const char *path, sim_error *err)
{
    memset(o, 0, sizeof *o);
    return path ? sim_outfile_open(o, path, err) : 0;
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
    if (sim_scenario_load(a.scenario, &a.limits, &s, &err) != 0) {
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
    if (a.out_dir && mkdir(a.out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "dsim: %s: cannot create directory: %s\n", a.out_dir, strerror(errno));
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }

    sim_outfile log, trace, lat;
    int rc = SIM_EXIT_OK;
    memset(&trace, 0, sizeof trace);
    memset(&lat, 0, sizeof lat);
    if (open_opt(&log, a.log, &err) != 0 || open_opt(&trace, a.trace, &err) != 0 ||
        open_opt(&lat, a.latencies, &err) != 0) {
        sim_outfile_abort(&log);
        sim_outfile_abort(&trace);
        sim_error_print(&err);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    if (lat.f)
        fputs("policy,replication,latency_s\n", lat.f);
    sim_run_opts o = {.log = log.f, .trace = trace.f, .latencies = lat.f, .jobs = (int)a.jobs,
                      .max_events = a.max_events};
    sim_results res;
    if (sim_run_all(&s, &o, &res, &err) != 0) {
        sim_error_print(&err);
        rc = SIM_EXIT_USAGE;
        goto done;
    }
    if (a.out_dir) {
        if (write_report_file(a.out_dir, "results.json", SIM_FMT_JSON, &s, &res, base, &err) ||
            write_report_file(a.out_dir, "results.csv", SIM_FMT_CSV, &s, &res, base, &err) ||
            write_report_file(a.out_dir, "table.txt", SIM_FMT_TABLE, &s, &res, base, &err)) {
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
done:
    if (log.f && rc == SIM_EXIT_OK && sim_outfile_commit(&log, &err) != 0) {
        sim_error_print(&err);
        rc = SIM_EXIT_USAGE;
    }
    if (trace.f && rc == SIM_EXIT_OK && sim_outfile_commit(&trace, &err) != 0) {
        sim_error_print(&err);
        rc = SIM_EXIT_USAGE;
    }
    if (lat.f && rc == SIM_EXIT_OK && sim_outfile_commit(&lat, &err) != 0) {
        sim_error_print(&err);
        rc = SIM_EXIT_USAGE;
    }
    sim_outfile_abort(&log);
    sim_outfile_abort(&trace);
    sim_outfile_abort(&lat);
    sim_scenario_free(&s);
    return rc;
}
