/*
 * cmd_sweep.c — `dsim sweep` (a scenario over a grid of knob values) and
 * `dsim merge` (the CSVs of a sharded sweep into one). See sweep.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "page.h"
#include "report.h"
#include "run.h"
#include "sweep.h"
#include "xalloc.h"

enum {
    O_PARAM = 1, O_JOBS, O_OUT, O_RESUME, O_SHARD, O_PLOT, O_X, O_PLOTS, O_REPS, O_SEED,
    O_BASELINE, O_MAX_EVENTS, O_JSON, O_QUIET
};

static const sim_opt sweep_opts[] = {
    {O_PARAM, "param", 0, SIM_OPT_TEXT, "KEY=V1,V2|KEY=LO:HI:STEP", 0, 0, SIM_OPT_REPEAT,
     "a knob and its values (replaces the scenario's sweep block's knob of that KEY)", NULL},
    {O_JOBS, "jobs", 'j', SIM_OPT_UINT, "N", 1, SIM_SWEEP_JOBS_MAX, 0,
     "points run in parallel (default: all cores); results identical", NULL},
    {O_OUT, "out", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "DIR/sweep.csv (a row per point x policy: knobs, then the mean and ci95,\n"
     "the 95% CI half-width, of every metric) and DIR/sweep.json (default: out)",
     NULL},
    {O_RESUME, "resume", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "reuse the finished points in DIR/points/ of an interrupted sweep (only\n"
     "those of the same scenario text, samples files, seed, replications and\n"
     "knobs; others are recomputed); a point file of this sweep that was cut or\n"
     "holds impossible values is refused (exit 2)",
     NULL},
    {O_SHARD, "shard", 0, SIM_OPT_TEXT, "I/N", 0, 0, 0,
     "run only points with index % N == I-1, into DIR/sweep-I-of-N.csv; join\n"
     "the shards with 'dsim merge'. With fewer points than shards, each point\n"
     "is cut into replication ranges so every shard works",
     NULL},
    {O_PLOT, "plot", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "draw DIR/sweep.png and DIR/tradeoff.png (+ .svg) with gnuplot", NULL},
    {O_X, "x", 0, SIM_OPT_TEXT, "KEY", 0, 0, 0,
     "with --plot: the knob on the x axis of sweep.png (default: the first)", NULL},
    {O_PLOTS, "plots", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "with --plot: the folder of dsim's gnuplot scripts (default: plots/ beside\n"
     "the dsim binary's folder, else ./plots)",
     NULL},
    {O_REPS, "replications", 0, SIM_OPT_UINT, "N", 1, 100000, 0,
     "replications at every point (default: the scenario's)", NULL},
    SIM_OPT_SEED(O_SEED),
    {O_BASELINE, "baseline", 0, SIM_OPT_TEXT, "POLICY", 0, 0, 0,
     "the policy the paired differences are taken against (default: the first)", NULL},
    SIM_OPT_MAX_EVENTS(O_MAX_EVENTS),
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_sweep = {
    "sweep", "run a scenario over a grid of knob values (CSV, JSON, plots)", "SCENARIO", 1, 1,
    SIM_OPT_FILE, true, true,
    "Runs every policy x replication of SCENARIO at every point of the cross product\n"
    "of the knob values: the scenario's \"sweep\" block, then each --param (a --param\n"
    "replaces the block's knob of the same KEY). KEY is a path such as\n"
    "policies.fenced.dispatch_timeout_s or nodes[0].count (a world or policy\n"
    "parameter: not seed, replications or a name); values are numbers or enum\n"
    "names, each once; LO:HI:STEP is LO, LO+STEP, ... up to HI (HI only when STEP\n"
    "divides HI-LO: 5:10:3 is 5,8). Every point uses the scenario's seed. Every\n"
    "point's knob values, the files written at the end and --plot's needs (the\n"
    "scripts, gnuplot, --x naming a knob) are checked before the first point runs.\n",
    sweep_opts, sim_cmd_sweep};

static const sim_opt merge_opts[] = {
    {O_OUT, "out", 'o', SIM_OPT_FILE, "FILE", 0, 0, SIM_OPT_REQUIRED,
     "the joined CSV, byte for byte the CSV the unsharded sweep writes", NULL},
    {O_JSON, "json", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "also join the shards' JSONs (each CSV's name with .json) into FILE, byte\n"
     "for byte the unsharded sweep.json",
     NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_merge = {
    "merge", "join the CSV files of a sharded sweep", "CSV...", 1, -1, SIM_OPT_FILE, false, false,
    "Joins the CSVs of the shards of one sweep (dsim sweep --shard I/N) into FILE.\n"
    "Each shard's CSV ends with a '# dsim sweep shard I/N ... fingerprint=...' line;\n"
    "merge refuses (exit 2) a file without one, a shard of another sweep (another\n"
    "scenario, samples file, knobs, seed, replications or dsim version), a shard\n"
    "given twice, and a missing shard. It reads each shard's JSON (the CSV's name\n"
    "with .json) and checks every field of every row against it (knob values,\n"
    "policies, numbers, version), and refuses an output that names an input or\n"
    "the other output, or cannot be written, before it reads anything.\n",
    merge_opts, sim_cmd_merge};

typedef struct sweep_args {
    const char *scenario, *out_dir, *baseline, *x, *plots;
    sim_sweep_param params[SIM_SWEEP_PARAMS_MAX];
    const char *param_text[SIM_SWEEP_PARAMS_MAX]; /* each --param as given (argv) */
    size_t n_params;
    bool resume, plot, has_reps, has_seed, quiet;
    long reps, jobs, shard, n_shards;
    unsigned long long seed, max_events;
    sim_limits limits;
} sweep_args;

static void args_free(sweep_args *a)
{
    for (size_t k = 0; k < a->n_params; k++)
        sim_sweep_param_free(&a->params[k]);
    a->n_params = 0;
}

/* --param KEY=...: parsed, refused when its KEY was given already. */
static void add_param(sim_optparse *p, sweep_args *a, const char *val)
{
    if (a->n_params >= SIM_SWEEP_PARAMS_MAX) {
        sim_opt_fail(p, "more than %d --param", SIM_SWEEP_PARAMS_MAX);
        return;
    }
    sim_error err = {0};
    if (sim_sweep_param_parse(val, &a->params[a->n_params], &err) != 0) {
        sim_opt_fail(p, "%s", err.msg[0]);
        return;
    }
    for (size_t k = 0; k < a->n_params; k++)
        if (strcmp(a->params[k].key, a->params[a->n_params].key) == 0) {
            sim_sweep_param_free(&a->params[a->n_params]);
            sim_opt_fail(p, "--param %s given twice", a->params[k].key);
            return;
        }
    a->param_text[a->n_params++] = val;
}

/* --shard I/N with 1 <= I <= N. */
static void set_shard(sim_optparse *p, sweep_args *a, const char *val)
{
    unsigned long long si, sn;
    const char *slash = strchr(val, '/');
    char first[32], safe[80];
    sim_safe_text(val, safe, sizeof safe);
    if (!slash || (size_t)(slash - val) >= sizeof first) {
        sim_opt_fail(p, "--shard: expected I/N, got '%s'", safe);
        return;
    }
    snprintf(first, sizeof first, "%.*s", (int)(slash - val), val);
    if (sim_parse_uint(first, 1, 1000000, &si) != 0 ||
        sim_parse_uint(slash + 1, 1, 1000000, &sn) != 0 || si > sn) {
        sim_opt_fail(p, "--shard: expected I/N with 1 <= I <= N, got '%s'", safe);
        return;
    }
    a->shard = (long)si;
    a->n_shards = (long)sn;
}

/* The files written in --out DIR after the sweep (sim_sweep_run checks its CSV and
 * JSON): summary.txt, and with --plot the plots (sim_plot_csv's). Made and
 * checked before the first point runs. Returns 0 or -1 (err). */
static int check_end_outputs(const sweep_args *a, sim_error *err)
{
    static const char *const plots[] = {"sweep.png", "sweep.svg", "tradeoff.png",
                                        "tradeoff.svg", "sweep_paired.csv"};
    char path[4200];
    /* no file the sweep writes may be the scenario it reads */
    char csv[64] = "sweep.csv", json[64] = "sweep.json";
    if (a->n_shards > 1) {
        snprintf(csv, sizeof csv, "sweep-%ld-of-%ld.csv", a->shard, a->n_shards);
        snprintf(json, sizeof json, "sweep-%ld-of-%ld.json", a->shard, a->n_shards);
    }
    const char *const written[] = {csv, json, "summary.txt"};
    const size_t n_written = sizeof written / sizeof written[0],
                 n_plots = a->plot ? sizeof plots / sizeof plots[0] : 0;
    for (size_t i = 0; i < n_written + n_plots; i++) {
        const char *name = i < n_written ? written[i] : plots[i - n_written];
        snprintf(path, sizeof path, "%s/%s", a->out_dir, name);
        if (sim_path_same(path, a->scenario)) {
            sim_error_add(err, "%s: --out %s writes %s, which is the scenario being read: it "
                               "would replace it",
                          a->scenario, a->out_dir, path);
            return -1;
        }
    }
    if (sim_sweep_mkdir(a->out_dir, err) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/summary.txt", a->out_dir);
    if (sim_sweep_check_output(path, err) != 0)
        return -1;
    for (size_t i = 0; a->plot && i < sizeof plots / sizeof plots[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", a->out_dir, plots[i]);
        if (sim_sweep_check_output(path, err) != 0)
            return -1;
    }
    return 0;
}

/* Returns 0, -1 after --help (exit 0), or an exit code (usage error printed). */
static int sweep_parse(int argc, char **argv, sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->out_dir = "out";
    sim_limits_default(&a->limits);
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_sweep, argc, argv, &a->limits, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        const char *v = p.value;
        switch (id) {
        case SIM_OPT_OPERAND: a->scenario = v; break;
        case O_PARAM: add_param(&p, a, v); break;
        case O_OUT: a->out_dir = v; break;
        case O_BASELINE: a->baseline = v; break;
        case O_X: a->x = v; break;
        case O_PLOTS: a->plots = v; break;
        case O_RESUME: a->resume = true; break;
        case O_QUIET: a->quiet = true; break;
        case O_PLOT: a->plot = true; break;
        case O_JOBS: a->jobs = (long)p.num; break;
        case O_REPS: a->reps = (long)p.num; a->has_reps = true; break;
        case O_SEED: a->seed = p.num; a->has_seed = true; break;
        case O_MAX_EVENTS: a->max_events = p.num; break;
        case O_SHARD: set_shard(&p, a, v); break;
        default: break;
        }
    }
    if (p.status)
        return p.status;
    if ((a->x || a->plots) && !a->plot)
        return sim_opt_fail(&p, "%s goes with --plot", a->x ? "--x" : "--plots");
    if (a->plot && a->n_shards > 1)
        return sim_opt_fail(&p, "--plot does not go with --shard: a shard holds part of the "
                                "sweep; plot the merged CSV with dsim plot");
    return 0;
}

/* The knobs: the file's sweep block, each replaced by a --param of its key, then
 * the other --params. Fills out (owned copies) and given (the --param's text, NULL
 * for the file's knob); returns their number or -1. */
static int collect_params(const sim_scenario *s, const sweep_args *a, sim_sweep_param *out,
                          const char **given)
{
    size_t n = 0;
    bool *used = sim_xcalloc(a->n_params + 1, sizeof *used);
    for (size_t k = 0; k < s->n_sweep; k++) {
        const sim_sweep_param *src = &s->sweep[k];
        const char *text = NULL;
        for (size_t c = 0; c < a->n_params; c++)
            if (strcmp(a->params[c].key, src->key) == 0) {
                src = &a->params[c];
                text = a->param_text[c];
                used[c] = true;
            }
        if (n >= SIM_SWEEP_PARAMS_MAX)
            goto too_many;
        given[n] = text;
        sim_sweep_param_copy(&out[n++], src);
    }
    for (size_t c = 0; c < a->n_params; c++) {
        if (used[c])
            continue;
        if (n >= SIM_SWEEP_PARAMS_MAX)
            goto too_many;
        given[n] = a->param_text[c];
        sim_sweep_param_copy(&out[n++], &a->params[c]);
    }
    free(used);
    return (int)n;
too_many:
    free(used);
    for (size_t k = 0; k < n; k++)
        sim_sweep_param_free(&out[k]);
    fprintf(stderr, "dsim: sweep: more than %d knobs\n", SIM_SWEEP_PARAMS_MAX);
    return -1;
}

int sim_cmd_sweep(int argc, char **argv)
{
    sweep_args a;
    int prc = sweep_parse(argc, argv, &a);
    if (prc != 0) {
        args_free(&a);
        return prc < 0 ? SIM_EXIT_OK : prc;
    }
    sim_error err = {0};
    sim_scenario s;
    if (sim_opt_load_scenario(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        args_free(&a);
        return SIM_EXIT_USAGE;
    }
    int rc = SIM_EXIT_USAGE;
    sim_sweep_param params[SIM_SWEEP_PARAMS_MAX];
    const char *given[SIM_SWEEP_PARAMS_MAX];
    int n_params = 0;
    /* each point's copy is re-made from the scenario's JSON text: overrides go there */
    if (sim_scenario_override(&s, a.has_reps ? (unsigned long long)a.reps : 0, a.has_seed,
                              a.seed, &err) != 0) {
        sim_error_print(&err);
        goto done;
    }
    size_t base = 0;
    if (a.baseline) {
        int b = sim_report_find_policy(&s, a.baseline);
        if (b < 0) {
            fprintf(stderr, "dsim: sweep: --baseline: no policy named '%s' in %s\n",
                    a.baseline, a.scenario);
            goto done;
        }
        base = (size_t)b;
    }
    if ((n_params = collect_params(&s, &a, params, given)) < 0) {
        n_params = 0;
        goto done;
    }
    if (n_params == 0) {
        fprintf(stderr, "dsim: sweep: %s: nothing to sweep: give --param KEY=V1,V2,... or a "
                        "\"sweep\" block\n",
                a.scenario);
        goto done;
    }
    /* --plot's needs, before the first point runs. */
    char plots[4096] = "";
    if (a.plot) {
        bool found = !a.x;
        for (int k = 0; k < n_params && !found; k++)
            found = strcmp(params[k].key, a.x) == 0;
        if (!found) {
            char keys[1024] = "";
            for (int k = 0, w = 0; k < n_params && w >= 0 && (size_t)w < sizeof keys; k++)
                w += snprintf(keys + w, sizeof keys - (size_t)w, "%s%s", k ? " " : "",
                              params[k].key);
            fprintf(stderr, "dsim: sweep: --x: '%s' is not a knob of this sweep (knobs: %s)\n",
                    a.x, keys);
            goto done;
        }
        if (sim_plot_prepare(a.plots, plots, sizeof plots, &err) != 0) {
            sim_error_print(&err);
            goto done;
        }
    }
    /* The sweep's inputs: the scenario text, the files it reads, and those its knob
     * values read (--resume must not reuse points after a samples file changed). */
    uint64_t hash = SIM_HASH_INIT;
    if (s.json_text)
        hash = sim_hash(hash, s.json_text, s.json_len);
    else if (sim_sweep_hash_file(a.scenario, &hash, &err) != 0) {
        sim_error_print(&err);
        goto done;
    }
    hash = sim_hash(hash, &s.files_hash, sizeof s.files_hash);
    if (sim_sweep_check_params(&s, params, (size_t)n_params, given,
                               (size_t)a.limits.max_sweep_points, &hash, &err) != 0) {
        sim_error_print(&err);
        if (strncmp(err.msg[0], "sweep: --param ", 15) == 0) /* an option error */
            fputs("try 'dsim sweep --help'\n", stderr);
        goto done;
    }
    if (check_end_outputs(&a, &err) != 0) {
        sim_error_print(&err);
        goto done;
    }
    int jobs = a.jobs > 0 ? (int)a.jobs : sim_default_jobs();
    bool over;
    size_t points = sim_sweep_points(params, (size_t)n_params, a.limits.max_sweep_points, &over);
    /* Fewer units of work in this shard (points, or replication ranges) than
     * threads: the spare threads go inside each unit. */
    size_t mine = points;
    if (a.n_shards > 1) {
        size_t units = points * sim_sweep_slices(points, (int)a.n_shards, s.replications);
        mine = units >= (size_t)a.shard ? (units - (size_t)a.shard + (size_t)a.n_shards) /
                                              (size_t)a.n_shards
                                        : 0;
    }
    /* Unsharded, with the scenario's replications at every point: a point's
     * replications may run in ranges on the sweep's threads (sim_sweep_opts), which
     * keeps them evenly busy; else the spare threads go inside each unit. */
    bool split = a.n_shards <= 1 && s.replications > 1;
    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.jobs = !split && mine > 0 && (size_t)jobs > mine ? (int)((size_t)jobs / mine) : 1;
    ro.max_events = a.max_events;
    sim_sweep_opts o = {.params = params,
                        .n_params = (size_t)n_params,
                        .jobs = jobs,
                        .out_dir = a.out_dir,
                        .resume = a.resume,
                        .shard = (int)a.shard,
                        .n_shards = (int)a.n_shards,
                        .baseline = base,
                        .scenario_hash = hash,
                        .max_points = (size_t)a.limits.max_sweep_points,
                        .eval = sim_sweep_eval_run,
                        .eval_ctx = &ro,
                        .split_replications = split};
    sim_sweep_outcome out;
    char note[1024]; /* said if a signal stops the sweep */
    snprintf(note, sizeof note,
             "dsim: sweep: the finished points are kept in %s/points; the same command "
             "with --resume continues from them",
             a.out_dir);
    sim_outfile_signal_note(note);
    ro.progress = o.progress = sim_progress_start("sweep", "runs", 0, a.quiet);
    int swept = sim_sweep_run(&s, &o, &out, &err);
    sim_progress_end(o.progress);
    if (swept != 0) {
        sim_error_print(&err);
        rc = sim_error_exit(&err);
        goto done;
    }
    if (out.slices > 1)
        printf("sweep %s: %zu replication range%s x %zu policies (shard %ld/%ld of %zu "
               "points, each cut into %zu ranges of its %d replications)",
               s.name, out.mine, out.mine == 1 ? "" : "s", s.n_policies, a.shard, a.n_shards,
               out.points, out.slices, s.replications);
    else
        printf("sweep %s: %zu points x %zu policies x %d replications", s.name, out.mine,
               s.n_policies, s.replications);
    if (out.slices == 1 && out.mine != out.points)
        printf(" (shard %ld/%ld of %zu points)", a.shard, a.n_shards, out.points);
    if (out.reused)
        printf(", %zu reused", out.reused);
    printf("\nwrote %s\nwrote %s\n", out.csv, out.json);
    rc = SIM_EXIT_OK;
    /* for dsim report: the sweep that ran (the file's block with the --params
     * merged in, as collect_params made it), as --replications is the one that ran */
    sim_sweep_param *file_sweep = s.sweep;
    size_t file_n_sweep = s.n_sweep;
    s.sweep = params;
    s.n_sweep = (size_t)n_params;
    int wrc = sim_page_write_summary(a.out_dir, &s, &err);
    s.sweep = file_sweep;
    s.n_sweep = file_n_sweep;
    if (wrc != 0) {
        sim_error_print(&err);
        rc = SIM_EXIT_USAGE;
    }
    if (a.plot && rc == SIM_EXIT_OK) {
        if (sim_plot_csv(out.csv, a.out_dir, a.x, plots, &err) != 0) {
            sim_error_print(&err);
            rc = SIM_EXIT_USAGE;
        } else {
            printf("plots written to %s\n", a.out_dir);
        }
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "dsim: sweep: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
done:
    for (int k = 0; k < n_params; k++)
        sim_sweep_param_free(&params[k]);
    sim_scenario_free(&s);
    args_free(&a);
    return rc;
}

int sim_cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *json_out = NULL;
    const char **inputs = sim_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *inputs);
    size_t n = 0;
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_merge, argc, argv, NULL, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == SIM_OPT_OPERAND)
            inputs[n++] = p.value;
        else if (id == O_OUT)
            out = p.value;
        else if (id == O_JSON)
            json_out = p.value;
    }
    int rc = p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    if (p.status == 0) {
        rc = SIM_EXIT_USAGE;
        if (sim_sweep_merge_json(inputs, n, out, json_out, &err) != 0)
            sim_error_print(&err);
        else
            rc = SIM_EXIT_OK;
    }
    free(inputs);
    return rc;
}
