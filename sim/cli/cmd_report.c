/*
 * cmd_report.c — `dsim report DIR`: DIR/report.html from a `dsim run --out DIR`
 * or `dsim sweep --out DIR` folder, one self-contained page (sim/report/page.h):
 * the scenario, the policy table with CIs and paired differences, and the
 * figures of `dsim plot` inline as SVG (drawn into a temporary folder inside DIR
 * and removed). The page is written atomically (sim_outfile).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "page.h"
#include "plot_data.h"
#include "sweep.h"

#define REPORT_PATH 4096

enum { O_PLOTS = 1 };

static const sim_opt report_opts[] = {
    {O_PLOTS, "plots", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "the folder of dsim's gnuplot scripts (as dsim plot)", NULL},
    {O_PLOTS, "scripts", 0, SIM_OPT_DIR, "DIR", 0, 0, SIM_OPT_ALIAS, NULL, NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_report = {
    "report", "one HTML page of a run or sweep folder (tables, inline SVG figures)", "DIR", 1, 1,
    SIM_OPT_DIR, false, false,
    "Writes DIR/report.html from a folder of dsim run --out DIR (results.json,\n"
    "results.csv) or dsim sweep --out DIR (sweep.json, sweep.csv): one page with\n"
    "everything inline (CSS, SVG figures; no script, no network): the scenario\n"
    "(DIR/summary.txt), the policy table (mean ± 95% CI, the paired difference\n"
    "against the baseline, coloured where its CI excludes 0), and the figures:\n"
    "  a run: the latency CDF per policy over all utterances (from DIR/latencies.csv\n"
    "    when there: dsim run --latencies DIR/latencies.csv; else the tail from the\n"
    "    quantiles), the lost utterances per policy by cause, the trade-off, and\n"
    "    with DIR/timeline.json (dsim run --timeline DIR/timeline.json) the worst\n"
    "    session window of the timeline\n"
    "  a sweep: duplicates and lost against the knob with the paired differences,\n"
    "    the trade-off, and the table of every point\n"
    "Needs gnuplot (apt-get install gnuplot-nox).\n",
    report_opts, sim_cmd_report};

static bool exists(const char *dir, const char *name, char *path, size_t size)
{
    int n = snprintf(path, size, "%s/%s", dir, name);
    return n > 0 && (size_t)n < size && access(path, R_OK) == 0;
}

/* Draws `input` into tmp with dsim plot's code. */
static int draw(const char *input, const char *tmp, const char *scripts, sim_error *err)
{
    return sim_plot_csv(input, tmp, NULL, scripts, err) == 0 ? 0 : -1;
}

static int figure(FILE *f, const char *tmp, const char *name, int *n, const char *caption,
                  sim_error *err)
{
    char p[REPORT_PATH + 64];
    snprintf(p, sizeof p, "%s/%s.svg", tmp, name);
    if (access(p, R_OK) != 0)
        return 0;
    return sim_page_svg(f, p, ++*n, caption, err);
}

/* Removes tmp and what dsim plot drew into it. */
static void clean(const char *tmp)
{
    static const char *const files[] = {
        "sweep.png", "sweep.svg", "tradeoff.png", "tradeoff.svg", "latency_cdf.png",
        "latency_cdf.svg", "latency_cdf.tsv", "loss_causes.png", "loss_causes.svg",
        "timeline.png", "timeline.svg", "sweep_paired.csv"};
    char p[REPORT_PATH + 64];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, files[i]);
        remove(p);
    }
    rmdir(tmp);
}

/* Says which policies delivered no utterance in any replication (they have no
 * latency: n/a in the table; the figure draws them at 0 delivered), or that none
 * delivered any. */
static void undelivered_note(FILE *f, const json_t *policies)
{
    char *names = NULL;
    size_t len = 0, n = 0, np = json_array_size(policies);
    FILE *m = open_memstream(&names, &len);
    for (size_t i = 0; m && i < np; i++) {
        const json_t *pol = json_array_get(policies, i);
        const json_t *v = json_object_get(
            json_object_get(json_object_get(pol, "metrics"), "delivered"), "values");
        double d = 0;
        for (size_t r = 0; r < json_array_size(v); r++)
            d += json_number_value(json_array_get(v, r));
        if (json_array_size(v) > 0 && d == 0) {
            const char *nm = json_string_value(json_object_get(pol, "name"));
            fprintf(m, "%s%s", n++ ? ", " : "", nm ? nm : "?");
        }
    }
    if (m)
        fclose(m);
    char line[2048];
    if (n > 0 && n == np)
        snprintf(line, sizeof line, "No utterance was delivered, by any policy in any "
                 "replication: every utterance was lost, and there is no latency (n/a).");
    else if (n > 0)
        snprintf(line, sizeof line, "Delivered no utterance in any replication: %.1800s. Every "
                 "utterance %s was lost: %s no latency (n/a).", names, n > 1 ? "of these" : "of it",
                 n > 1 ? "they have" : "it has");
    if (n > 0)
        sim_page_para(f, line);
    free(names);
}

static int write_page(FILE *f, const char *dir, const char *tmp, const json_t *root, bool sweep,
                      bool have_lat, bool have_tl, bool tl_empty, sim_error *err)
{
    const char *scen = json_string_value(json_object_get(root, "scenario"));
    const char *base = json_string_value(json_object_get(root, "baseline"));
    char title[1024];
    snprintf(title, sizeof title, "dsim %s: %s", sweep ? "sweep" : "run", scen ? scen : "?");
    sim_page_begin(f, title);
    char line[2048];
    snprintf(line, sizeof line,
             "seed %lld, %lld replications per %s, baseline %s; from %s (dsim %s). Every "
             "figure is mean ± 95%% CI over replications; every policy and point ran the same "
             "seeds, so differences against the baseline are paired, per replication.",
             (long long)json_integer_value(json_object_get(root, "seed")),
             (long long)json_integer_value(json_object_get(root, "replications")),
             sweep ? "point and policy" : "policy", base ? base : "?", dir, DSIM_VERSION);
    sim_page_para(f, line);
    fputs("<nav><a href=\"#scenario\">scenario</a><a href=\"#policies\">policies</a>", f);
    if (sweep)
        fputs("<a href=\"#knob\">against the knob</a>", f);
    else
        fputs("<a href=\"#latency\">latency</a><a href=\"#loss\">loss causes</a>"
              "<a href=\"#tradeoff\">trade-off</a>",
              f);
    if (have_tl)
        fputs("<a href=\"#timeline\">timeline</a>", f);
    fputs("</nav>\n", f);

    sim_page_heading(f, 2, "scenario", "Scenario");
    char p[2 * REPORT_PATH];
    if (exists(dir, "summary.txt", p, sizeof p)) {
        FILE *in = fopen(p, "rb");
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        int c;
        while (in && m && (c = fgetc(in)) != EOF)
            fputc(c, m);
        if (in)
            fclose(in);
        if (m)
            fclose(m);
        sim_page_pre(f, buf ? buf : "");
        free(buf);
    } else {
        sim_page_para(f, "(no summary.txt in the folder: it was written by an older dsim)");
    }

    int nfig = 0;
    const char *legend = "Under each value: Δ, the paired difference against the baseline "
                         "(mean ± 95% CI of the per-replication differences). Green: better "
                         "than the baseline and its CI excludes 0; red: worse and its CI "
                         "excludes 0; blue: differs, no direction; uncoloured: not "
                         "significant. 0 (≤ r/utt): never seen; r is the 95% upper bound of "
                         "its per-utterance rate.";
    if (!sweep) {
        sim_page_heading(f, 2, "policies", "Policies");
        sim_page_para(f, legend);
        sim_page_policy_table(f, json_object_get(root, "policies"), base, NULL);
        sim_page_heading(f, 2, "latency", "Latency");
        undelivered_note(f, json_object_get(root, "policies"));
        if (figure(f, tmp, "latency_cdf", &nfig,
                   have_lat ? "The empirical CDF of each policy's latency (utterance end to first "
                              "delivery) over all utterances of all replications: it levels off "
                              "at 1 - lost rate."
                            : "The latency tail over all utterances from the quantiles of the "
                              "delivered ones (run with --latencies DIR/latencies.csv for the "
                              "whole CDF).",
                   err) != 0)
            return -1;
        sim_page_heading(f, 2, "loss", "Lost utterances by cause");
        if (figure(f, tmp, "loss_causes", &nfig,
                   "Each lost utterance counted once, under the strongest evidence of what "
                   "happened to it (README, Metrics).",
                   err) != 0)
            return -1;
        sim_page_heading(f, 2, "tradeoff", "Trade-off");
        if (figure(f, tmp, "tradeoff", &nfig, "Lost rate against duplicate rate; lower left is "
                                              "better.", err) != 0)
            return -1;
    } else {
        sim_page_heading(f, 2, "knob", "Against the knob");
        if (figure(f, tmp, "sweep", &nfig,
                   "Duplicates and lost per run against the swept knob (top), and the paired "
                   "difference of each line against the baseline (bottom).",
                   err) != 0 ||
            figure(f, tmp, "tradeoff", &nfig, "Lost rate against duplicate rate along the knob.",
                   err) != 0)
            return -1;
        sim_page_heading(f, 2, "policies", "Policies at every point");
        sim_page_para(f, legend);
        const json_t *points = json_object_get(root, "points");
        for (size_t i = 0; i < json_array_size(points); i++) {
            const json_t *pt = json_array_get(points, i);
            char *knobs = json_dumps(json_object_get(pt, "knobs"), JSON_COMPACT | JSON_ENSURE_ASCII);
            snprintf(line, sizeof line, "point %zu: %s", i, knobs ? knobs : "");
            free(knobs);
            sim_page_policy_table(f, json_object_get(pt, "policies"), base, line);
        }
    }
    if (have_tl) {
        sim_page_heading(f, 2, "timeline", "Timeline: the worst session window");
        if (tl_empty)
            sim_page_para(f, "DIR/timeline.json holds no attempt (its --timeline-filter kept "
                             "none, or no assign reached a node): no window to draw.");
        else if (figure(f, tmp, "timeline", &nfig,
                   "From DIR/timeline.json: the session with the most trouble and its 120 s "
                   "with the most discards, duplicates, timeouts and cancels; every attempt on "
                   "the node worker that ran it. Open the file in https://ui.perfetto.dev for "
                   "all of it.",
                   err) != 0)
            return -1;
    }
    sim_page_end(f);
    return 0;
}

int sim_cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *scripts = NULL;
    sim_optparse p;
    sim_error perr;
    sim_opt_init(&p, &sim_spec_report, argc, argv, NULL, &perr, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == SIM_OPT_OPERAND)
            dir = p.value;
        else if (id == O_PLOTS)
            scripts = p.value;
    }
    if (p.status)
        return p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    if (strlen(dir) > REPORT_PATH - 64) {
        fprintf(stderr, "dsim: report: folder name too long: %.64s...\n", dir);
        return SIM_EXIT_USAGE;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "dsim: report: %s: %s (expected the folder of dsim run --out DIR or dsim "
                        "sweep --out DIR)\n", dir,
                stat(dir, &st) != 0 ? strerror(errno) : "not a folder");
        return SIM_EXIT_USAGE;
    }
    sim_error err = {0};
    char plots[REPORT_PATH];
    if (sim_plot_prepare(scripts, plots, sizeof plots, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    char run_json[2 * REPORT_PATH], sweep_json[2 * REPORT_PATH], csv[2 * REPORT_PATH];
    char lat[2 * REPORT_PATH], tl[2 * REPORT_PATH];
    bool sweep = exists(dir, "sweep.json", sweep_json, sizeof sweep_json);
    bool run = !sweep && exists(dir, "results.json", run_json, sizeof run_json);
    if (!sweep && !run) {
        /* a folder of shards (dsim sweep --shard I/N): sweep-I-of-N.csv and .json */
        char pat[2 * REPORT_PATH];
        glob_t g;
        snprintf(pat, sizeof pat, "%s/sweep-*-of-*.csv", dir);
        if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            const char *base = strrchr(g.gl_pathv[0], '/'), *of = strstr(base, "-of-");
            fprintf(stderr, "dsim: %s: shards of a sweep (%s, ...: dsim sweep --shard), no "
                            "sweep.json: merge them first (dsim merge %s/sweep-*%s -o %s/sweep.csv "
                            "--json %s/sweep.json), then report the folder\n",
                    dir, g.gl_pathv[0], dir, of ? of : ".csv", dir, dir);
        } else {
            fprintf(stderr, "dsim: %s: neither results.json (dsim run --out) nor sweep.json "
                            "(dsim sweep --out) there\n", dir);
        }
        globfree(&g);
        return SIM_EXIT_USAGE;
    }
    const char *json = sweep ? sweep_json : run_json;
    if (!exists(dir, sweep ? "sweep.csv" : "results.csv", csv, sizeof csv)) {
        fprintf(stderr, "dsim: %s: %s without %s\n", dir, sweep ? "sweep.json" : "results.json",
                sweep ? "sweep.csv" : "results.csv");
        return SIM_EXIT_USAGE;
    }
    json_error_t je;
    json_t *root = json_load_file(json, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_string(json_object_get(root, "scenario")) ||
        !json_is_array(json_object_get(root, sweep ? "points" : "policies"))) {
        if (root)
            fprintf(stderr, "dsim: %s: not a dsim %s JSON\n", json, sweep ? "sweep" : "run");
        else
            fprintf(stderr, "dsim: %s:%d:%d: %s\n", json, je.line, je.column, je.text);
        json_decref(root);
        return SIM_EXIT_USAGE;
    }
    bool have_lat = !sweep && exists(dir, "latencies.csv", lat, sizeof lat);
    bool have_tl = !sweep && exists(dir, "timeline.json", tl, sizeof tl);
    /* The CSVs whole and of the right kind before anything is drawn. */
    sim_plot_kind kind = SIM_PLOT_RUN;
    const char *bad = NULL;
    if (sim_plot_csv_check(csv, &kind, &err) != 0)
        bad = "";
    else if (kind != (sweep ? SIM_PLOT_SWEEP : SIM_PLOT_RUN))
        bad = csv;
    else if (have_lat && sim_plot_csv_check(lat, &kind, &err) != 0)
        bad = "";
    else if (have_lat && kind != SIM_PLOT_LATENCIES)
        bad = lat;
    if (bad) {
        if (bad[0])
            sim_error_add(&err, "%s: not a %s CSV", bad,
                          bad == lat ? "dsim run --latencies" : sweep ? "sweep" : "run");
        sim_error_print(&err);
        json_decref(root);
        return SIM_EXIT_USAGE;
    }

    char tmp[REPORT_PATH];
    snprintf(tmp, sizeof tmp, "%s/.report.tmp.%ld", dir, (long)getpid());
    if (mkdir(tmp, 0777) != 0) {
        fprintf(stderr, "dsim: %s: cannot create folder: %s\n", tmp, strerror(errno));
        json_decref(root);
        return SIM_EXIT_USAGE;
    }
    int rc = draw(csv, tmp, plots, &err);
    if (rc == 0 && have_lat)
        rc = draw(lat, tmp, plots, &err);
    bool tl_empty = false; /* a timeline.json with no attempt: no figure, a sentence */
    if (rc == 0 && have_tl) {
        rc = sim_plot_timeline_file(tl, tmp, plots, &err);
        tl_empty = rc == 1;
        rc = rc == 1 ? 0 : rc == 0 ? 0 : -1;
    }
    char page[2 * REPORT_PATH];
    snprintf(page, sizeof page, "%s/report.html", dir);
    sim_outfile o = {0};
    if (rc == 0)
        rc = sim_outfile_open(&o, page, &err);
    if (rc == 0) {
        rc = write_page(o.f, dir, tmp, root, sweep, have_lat, have_tl, tl_empty, &err);
        if (rc == 0)
            rc = sim_outfile_commit(&o, &err);
        else
            sim_outfile_abort(&o);
    }
    clean(tmp);
    json_decref(root);
    if (rc != 0) {
        sim_error_print(&err);
        return sim_error_exit(&err);
    }
    printf("report written to %s\n", page);
    return SIM_EXIT_OK;
}
