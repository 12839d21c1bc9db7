/*
 * check.h — `dsim check`: run scenarios and evaluate their expectations.
 *
 *   dsim check FILE|DIR... [--junit FILE] [--tap] [--jobs N] [--replications N]
 *              [--timeline FILE [--timeline-filter TEXT]]
 *              [--max-events N] [--max-... N]
 *
 * The command itself is sim_cmd_check() (commands.h). Its argument parser is
 * exported so that it can be tested and fuzzed in-process: it never exits and
 * never touches files.
 */
#ifndef DSIM_CHECK_H
#define DSIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/* Bounds on what the command line may ask for. */
#define SIM_CHECK_JOBS_MAX 1024
#define SIM_CHECK_PATHS_MAX 10000

typedef struct sim_check_opts {
    const char **paths; /* owned array of borrowed argv strings: files and folders */
    size_t n_paths;
    const char *junit;  /* --junit FILE, borrowed from argv, or NULL */
    const char *timeline, *timeline_filter; /* --timeline FILE, --timeline-filter TEXT, or NULL */
    bool tap;           /* --tap */
    bool quiet;         /* --quiet: no progress on stderr */
    bool help;          /* --help / -h: print usage, do nothing else */
    int jobs;           /* --jobs N (1..SIM_CHECK_JOBS_MAX), 0 = all cores */
    int replications;   /* --replications N, 0 = as in each scenario */
    unsigned long long max_events; /* --max-events N per replication, 0 = the default budget */
    sim_limits limits;  /* defaults, raised by the --max-... flags (sim_limits_flag) */
} sim_check_opts;

/*
 * Parses argv (argv[0] = "check") into *o. Options and paths may come in any
 * order; "--" ends options; "--opt=VALUE" equals "--opt VALUE"; the loader's limit
 * flags (--max-nodes N, ...) are accepted too. Returns 0, or -1
 * with a usage message in err ("check: --jobs: expected an integer 1..1024, got
 * 'x'"); either way the caller calls sim_check_opts_free(o). Without --help at
 * least one path is required.
 */
int sim_check_parse_args(int argc, char **argv, sim_check_opts *o, sim_error *err);

void sim_check_opts_free(sim_check_opts *o);

/*
 * Expands `path` into the scenario files it names: a file is itself; a folder
 * gives each regular "*.json" in it except "schema.json", sorted by name
 * (strcmp), not descending into subfolders. Appends owned strings to
 * *files (realloc'd, *n updated). Returns 0, or -1 with err filled (missing
 * path, unreadable folder, a folder without scenario files).
 */
int sim_check_expand_path(const char *path, char ***files, size_t *n, sim_error *err);

#endif
