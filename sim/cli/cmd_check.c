/*
 * cmd_check.c — `dsim check`: run each scenario, evaluate its expectations,
 * print PASS / FAIL lines (or TAP), write JUnit XML, exit 0 / 1 / 2.
 */
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "commands.h"
#include "expect.h"
#include "junit.h"
#include "opts.h"
#include "outfile.h"
#include "run.h"
#include "timeline.h"


/* Where the results go, and what they added up to. */
typedef struct check_ctx {
    const sim_check_opts *opts;
    sim_junit *junit;   /* NULL without --junit */
    size_t passed, failed, errors;
    size_t tap_number;  /* TAP tests so far */
    bool suite_open;    /* the current file has its JUnit testsuite */
    FILE *timeline;     /* --timeline, or NULL */
    const char *timeline_dir; /* where its spools go (NULL: the temporary folder) */
    sim_tl_filter tl_filter;
    uint64_t tl_runs;   /* runs of the files before: the next file's pids follow them */
    bool bad_input;
    bool internal;      /* a run failed by dsim's own fault: exit 3 */
} check_ctx;

/* Joins the stored messages of err into one text, one per line. */
static void error_text(const sim_error *err, char *buf, size_t size)
{
    size_t w = 0;
    buf[0] = '\0';
    int stored = err->count < SIM_ERR_MAX ? err->count : SIM_ERR_MAX;
    for (int i = 0; i < stored && w + 1 < size; i++) {
        int k = snprintf(buf + w, size - w, "%s%s", i ? "\n" : "", err->msg[i]);
        if (k < 0)
            break;
        w += (size_t)k;
    }
    if (err->count > stored && w + 1 < size)
        snprintf(buf + w, size - w, "\n(%d more errors)", err->count - stored);
}

/* A scenario that could not be loaded or run: messages on stderr, one error in
 * the count and the reports (in the file's testsuite, started here if the file
 * has none yet). The message names the path once: the loader's and the run's
 * messages already start with it. */
static void report_error(check_ctx *c, const char *file, const char *what,
                         const sim_error *err)
{
    sim_error_print(err);
    c->bad_input = true;
    c->internal = c->internal || err->internal;
    c->errors++;
    char text[SIM_ERR_MAX * 512 + 64];
    error_text(err, text, sizeof text);
    char message[600];
    size_t fl = strlen(file);
    if (err->count && strncmp(err->msg[0], file, fl) == 0 && err->msg[0][fl] == ':')
        snprintf(message, sizeof message, "%s", err->msg[0]);
    else
        snprintf(message, sizeof message, "%s: %s", file, err->count ? err->msg[0] : what);
    if (c->junit) {
        if (!c->suite_open)
            sim_junit_suite(c->junit, file, file);
        c->suite_open = true;
        sim_junit_error(c->junit, what, message, text);
    }
    if (c->opts->tap) {
        const char *keys[] = {"file", "message"};
        const char *values[] = {file, text};
        char desc[600];
        snprintf(desc, sizeof desc, "%s: %s", file, what);
        sim_tap_result(stdout, ++c->tap_number, false, desc, keys, values, 2);
    }
}

static void report_item(check_ctx *c, const sim_scenario *s, const sim_expect_item *it)
{
    char what[512], measured[256];
    sim_expect_describe(s, it, what, sizeof what);
    sim_expect_measured(s, it, measured, sizeof measured);
    if (it->pass)
        c->passed++;
    else
        c->failed++;
    const sim_expect *e = &s->expects[it->expect];
    const char *on = sim_expect_on_name(e->on);
    char mean[64], hw[64], lo[64], hi[64], value[64], reps[32];
    sim_expect_number(it->summary.mean, 6, mean, sizeof mean);
    sim_expect_number(it->summary.half_width, 6, hw, sizeof hw);
    sim_expect_number(it->summary.min, 6, lo, sizeof lo);
    sim_expect_number(it->summary.max, 6, hi, sizeof hi);
    sim_expect_number(it->value, 6, value, sizeof value);
    snprintf(reps, sizeof reps, "%zu", it->reps); /* run; summary.n: with a value */
    char line[900];
    snprintf(line, sizeof line, "%s: %s", what, measured);

    if (c->opts->tap) {
        const char *keys[] = {"scenario", "file",   "policy", "metric",     "on",  "expected",
                              "value",    "mean",   "ci95",     "min", "max", "replications"};
        char expected[256];
        sim_expect_bounds(e, expected, sizeof expected);
        const char *values[] = {s->name, s->path ? s->path : "", s->policies[it->policy].name,
                                e->metric, on, expected, value, mean, hw, lo, hi, reps};
        sim_tap_result(stdout, ++c->tap_number, it->pass, line, keys, values,
                       it->pass ? 0 : sizeof keys / sizeof keys[0]);
    } else {
        printf("%s %s\n", it->pass ? "PASS" : "FAIL", line);
    }
    if (c->junit) {
        if (it->pass) {
            sim_junit_case(c->junit, what, NULL, NULL);
        } else {
            char message[1024], detail[2048];
            if (it->summary.n == 0) /* nothing measured: `measured` says why */
                snprintf(message, sizeof message, "%s: %s", what, measured);
            else
                snprintf(message, sizeof message, "%s: measured %s over %s replications",
                         what, measured, reps);
            snprintf(detail, sizeof detail,
                     "expected: %s\nmeasured: %s (%s)\nmean: %s\nci95 (95%% CI half-width): %s\n"
                     "min: %s\nmax: %s\nreplications: %s\nscenario: %s (%s)\n",
                     what, value, on, mean, hw, lo, hi, reps, s->name,
                     s->path ? s->path : "");
            sim_junit_case(c->junit, what, message, detail);
        }
    }
}

/* A run broke a built-in invariant: one failed test (the run stopped there, so
 * its expectations are not evaluated). */
static void report_broken(check_ctx *c, const sim_error *err)
{
    c->failed++;
    char line[600];
    snprintf(line, sizeof line, "built-in invariants: %s", err->msg[0]);
    if (c->opts->tap)
        sim_tap_result(stdout, ++c->tap_number, false, line, NULL, NULL, 0);
    else
        printf("FAIL %s\n", line);
    if (c->junit)
        sim_junit_case(c->junit, "built-in invariants", line, err->msg[0]);
}

/* "N policies x R replications", in the singular where one. */
static const char *plan_text(const sim_scenario *s, char *buf, size_t size)
{
    snprintf(buf, size, "%zu polic%s x %d replication%s", s->n_policies,
             s->n_policies == 1 ? "y" : "ies", s->replications, s->replications == 1 ? "" : "s");
    return buf;
}

/* A file without expectations ran: one passing test. */
static void report_ran(check_ctx *c, const sim_scenario *s)
{
    c->passed++;
    char line[600], plan[64];
    snprintf(line, sizeof line, "%s runs (no expectations): %s", s->name,
             plan_text(s, plan, sizeof plan));
    if (c->opts->tap)
        sim_tap_result(stdout, ++c->tap_number, true, line, NULL, NULL, 0);
    else
        printf("PASS %s\n", line);
    if (c->junit)
        sim_junit_case(c->junit, "runs (no expectations)", NULL, NULL);
}

/* A run that failed part-way left its records so far in --timeline (they show
 * what went wrong): say so, as run does for its streams. */
static void timeline_kept_note(const check_ctx *c, const sim_scenario *s)
{
    if (c->timeline)
        fprintf(stderr,
                "dsim: keeping %s: %s's runs before its failed run whole, then the failed run's "
                "records up to its error (partial)\n",
                c->opts->timeline, s->name);
}

/* Loads, runs and checks one scenario file (a file without expectations is run
 * and passes if it runs). */
static void check_file_body(check_ctx *c, const char *file)
{
    c->suite_open = false;
    sim_scenario s;
    memset(&s, 0, sizeof s);
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_scenario_load(file, &c->opts->limits, &s, &err) != 0) {
        report_error(c, file, "could not load", &err);
        return;
    }
    if (c->opts->replications > 0 &&
        sim_scenario_override(&s, (unsigned long long)c->opts->replications, false, 0, &err) != 0) {
        report_error(c, file, "could not load", &err);
        sim_scenario_free(&s);
        return;
    }
    sim_expect_item *items = NULL;
    size_t n = 0;
    if (sim_expect_plan(&s, &items, &n, &err) != 0) {
        report_error(c, file, "could not load", &err);
        sim_scenario_free(&s);
        return;
    }
    char plan[64];
    printf("%s %s (%s): %s\n", c->opts->tap ? "#" : "==", s.name, file,
           plan_text(&s, plan, sizeof plan));
    if (c->junit) {
        sim_junit_suite(c->junit, s.name, file);
        c->suite_open = true;
    }
    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.jobs = c->opts->jobs;
    ro.max_events = c->opts->max_events;
    ro.command = "dsim check";
    ro.invariants = true; /* the built-in trace invariants (invariants.h): a FAIL when broken */
    ro.timeline = c->timeline;
    ro.timeline_filter = &c->tl_filter;
    ro.timeline_dir = c->timeline_dir;
    ro.timeline_pid_base = c->tl_runs;
    c->tl_runs += s.n_policies * (uint64_t)s.replications;
    sim_results res;
    memset(&res, 0, sizeof res);
    fflush(stdout); /* the "==" line before a live progress line on the same terminal */
    char label[80];
    snprintf(label, sizeof label, "check %s", s.name);
    ro.progress = sim_progress_start(label, "utterances", sim_run_progress_units(&s, &ro),
                                     c->opts->quiet);
    int rc = sim_run_all(&s, &ro, &res, &err);
    sim_progress_end(ro.progress);
    if (rc == SIM_FAIL_INVARIANT) {
        report_broken(c, &err);
        timeline_kept_note(c, &s);
    } else if (rc != 0) {
        report_error(c, file, "could not run", &err);
        timeline_kept_note(c, &s);
    } else if (n == 0) {
        report_ran(c, &s);
    } else {
        sim_expect_eval(&s, &res, items, n);
        for (size_t k = 0; k < n; k++)
            report_item(c, &s, &items[k]);
    }
    fflush(stdout);
    sim_results_free(&res);
    free(items);
    sim_scenario_free(&s);
}

/* Monotonic wall-clock seconds: the JUnit time of a file's suite. */
static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* check_file_body, timed: the suite it opened gets the seconds it took. */
static void check_file(check_ctx *c, const char *file)
{
    double t0 = wall_s();
    c->suite_open = false;
    check_file_body(c, file);
    if (c->junit && c->suite_open)
        sim_junit_suite_time(c->junit, wall_s() - t0);
}

/* --junit and --timeline must not replace a scenario being read or each other:
 * refused before anything runs. Returns 0, or -1 after the message. */
static int outputs_check(const sim_check_opts *o)
{
    const char *opt[2] = {"--junit", "--timeline"};
    const char *out[2] = {o->junit, o->timeline};
    if (out[0] && out[1] && sim_outputs_clash(out[0], out[1])) {
        fprintf(stderr,
                "dsim: check: --junit %s and --timeline %s name the same file: one would "
                "replace the other; give each its own path\n",
                out[0], out[1]);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < o->n_paths && rc == 0; i++) {
        char **files = NULL;
        size_t n = 0;
        sim_error ignored; /* reported when the path's turn comes */
        memset(&ignored, 0, sizeof ignored);
        sim_check_expand_path(o->paths[i], &files, &n, &ignored);
        for (size_t k = 0; k < n; k++) {
            for (int j = 0; j < 2 && rc == 0; j++)
                if (out[j] && sim_path_same(out[j], files[k])) {
                    fprintf(stderr,
                            "dsim: check: %s %s names %s, a scenario being checked: it would "
                            "replace it; write it elsewhere\n",
                            opt[j], out[j], files[k]);
                    rc = -1;
                }
            free(files[k]);
        }
        free(files);
    }
    return rc;
}

int sim_cmd_check(int argc, char **argv)
{
    sim_check_opts opts;
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_check_parse_args(argc, argv, &opts, &err) != 0) {
        sim_error_print(&err);
        fputs("try 'dsim check --help'\n", stderr);
        sim_check_opts_free(&opts);
        return SIM_EXIT_USAGE;
    }
    if (opts.help) {
        sim_cmd_help(&sim_spec_check, stdout);
        sim_check_opts_free(&opts);
        return SIM_EXIT_OK;
    }
    if (outputs_check(&opts) != 0) {
        sim_check_opts_free(&opts);
        return SIM_EXIT_USAGE;
    }
    /* Open the report first, so an unwritable path fails before anything runs. */
    sim_outfile report;
    memset(&report, 0, sizeof report);
    if (opts.junit && sim_outfile_open(&report, opts.junit, &err) != 0) {
        sim_error_print(&err);
        sim_check_opts_free(&opts);
        return SIM_EXIT_USAGE;
    }
    check_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = &opts;
    sim_tl_filter_all(&c.tl_filter);
    sim_outfile tl;
    memset(&tl, 0, sizeof tl);
    char tl_dir[4096];
    if ((opts.timeline_filter && !opts.timeline) ||
        (opts.timeline_filter && sim_tl_filter_parse(opts.timeline_filter, &c.tl_filter, &err)) ||
        (opts.timeline && sim_outfile_open(&tl, opts.timeline, &err) != 0)) {
        if (!err.count)
            sim_error_add(&err, "check: --timeline-filter needs --timeline FILE");
        sim_error_print(&err);
        if (opts.junit)
            sim_outfile_abort(&report);
        sim_check_opts_free(&opts);
        return SIM_EXIT_USAGE;
    }
    if (opts.timeline) {
        c.timeline = tl.f;
        c.timeline_dir = tl.tmp ? sim_path_dir(opts.timeline, tl_dir, sizeof tl_dir) : NULL;
        sim_tl_head(tl.f, "check");
    }
    if (opts.junit)
        c.junit = sim_junit_new("dsim check");
    if (opts.tap)
        sim_tap_header(stdout);

    for (size_t i = 0; i < opts.n_paths; i++) {
        char **files = NULL;
        size_t n_files = 0;
        memset(&err, 0, sizeof err);
        double t0 = wall_s();
        if (sim_check_expand_path(opts.paths[i], &files, &n_files, &err) != 0) {
            c.suite_open = false;
            report_error(&c, opts.paths[i], "no scenario", &err);
            if (c.junit)
                sim_junit_suite_time(c.junit, wall_s() - t0);
        }
        for (size_t k = 0; k < n_files; k++) {
            check_file(&c, files[k]);
            free(files[k]);
        }
        free(files);
    }

    if (opts.tap) {
        sim_tap_plan(stdout, c.tap_number);
        printf("# %zu passed, %zu failed, %zu errors\n", c.passed, c.failed, c.errors);
    } else {
        printf("%zu passed, %zu failed, %zu errors\n", c.passed, c.failed, c.errors);
    }
    int rc = c.internal    ? SIM_EXIT_INTERNAL
             : c.bad_input ? SIM_EXIT_USAGE
             : c.failed    ? SIM_EXIT_FAIL
                           : SIM_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("dsim: check: cannot write the report to standard output\n", stderr);
        rc = SIM_EXIT_USAGE;
    }
    if (c.timeline) {
        memset(&err, 0, sizeof err);
        fputs(SIM_TL_TAIL, tl.f);
        if (sim_outfile_commit(&tl, &err) != 0) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        }
    }
    if (c.junit) {
        memset(&err, 0, sizeof err);
        sim_junit_write(c.junit, report.f); /* a stream error is caught by the commit */
        if (sim_outfile_commit(&report, &err) != 0) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        }
        sim_junit_free(c.junit);
    }
    sim_check_opts_free(&opts);
    return rc;
}
