/*
 * page.c — the self-contained HTML page of `dsim report` (page.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junit.h"
#include "outfile.h"
#include "page.h"
#include "stats.h"
#include "xalloc.h"

static const char PAGE_CSS[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:24px auto;max-width:1200px;padding:0 16px;color:#1a1a1a;background:#fff;line-height:1.45}"
    "h1{font-size:1.6em;border-bottom:2px solid #1f77b4;padding-bottom:4px}"
    "h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}"
    "h3{font-size:1.05em;margin-top:1.2em}"
    "pre{white-space:pre-wrap;background:#f6f8fa;border:1px solid #e1e4e8;padding:10px;overflow-x:auto;font-size:12px}"
    "table{border-collapse:collapse;font-size:12.5px;margin:8px 0}"
    "th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:right;vertical-align:top}"
    "th{background:#f0f3f6}td.name,th.name{text-align:left;font-weight:600}"
    ".d{display:block;font-size:11px;color:#666}"
    ".better{background:#d9f2d9;color:#11611d}.worse{background:#f9d6d5;color:#8e1b14}"
    ".differs{background:#dbe9f8;color:#17456e}"
    "figure{margin:12px 0}figure svg{width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:12.5px;color:#444;margin-top:4px}"
    "nav a{margin-right:12px}.note{color:#555;font-size:13px}";

void sim_page_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    sim_xml_escape(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", PAGE_CSS);
    sim_xml_escape(f, title);
    fputs("</h1>\n", f);
}

void sim_page_end(FILE *f)
{
    fputs("</body>\n</html>\n", f);
}

void sim_page_heading(FILE *f, int level, const char *id, const char *text)
{
    fprintf(f, "<h%d id=\"", level);
    sim_xml_escape(f, id);
    fputs("\">", f);
    sim_xml_escape(f, text);
    fprintf(f, "</h%d>\n", level);
}

void sim_page_para(FILE *f, const char *text)
{
    fputs("<p>", f);
    sim_xml_escape(f, text);
    fputs("</p>\n", f);
}

void sim_page_pre(FILE *f, const char *text)
{
    fputs("<pre>", f);
    sim_xml_escape(f, text);
    fputs("</pre>\n", f);
}

/* Reads a whole file into a NUL-terminated buffer (owned by the caller). */
static char *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = sim_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, in)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = sim_xrealloc(buf, cap);
        }
    }
    bool bad = ferror(in);
    fclose(in);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int sim_page_svg(FILE *f, const char *svg_path, int n, const char *caption, sim_error *err)
{
    size_t len;
    char *svg = slurp(svg_path, &len);
    if (!svg) {
        sim_error_add(err, "%s: cannot read: %s", svg_path, strerror(errno));
        return -1;
    }
    char *start = strstr(svg, "<svg");
    if (!start || !strstr(start, "</svg>")) {
        sim_error_add(err, "%s: not an SVG drawing", svg_path);
        free(svg);
        return -1;
    }
    fputs("<figure>\n", f);
    /* ids and the references to them get the figure's prefix */
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    for (const char *p = start; *p;) {
        size_t which = 0;
        const char *next = NULL;
        for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
            const char *q = strstr(p, refs[k]);
            if (q && (!next || q < next)) {
                next = q;
                which = k;
            }
        }
        if (!next) {
            fputs(p, f);
            break;
        }
        size_t rl = strlen(refs[which]);
        fwrite(p, 1, (size_t)(next - p) + rl, f);
        fprintf(f, "f%d_", n);
        p = next + rl;
    }
    fputs("<figcaption>", f);
    sim_xml_escape(f, caption);
    fputs("</figcaption>\n</figure>\n", f);
    free(svg);
    return 0;
}

/* ---- the policy table ------------------------------------------------------ */

typedef struct {
    const char *key, *head;
    int better; /* -1 lower is better, +1 higher, 0 no direction */
} page_col;

static const page_col COLS[] = {
    {"delivered", "delivered", +1},
    {"lost", "lost", -1},
    {"duplicates", "duplicates", -1},
    {"lost_rate", "lost rate", -1},
    {"duplicate_rate", "duplicate rate", -1},
    {"latency_s.p50", "latency p50 (s)", -1},
    {"latency_s.p99", "latency p99 (s)", -1},
    {"failovers", "failovers", 0},
    {"wasted_node_s", "wasted node time (s)", -1},
};

/* x with `dec` decimals, never "-0" and never an exponent. */
static void fixed(FILE *f, double x, int dec, bool sign)
{
    if (fabs(x) < 0.5 * pow(10, -dec))
        x = 0;
    fprintf(f, sign && x > 0 ? "+%.*f" : "%.*f", dec, x);
}

/* The decimals that show `h` (a CI half-width) to two significant digits. */
static int decimals_for(double h)
{
    if (!(h > 0) || !isfinite(h))
        return 3;
    int d = 1 - (int)floor(log10(h));
    return d < 0 ? 0 : d > 9 ? 9 : d;
}

/* x to 4 significant digits, without an exponent (nor trailing zeros) where
 * %g would use none. */
static void plain(FILE *f, double x, bool sign)
{
    double a = fabs(x);
    if (a < 5e-13)
        fputs("0", f);
    else if (a >= 1e-4 && a < 1e6)
        fprintf(f, sign ? "%+.4g" : "%.4g", x);
    else
        fixed(f, x, a >= 1 ? 0 : 9, sign);
}

/* mean ± half, both at the half-width's precision; just the mean without one. */
static void with_ci(FILE *f, double mean, double half, bool has_half, bool sign)
{
    if (has_half && half > 0) {
        int d = decimals_for(half);
        fixed(f, mean, d, sign);
        fputs(" &plusmn; ", f);
        fixed(f, half, d, false);
    } else {
        plain(f, mean, sign);
    }
}

static bool number(const json_t *v, double *x)
{
    if (!json_is_number(v))
        return false;
    *x = json_number_value(v);
    return true;
}

/* The rule-of-three bound on the per-utterance rate of an event never seen in n
 * replications of u utterances on average: 3 / (n x u), at most 1; NaN with no
 * utterance (no trial). results.json's upper_bound is this for a rate, a count
 * per replication for a count (README Metrics): the page prints the rate for both,
 * as `dsim run`'s table does. */
static double rate_bound(const json_t *m, double u)
{
    double n;
    if (!number(json_object_get(m, "n"), &n) || !(n > 0) || !(u > 0))
        return NAN;
    sim_summary sum = {.n = (size_t)n, .utterances = u};
    return sim_summary_rate_bound(&sum);
}

/* " (n=k)" after a figure over k of the reps replications (or pairs) when k is
 * fewer, as `dsim run`'s table marks it (o: a metric's or a comparison's object
 * with its "n"; reps 0: not known, no mark). */
static void mark_n(FILE *f, const json_t *o, size_t reps)
{
    double k;
    if (reps > 0 && number(json_object_get(o, "n"), &k) && k < (double)reps)
        fprintf(f, " (n=%.0f)", k);
}

/* One cell: metric m of a policy (u: its mean utterances, NaN if none) and d its
 * paired difference with the baseline. */
static void cell(FILE *f, const json_t *m, double u, const json_t *d, int better,
                 bool is_base)
{
    double mean, ci, ub;
    size_t reps = json_array_size(json_object_get(m, "values"));
    fputs("<td", f);
    double dm = 0, dc = NAN;
    bool has_d = !is_base && number(json_object_get(d, "mean"), &dm);
    bool has_dc = has_d && number(json_object_get(d, "ci95"), &dc);
    bool sig = has_dc && fabs(dm) > dc;
    if (sig) {
        const char *cls = better == 0 ? "differs" : (dm * better > 0 ? "better" : "worse");
        fprintf(f, " class=\"%s\"", cls);
    }
    fputs(">", f);
    if (!number(json_object_get(m, "mean"), &mean)) {
        fputs("n/a", f);
    } else if (json_is_true(json_object_get(m, "rule_of_three")) &&
               isfinite(ub = rate_bound(m, u))) {
        fputs("0 (&le; ", f);
        plain(f, sim_round_up(ub, 2), false); /* up, as the run's table: a bound */
        fputs("/utt)", f);
    } else {
        bool has = number(json_object_get(m, "ci95"), &ci);
        with_ci(f, mean, ci, has, false);
        mark_n(f, m, reps);
    }
    if (is_base) {
        fputs("<span class=\"d\">baseline</span>", f);
    } else if (has_d) {
        fputs("<span class=\"d\">&Delta; ", f);
        with_ci(f, dm, dc, has_dc, true);
        mark_n(f, d, reps);
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

void sim_page_policy_table(FILE *f, const json_t *policies, const char *baseline,
                           const char *caption)
{
    fputs("<table>\n", f);
    if (caption) {
        fputs("<caption>", f);
        sim_xml_escape(f, caption);
        fputs("</caption>\n", f);
    }
    fputs("<tr><th class=\"name\">policy</th>", f);
    for (size_t c = 0; c < sizeof COLS / sizeof COLS[0]; c++)
        fprintf(f, "<th>%s</th>", COLS[c].head);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < json_array_size(policies); i++) {
        const json_t *p = json_array_get(policies, i);
        const char *name = json_string_value(json_object_get(p, "name"));
        bool is_base = name && baseline && strcmp(name, baseline) == 0;
        fputs("<tr><td class=\"name\">", f);
        sim_xml_escape(f, name ? name : "?");
        fputs("</td>", f);
        const json_t *ms = json_object_get(p, "metrics");
        const json_t *ds = json_object_get(p, "paired_vs_baseline");
        double u = NAN;
        if (!number(json_object_get(json_object_get(ms, "utterances"), "mean"), &u))
            u = NAN;
        for (size_t c = 0; c < sizeof COLS / sizeof COLS[0]; c++)
            cell(f, json_object_get(ms, COLS[c].key), u, json_object_get(ds, COLS[c].key),
                 COLS[c].better, is_base);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

int sim_page_write_summary(const char *dir, const sim_scenario *s, sim_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        sim_error_add(err, "%s/summary.txt: %s", dir, strerror(errno));
        return -1;
    }
    sim_scenario_print_summary(s, m);
    if (fclose(m) != 0) {
        free(buf);
        sim_error_add(err, "%s/summary.txt: %s", dir, strerror(errno));
        return -1;
    }
    size_t pl = strlen(dir) + 16;
    char *path = sim_xmalloc(pl);
    snprintf(path, pl, "%s/summary.txt", dir);
    int rc = sim_outfile_write(path, buf, len, err);
    free(path);
    free(buf);
    return rc;
}
