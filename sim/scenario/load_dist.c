/*
 * load_dist.c — reading distribution objects ({"dist": kind, params...}).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "suggest.h"

#define DIST_KEYS_MAX 8

/* lognormal sigma above this makes draws overflow any clock. */
static const sim__range SIGMA = {0, 10, true, false, false};
/* weibull shape below this makes its mean (Gamma(1 + 1/shape)) overflow. */
static const sim__range WEIBULL_SHAPE = {0.01, 1e9, false, false, false};

static void join(const char *const *list, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; list[i] && o < cap; i++) {
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", list[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* Unknown keys of a dist object, named with the kind so that a key of another
 * kind ("mean" on a lognormal) reads clearly. */
static void check_dist_keys(sim__ld *ld, const json_t *v, int kind, bool component)
{
    const char *allowed[DIST_KEYS_MAX + 2];
    size_t n = 0;
    for (const char *const *k = sim__keys_dist[kind]; *k && n < DIST_KEYS_MAX; k++)
        allowed[n++] = *k;
    if (component)
        allowed[n++] = "weight";
    allowed[n] = NULL;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        (void)val;
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (ok)
            continue;
        if (sim__errors_full(ld)) {
            sim_error_add(ld->err, "%s", ""); /* counted only */
            continue;
        }
        char safe[64], list[200];
        sim_safe_text(key, safe, sizeof safe);
        const char *near = sim_suggest(key, allowed, n);
        if (near) {
            sim__note_suggestion(ld, v, near);
            sim__err_key(ld, key, "unknown key '%s' for a %s dist; did you mean '%s'?", safe,
                         sim__dist_names[kind], near);
        } else {
            join(allowed, list, sizeof list);
            sim__err_key(ld, key, "unknown key '%s' for a %s dist (it takes %s)", safe,
                         sim__dist_names[kind], list);
        }
    }
}

/* Parses the samples of a text file: numbers separated by white space, '#' starts
 * a comment. Messages name the file and line. */
static void read_samples_file(sim__ld *ld, const char *name, dist *d)
{
    char path[4096], safe[80];
    long long size;
    FILE *f = sim__open_input(ld, name, "samples file", SIM_EMPIRICAL_MAX_BYTES, path,
                              sizeof path, &size);
    sim_safe_text(path, safe, sizeof safe);
    if (!f)
        return;
    size_t cap = (size_t)size + 1;
    char *text = sim_xmalloc(cap);
    size_t len = fread(text, 1, cap - 1, f);
    fclose(f);
    text[len] = '\0';
    uint64_t n64 = len; /* a file's length closes its part of the hash */
    ld->files_hash = sim_hash(sim_hash(ld->files_hash, text, len), &n64, sizeof n64);

    size_t n = 0, alloc = 64, line = 1;
    double *xs = sim_xmalloc(alloc * sizeof *xs);
    bool bad = false;
    size_t first = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* a UTF-8 BOM */
    for (size_t i = first; i < len && !bad;) {
        char ch = text[i];
        if (ch == '\n') {
            line++;
            i++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            i++;
            continue;
        }
        if (ch == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        size_t start = i;
        while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n' &&
               text[i] != '\0')
            i++;
        char tok[64];
        size_t tl = i - start < sizeof tok - 1 ? i - start : sizeof tok - 1;
        memcpy(tok, text + start, tl);
        tok[tl] = '\0';
        if (start == i) { /* a NUL byte */
            sim__err(ld, "%s:%zu: expected a number, got a NUL byte", safe, line);
            bad = true;
            break;
        }
        char *end;
        errno = 0;
        double x = strtod(tok, &end);
        char tsafe[64];
        sim_safe_text(tok, tsafe, sizeof tsafe);
        if (*end == '\0' && strspn(tok, "0123456789+-.eE") != tl) {
            /* strtod takes C's other forms too: 0x1p3, inf, nan, infinity */
            sim__err(ld, "%s:%zu: expected a decimal number of seconds (like 1.5 or 2e-3), got "
                         "'%s' (hexadecimal, inf and nan are not samples)", safe, line, tsafe);
            bad = true;
        } else if (*end != '\0' || i - start >= sizeof tok || !isfinite(x) || errno == ERANGE) {
            sim__err(ld, "%s:%zu: expected a number of seconds, got '%s'", safe, line, tsafe);
            bad = true;
        } else if (x < 0 || x > SIM_MAX_SECONDS) {
            sim__err(ld, "%s:%zu: expected a number of seconds in [0, 1e+07], got %s", safe, line,
                     tsafe);
            bad = true;
        } else if (n >= SIM_EMPIRICAL_MAX) {
            sim__err(ld, "%s:%zu: more than %u samples", safe, line, SIM_EMPIRICAL_MAX);
            bad = true;
        } else {
            if (n == alloc) {
                alloc *= 2;
                xs = sim_xrealloc(xs, alloc * sizeof *xs);
            }
            xs[n++] = x;
        }
    }
    free(text);
    if (!bad && n == 0) {
        sim__err(ld, "samples file '%s' holds no samples (expected numbers, one per line)", safe);
        bad = true;
    }
    if (bad) {
        free(xs);
        return;
    }
    d->samples = xs;
    d->n = n;
}

static void load_empirical(sim__ld *ld, const json_t *v, dist *d)
{
    const json_t *samples = json_object_get(v, "samples");
    const json_t *file = json_object_get(v, "file");
    if (samples && file) {
        sim__err_key(ld, "file", "give either 'samples' or 'file', not both");
        return;
    }
    if (!samples && !file) {
        sim__err(ld, "an empirical dist needs 'samples' (an array of seconds) or 'file'");
        return;
    }
    if (file) {
        const char *name;
        if (sim__str(ld, v, "file", true, 4000, &name) == SIM__SET) {
            sim__push_key(ld, "file");
            read_samples_file(ld, name, d);
            sim__pop(ld);
        }
        return;
    }
    sim__push_key(ld, "samples");
    size_t n = json_array_size(samples);
    char got[80];
    if (!json_is_array(samples)) {
        sim__describe(samples, got, sizeof got);
        sim__err(ld, "expected an array of seconds, got %s", got);
    } else if (n == 0) {
        sim__err(ld, "expected at least one sample, got an empty array");
    } else if (n > SIM_EMPIRICAL_MAX) {
        sim__err(ld, "expected at most %u samples, got %zu (use a smaller sample)",
                 SIM_EMPIRICAL_MAX, n);
    } else {
        double *xs = sim_xmalloc(n * sizeof *xs);
        bool ok = true;
        for (size_t i = 0; i < n; i++) {
            sim__push_index(ld, i);
            ok = sim__check_num(ld, json_array_get(samples, i), SIM__SECONDS, &xs[i]) && ok;
            sim__pop(ld);
        }
        if (ok) {
            d->samples = xs;
            d->n = n;
        } else {
            free(xs);
        }
    }
    sim__pop(ld);
}

static void load_mixture(sim__ld *ld, const json_t *v, dist *d, int depth)
{
    const json_t *comps = sim__member(ld, v, "components", true);
    if (!comps)
        return;
    sim__push_key(ld, "components");
    size_t n = json_array_size(comps);
    char got[80];
    if (!json_is_array(comps)) {
        sim__describe(comps, got, sizeof got);
        sim__err(ld, "expected an array of weighted dists, got %s", got);
    } else if (n == 0) {
        sim__err(ld, "expected at least one component, got an empty array");
    } else if (n > SIM_MIXTURE_MAX) {
        sim__err(ld, "expected at most %d components, got %zu", SIM_MIXTURE_MAX, n);
    } else if (depth + 1 > SIM_MIXTURE_DEPTH_MAX) {
        sim__err(ld, "mixtures nest at most %d deep", SIM_MIXTURE_DEPTH_MAX);
    } else {
        d->components = sim_xcalloc(n, sizeof *d->components);
        d->weights = sim_xcalloc(n, sizeof *d->weights);
        d->n = n;
        for (size_t i = 0; i < n; i++) {
            const json_t *c = json_array_get(comps, i);
            d->components[i] = dist_const(0.0);
            sim__push_index(ld, i);
            if (sim__want_object(ld, c,
                                 "a weighted dist such as {\"weight\": 1, \"dist\": "
                                 "\"const\", \"value\": 1}")) {
                if (sim__num(ld, c, "weight", true, SIM__POSITIVE, &d->weights[i]) != SIM__SET)
                    d->weights[i] = 1.0;
                sim__load_dist(ld, c, &d->components[i], depth + 1, true);
            }
            sim__pop(ld);
        }
    }
    sim__pop(ld);
}

int sim__load_dist(sim__ld *ld, const json_t *v, dist *out, int depth, bool component)
{
    int before = ld->err->count;
    char got[80];
    if (json_is_number(v)) {
        sim__describe(v, got, sizeof got);
        sim__err(ld,
                 "expected a dist, got the bare number %s; write {\"dist\": \"const\", "
                 "\"value\": %s}",
                 got, got);
        return -1;
    }
    if (!sim__want_object(ld, v, "a dist such as {\"dist\": \"const\", \"value\": 1}"))
        return -1;
    const json_t *kv = json_object_get(v, "dist");
    int kind = -1;
    if (!kv) {
        sim__err(ld, "missing required key 'dist' (one of const, uniform, exponential, "
                     "lognormal, gamma, weibull, pareto, empirical, mixture)");
        return -1;
    }
    if (sim__enum(ld, v, "dist", true, sim__dist_names, &kind) != SIM__SET)
        return -1;
    check_dist_keys(ld, v, kind, component);

    dist d = dist_const(0.0);
    d.kind = (dist_kind)kind;
    switch (d.kind) {
    case DIST_CONST:
        sim__num(ld, v, "value", true, SIM__SECONDS, &d.p0);
        break;
    case DIST_UNIFORM:
        if (sim__num(ld, v, "min", true, SIM__SECONDS, &d.p0) == SIM__SET &&
            sim__num(ld, v, "max", true, SIM__SECONDS, &d.p1) == SIM__SET && d.p1 < d.p0) {
            char lo[40], hi[40];
            sim__fmt_num(d.p0, lo, sizeof lo);
            sim__fmt_num(d.p1, hi, sizeof hi);
            sim__push_key(ld, "max");
            sim__err(ld, "expected a number >= min (%s), got %s", lo, hi);
            sim__pop(ld);
        }
        break;
    case DIST_EXPONENTIAL:
        sim__num(ld, v, "mean", true, SIM__POS_SECONDS, &d.p0);
        break;
    case DIST_LOGNORMAL:
        sim__num(ld, v, "median", true, SIM__POS_SECONDS, &d.p0);
        sim__num(ld, v, "sigma", true, SIGMA, &d.p1);
        break;
    case DIST_GAMMA:
    case DIST_WEIBULL:
        sim__num(ld, v, "shape", true, d.kind == DIST_GAMMA ? SIM__POSITIVE : WEIBULL_SHAPE, &d.p0);
        sim__num(ld, v, "scale", true, SIM__POS_SECONDS, &d.p1);
        break;
    case DIST_PARETO:
        sim__num(ld, v, "alpha", true, SIM__POSITIVE, &d.p0);
        sim__num(ld, v, "min", true, SIM__POS_SECONDS, &d.p1);
        break;
    case DIST_EMPIRICAL:
        load_empirical(ld, v, &d);
        break;
    case DIST_MIXTURE:
        load_mixture(ld, v, &d, depth);
        break;
    default:
        break;
    }
    sim__num(ld, v, "per_audio_s", false, SIM__SECONDS, &d.per_audio_s);
    if (d.kind != DIST_UNIFORM && sim__num(ld, v, "max", false, SIM__SECONDS, &d.max) == SIM__SET)
        d.has_max = true;

    if (ld->err->count == before) {
        const char *why = dist_check(&d); /* the models' own rules, as a safety net */
        if (why)
            sim__err(ld, "%s", why);
    }
    if (ld->err->count != before) {
        dist_free(&d);
        return -1;
    }
    dist_free(out);
    *out = d;
    return 0;
}

int sim__dist_field(sim__ld *ld, const json_t *obj, const char *key, bool required, dist *out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    sim__push_key(ld, key);
    int rc = sim__load_dist(ld, v, out, 0, false);
    sim__pop(ld);
    return rc == 0 ? SIM__SET : SIM__BAD;
}
