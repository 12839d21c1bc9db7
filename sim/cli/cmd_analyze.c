/*
 * cmd_analyze.c — `dsim analyze LOG... [--format table|json]`: the incident
 * report's evidence from logs in dsim's or the reference's format (analyze.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "commands.h"

static const char analyze_usage[] =
    "usage: dsim analyze LOG... [--format table|json]\n"
    "  per log: job_id occurrence counts (top jobs, histogram), dispatches per job,\n"
    "  dispatch timeouts, failovers, ack-timeout discards with elapsed_ms, repeated\n"
    "  deliveries where visible, and the time line of the most named job.\n"
    "  json: one object per log, one per line.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("dsim: analyze: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\ntry 'dsim --help'\n", stderr);
    return SIM_EXIT_USAGE;
}

int sim_cmd_analyze(int argc, char **argv)
{
    const char *format = "table";
    int n_logs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(analyze_usage, stdout);
            return SIM_EXIT_OK;
        }
        if (strcmp(argv[i], "--format") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", argv[i]);
            format = argv[++i];
        } else if (strncmp(argv[i], "--", 2) == 0) {
            return usage_error("unknown option '%s'", argv[i]);
        } else {
            n_logs++;
        }
    }
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "table") != 0)
        return usage_error("--format: expected table or json, got '%s'", format);
    if (n_logs == 0)
        return usage_error("%s", "missing LOG");
    int rc = SIM_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0) {
            i++;
            continue;
        }
        sim_error err = {0};
        if (sim_analyze_log(argv[i], json, stdout, &err) != 0) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dsim: analyze: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
    return rc;
}
