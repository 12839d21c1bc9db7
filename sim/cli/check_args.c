/* check_args.c — `dsim check`'s command line and its file list (see check.h). */
#include "check.h"
#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "xalloc.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { O_JUNIT = 1, O_TAP, O_TIMELINE, O_TIMELINE_FILTER, O_JOBS, O_REPS, O_MAX_EVENTS, O_QUIET };

static const sim_opt check_opts[] = {
    {O_JUNIT, "junit", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "also write a JUnit XML report (a testsuite per file)", NULL},
    {O_TAP, "tap", 0, SIM_OPT_FLAG, NULL, 0, 0, 0, "print TAP version 13 instead of PASS / FAIL lines",
     NULL},
    {O_TIMELINE, "timeline", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "also write every run as a Chrome trace-event file (Perfetto)", NULL},
    {O_TIMELINE_FILTER, "timeline-filter", 0, SIM_OPT_TEXT, "FILTER", 0, 0, 0,
     "policy=NAME,replication=R,session=S,from=SECONDS,to=SECONDS: keep only\n"
     "those runs, sessions and times in the timeline",
     NULL},
    {O_JOBS, "jobs", 'j', SIM_OPT_UINT, "N", 1, SIM_CHECK_JOBS_MAX, 0,
     "run on N threads (default: all cores)", NULL},
    {O_REPS, "replications", 0, SIM_OPT_UINT, "N", 1, SIM_LIMIT_REPLICATIONS_CEIL, 0,
     "override each scenario's replications", NULL},
    SIM_OPT_MAX_EVENTS(O_MAX_EVENTS),
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_check = {
    "check", "run scenarios and check their \"expect\" blocks (CI)", "FILE|DIR...", 1, -1,
    SIM_OPT_FILE, false, true,
    "Runs each scenario (a folder: every *.json in it but schema.json) and checks\n"
    "its \"expect\" block. Prints a PASS or FAIL line per expectation and policy; a\n"
    "file without \"expect\" is run too and is one test that passes if it runs. A file\n"
    "that cannot be loaded or run is an error. Then 'N passed, M failed, K errors'.\n"
    "Exit 0: all passed; 1: one failed; 2: an error (bad input).\n",
    check_opts, sim_cmd_check};

int sim_check_parse_args(int argc, char **argv, sim_check_opts *o, sim_error *err)
{
    assert(o && err && argc >= 0 && (argc == 0 || argv));
    memset(o, 0, sizeof *o);
    sim_limits_default(&o->limits);
    o->paths = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *o->paths);
    sim_optparse p;
    sim_opt_init(&p, &sim_spec_check, argc, argv, &o->limits, err, false);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        const char *v = p.value;
        switch (id) {
        case SIM_OPT_OPERAND:
            if (o->n_paths >= SIM_CHECK_PATHS_MAX)
                sim_opt_fail(&p, "more than %d paths", SIM_CHECK_PATHS_MAX);
            else
                o->paths[o->n_paths++] = v;
            break;
        case O_JUNIT: o->junit = v; break;
        case O_TAP: o->tap = true; break;
        case O_TIMELINE: o->timeline = v; break;
        case O_TIMELINE_FILTER:
            if (!*v)
                sim_opt_fail(&p, "--timeline-filter: expected a filter, got ''");
            o->timeline_filter = v;
            break;
        case O_JOBS: o->jobs = (int)p.num; break;
        case O_REPS: o->replications = (int)p.num; break;
        case O_MAX_EVENTS: o->max_events = p.num; break;
        case O_QUIET: o->quiet = true; break;
        default: break;
        }
    }
    char hint[SIM_LIMITS_HINT_CAP];
    if (p.status == 0 && o->replications > 0 &&
        (uint64_t)o->replications > o->limits.max_replications)
        sim_opt_fail(&p, "--replications: %d, more than the limit of %" PRIu64 " (%s)",
                     o->replications, o->limits.max_replications,
                     sim_limits_hint("--max-replications", o->limits.max_replications, hint,
                                     sizeof hint));
    o->help = p.status == SIM_OPT_HELPED;
    return p.status == SIM_EXIT_USAGE ? -1 : 0;
}

void sim_check_opts_free(sim_check_opts *o)
{
    if (!o)
        return;
    free(o->paths);
    memset(o, 0, sizeof *o);
    sim_limits_default(&o->limits);
}

static char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    bool slash = a > 0 && dir[a - 1] == '/';
    char *p = sim_xmalloc(a + b + 2);
    memcpy(p, dir, a);
    if (!slash)
        p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}

static void append(char ***files, size_t *n, char *path)
{
    char **f = sim_xrealloc(*files, (*n + 1) * sizeof **files);
    f[(*n)++] = path;
    *files = f;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_scenario_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0 &&
           strcmp(name, "schema.json") != 0;
}

int sim_check_expand_path(const char *path, char ***files, size_t *n, sim_error *err)
{
    assert(path && files && n && err);
    struct stat st;
    if (stat(path, &st) != 0) {
        sim_error_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (*n >= SIM_CHECK_PATHS_MAX) {
            sim_error_add(err, "%s: more than %d scenario files", path, SIM_CHECK_PATHS_MAX);
            return -1;
        }
        append(files, n, sim_xstrdup(path));
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        sim_error_add(err, "%s: cannot read folder: %s", path, strerror(errno));
        return -1;
    }
    size_t first = *n;
    int rc = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (!is_scenario_name(ent->d_name))
            continue;
        char *p = path_join(path, ent->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (*n >= SIM_CHECK_PATHS_MAX) {
            sim_error_add(err, "%s: more than %d scenario files", path, SIM_CHECK_PATHS_MAX);
            free(p);
            rc = -1;
            break;
        }
        append(files, n, p);
    }
    closedir(d);
    if (rc == 0 && *n == first) {
        sim_error_add(err, "%s: no scenario files (*.json) in this folder", path);
        rc = -1;
    }
    if (*n > first)
        qsort(*files + first, *n - first, sizeof **files, cmp_str);
    return rc;
}
