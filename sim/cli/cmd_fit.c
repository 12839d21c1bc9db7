/*
 * cmd_fit.c — `dsim fit LOG... -o SCENARIO.json [--report] [--replications N]`:
 * a scenario from production logs (sim/study/fit.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "fit.h"
#include "opts.h"
#include "scenario.h"
#include "xalloc.h"

enum { O_OUT = 1, O_REPORT, O_REPLICATIONS, O_IGNORE_CENSORING, O_SERIAL_NODES, O_QUIET };

static const sim_opt fit_opts[] = {
    {O_OUT, "out", 'o', SIM_OPT_FILE, "SCENARIO.json", 0, 0, SIM_OPT_REQUIRED,
     "the scenario to write; the trace goes beside it (SCENARIO.trace.csv)",
     "missing -o SCENARIO.json"},
    {O_REPORT, "report", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "print the fits (parameters +- standard errors, AIC, Kaplan-Meier distance) and the "
     "policy evidence",
     NULL},
    /* at most what a scenario may hold without --max-replications: the fitted
     * file loads with no flags (fit.c checks it so) */
    {O_REPLICATIONS, "replications", 0, SIM_OPT_UINT, "N", 1, SIM_LIMIT_REPLICATIONS_DEFAULT, 0,
     "replications of the written scenario (default 10)", NULL},
    {O_IGNORE_CENSORING, "ignore-censoring", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "drop the attempts that timed out or failed instead of fitting them as censored:\n"
     "biased toward fast attempts, for comparison only (the description says so)",
     NULL},
    {O_SERIAL_NODES, "serial-nodes", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "each node runs one attempt at a time (workers 1): fit service times,\n"
     "S = result - max(dispatch, the previous end on the node), not turnarounds",
     NULL},
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_fit = {
    "fit", "a scenario from a log: trace workload, censored service-time fits, preset", "LOG...",
    1, -1, SIM_OPT_FILE, false, false,
    "From logs in the reference's format (or dsim's --log): the utterances replayed\n"
    "(a trace CSV beside the scenario), each node class's dispatch-to-result time\n"
    "fitted with censoring (lognormal, gamma, Weibull by AIC; empirical when none\n"
    "fits the Kaplan-Meier estimate), the preset and timeouts the log shows.\n",
    fit_opts, sim_cmd_fit};

/* The bytes of the logs, for the progress line: 0 (unknown) when one is not a
 * regular file. */
static uint64_t logs_bytes(char **logs, size_t n)
{
    uint64_t total = 0;
    for (size_t k = 0; k < n; k++) {
        struct stat st;
        if (stat(logs[k], &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}

int sim_cmd_fit(int argc, char **argv)
{
    bool quiet = false;
    sim_fit_opts o = {.replications = 10, .summary = stderr};
    char **logs = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *logs);
    sim_optparse p;
    sim_error err = {0};
    sim_opt_init(&p, &sim_spec_fit, argc, argv, NULL, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == O_OUT)
            o.out = p.value;
        else if (id == O_REPORT)
            o.report = stdout;
        else if (id == O_REPLICATIONS)
            o.replications = (int)p.num;
        else if (id == O_IGNORE_CENSORING)
            o.ignore_censoring = true;
        else if (id == O_SERIAL_NODES)
            o.serial_nodes = true;
        else if (id == O_QUIET)
            quiet = true;
        else
            logs[o.n_logs++] = (char *)p.value;
    }
    int rc = p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    if (p.status == 0) {
        o.logs = logs;
        memset(&err, 0, sizeof err);
        o.progress = sim_progress_start("fit", "bytes", logs_bytes(logs, o.n_logs), quiet);
        /* the summary line waits for the progress line's end (on a terminal it
         * would be written over) */
        char *summary = NULL;
        size_t summary_len = 0;
        FILE *held = o.progress ? open_memstream(&summary, &summary_len) : NULL;
        if (held)
            o.summary = held;
        int fitted = sim_fit_logs(&o, &err);
        sim_progress_end(o.progress);
        if (held) {
            fclose(held);
            fwrite(summary, 1, summary_len, stderr);
            free(summary);
        }
        if (fitted != 0) {
            sim_error_print(&err);
            rc = sim_error_exit(&err);
        } else if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "dsim: fit: cannot write standard output: %s\n", strerror(errno));
            rc = SIM_EXIT_USAGE;
        }
    }
    free(logs);
    return rc;
}
