/*
 * cmd_plot.c — `dsim plot CSV [--out DIR]`: dsim's CSV into PNG and SVG with the
 * gnuplot scripts of plots/ (sim_plot_csv, declared in sweep.h).
 *
 * gnuplot runs as a child process with an argument vector (no shell). It writes
 * into a temporary folder inside DIR; the pictures are renamed into DIR only
 * when gnuplot succeeded, so DIR never holds a half-drawn plot.
 * The scripts read a copy of a run or sweep CSV spelled for gnuplot's data
 * reader (sim_plot_gp_csv), written in that folder and removed; the CSV is not
 * touched.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "commands.h"
#include "opts.h"
#include "plot_data.h"
#include "sweep.h"

extern char **environ;

#define PLOT_PATH 4096
#define PLOT_COLS 256 /* header columns read to find a sweep's knobs */

enum { O_OUT = 1, O_X, O_PLOTS };

static const sim_opt plot_opts[] = {
    {O_OUT, "out", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "where the PNG and SVG files go (default: the CSV's folder)", NULL},
    {O_X, "x", 0, SIM_OPT_TEXT, "KNOB", 0, 0, 0,
     "a sweep's knob on the x axis (default: the first)", NULL},
    {O_PLOTS, "plots", 0, SIM_OPT_DIR, "DIR", 0, 0, 0,
     "the folder of sweep.gp, tradeoff.gp, latency_cdf.gp (default: plots/\n"
     "beside the dsim binary's folder, else ./plots)",
     NULL},
    {O_PLOTS, "scripts", 0, SIM_OPT_DIR, "DIR", 0, 0, SIM_OPT_ALIAS, NULL, NULL},
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_plot = {
    "plot", "draw plots from dsim's CSV with gnuplot", "CSV", 1, 1, SIM_OPT_FILE, false, false,
    "Draws dsim's CSV with gnuplot, as PNG and SVG in DIR (default: the CSV's folder);\n"
    "titles name the scenario (from the JSON beside the CSV):\n"
    "  a sweep CSV (dsim sweep): sweep.png (duplicates and lost, mean and ci95,\n"
    "    against the knob --x, default the first knob; one line per policy and value\n"
    "    of the other knobs; below, the paired difference of each line against the\n"
    "    baseline policy, from sweep.json beside the CSV, also written as\n"
    "    sweep_paired.csv) and tradeoff.png (lost rate vs duplicate rate)\n"
    "  a run CSV (dsim run --format csv, or --out DIR's results.csv): tradeoff.png,\n"
    "    latency_cdf.png (latency tail over all utterances from the quantiles) and\n"
    "    loss_causes.png (lost per policy as a bar stacked by cause)\n"
    "  a timeline (dsim run --timeline FILE): timeline.png, the worst session\n"
    "    window, its attempts as bars per node worker, discards and duplicates marked\n"
    "  a latencies CSV (dsim run --latencies FILE): latency_cdf.png, the empirical\n"
    "    CDF of each policy over all utterances (their number from results.json in\n"
    "    the same folder: dsim run --out DIR --latencies DIR/latencies.csv), and its\n"
    "    table latency_cdf.tsv\n"
    "The CSV is checked whole before anything is drawn: a file cut short or\n"
    "malformed is refused (exit 2, FILE:LINE and what was expected), and so is a\n"
    "shard's CSV (dsim sweep --shard: plot the CSV dsim merge makes of the shards).\n"
    "Needs gnuplot (apt-get install gnuplot-nox).\n",
    plot_opts, sim_cmd_plot};

/* "DIR/NAME" into buf; false when it does not fit. */
static bool join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < size;
}

static bool readable(const char *dir, const char *name)
{
    char p[PLOT_PATH];
    return join(p, sizeof p, dir, name) && access(p, R_OK) == 0;
}

/* True when an executable `prog` is in a folder of $PATH (as posix_spawnp looks). */
static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char p[PLOT_PATH];
    for (const char *d = path;; d++) {
        const char *end = strchr(d, ':');
        size_t len = end ? (size_t)(end - d) : strlen(d);
        int n = snprintf(p, sizeof p, "%.*s/%s", (int)len, len ? d : ".", prog);
        if (n > 0 && (size_t)n < sizeof p && access(p, X_OK) == 0)
            return true;
        if (!end)
            return false;
        d = end;
    }
}

/* The scripts folder: the given one, else beside the binary, else ./plots. */
static int find_scripts(const char *given, char *dir, size_t size, sim_error *err)
{
    if (given) {
        if (!readable(given, "sweep.gp") || !readable(given, "tradeoff.gp")) {
            sim_error_add(err, "--plots %s: no dsim gnuplot scripts there (sweep.gp, tradeoff.gp)",
                          given);
            return -1;
        }
        snprintf(dir, size, "%s", given);
        return 0;
    }
    char exe[PLOT_PATH];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        const char *rel[] = {"../plots", "../share/dsim/plots", "plots"};
        for (size_t i = 0; i < 3; i++) {
            if (join(dir, size, exe, rel[i]) && readable(dir, "sweep.gp"))
                return 0;
        }
    }
    snprintf(dir, size, "plots");
    if (readable(dir, "sweep.gp"))
        return 0;
    sim_error_add(err, "cannot find dsim's gnuplot scripts (plots/sweep.gp beside the dsim "
                       "binary's folder, or in ./plots); give --plots DIR");
    return -1;
}

int sim_plot_prepare(const char *given, char *dir, size_t size, sim_error *err)
{
    if (find_scripts(given, dir, size, err) != 0)
        return -1;
    if (!on_path("gnuplot")) {
        sim_error_add(err, "gnuplot not found: apt-get install gnuplot-nox");
        return -2;
    }
    return 0;
}

/* Splits a CSV line into at most PLOT_COLS fields (RFC 4180: quotes honoured, a
 * doubled quote is one). */
static size_t header_fields(const char *line, char cols[][SIM_NAME_MAX * 4])
{
    return sim_plot_csv_fields(line, &cols[0][0], SIM_NAME_MAX * 4, NULL, PLOT_COLS);
}

/*
 * The policies sweep.png draws, as "\ta\tb\t" (a tab cannot be in a name): when
 * knobs act on particular policies ("policies.NAME.key"), those policies and the
 * first one of the CSV (the baseline,
 * for reference); otherwise "" (all). cols[0..n) is the header, `pol` the index
 * of its "policy" column. Returns 0, or -1 when the file cannot be read.
 */
static int drawn_policies(const char *csv, size_t pol, char cols[][SIM_NAME_MAX * 4], size_t n,
                          char *only, size_t size)
{
    static char line[PLOT_COLS * SIM_NAME_MAX * 4];
    static char row[PLOT_COLS][SIM_NAME_MAX * 4];
    char all[PLOT_PATH] = "\t", first[SIM_NAME_MAX * 4] = "";
    FILE *f = fopen(csv, "rb");
    if (!f)
        return -1;
    bool header = true;
    while (fgets(line, sizeof line, f)) {
        if (header) {
            header = false;
            continue;
        }
        if (header_fields(line, row) <= pol)
            continue;
        char item[SIM_NAME_MAX * 4 + 2];
        snprintf(item, sizeof item, "%s\t", row[pol]);
        if (!first[0])
            snprintf(first, sizeof first, "%s", row[pol]);
        char needle[SIM_NAME_MAX * 4 + 3];
        snprintf(needle, sizeof needle, "\t%s", item);
        if (!strstr(all, needle) && strlen(all) + strlen(item) < sizeof all)
            strcat(all, item);
    }
    fclose(f);
    /* For each knob, the longest policy name it starts with. */
    char targeted[PLOT_PATH] = "";
    for (size_t k = 1; k < pol && k < n; k++) {
        if (strncmp(cols[k], "policies.", 9) != 0)
            continue;
        const char *best = NULL;
        size_t best_len = 0;
        for (const char *p = all + 1; *p; p = strchr(p, '\t') + 1) {
            size_t len = (size_t)(strchr(p, '\t') - p);
            if (len > best_len && strncmp(cols[k] + 9, p, len) == 0 && cols[k][9 + len] == '.') {
                best = p;
                best_len = len;
            }
        }
        char item[SIM_NAME_MAX * 4 + 3];
        if (best && best_len < sizeof item - 3) {
            snprintf(item, sizeof item, "\t%.*s\t", (int)best_len, best);
            if (!strstr(targeted, item) && strlen(targeted) + strlen(item) < sizeof targeted)
                strcat(targeted, item + (targeted[0] ? 1 : 0));
        }
    }
    if (!targeted[0]) {
        only[0] = '\0';
        return 0;
    }
    char head[SIM_NAME_MAX * 4 + 3];
    snprintf(head, sizeof head, "\t%s\t", first);
    int w = strstr(targeted, head) ? snprintf(only, size, "%s", targeted)
                                   : snprintf(only, size, "%s%s", head, targeted + 1);
    if (w < 0 || (size_t)w >= size)
        only[0] = '\0'; /* too many names to list: draw them all */
    return 0;
}

/* Runs `gnuplot -c SCRIPT ARGS...`. Returns 0, -2 (no gnuplot) or -1 (err). */
static int gnuplot(const char *scripts, const char *script, const char *const *args, size_t n,
                   sim_error *err)
{
    char path[PLOT_PATH];
    snprintf(path, sizeof path, "%s/%s", scripts, script);
    char *argv[14];
    size_t a = 0;
    assert(n <= 10);
    argv[a++] = "gnuplot";
    argv[a++] = "-c";
    argv[a++] = path;
    for (size_t i = 0; i < n; i++)
        argv[a++] = (char *)args[i];
    argv[a] = NULL;
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (rc == ENOENT) {
        sim_error_add(err, "gnuplot not found: apt-get install gnuplot-nox");
        return -2;
    }
    if (rc != 0) {
        sim_error_add(err, "cannot start gnuplot: %s", strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            sim_error_add(err, "gnuplot: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        sim_error_add(err, "gnuplot not found: apt-get install gnuplot-nox");
        return -2;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* the data passed sim_plot_csv_check: a script that cannot draw it is dsim's fault */
        sim_error_add(err, "gnuplot failed on %s (%s %d): dsim's script could not draw valid "
                      "data (dsim's own fault, exit 3: please report it with the CSV)", path,
                      WIFEXITED(status) ? "exit" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        err->internal = true;
        return -1;
    }
    return 0;
}

/* Moves the pictures from tmp into out_dir and removes tmp. */
static int publish(const char *tmp, const char *out_dir, const char *const *names, size_t n,
                   bool keep, sim_error *err)
{
    int rc = 0;
    char from[PLOT_PATH], to[PLOT_PATH];
    for (size_t i = 0; i < n; i++) {
        for (int f = 0; f < 2; f++) {
            snprintf(from, sizeof from, "%s/%s.%s", tmp, names[i], f ? "svg" : "png");
            snprintf(to, sizeof to, "%s/%s.%s", out_dir, names[i], f ? "svg" : "png");
            if (keep && rc == 0 && rename(from, to) != 0) {
                sim_error_add(err, "%s: cannot write: %s", to, strerror(errno));
                rc = -1;
            }
            remove(from);
        }
    }
    if (rmdir(tmp) != 0 && rc == 0 && keep) {
        sim_error_add(err, "%s: gnuplot left unexpected files here", tmp);
        rc = -1;
    }
    return rc;
}

/* A timeline JSON: timeline.png and .svg of its worst session window. */
static int plot_timeline(const char *dir, const char *json, const char *out_dir, sim_error *err)
{
    if (sim_sweep_mkdir(out_dir, err) != 0)
        return -1;
    char tmp[PLOT_PATH], prefix[2 * PLOT_PATH];
    snprintf(tmp, sizeof tmp, "%s/.plots.tmp.%ld", out_dir, (long)getpid());
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
        sim_error_add(err, "%s: cannot create folder: %s", tmp, strerror(errno));
        return -1;
    }
    join(prefix, sizeof prefix, tmp, "timeline");
    int rc = sim_plot_timeline(json, prefix, err); /* 1: no attempt, nothing written */
    const char *a[] = {prefix, tmp};
    if (rc == 0)
        rc = gnuplot(dir, "timeline.gp", a, 2, err);
    static const char *const ext[] = {".bars.tsv", ".marks.tsv", ".meta.gp"};
    for (size_t i = 0; i < 3; i++) {
        char p[2 * PLOT_PATH + 16];
        snprintf(p, sizeof p, "%s%s", prefix, ext[i]);
        remove(p);
    }
    const char *names[] = {"timeline"};
    int prc = publish(tmp, out_dir, names, 1, rc == 0, err);
    return rc ? rc : prc;
}

static int empty_timeline(const char *json, sim_error *err)
{
    sim_error_add(err, "%s: empty (expected a dsim timeline: the JSON dsim run --timeline writes)",
                  json);
    return -1;
}

int sim_plot_timeline_file(const char *json, const char *out_dir, const char *scripts,
                           sim_error *err)
{
    char dir[PLOT_PATH];
    if (find_scripts(scripts, dir, sizeof dir, err) != 0)
        return -1;
    struct stat st;
    if (stat(json, &st) == 0 && st.st_size == 0)
        return empty_timeline(json, err);
    return plot_timeline(dir, json, out_dir, err);
}

int sim_plot_csv(const char *csv, const char *out_dir, const char *x, const char *scripts,
                 sim_error *err)
{
    char dir[PLOT_PATH];
    if (find_scripts(scripts, dir, sizeof dir, err) != 0)
        return -1;
    FILE *f = fopen(csv, "rb");
    if (!f) {
        sim_error_add(err, "%s: cannot read: %s", csv, strerror(errno));
        return -1;
    }
    static char line[PLOT_COLS * SIM_NAME_MAX * 4];
    static char cols[PLOT_COLS][SIM_NAME_MAX * 4];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t len = strlen(csv);
    if (!got && len >= 5 && strcmp(csv + len - 5, ".json") == 0)
        return empty_timeline(csv, err); /* a .json file is a timeline, not a CSV */
    if (got && line[0] == '{') {
        int rc = plot_timeline(dir, csv, out_dir, err);
        if (rc == 1) {
            sim_error_add(err, "%s: no attempt in this timeline: nothing to draw", csv);
            rc = -1;
        }
        return rc;
    }
    /* The whole file is checked before anything is drawn or written. */
    sim_plot_kind kind;
    if (sim_plot_csv_check(csv, &kind, err) != 0)
        return -1;
    size_t n = header_fields(line, cols);
    bool sweep = kind == SIM_PLOT_SWEEP, lat = kind == SIM_PLOT_LATENCIES;
    /* A sweep's knobs: the columns between "point" and "policy". */
    char all[PLOT_PATH] = "", others[PLOT_PATH] = "";
    const char *xk = NULL;
    size_t pol = 1;
    for (; sweep && pol < n && strcmp(cols[pol], "policy") != 0; pol++) {
        bool is_x = x ? strcmp(cols[pol], x) == 0 : pol == 1;
        if (is_x)
            xk = cols[pol];
        size_t l = strlen(all);
        snprintf(all + l, sizeof all - l, "%s%s", l ? " " : "", cols[pol]);
        if (!is_x) {
            l = strlen(others);
            snprintf(others + l, sizeof others - l, "%s%s", l ? " " : "", cols[pol]);
        }
    }
    if (sweep && !xk) {
        sim_error_add(err, "--x: '%s' is not a knob of %s (knobs: %s)", x, csv, all);
        return -1;
    }
    char only[PLOT_PATH] = "";
    if (sweep && drawn_policies(csv, pol, cols, n, only, sizeof only) != 0) {
        sim_error_add(err, "%s: cannot read its rows", csv);
        return -1;
    }
    if (sim_sweep_mkdir(out_dir, err) != 0)
        return -1;
    char tmp[PLOT_PATH];
    snprintf(tmp, sizeof tmp, "%s/.plots.tmp.%ld", out_dir, (long)getpid());
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
        sim_error_add(err, "%s: cannot create folder: %s", tmp, strerror(errno));
        return -1;
    }
    /* Context for titles: the JSON beside the CSV (same name, .json; for a
     * latencies file the run's results.json in its folder). */
    char json[2 * PLOT_PATH], scen[SIM_NAME_MAX * 4] = "", folder[PLOT_PATH];
    sim_path_dir(csv, folder, sizeof folder);
    size_t cl = strlen(csv);
    if (!lat && cl > 4 && strcmp(csv + cl - 4, ".csv") == 0)
        snprintf(json, sizeof json, "%.*s.json", (int)(cl - 4), csv);
    else
        join(json, sizeof json, folder, "results.json");
    bool have_json = access(json, R_OK) == 0;
    if (!have_json || !sim_plot_scenario_name(json, scen, sizeof scen)) {
        const char *base = strrchr(csv, '/');
        snprintf(scen, sizeof scen, "%s", base ? base + 1 : csv);
    }
    /* gnuplot reads a copy spelled for its data reader (a name with a quote, a
     * comma or a backslash is drawn exactly); the user's CSV stays as written */
    char gp[2 * PLOT_PATH];
    join(gp, sizeof gp, tmp, "gnuplot.csv");
    int rc;
    if (lat) {
        char data[2 * PLOT_PATH], why[PLOT_PATH] = "";
        bool everyone = false;
        join(data, sizeof data, tmp, "latency_cdf.tsv");
        int np = sim_plot_ecdf(csv, have_json ? json : NULL, data, &everyone, why, sizeof why, err);
        rc = np < 0 ? -1 : 0;
        if (rc == 0 && !everyone)
            fprintf(stderr, "dsim: note: latency_cdf.png is over delivered utterances only (%s); "
                            "dsim run --out DIR --latencies DIR/latencies.csv gives the CDF over "
                            "all utterances\n", why);
        const char *a[] = {data, tmp, scen, np == 0 ? "none" : everyone ? "all" : "delivered"};
        const char *names[] = {"latency_cdf"};
        if (rc == 0)
            rc = gnuplot(dir, "latency_ecdf.gp", a, 4, err);
        if (rc == 0) {
            char to[2 * PLOT_PATH];
            join(to, sizeof to, out_dir, "latency_cdf.tsv");
            if (rename(data, to) != 0) {
                sim_error_add(err, "%s: cannot write: %s", to, strerror(errno));
                rc = -1;
            }
        }
        remove(data);
        int prc = publish(tmp, out_dir, names, 1, rc == 0, err);
        rc = rc ? rc : prc;
    } else if (sweep) {
        char paired[2 * PLOT_PATH] = "", base[SIM_NAME_MAX * 4] = "", ref[PLOT_PATH] = "";
        char words[PLOT_PATH];
        bool self = false;
        sim_plot_knob_words(xk, words, sizeof words);
        rc = sim_plot_gp_csv(csv, gp, err);
        if (rc == 0 && have_json) {
            join(paired, sizeof paired, tmp, "sweep_paired.csv");
            rc = sim_plot_paired_csv(csv, json, xk, paired, base, sizeof base, &self, err);
            if (self)
                snprintf(ref, sizeof ref, "%s at the knob's first value", base);
            else
                snprintf(ref, sizeof ref, "%s at the same point", base);
        } else if (rc == 0) {
            fprintf(stderr, "dsim: note: no %s: sweep.png has no paired-difference panels\n",
                    json);
        }
        char gpaired[2 * PLOT_PATH] = "";
        if (rc == 0 && paired[0]) {
            join(gpaired, sizeof gpaired, tmp, "gnuplot_paired.csv");
            rc = sim_plot_gp_csv(paired, gpaired, err);
        }
        const char *a1[] = {gp, tmp, xk, others, only, gpaired, scen, words, ref};
        const char *a2[] = {gp, tmp, scen, xk, others, words};
        const char *names[] = {"sweep", "tradeoff"};
        if (rc == 0)
            rc = gnuplot(dir, "sweep.gp", a1, 9, err);
        if (rc == 0)
            rc = gnuplot(dir, "tradeoff.gp", a2, 6, err);
        if (paired[0] && rc == 0) {
            char to[2 * PLOT_PATH];
            join(to, sizeof to, out_dir, "sweep_paired.csv");
            if (rename(paired, to) != 0) {
                sim_error_add(err, "%s: cannot write: %s", to, strerror(errno));
                rc = -1;
            }
        }
        if (paired[0])
            remove(paired);
        if (gpaired[0])
            remove(gpaired);
        remove(gp);
        int prc = publish(tmp, out_dir, names, 2, rc == 0, err);
        rc = rc ? rc : prc;
    } else {
        const char *a[] = {gp, tmp, scen};
        const char *names[] = {"tradeoff", "latency_cdf", "loss_causes"};
        char causes[PLOT_PATH] = "";
        for (size_t k = 1; k < n; k++) {
            size_t l = strlen(cols[k]), c = strlen(causes);
            if (strncmp(cols[k], "lost_by_cause.", 14) == 0 &&
                !(l > 5 && strcmp(cols[k] + l - 5, "_ci95") == 0))
                snprintf(causes + c, sizeof causes - c, "%s%s", c ? " " : "", cols[k]);
        }
        const char *ac[] = {gp, tmp, scen, causes};
        rc = sim_plot_gp_csv(csv, gp, err);
        if (rc == 0)
            rc = gnuplot(dir, "tradeoff.gp", a, 3, err);
        if (rc == 0)
            rc = gnuplot(dir, "latency_cdf.gp", a, 3, err);
        if (rc == 0 && causes[0])
            rc = gnuplot(dir, "loss_causes.gp", ac, 4, err);
        remove(gp);
        int prc = publish(tmp, out_dir, names, causes[0] ? 3 : 2, rc == 0, err);
        rc = rc ? rc : prc;
    }
    return rc;
}

int sim_cmd_plot(int argc, char **argv)
{
    const char *csv = NULL, *out = NULL, *x = NULL, *scripts = NULL;
    sim_optparse p;
    sim_error perr;
    sim_opt_init(&p, &sim_spec_plot, argc, argv, NULL, &perr, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        if (id == SIM_OPT_OPERAND)
            csv = p.value;
        else if (id == O_OUT)
            out = p.value;
        else if (id == O_X)
            x = p.value;
        else if (id == O_PLOTS)
            scripts = p.value;
    }
    if (p.status)
        return p.status == SIM_OPT_HELPED ? SIM_EXIT_OK : p.status;
    char dir[PLOT_PATH];
    if (!out) {
        const char *slash = strrchr(csv, '/');
        if (slash == csv)
            snprintf(dir, sizeof dir, "/");
        else
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - csv) : 1, slash ? csv : ".");
        out = dir;
    }
    sim_error err = {0};
    int rc = sim_plot_csv(csv, out, x, scripts, &err);
    if (rc != 0) {
        sim_error_print(&err);
        return sim_error_exit(&err);
    }
    printf("plots written to %s\n", out);
    return SIM_EXIT_OK;
}
