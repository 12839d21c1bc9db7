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
#include "scenario.h"
#include "xalloc.h"

#define DIR_FILES_MAX 10000

static void usage(FILE *f)
{
    fputs("usage: dsim validate [--quiet] [LIMIT FLAGS] SCENARIO...\n"
          "Checks each scenario file (or every *.json in a folder) and prints a summary\n"
          "of the world it describes; with --quiet, only errors. Exit 0 when every file\n"
          "is valid, 2 otherwise.\n",
          f);
    for (size_t i = 0; sim_limits_flags_help[i]; i += 2)
        fprintf(f, "  %-22s %s\n", sim_limits_flags_help[i], sim_limits_flags_help[i + 1]);
}

static int validate_file(const char *path, const sim_limits *lim, bool quiet, bool *first)
{
    sim_scenario s;
    sim_error err;
    if (sim_scenario_load(path, lim, &s, &err) != 0) {
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
    bool quiet = false, opts = true;
    int nfiles = 0;
    /* First pass: options (they apply to every file, wherever they stand). */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts || a[0] != '-' || a[1] == '\0') {
            nfiles++;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts = false;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return SIM_EXIT_OK;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else {
            char name[64];
            const char *eq = strchr(a, '=');
            const char *value;
            size_t nl = eq ? (size_t)(eq - a) : strlen(a);
            snprintf(name, sizeof name, "%.*s", (int)(nl < 63 ? nl : 63), a);
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[i + 1];
            else
                value = NULL;
            int rc = sim_limits_flag(&lim, name, value);
            if (rc == 1) {
                char safe[64];
                sim_safe_text(a, safe, sizeof safe);
                return sim_usage_error("validate: unknown option '%s'", safe);
            }
            if (rc < 0) { /* sim_limits_flag said what is wrong */
                fputs("try 'dsim --help'\n", stderr);
                return SIM_EXIT_USAGE;
            }
            if (!eq)
                i++;
        }
    }
    if (nfiles == 0)
        return sim_usage_error("validate: missing scenario file");
    int rc = SIM_EXIT_OK;
    bool first = true;
    opts = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0)
                opts = false;
            else if (strncmp(a, "--max-", 6) == 0 && !strchr(a, '='))
                i++;
            continue;
        }
        struct stat st;
        int one;
        if (stat(a, &st) == 0 && S_ISDIR(st.st_mode))
            one = validate_dir(a, &lim, quiet, &first);
        else
            one = validate_file(a, &lim, quiet, &first);
        if (one != SIM_EXIT_OK)
            rc = one;
    }
    fflush(stdout);
    return rc;
}
