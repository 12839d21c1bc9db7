/*
 * plot_data.h — the data files dsim computes for its gnuplot scripts (the .gp scripts of plots/)
 * and for `dsim report`: what gnuplot cannot compute from dsim's CSVs alone.
 *
 *   - the paired difference of each sweep line against the baseline policy,
 *     per replication, from sweep.json's per-replication values;
 *   - the latency ECDF per policy over ALL utterances (a lost utterance never
 *     arrives: a policy that loses 15 % plateaus at 0.85), from a latencies CSV
 *     and the run's results.json (the number of utterances);
 *   - words and a unit for a sweep knob, and the scenario's name, for titles.
 *   - a copy of a run or sweep CSV that gnuplot's data reader reads exactly
 *     (a name holding '"', ',' or '\\' is not cut short).
 *
 * Every writer goes through sim_outfile (whole or absent). Each returns 0, or -1
 * with err naming the file and what was wrong.
 */
#ifndef DSIM_PLOT_DATA_H
#define DSIM_PLOT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "sim_error.h"

/* The most points an ECDF curve keeps per policy (evenly spaced in rank, the
 * last one exact: delivered / utterances). */
#define SIM_PLOT_ECDF_POINTS 800

/*
 * Writes out_csv: one row per row of sweep_csv, its leading fields (point, the
 * knobs, policy) copied byte for byte, then duplicates, duplicates_ci95, lost,
 * lost_ci95, duplicate_rate, duplicate_rate_ci95, lost_rate, lost_rate_ci95 as
 * the mean and 95 % half-width of the per-replication differences against the
 * reference: the baseline policy at the same point, or — when the x knob `xknob`
 * is one of the baseline's own keys (policies.BASELINE.…) — the baseline at the
 * first point with the same values of the other knobs (the knob's first value).
 * Every sweep point runs the same seeds, so the differences are paired.
 * *baseline receives the baseline's name (size bytes), *self whether the
 * reference is the baseline's own first value. Returns 0 or -1 (err).
 */
int sim_plot_paired_csv(const char *sweep_csv, const char *sweep_json, const char *xknob,
                        const char *out_csv, char *baseline, size_t size, bool *self,
                        sim_error *err);

/*
 * Writes out_csv, the copy of a run, sweep or paired CSV (csv) that dsim's
 * scripts read: every field, header and rows, unquoted (RFC 4180) and spelled so
 * that gnuplot's data reader (strcol, columnhead, column("NAME")) gives it back
 * exactly: '"', '\' and ',' as \042, \134 and \054 (the reader cuts a field at
 * '"' and ',' whatever the quoting and takes '\' for an escape), a field's
 * leading spaces as \040 (it skips them), a '#' starting a field as \043 (a line
 * starting with it is a comment), a field "NaN" as \116aN (the scripts read NaN as
 * missing), and an octal digit right after an escape as one too (the decoder
 * reads all the octal digits after a '\'). A CSV with none of these is copied
 * byte for byte. The user's CSV stays as written. Returns 0 or -1 (err).
 */
int sim_plot_gp_csv(const char *csv, const char *out_csv, sim_error *err);

/*
 * Writes out_tsv: for each policy of lat_csv (policy,replication,latency_s; in
 * order of first appearance) a block "latency_s TAB fraction TAB policy" (the
 * policy as gnuplot's data reader reads it back exactly, spelled as
 * sim_plot_gp_csv spells a field but for ',', which a tab-separated table need
 * not escape), blocks
 * separated by two blank lines: the ECDF at up to SIM_PLOT_ECDF_POINTS latencies,
 * then a last row at the largest latency of all policies, so a plateau shows.
 * The fraction's denominator is the run's utterances, from results_json
 * (dsim run --out's results.json: the sum of each policy's utterances.values),
 * checked against it: each policy's delivered values sum to its rows, and a
 * policy of results.json without rows delivered nothing; the blocks then follow
 * results.json's policies, and one that delivered nothing is a block at fraction 0
 * (at the smallest and largest latency of the others; one row with an empty
 * latency when no policy delivered anything). With results_json NULL, or when it
 * does not match, the policies and the denominator are the rows themselves
 * (delivered utterances only), *over_all = false and `why` (size bytes) says why;
 * a file without rows then gives an empty out_tsv. Returns the number of
 * policies (0: nothing to draw but an empty frame), or -1 (err).
 */
int sim_plot_ecdf(const char *lat_csv, const char *results_json, const char *out_tsv,
                  bool *over_all, char *why, size_t size, sim_error *err);

/* The knob in words with its unit, then on a second line what it does
 * ("fenced dispatch timeout (s)\n(no result this long after a dispatch: cancel
 * and fail over)"), from a table of the known keys; an unknown key is given as
 * its path (with "(s)" when it ends in _s). Writes buf (size bytes). */
void sim_plot_knob_words(const char *knob, char *buf, size_t size);

/* The "scenario" name of a dsim JSON (results.json, sweep.json) in buf; false
 * when the file cannot be read or has none. */
bool sim_plot_scenario_name(const char *json_path, char *buf, size_t size);

/* The CSVs dsim plot draws. */
typedef enum { SIM_PLOT_RUN, SIM_PLOT_SWEEP, SIM_PLOT_LATENCIES } sim_plot_kind;

/*
 * Reads all of csv and checks that it is whole and is a CSV dsim plot can draw,
 * before anything is drawn or written: a header of dsim run (policy,...: with the
 * columns the scripts draw), dsim sweep (point, the knobs, policy, ...) or
 * dsim run --latencies (policy,replication,latency_s,...); every line ends with a
 * newline (the last one too: a file cut short is refused); every row has the
 * header's number of fields; point, replication(s) and schema_version are
 * integers, policy, the knobs and dsim_version are not empty, latency_s is a
 * decimal number >= 0 and every other column a decimal number or empty (not
 * measured). A shard of a sweep (dsim sweep --shard) is refused: it holds part of
 * the sweep, the merged CSV is what to draw. A run or sweep CSV needs a row; a
 * latencies CSV may have none (nothing was delivered). Returns 0 with *kind, or
 * -1 with err naming FILE:LINE and what was expected.
 */
int sim_plot_csv_check(const char *csv, sim_plot_kind *kind, sim_error *err);

/* Splits one CSV line into fields (RFC 4180 quotes honoured, a doubled quote is
 * one quote), each unquoted into fields[i] (width bytes each, cut if longer);
 * ends[i] receives the byte offset just past field i in line. Returns the
 * number of fields (at most max). */
size_t sim_plot_csv_fields(const char *line, char *fields, size_t width, size_t *ends,
                           size_t max);

/* ---- the worst session window of a timeline (plot_timeline.c) ---- */

/* The width of the window drawn, in simulated seconds. */
#define SIM_PLOT_TIMELINE_WINDOW_S 120.0

/*
 * From a dsim timeline (--timeline FILE: Chrome trace-event JSON), the worst
 * session of any run — the most lost utterances (never_delivered) x 3 plus
 * duplicate deliveries plus ack-timeout discards — and in it the window of
 * SIM_PLOT_TIMELINE_WINDOW_S seconds with the most trouble (of that session:
 * duplicate deliveries x 4, ack-timeout discards and errors x 2, dispatch
 * timeouts and cancels x 1). Writes, for
 * plots/timeline.gp:
 *   PREFIX.bars.tsv   y t0 t1 outcome-class label: each attempt of the session
 *                     that overlaps the window, on the row of its node worker
 *                     (classes 1 delivered, 2 duplicate, 3 discarded, 4 stopped:
 *                     aborted/superseded/crashed/refused/skipped/dropped, 5 other;
 *                     label "job-… #A", with " LOST" when the utterance was never
 *                     delivered)
 *   PREFIX.marks.tsv  y t kind: the scheduler's and the client's instants of the
 *                     session (kinds 1 delivery, 2 duplicate delivery, 3 ack-
 *                     timeout discard, 4 dispatch timeout, 5 cancel sent, 6 error,
 *                     7 failover dispatched)
 *   PREFIX.meta.gp    gnuplot settings: the y tics (row names), the x range, and
 *                     the title's words (the run, the session, what it lost)
 * Returns 0; 1 when the timeline has no attempt (nothing written); -1 (err).
 */
int sim_plot_timeline(const char *timeline_json, const char *prefix, sim_error *err);

#endif
