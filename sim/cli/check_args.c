/* check_args.c — `dsim check`'s command line and its file list (see check.h). */
#include "check.h"
#include "cli.h"
#include "xalloc.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Strict decimal integer in [lo, hi]; no sign games, no trailing text. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
    if (!s || !*s || *s == '+' || *s == ' ')
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* If arg is "--name" or "--name=VALUE", sets *value (NULL for the first form). */
static bool option_is(const char *arg, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '\0') {
        *value = NULL;
        return true;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    return false;
}

/* Options that take a value. */
enum { OPT_JUNIT, OPT_JOBS, OPT_REPLICATIONS, OPT_MAX_EVENTS, OPT_TIMELINE_FILTER, OPT_TIMELINE,
       OPT_VALUED_COUNT };
static const char *const VALUED[OPT_VALUED_COUNT] = {"--junit", "--jobs", "--replications",
                                                     "--max-events", "--timeline-filter",
                                                     "--timeline"};

/* The index in VALUED of the option arg names, or -1. */
static int valued_option(const char *arg, const char **value)
{
    for (int k = 0; k < OPT_VALUED_COUNT; k++)
        if (option_is(arg, VALUED[k], value))
            return k;
    return -1;
}

/* A loader limit flag "--max-X N" or "--max-X=N" at argv[*i]. Returns 0 or -1 (err). */
static int limit_flag(sim_check_opts *o, const char *a, int argc, char **argv, int *i,
                      sim_error *err)
{
    char name[64];
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    if (len >= sizeof name) {
        sim_error_add(err, "check: unknown option '%.64s'", a);
        return -1;
    }
    memcpy(name, a, len);
    name[len] = '\0';
    const char *v = eq ? eq + 1 : NULL;
    if (!v && *i + 1 < argc && argv[*i + 1])
        v = argv[*i + 1];
    /* Validated here so that nothing is printed for a bad value; the loader's
     * function then only says whether the flag exists (given "1" when the value
     * is bad: the options are discarded on error anyway). */
    bool digits = v && *v && strlen(v) <= 19;
    for (const char *c = v; digits && *c; c++)
        digits = *c >= '0' && *c <= '9';
    if (digits && strspn(v, "0") == strlen(v))
        digits = false;
    int rc = sim_limits_flag(&o->limits, name, digits ? v : "1");
    if (rc == 1) {
        sim_error_add(err, "check: unknown option '%.64s'", a);
        return -1;
    }
    if (rc != 0 || !digits) {
        sim_error_add(err, "check: %s: expected a positive integer, got '%.64s'", name,
                      v ? v : "");
        return -1;
    }
    if (!eq)
        (*i)++;
    return 0;
}

int sim_check_parse_args(int argc, char **argv, sim_check_opts *o, sim_error *err)
{
    assert(o && err && argc >= 0 && (argc == 0 || argv));
    memset(o, 0, sizeof *o);
    sim_limits_default(&o->limits);
    o->paths = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *o->paths);
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!a) {
            sim_error_add(err, "check: missing argument %d", i);
            return -1;
        }
        const char *v = NULL;
        int which;
        if (!options || a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->n_paths >= SIM_CHECK_PATHS_MAX) {
                sim_error_add(err, "check: more than %d paths", SIM_CHECK_PATHS_MAX);
                return -1;
            }
            if (a[0] == '\0') {
                sim_error_add(err, "check: empty path");
                return -1;
            }
            o->paths[o->n_paths++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
        } else if (strcmp(a, "--tap") == 0) {
            o->tap = true;
        } else if ((which = valued_option(a, &v)) >= 0) {
            const char *name = VALUED[which];
            if (!v) {
                if (i + 1 >= argc || !argv[i + 1]) {
                    sim_error_add(err, "check: %s needs a value", name);
                    return -1;
                }
                v = argv[++i];
            }
            if (which == OPT_JUNIT) {
                if (!*v) {
                    sim_error_add(err, "check: --junit: expected a file name, got ''");
                    return -1;
                }
                o->junit = v;
            } else if (which == OPT_TIMELINE || which == OPT_TIMELINE_FILTER) {
                if (!*v) {
                    sim_error_add(err, "check: %s: expected a %s, got ''", name,
                                  which == OPT_TIMELINE ? "file name" : "filter");
                    return -1;
                }
                *(which == OPT_TIMELINE ? &o->timeline : &o->timeline_filter) = v;
            } else if (which == OPT_JOBS) {
                if (parse_int(v, 1, SIM_CHECK_JOBS_MAX, &o->jobs) != 0) {
                    sim_error_add(err, "check: --jobs: expected an integer 1..%d, got '%.64s'",
                                  SIM_CHECK_JOBS_MAX, v);
                    return -1;
                }
            } else if (which == OPT_MAX_EVENTS) {
                if (sim_parse_uint(v, 1, UINT64_MAX, &o->max_events) != 0) {
                    sim_error_add(err, "check: --max-events: expected a positive integer, got '%.64s'",
                                  v);
                    return -1;
                }
            } else if (parse_int(v, 1, INT_MAX, &o->replications) != 0) {
                sim_error_add(err, "check: --replications: expected an integer >= 1, got '%.64s'",
                              v);
                return -1;
            }
        } else if (strncmp(a, "--max-", 6) == 0) {
            if (limit_flag(o, a, argc, argv, &i, err) != 0)
                return -1;
        } else {
            sim_error_add(err, "check: unknown option '%.64s'", a);
            return -1;
        }
    }
    if (!o->help && o->n_paths == 0) {
        sim_error_add(err, "check: expected at least one scenario file or folder");
        return -1;
    }
    return 0;
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
