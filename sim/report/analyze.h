/*
 * analyze.h — `dsim analyze`: the incident report's evidence from a log, in
 * dsim's own format (`--log`) or the reference scheduler's (`--log-format
 * lingua`, or a production scheduler.log).
 */
#ifndef DSIM_ANALYZE_H
#define DSIM_ANALYZE_H

#include <stdbool.h>
#include <stdio.h>

#include "scenario.h" /* sim_error */

#include "logread.h" /* SIM_LOG_MAX_LINE: a longer line is an error */
/* Unrecognised lines named in the output (all are counted). */
#define SIM_ANALYZE_NAMED 20
/* Top jobs listed, and lines of the worst job's time line. */
#define SIM_ANALYZE_TOP 10
#define SIM_ANALYZE_TIMELINE 200

/*
 * Reads the log at `path` and prints its evidence to `out`: a table, or (json)
 * one JSON object on one line. Returns 0, or -1 with err naming the file, the
 * line and (for JSON errors) the column: the file cannot be read, a line is
 * longer than SIM_LOG_MAX_LINE, is not JSON or breaks sim_logread_line's rules,
 * or no line is of either format. Nothing is printed for a file that fails.
 */
int sim_analyze_log(const char *path, bool json, FILE *out, sim_error *err);

#endif
