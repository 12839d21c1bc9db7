/*
 * cmd_validate.c — `dsim validate SCENARIO...`: load each file, print a summary of
 * the world it describes, or every error it holds. Exit 0 when all are valid, 2
 * otherwise.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "scenario.h"
#include "xalloc.h"

#define DIR_FILES_MAX 10000

enum { O_QUIET = 1 };

static const sim_opt validate_opts[] = {
    {O_QUIET, "quiet", 'q', SIM_OPT_FLAG, NULL, 0, 0, 0, "print only errors", NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_validate = {
    "validate", "check scenario files and summarize the world of each", "SCENARIO...", 1, -1,
    SIM_OPT_FILE, true, true,
    "Checks each scenario file (or every *.json in a folder) and prints a summary\n"
    "of the world it describes; with --quiet, only errors. Exit 0 when every file\n"
    "is valid, 2 otherwise.\n",
    validate_opts, sim_cmd_validate};

static int validate_file(const char *path, const sim_limits *lim, bool quiet, bool *first)
{
    sim_scenario s;
    sim_error err;
    if (sim_opt_load_scenario(path, lim, &s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    if (!quiet) {
        if (!*first)
            putchar('\n');
        sim_scenario_print_summary(&s, stdout);
        *first = false;
    }
    sim_scenario_free(&s);
    return SIM_EXIT_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json directly in dir, in byte order of their names. */
static int validate_dir(const char *dir, const sim_limits *lim, bool quiet, bool *first)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "dsim: %s: cannot open folder\n", dir);
        return SIM_EXIT_USAGE;
    }
    char **names = sim_xcalloc(DIR_FILES_MAX, sizeof *names);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < DIR_FILES_MAX) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 && e->d_name[0] != '.' &&
            strcmp(e->d_name, "schema.json") != 0)
            names[n++] = sim_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = SIM_EXIT_OK;
    if (n == 0) {
        fprintf(stderr, "dsim: %s: no *.json scenario files in this folder\n", dir);
        rc = SIM_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = sim_xmalloc(len);
        snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        if (validate_file(path, lim, quiet, first) != SIM_EXIT_OK)
            rc = SIM_EXIT_USAGE;
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int sim_cmd_validate(int argc, char **argv)
{
    sim_limits lim;
    sim_limits_default(&lim);
    bool quiet = false, stdin_used = false;
    const char **files = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *files);
    size_t n = 0;
    /* Options apply to every file, wherever they stand: all are read first. */
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_validate, argc, argv, &lim, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == O_QUIET)
            quiet = true;
        else if (id == SIM_OPT_OPERAND && strcmp(p.value, "-") == 0 && stdin_used)
            sim_opt_fail(&p, "'-' (the standard input) given twice");
        else if (id == SIM_OPT_OPERAND) {
            stdin_used = stdin_used || strcmp(p.value, "-") == 0;
            files[n++] = p.value;
        }
    }
    int rc = p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    bool first = true;
    for (size_t i = 0; i < n && p.status == 0; i++) {
        struct stat st;
        int one;
        if (strcmp(files[i], "-") != 0 && stat(files[i], &st) == 0 && S_ISDIR(st.st_mode))
            one = validate_dir(files[i], &lim, quiet, &first);
        else
            one = validate_file(files[i], &lim, quiet, &first);
        if (one != SIM_EXIT_OK)
            rc = one;
    }
    free(files);
    fflush(stdout);
    return rc;
}
