/*
 * sweep.h — parameter sweeps: every point of a cross product of knob values,
 * every policy and replication at each point, points run in parallel.
 *
 * A knob is a path into the scenario ("policies.fenced.dispatch_timeout_s",
 * "nodes[0].count"), a world or policy parameter (sim_sweep_check_params), and a
 * list of textual values, none twice. Points are numbered 0..P-1 in
 * nested-loop order: the first knob varies slowest, the last fastest. Every point
 * uses the scenario's seed, so two points differ only by their knobs (common
 * random numbers across the whole sweep).
 *
 * Output in DIR (default "out"), each file written atomically:
 *   sweep.csv    header, then one row per point x policy: point, one column per
 *                knob, then the columns of a run's CSV (report.h)
 *   sweep.json   {"scenario", "seed", "replications", "baseline", "knobs": [...],
 *                 "points": [{"point", "knobs": {KEY: value}, "policies": [...]}]}
 *   points/pI.json  the raw results of point I, written as soon as it finishes:
 *                what an interrupted sweep keeps and what --resume reuses (only
 *                when made by the same sweep: opts.scenario_hash, which covers the
 *                scenario text and the files it reads, seed, replications, policies,
 *                knobs and dsim version; a file of this sweep that is cut or holds
 *                impossible values is an error, not recomputed)
 * With --shard I/N only the points with index % N == I-1 run, and the outputs
 * are sweep-I-of-N.csv / .json, so shards may share one folder. When there are
 * fewer points than shards, each point is cut into K = min(replications,
 * ceil(N / points)) replication ranges (sim_sweep_slices) and the unit of work is
 * (point, range): unit u = point * K + range runs in shard u % N + 1. Such a shard
 * writes no mean rows but one SIM_SWEEP_PART_LINE per unit and policy: the raw
 * per-replication values (17 significant digits), from which merge computes the
 * rows (and sweep.json) of the unsharded sweep, byte for byte. A shard's CSV
 * ends with one more line, SIM_SWEEP_SHARD_LINE: which shard of how many, the
 * sweep's size, seed and replications and its fingerprint (the hash that also
 * guards --resume); its JSON has the same under "shard". sim_sweep_merge checks
 * those lines and joins the CSVs into the bytes of the unsharded sweep.csv.
 *
 * Results do not depend on the number of threads nor on interruptions.
 */
#ifndef DSIM_SWEEP_H
#define DSIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "run.h"
#include "scenario.h"

/* Bounds on what a sweep may ask for. */
#define SIM_SWEEP_PARAMS_MAX 16       /* knobs */
#define SIM_SWEEP_VALUES_MAX 100000   /* values of one knob */
#define SIM_SWEEP_VALUE_LEN 128       /* bytes of one textual value */
#define SIM_SWEEP_JOBS_MAX 1024

/* The last line of a shard's CSV: shard I/N, points of the whole sweep, policies,
 * seed, replications, fingerprint (16 hex digits). */
#define SIM_SWEEP_SHARD_LINE                                                               \
    "# dsim sweep shard %d/%d points=%zu policies=%zu seed=%llu replications=%d "          \
    "fingerprint=%s\n"

/* A shard's row of raw values: "#part,POLICY,FIRST,COUNT," then COUNT x SIM_M_COUNT
 * values (replication-major, "%.17g", empty = not a number), then the row's leading
 * fields as the unsharded CSV has them: "point,knob...,policy". */
#define SIM_SWEEP_PART_TAG "#part,"

/* The number of replication ranges each point is cut into when `points` points
 * run on n_shards shards (1 = whole points): min(reps, ceil(n_shards / points))
 * when n_shards > points, else 1. */
size_t sim_sweep_slices(size_t points, int n_shards, int reps);

/* Range `slice` of `slices` over reps replications: *first, *count (>= 1 when
 * slices <= reps). */
void sim_sweep_slice_reps(int reps, size_t slices, size_t slice, int *first, int *count);

/* --- knobs ------------------------------------------------------------------- */

/*
 * Parses "KEY=ITEM,ITEM,..." into *out: an ITEM is a value (a number or an enum
 * name, passed as written) or a range "LO:HI:STEP" (numbers, STEP > 0, LO <= HI),
 * which gives LO, LO+STEP, ... up to HI (inclusive, within a 1e-9 relative slack),
 * each printed "%.10g". Returns 0, or -1 with err ("--param 'x': ...") and *out
 * zeroed. The caller frees *out with sim_sweep_param_free.
 */
int sim_sweep_param_parse(const char *arg, sim_sweep_param *out, sim_error *err);

/* Frees the values of p and zeroes it. */
void sim_sweep_param_free(sim_sweep_param *p);

/* Deep copy of src into *dst. */
void sim_sweep_param_copy(sim_sweep_param *dst, const sim_sweep_param *src);

/* The number of points of the cross product, or 0 when there are no knobs, a knob
 * without values, or the count exceeds `max` (then *over is set). */
size_t sim_sweep_points(const sim_sweep_param *params, size_t n, size_t max, bool *over);

/* Point i's value index for each knob: choice[k] for params[k] (n knobs). */
void sim_sweep_point_choice(const sim_sweep_param *params, size_t n, size_t i, size_t *choice);

/* --- running ----------------------------------------------------------------- */

/*
 * Computes one point: the results of every policy x replication of `base` with
 * knob k set to params[k].values[choice[k]]; when rep_count > 0 only replications
 * rep_first .. rep_first + rep_count - 1 (out->n_reps = rep_count, slot r being
 * replication rep_first + r, the same values as in a run of all of them). Called
 * from several threads at once with the same ctx; must be deterministic. Returns
 * 0 with *out filled (out->v malloc'd, freed by the sweep), or -1 with err filled.
 */
typedef int (*sim_sweep_eval_fn)(void *ctx, const sim_scenario *base,
                                 const sim_sweep_param *params, size_t n_params,
                                 const size_t *choice, int rep_first, int rep_count,
                                 sim_results *out, sim_error *err);

typedef struct sim_sweep_opts {
    const sim_sweep_param *params; /* the knobs, borrowed */
    size_t n_params;
    int jobs;              /* threads over points, >= 1 */
    const char *out_dir;   /* created if missing */
    bool resume;           /* reuse DIR/points/ of the same sweep */
    int shard, n_shards;   /* run the shard-th of n_shards parts (1-based); 0/0 = all */
    size_t baseline;       /* policy the JSON compares the others with */
    uint64_t scenario_hash; /* identifies the inputs: sim_hash of the scenario text, the
                             * files it reads and those its knob values read */
    size_t max_points;     /* refuse bigger sweeps */
    /* The progress reporter (progress.h), or NULL: sim_sweep_run sets its total
     * to the runs (policy x replication) of this shard's units and counts those of
     * reused points; the evaluator counts the runs it does (sim_sweep_eval_run:
     * when its sim_run_opts has progress set, with progress_runs). */
    sim_progress *progress;
    sim_sweep_eval_fn eval;
    void *eval_ctx;
    /* The evaluator's replication ranges hold the same values as a whole point's
     * (sim_sweep_eval_run's do): when the points are too few to keep o->jobs threads
     * evenly busy, a point is evaluated in replication ranges on several threads
     * and put together before it is saved. Outputs are the same bytes either way. */
    bool split_replications;
} sim_sweep_opts;

/* What a sweep did and wrote. */
typedef struct sim_sweep_outcome {
    size_t points;  /* points of the whole cross product */
    size_t mine;    /* units of this shard: points, or (point, replication range) */
    size_t slices;  /* replication ranges per point (1: whole points) */
    size_t reused;  /* units taken from DIR/points/ (--resume) */
    char csv[4096]; /* path of the CSV written */
    char json[4096];
} sim_sweep_outcome;

/*
 * Runs the sweep of s over o->params and writes its outputs (see top). Returns
 * 0, or -1 with err filled: a point that failed, an unwritable folder. Points
 * finished before a failure stay in DIR/points/.
 */
int sim_sweep_run(const sim_scenario *s, const sim_sweep_opts *o, sim_sweep_outcome *out,
                  sim_error *err);

/* Reads a whole file and hashes it into *h (sim_hash, hash.h). Returns 0, or -1 with err. */
int sim_sweep_hash_file(const char *path, uint64_t *h, sim_error *err);

/* Whether dsim can write path as an output (sim_outfile_open's temporary beside
 * it is made and removed; a path that is not a regular file must not be a folder
 * and must be writable): for a check before any work. Returns 0, or -1 with err
 * ("PATH: cannot write: ..."). */
int sim_sweep_check_output(const char *path, sim_error *err);

/* Creates dir and its missing parents (mode 0777 & ~umask). Returns 0 or -1 (err). */
int sim_sweep_mkdir(const char *dir, sim_error *err);

/* --- the default evaluator: the real world (sweep_eval.c) --------------------- */

/* A copy of base with the knobs set, run by sim_run_all. ctx: NULL or a const
 * sim_run_opts *: its jobs (threads inside one point, default 1) and max_events
 * are used, its log and trace ignored. */
int sim_sweep_eval_run(void *ctx, const sim_scenario *base, const sim_sweep_param *params,
                       size_t n_params, const size_t *choice, int rep_first, int rep_count,
                       sim_results *out, sim_error *err);

/* Checks the knobs before anything runs: each must be a world or policy
 * parameter (not the seed, the replications, a name, or outside workload, nodes,
 * network, policies and max_time_s), with no value given twice; every value is
 * set on a copy of s, and, with two knobs or more, every point of the cross
 * product (up to max_points) is set and validated, since values valid alone may
 * not be together. When files_hash is not NULL, it continues *files_hash with
 * the files_hash of each copy, so that it covers every file a point may read (a
 * knob may name another samples file). given, when not NULL, holds for each
 * knob the text of the --param that gave it ("KEY=V1,V2"), or NULL for one of
 * the file's sweep block: a value the loader refuses is then that option's
 * error ("sweep: --param 'KEY=V1,V2': FILE: KEY: expected ..."), not
 * the file's. Returns 0, or -1 with err naming the knob and value, or the point
 * and its knob values. */
int sim_sweep_check_params(const sim_scenario *s, const sim_sweep_param *params, size_t n,
                           const char *const *given, size_t max_points, uint64_t *files_hash,
                           sim_error *err);

/* --- shards and plots ---------------------------------------------------------- */

/*
 * Joins the CSVs of the shards of one sweep into out_path, atomically: one header,
 * then the rows of every point in point order, without the shard lines. Every
 * input must end with a SIM_SWEEP_SHARD_LINE, all of them of the same sweep (same
 * shard count, points, policies, seed, replications and fingerprint) and the
 * same header; each shard 1..N exactly once; each row in its shard; each point
 * with one row per policy, in the policies' order. Each shard's JSON (the CSV's
 * path with .json for .csv) is read too, and every field of every row checked
 * against it: the point's knob values, the policy names, the replications,
 * numbers where numbers go (#part values as sim__sweep_value_check allows), the
 * version, no extra field. out_path naming an input (a CSV or its JSON) or one
 * that cannot be written is refused before anything is read. Returns 0, or -1
 * with err naming the file (and line) and what differs, is missing or was
 * expected ("shard 2 of 4 missing"); then out_path is untouched.
 */
int sim_sweep_merge(const char *const *inputs, size_t n, const char *out_path,
                    sim_error *err);

/*
 * sim_sweep_merge, and when json_out is not NULL also the unsharded sweep.json
 * from the shards' JSONs (each CSV's path with .json for .csv; each must be the
 * JSON of that very shard). A sweep whose points were split into replication
 * ranges has its rows and points computed here from the raw values of every
 * range, as the unsharded sweep computes them. json_out must not be out_path nor
 * an input. Both outputs are written whole before either is renamed into place.
 * Returns 0, or -1 with err; then neither output is touched.
 */
int sim_sweep_merge_json(const char *const *inputs, size_t n, const char *out_path,
                         const char *json_out, sim_error *err);

/*
 * Draws the plots of a dsim CSV into out_dir with gnuplot (the scripts in plots/; PNG and
 * SVG): a sweep CSV gives sweep.png (duplicates and lost against the knob `x`,
 * NULL = the first knob) and tradeoff.png; a run CSV gives tradeoff.png and
 * latency_cdf.png. `scripts` is the folder of the .gp files (NULL: found next to
 * the dsim binary). Returns 0; -2 when gnuplot is not installed; -1 with err
 * for any other failure. (Defined in cmd_plot.c.)
 */
int sim_plot_csv(const char *csv, const char *out_dir, const char *x, const char *scripts,
                 sim_error *err);

/*
 * Draws timeline.png and .svg of a dsim timeline JSON (dsim run --timeline) into
 * out_dir: its worst session window, as sim_plot_csv does for a file that opens
 * with '{'. Returns 0; 1 when the timeline holds no attempt (nothing drawn,
 * nothing in err); -2 when gnuplot is not installed; -1 with err (an empty or
 * malformed file names the timeline). (cmd_plot.c.)
 */
int sim_plot_timeline_file(const char *json, const char *out_dir, const char *scripts,
                           sim_error *err);

/*
 * What sim_plot_csv needs, checked before any work: the folder of the gnuplot
 * scripts (`given`, or NULL: found as sim_plot_csv finds it) is written into
 * dir[0..size), and gnuplot must be on $PATH. Returns 0; -2 when gnuplot is not
 * installed; -1 with err when the scripts are not found. (cmd_plot.c.)
 */
int sim_plot_prepare(const char *given, char *dir, size_t size, sim_error *err);

#endif
