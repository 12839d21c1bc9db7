/*
 * fit.h — `dsim fit`: a scenario from production logs (the reference
 * scheduler's JSON lines, or dsim's own --log).
 *
 * The workload is replayed (a trace CSV beside the scenario); each node class
 * carries the whole dispatch-to-result turnaround of its attempts, fitted with
 * censoring (fit_mle.h): timed-out and failed attempts are right-censored; the
 * policy is the preset whose code wrote the log, with the timeouts it logged.
 */
#ifndef DSIM_FIT_H
#define DSIM_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "progress.h"
#include "sim_error.h"

/* A node with fewer exact observations than this joins the largest class. */
#define SIM_FIT_MIN_EXACT 20
/* A class with fewer exact observations (results) than this gets no fit at
 * all, neither a family nor the empirical fallback, and dsim fit refuses the
 * log (exit 2): the 1 % Kolmogorov-Smirnov bound 1.628 / sqrt(n) that decides
 * whether a family fits is 0.51 at 10 results, and 1.15 at 2, where no
 * distance (at most 1) can fail it. */
#define SIM_FIT_MIN_RESULTS 10
/* Samples of the empirical fallback (Kaplan-Meier quantiles). */
#define SIM_FIT_EMPIRICAL_SAMPLES 200

typedef struct sim_fit_opts {
    char **logs;          /* borrowed */
    size_t n_logs;
    const char *out;      /* SCENARIO.json; the trace goes to SCENARIO.trace.csv */
    int replications;     /* of the written scenario */
    FILE *report;         /* the fits and checks, or NULL for a summary line */
    FILE *summary;        /* where the summary line goes when report is NULL */
    bool ignore_censoring; /* drop the censored attempts (for comparison: biased) */
    bool serial_nodes;    /* each node runs one attempt at a time: fit service times */
    sim_progress *progress; /* counts the logs' bytes as they are read, or NULL */
} sim_fit_opts;

/*
 * Checks the outputs (neither names an input log, neither is a folder), reads
 * the logs, fits, writes the trace CSV and the scenario to temporaries
 * (sim/base/outfile), loads the scenario from them as `dsim validate` does,
 * and only then renames both into place together: on any error neither is
 * written and the files there before are left as they were. Returns 0, or -1
 * with err: an output names an input or cannot be written, a log cannot be
 * read or has a bad line (FILE:LINE), the logs show no utterance, a class has
 * fewer than SIM_FIT_MIN_RESULTS results, a time or audio length no trace can
 * hold, or (internal) the fitted scenario does not load.
 */
int sim_fit_logs(const sim_fit_opts *o, sim_error *err);

#endif
