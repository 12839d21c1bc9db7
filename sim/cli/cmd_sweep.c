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
#include "outfile.h"
#include "page.h"
#include "report.h"
#include "run.h"
#include "sweep.h"
#include "xalloc.h"

static const char sweep_usage[] =
    "usage: dsim sweep SCENARIO [--param KEY=V1,V2,...|KEY=LO:HI:STEP]... [--jobs N]\n"
    "                  [--out DIR] [--resume] [--shard I/N] [--plot [--x KEY] [--plots DIR]]\n"
    "                  [--replications N] [--seed N] [--baseline POLICY] [--max-events N]\n"
    "\n"
    "Runs every policy x replication of SCENARIO at every point of the cross product\n"
    "of the knob values: the scenario's \"sweep\" block, then each --param (a --param\n"
    "replaces the block's knob of the same KEY). KEY is a path such as\n"
    "policies.fenced.dispatch_timeout_s or nodes[0].count; values are numbers or enum\n"
    "names; LO:HI:STEP is a range. Every point uses the scenario's seed.\n"
    "\n"
    "  --jobs N        points run in parallel (default: all cores); results identical\n"
    "  --out DIR       DIR/sweep.csv (a row per point x policy: knobs, then the mean and\n"
    "                  ci95, the 95% CI half-width, of every metric) and DIR/sweep.json\n"
    "                  (default: out)\n"
    "  --resume        reuse the finished points in DIR/points/ of an interrupted sweep\n"
    "                  (only those of the same scenario text, samples files, seed,\n"
    "                  replications and knobs; others are recomputed)\n"
    "  --shard I/N     run only points with index % N == I-1, into DIR/sweep-I-of-N.csv;\n"
    "                  join the shards with 'dsim merge'. With fewer points than shards,\n"
    "                  each point is cut into replication ranges so every shard works\n"
    "  --plot          draw DIR/sweep.png and DIR/tradeoff.png (+ .svg) with gnuplot\n"
    "  --x KEY         the knob on the x axis of sweep.png (default: the first)\n"
    "  --plots DIR     the folder of dsim's gnuplot scripts (default: plots/ beside the\n"
    "                  dsim binary's folder, else ./plots)\n"
    "--plot's needs (the scripts, gnuplot, --x naming a knob) are checked before the\n"
    "first point runs.\n";

static const char merge_usage[] =
    "usage: dsim merge CSV... -o FILE [--json FILE]\n"
    "\n"
    "Joins the CSVs of the shards of one sweep (dsim sweep --shard I/N) into FILE,\n"
    "byte for byte the CSV the unsharded sweep writes. Each shard's CSV ends with a\n"
    "'# dsim sweep shard I/N ... fingerprint=...' line; merge refuses (exit 2) a file\n"
    "without one, a shard of another sweep (another scenario, samples file, knobs,\n"
    "seed, replications or dsim version), a shard given twice, and a missing shard.\n"
    "\n"
    "  --json FILE     also join the shards' JSONs (each CSV's name with .json) into\n"
    "                  FILE, byte for byte the unsharded sweep.json\n";

typedef struct sweep_args {
    const char *scenario, *out_dir, *baseline, *x, *plots;
    sim_sweep_param params[SIM_SWEEP_PARAMS_MAX];
    size_t n_params;
    bool resume, plot, has_reps, has_seed;
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

/* Returns 0, -1 after --help (exit 0), or an exit code (usage error printed). */
static int sweep_parse(int argc, char **argv, sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->out_dir = "out";
    sim_limits_default(&a->limits);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(sweep_usage, stdout);
            return -1;
        }
        if (strcmp(arg, "--resume") == 0) {
            a->resume = true;
            continue;
        }
        if (strcmp(arg, "--plot") == 0) {
            a->plot = true;
            continue;
        }
        if (arg[0] != '-' || !arg[1]) {
            if (a->scenario)
                return sim_usage_error("sweep: more than one scenario ('%s')", arg);
            a->scenario = arg;
            continue;
        }
        char name[64];
        const char *val = strchr(arg, '=');
        if (val && strncmp(arg, "--", 2) == 0 && (size_t)(val - arg) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(val - arg), arg);
            val++;
        } else {
            snprintf(name, sizeof name, "%.63s", arg);
            if (i + 1 >= argc)
                return sim_usage_error("sweep: %s needs a value", arg);
            val = argv[++i];
        }
        unsigned long long v;
        if (strcmp(name, "--param") == 0) {
            if (a->n_params >= SIM_SWEEP_PARAMS_MAX)
                return sim_usage_error("sweep: more than %d --param", SIM_SWEEP_PARAMS_MAX);
            sim_error err = {0};
            if (sim_sweep_param_parse(val, &a->params[a->n_params], &err) != 0)
                return sim_usage_error("sweep: %s", err.msg[0]);
            for (size_t k = 0; k < a->n_params; k++)
                if (strcmp(a->params[k].key, a->params[a->n_params].key) == 0) {
                    sim_sweep_param_free(&a->params[a->n_params]);
                    return sim_usage_error("sweep: --param %s given twice", a->params[k].key);
                }
            a->n_params++;
        } else if (strcmp(name, "--out") == 0) {
            if (!*val)
                return sim_usage_error("sweep: --out needs a folder name");
            a->out_dir = val;
        } else if (strcmp(name, "--baseline") == 0) {
            a->baseline = val;
        } else if (strcmp(name, "--x") == 0) {
            a->x = val;
        } else if (strcmp(name, "--plots") == 0) {
            if (!*val)
                return sim_usage_error("sweep: --plots needs a folder name");
            a->plots = val;
        } else if (strcmp(name, "--jobs") == 0) {
            if (sim_parse_uint(val, 1, SIM_SWEEP_JOBS_MAX, &v) != 0)
                return sim_usage_error("sweep: --jobs: expected an integer 1..%d, got '%.64s'",
                                       SIM_SWEEP_JOBS_MAX, val);
            a->jobs = (long)v;
        } else if (strcmp(name, "--replications") == 0) {
            if (sim_parse_uint(val, 1, 100000, &v) != 0)
                return sim_usage_error(
                    "sweep: --replications: expected an integer 1..100000, got '%.64s'", val);
            a->reps = (long)v;
            a->has_reps = true;
        } else if (strcmp(name, "--seed") == 0) {
            if (sim_parse_uint(val, 0, INT64_MAX, &a->seed) != 0)
                return sim_usage_error("sweep: --seed: expected an integer 0..2^63-1, got '%.64s'",
                                       val);
            a->has_seed = true;
        } else if (strcmp(name, "--max-events") == 0) {
            if (sim_parse_uint(val, 1, UINT64_MAX, &a->max_events) != 0)
                return sim_usage_error("sweep: --max-events: expected a positive integer, got '%.64s'",
                                       val);
        } else if (strcmp(name, "--shard") == 0) {
            unsigned long long si, sn;
            const char *slash = strchr(val, '/');
            char first[32];
            if (!slash || (size_t)(slash - val) >= sizeof first)
                return sim_usage_error("sweep: --shard: expected I/N, got '%.64s'", val);
            snprintf(first, sizeof first, "%.*s", (int)(slash - val), val);
            if (sim_parse_uint(first, 1, 1000000, &si) != 0 || sim_parse_uint(slash + 1, 1, 1000000, &sn) != 0 ||
                si > sn)
                return sim_usage_error("sweep: --shard: expected I/N with 1 <= I <= N, got '%.64s'",
                                       val);
            a->shard = (long)si;
            a->n_shards = (long)sn;
        } else {
            int rc = sim_limits_flag(&a->limits, name, val);
            if (rc > 0)
                return sim_usage_error("sweep: unknown option '%s'", name);
            if (rc < 0)
                return SIM_EXIT_USAGE;
        }
    }
    if (!a->scenario)
        return sim_usage_error("sweep: missing SCENARIO");
    if ((a->x || a->plots) && !a->plot)
        return sim_usage_error("sweep: %s goes with --plot", a->x ? "--x" : "--plots");
    return 0;
}

/* The knobs: the file's sweep block, each replaced by a --param of its key, then
 * the other --params. Fills out (owned copies); returns their number or -1. */
static int collect_params(const sim_scenario *s, const sweep_args *a, sim_sweep_param *out)
{
    size_t n = 0;
    bool *used = sim_xcalloc(a->n_params + 1, sizeof *used);
    for (size_t k = 0; k < s->n_sweep; k++) {
        const sim_sweep_param *src = &s->sweep[k];
        for (size_t c = 0; c < a->n_params; c++)
            if (strcmp(a->params[c].key, src->key) == 0) {
                src = &a->params[c];
                used[c] = true;
            }
        if (n >= SIM_SWEEP_PARAMS_MAX)
            goto too_many;
        sim_sweep_param_copy(&out[n++], src);
    }
    for (size_t c = 0; c < a->n_params; c++) {
        if (used[c])
            continue;
        if (n >= SIM_SWEEP_PARAMS_MAX)
            goto too_many;
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
    if (sim_scenario_load(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        args_free(&a);
        return SIM_EXIT_USAGE;
    }
    int rc = SIM_EXIT_USAGE;
    sim_sweep_param params[SIM_SWEEP_PARAMS_MAX];
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
    if ((n_params = collect_params(&s, &a, params)) < 0) {
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
    if (sim_sweep_check_params(&s, params, (size_t)n_params, &hash, &err) != 0) {
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
    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.jobs = mine > 0 && (size_t)jobs > mine ? (int)((size_t)jobs / mine) : 1;
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
                        .progress = isatty(STDERR_FILENO) != 0,
                        .eval = sim_sweep_eval_run,
                        .eval_ctx = &ro};
    sim_sweep_outcome out;
    char note[1024]; /* said if a signal stops the sweep */
    snprintf(note, sizeof note,
             "dsim: sweep: the finished points are kept in %s/points; the same command "
             "with --resume continues from them",
             a.out_dir);
    sim_outfile_signal_note(note);
    if (sim_sweep_run(&s, &o, &out, &err) != 0) {
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
    if (sim_page_write_summary(a.out_dir, &s, &err) != 0) { /* for dsim report */
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
    int rc = SIM_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(merge_usage, stdout);
            rc = SIM_EXIT_OK;
            goto done;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                rc = sim_usage_error("merge: %s needs a file name", a);
                goto done;
            }
            out = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                rc = sim_usage_error("merge: %s needs a file name", a);
                goto done;
            }
            json_out = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            rc = sim_usage_error("merge: unknown option '%s'", a);
            goto done;
        } else {
            inputs[n++] = a;
        }
    }
    if (!out || n == 0) {
        rc = sim_usage_error("merge: expected CSV... -o FILE");
        goto done;
    }
    sim_error err = {0};
    if (sim_sweep_merge_json(inputs, n, out, json_out, &err) != 0) {
        sim_error_print(&err);
        goto done;
    }
    rc = SIM_EXIT_OK;
done:
    free(inputs);
    return rc;
}
