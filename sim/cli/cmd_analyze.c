/*
 * cmd_analyze.c — `dsim analyze LOG... [--format table|json]`: the incident
 * report's evidence from logs in dsim's or the reference's format (analyze.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "commands.h"
#include "opts.h"
#include "xalloc.h"

enum { O_FORMAT = 1 };

static const sim_opt analyze_opts[] = {
    {O_FORMAT, "format", 0, SIM_OPT_CHOICE, "table|json", 0, 0, 0,
     "table (default) or json: one object per log, one per line", NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_analyze = {
    "analyze", "the incident report's evidence from a log (dsim or reference format)", "LOG...",
    1, -1, SIM_OPT_FILE, true, false,
    "Per log: job_id occurrence counts (top jobs, histogram), dispatches per job,\n"
    "dispatch timeouts, failovers, ack-timeout discards with elapsed_ms, deliveries,\n"
    "repeated deliveries where visible, and the time line of the most named job.\n"
    "Every line is checked (README \"Reading a log\"): a bad one is exit 2.\n",
    analyze_opts, sim_cmd_analyze};

int sim_cmd_analyze(int argc, char **argv)
{
    bool json = false, stdin_used = false;
    const char **logs = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *logs);
    size_t n = 0;
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_analyze, argc, argv, NULL, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == O_FORMAT)
            json = strcmp(p.value, "json") == 0;
        else if (strcmp(p.value, "-") == 0 && stdin_used)
            sim_opt_fail(&p, "'-' (the standard input) given twice");
        else {
            stdin_used = stdin_used || strcmp(p.value, "-") == 0;
            logs[n++] = p.value;
        }
    }
    int rc = p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    for (size_t i = 0; i < n && p.status == 0; i++) {
        memset(&err, 0, sizeof err);
        if (sim_analyze_log(strcmp(logs[i], "-") == 0 ? "/dev/stdin" : logs[i], json, stdout,
                            &err) != 0) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        }
    }
    free(logs);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dsim: analyze: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
    return rc;
}
