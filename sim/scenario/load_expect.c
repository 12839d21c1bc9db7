/*
 * load_expect.c — reading the `expect` and `sweep` blocks.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "metrics.h"
#include "suggest.h"

static void load_bound(sim__ld *ld, const json_t *b, sim_expect *e)
{
    sim__check_keys(ld, b, sim__keys_expect_bound);
    e->has_min = sim__num(ld, b, "min", false, SIM__ANY, &e->min) == SIM__SET;
    e->has_max = sim__num(ld, b, "max", false, SIM__ANY, &e->max) == SIM__SET;
    e->has_equals = sim__num(ld, b, "equals", false, SIM__ANY, &e->equals) == SIM__SET;
    int on;
    if (sim__enum(ld, b, "on", false, sim__enum_expect_on, &on) == SIM__SET)
        e->on = (sim_expect_on)on;
    bool any =
        json_object_get(b, "min") || json_object_get(b, "max") || json_object_get(b, "equals");
    if (!any)
        sim__err(ld, "expected at least one bound: min, max or equals");
    if (e->has_min && e->has_max && e->min > e->max) {
        char lo[40], hi[40];
        sim__fmt_num(e->min, lo, sizeof lo);
        sim__fmt_num(e->max, hi, sizeof hi);
        sim__push_key(ld, "max");
        sim__err(ld, "expected a number >= min (%s), got %s", lo, hi);
        sim__pop(ld);
    }
}

static const char *policy_near(const sim_scenario *s, const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < s->n_policies && n < 64; i++)
        names[n++] = s->policies[i].name;
    return sim_suggest(name, names, n);
}

/* "a, b, c" of the policy names, cut to fit. */
static const char *policy_list(const sim_scenario *s, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_policies && o + 4 < cap; i++) {
        char safe[80];
        sim_safe_text(s->policies[i].name, safe, sizeof safe);
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", safe);
        if (n < 0 || (size_t)n >= cap - o) {
            snprintf(buf + (o < cap - 4 ? o : cap - 4), 4, "...");
            break;
        }
        o += (size_t)n;
    }
    return buf;
}

static void load_policy_expect(sim__ld *ld, const char *pname, const json_t *po, sim_scenario *s)
{
    const char *metric_names[SIM_M_COUNT];
    for (int m = 0; m < SIM_M_COUNT; m++)
        metric_names[m] = sim_metric_name((sim_metric)m);
    const char *mname;
    json_t *b;
    json_object_foreach((json_t *)po, mname, b)
    {
        char safe[80];
        sim_safe_text(mname, safe, sizeof safe);
        if (sim_metric_lookup(mname) < 0 && sim__errors_full(ld)) {
            sim_error_add(ld->err, "%s", ""); /* counted only */
            continue;
        }
        if (sim_metric_lookup(mname) < 0) {
            const char *near = sim_suggest(mname, metric_names, SIM_M_COUNT);
            if (near)
                sim__err_key(ld, mname, "unknown metric '%s'; did you mean '%s'?", safe, near);
            else
                sim__err_key(ld, mname, "unknown metric '%s' (see README, 'Metrics')", safe);
            continue;
        }
        if (s->n_expects >= SIM_EXPECT_MAX) {
            sim__err_key(ld, mname, "more than %d expectations", SIM_EXPECT_MAX);
            return;
        }
        sim__push_key(ld, mname);
        if (sim__want_object(ld, b, "an object with min, max or equals")) {
            sim_expect *e = &s->expects[s->n_expects++];
            memset(e, 0, sizeof *e);
            snprintf(e->policy, sizeof e->policy, "%s", pname);
            snprintf(e->metric, sizeof e->metric, "%s", mname);
            e->on = SIM_EXPECT_ON_MEAN;
            if (ld->text)
                sim__locate(ld->text, ld->len, ld->path, ld->depth, true, &e->line, &e->column);
            load_bound(ld, b, e);
        }
        sim__pop(ld);
    }
}

void sim__load_expect(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *x = json_object_get(root, "expect");
    if (!x)
        return;
    sim__push_key(ld, "expect");
    if (sim__want_object(ld, x, "an object of policy names (or \"*\")")) {
        size_t total = 0;
        const char *pname;
        json_t *po;
        json_object_foreach((json_t *)x, pname, po)
        {
            total += json_object_size(po); /* 0 for a non-object */
        }
        s->expects =
            sim_xcalloc(total < SIM_EXPECT_MAX ? total : SIM_EXPECT_MAX, sizeof *s->expects);
        json_object_foreach((json_t *)x, pname, po)
        {
            char safe[80], list[200];
            sim_safe_text(pname, safe, sizeof safe);
            bool known = strcmp(pname, "*") == 0 || s->n_policies == 0;
            for (size_t i = 0; i < s->n_policies && !known; i++)
                known = strcmp(s->policies[i].name, pname) == 0;
            if (!known && sim__errors_full(ld)) {
                sim_error_add(ld->err, "%s", ""); /* counted only */
                continue;
            }
            if (!known) {
                const char *near = policy_near(s, pname);
                if (near)
                    sim__err_key(ld, pname, "no policy named '%s'; did you mean '%s'?", safe, near);
                else
                    sim__err_key(ld, pname,
                                 "no policy named '%s' (the policies are %s; \"*\" "
                                 "means all)",
                                 safe, policy_list(s, list, sizeof list));
                continue;
            }
            sim__push_key(ld, pname);
            if (sim__want_object(ld, po, "an object of metric names"))
                load_policy_expect(ld, pname, po, s);
            sim__pop(ld);
        }
    }
    sim__pop(ld);
}

/* ---- sweep ------------------------------------------------------------------ */

static bool full_number(const char *t, double *out)
{
    if (!t[0] || strspn(t, "0123456789+-.eE") != strlen(t))
        return false;
    char *end;
    errno = 0;
    double x = strtod(t, &end);
    if (*end || errno == ERANGE || !isfinite(x))
        return false;
    *out = x;
    return true;
}

/* "LO:HI:STEP" into values. Returns false (an error recorded) when malformed. */
static bool expand_range(sim__ld *ld, const char *text, sim_sweep_param *p)
{
    char buf[128];
    char safe[80];
    sim_safe_text(text, safe, sizeof safe);
    if (strlen(text) >= sizeof buf) {
        sim__err(ld, "expected \"LO:HI:STEP\" or an array of values, got \"%s\"", safe);
        return false;
    }
    snprintf(buf, sizeof buf, "%s", text);
    char *a = buf, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
    double lo, hi, step;
    if (!b || !c || strchr(c + 1, ':')) {
        sim__err(ld, "expected \"LO:HI:STEP\" or an array of values, got \"%s\"", safe);
        return false;
    }
    *b++ = '\0';
    *c++ = '\0';
    if (!full_number(a, &lo) || !full_number(b, &hi) || !full_number(c, &step)) {
        sim__err(ld, "expected \"LO:HI:STEP\" with three numbers, got \"%s\"", safe);
        return false;
    }
    if (!(step > 0) || hi < lo) {
        sim__err(ld, "expected LO <= HI and STEP > 0 in \"%s\"", safe);
        return false;
    }
    double span = (hi - lo) / step + 1e-9;
    if (!(span < (double)ld->lim.max_sweep_points)) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim__err(ld, "\"%s\" has more than %" PRIu64 " values, the sweep points limit (%s)", safe,
                 ld->lim.max_sweep_points,
                 sim_limits_hint("--max-sweep-points", ld->lim.max_sweep_points, hint,
                                 sizeof hint));
        return false;
    }
    size_t n = (size_t)floor(span) + 1;
    bool ints = lo == floor(lo) && step == floor(step) && fabs(lo) < 1e15 && fabs(hi) < 1e15;
    p->values = sim_xcalloc(n, sizeof *p->values);
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        double x = lo + (double)i * step;
        char num[40];
        if (ints)
            snprintf(num, sizeof num, "%.0f", x);
        else
            snprintf(num, sizeof num, "%.12g", x);
        p->values[i] = sim_xstrdup(num);
    }
    return true;
}

static bool list_values(sim__ld *ld, const json_t *v, sim_sweep_param *p)
{
    size_t n = json_array_size(v);
    if (n == 0) {
        sim__err(ld, "expected at least one value, got an empty array");
        return false;
    }
    if (n > ld->lim.max_sweep_points) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim__err(ld, "%zu values, more than the limit of %" PRIu64 " sweep points (%s)", n,
                 ld->lim.max_sweep_points,
                 sim_limits_hint("--max-sweep-points", ld->lim.max_sweep_points, hint,
                                 sizeof hint));
        return false;
    }
    p->values = sim_xcalloc(n, sizeof *p->values);
    p->n = n;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        char num[64];
        sim__push_index(ld, i);
        if (json_is_integer(x) || json_is_real(x)) {
            sim__describe(x, num, sizeof num);
            p->values[i] = sim_xstrdup(num);
        } else if (json_is_boolean(x)) {
            p->values[i] = sim_xstrdup(json_is_true(x) ? "true" : "false");
        } else if (json_is_string(x) && json_string_length(x) > 0 && json_string_length(x) <= 255) {
            p->values[i] = sim_xstrdup(json_string_value(x));
        } else {
            sim__describe(x, num, sizeof num);
            sim__err(ld, "expected a number, a name or true/false (at most 255 bytes), got %s",
                     num);
            p->values[i] = sim_xstrdup("");
            ok = false;
        }
        sim__pop(ld);
    }
    return ok;
}

void sim__load_sweep(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *w = json_object_get(root, "sweep");
    if (!w)
        return;
    sim__push_key(ld, "sweep");
    if (sim__want_object(ld, w, "an object of knob paths")) {
        size_t n = json_object_size(w);
        if (n > SIM_SWEEP_PARAMS_MAX) {
            sim__err(ld, "expected at most %d knobs, got %zu", SIM_SWEEP_PARAMS_MAX, n);
            n = 0;
        }
        s->sweep = sim_xcalloc(n ? n : 1, sizeof *s->sweep);
        uint64_t points = 1;
        bool counted = true;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)w, key, v)
        {
            if (s->n_sweep >= n)
                break;
            sim__push_key(ld, key);
            sim_sweep_param *p = &s->sweep[s->n_sweep++];
            bool ok;
            if (strlen(key) >= sizeof p->key) {
                sim__err(ld, "a knob path has at most %zu bytes", sizeof p->key - 1);
                ok = false;
            } else {
                snprintf(p->key, sizeof p->key, "%s", key);
                if (json_is_string(v)) {
                    ok = expand_range(ld, json_string_value(v), p);
                } else if (json_is_array(v)) {
                    ok = list_values(ld, v, p);
                } else {
                    char got[80];
                    sim__describe(v, got, sizeof got);
                    sim__err(ld, "expected an array of values or \"LO:HI:STEP\", got %s", got);
                    ok = false;
                }
            }
            if (ok && points <= ld->lim.max_sweep_points)
                points *= p->n; /* both <= limit (1e5 default): no overflow in practice */
            counted = counted && ok;
            sim__pop(ld);
        }
        char hint[SIM_LIMITS_HINT_CAP];
        if (counted && points > ld->lim.max_sweep_points)
            sim__err(ld,
                     "%" PRIu64 " sweep points (the product of the value counts), more than "
                     "the limit of %" PRIu64 " (%s)",
                     points, ld->lim.max_sweep_points,
                     sim_limits_hint("--max-sweep-points", ld->lim.max_sweep_points, hint,
                                     sizeof hint));
    }
    sim__pop(ld);
}

/* ---- hunt ------------------------------------------------------------------- */

/* One knob of the hunt block as its --vary argument, or false (error recorded). */
static bool hunt_knob(sim__ld *ld, const char *key, const json_t *v, char **out)
{
    if (strlen(key) >= 256 || strchr(key, '=') || strchr(key, ',')) {
        sim__err(ld, "a knob path has at most 255 bytes and no '=' or ','");
        return false;
    }
    char text[2048];
    if (json_is_string(v)) {
        const char *r = json_string_value(v);
        char safe[80], buf[128];
        sim_safe_text(r, safe, sizeof safe);
        const char *colon = strchr(r, ':');
        double lo, hi;
        if (!colon || strchr(colon + 1, ':') || strlen(r) >= sizeof buf) {
            sim__err(ld, "expected \"LO:HI\" or an array of values, got \"%s\"", safe);
            return false;
        }
        snprintf(buf, sizeof buf, "%s", r);
        buf[colon - r] = '\0';
        if (!full_number(buf, &lo) || !full_number(buf + (colon - r) + 1, &hi)) {
            sim__err(ld, "expected \"LO:HI\" with two numbers, got \"%s\"", safe);
            return false;
        }
        if (!(lo < hi)) {
            sim__err(ld, "expected LO < HI in \"%s\"", safe);
            return false;
        }
        snprintf(text, sizeof text, "%s=%s", key, r);
    } else if (json_is_array(v)) {
        sim_sweep_param p = {0};
        bool ok = list_values(ld, v, &p);
        int w = snprintf(text, sizeof text, "%s=", key);
        for (size_t i = 0; ok && i < p.n; i++) {
            if (strchr(p.values[i], ',')) {
                sim__push_index(ld, i);
                sim__err(ld, "a value of a hunt knob cannot hold a ','");
                sim__pop(ld);
                ok = false;
                break;
            }
            int k = snprintf(text + w, sizeof text - (size_t)w, "%s%s", i ? "," : "", p.values[i]);
            if (k < 0 || (size_t)(w + k) >= sizeof text) {
                sim__err(ld, "expected at most %zu bytes of values", sizeof text - 300);
                ok = false;
                break;
            }
            w += k;
        }
        for (size_t i = 0; i < p.n; i++)
            free(p.values[i]);
        free(p.values);
        if (!ok)
            return false;
    } else {
        char got[80];
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected \"LO:HI\" or an array of values, got %s", got);
        return false;
    }
    *out = sim_xstrdup(text);
    return true;
}

void sim__load_hunt(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *h = json_object_get(root, "hunt");
    if (!h)
        return;
    sim__push_key(ld, "hunt");
    if (sim__want_object(ld, h, "an object of knob paths")) {
        size_t n = json_object_size(h);
        if (n > SIM_HUNT_KNOBS_MAX) {
            sim__err(ld, "expected at most %d knobs, got %zu", SIM_HUNT_KNOBS_MAX, n);
            n = 0;
        }
        s->hunt = sim_xcalloc(n ? n : 1, sizeof *s->hunt);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)h, key, v)
        {
            if (s->n_hunt >= n)
                break;
            sim__push_key(ld, key);
            char *text;
            if (hunt_knob(ld, key, v, &text))
                s->hunt[s->n_hunt++] = text;
            sim__pop(ld);
        }
    }
    sim__pop(ld);
}

/* One value of a knob, set in the text and loaded; the first error is reported at
 * sweep.KEY. Returns false when the path itself is wrong (no point trying more). */
static bool check_value(sim__ld *ld, const char *text, size_t len, const sim_sweep_param *p,
                        const char *value)
{
    char why[300];
    char *edited = NULL;
    size_t elen = 0;
    if (sim__set_text(text, len, p->key, value, &edited, &elen, why, sizeof why) != 0) {
        sim__err(ld, "%s", why);
        return false;
    }
    sim_error inner;
    memset(&inner, 0, sizeof inner);
    sim__ld in = {0};
    in.file = ld->file;
    in.dir = ld->dir;
    in.lim = ld->lim;
    in.err = &inner;
    in.bare = true;
    in.check_sweep = false;
    sim_scenario tmp;
    if (sim__load_text(&in, edited, elen, &tmp) != 0) {
        char safe[80];
        sim_safe_text(value, safe, sizeof safe);
        sim__err(ld, "value %s: %s", safe, inner.msg[0]);
    } else {
        sim_scenario_free(&tmp);
    }
    free(edited);
    return true;
}

void sim__check_sweep_values(sim__ld *ld, const char *text, size_t len_text, const sim_scenario *s)
{
    size_t len = len_text;
    /* A load per value, within a budget: the first and last value of each knob
     * (the ends of a range), then the others while the budget lasts. */
    sim__push_key(ld, "sweep");
    for (size_t k = 0; k < s->n_sweep; k++) {
        const sim_sweep_param *p = &s->sweep[k];
        size_t budget = 2 + 62 / s->n_sweep;
        sim__push_key(ld, p->key);
        for (size_t j = 0; j < p->n && budget > 0; j++) {
            size_t i = j == 0 ? 0 : j == 1 ? p->n - 1 : j - 1;
            budget--;
            if (!check_value(ld, text, len, p, p->values[i]) || ld->err->count >= SIM_ERR_MAX)
                break;
        }
        sim__pop(ld);
    }
    sim__pop(ld);
    /* the hunt block: each range's two ends, each list value (within a budget) */
    sim__push_key(ld, "hunt");
    for (size_t k = 0; k < s->n_hunt && ld->err->count < SIM_ERR_MAX; k++) {
        sim_sweep_param p = {0};
        const char *eq = strchr(s->hunt[k], '=');
        snprintf(p.key, sizeof p.key, "%.*s", (int)(eq - s->hunt[k]), s->hunt[k]);
        const char *v = eq + 1;
        bool range = strchr(v, ':') != NULL;
        sim__push_key(ld, p.key);
        for (size_t i = 0, budget = 2 + 62 / s->n_hunt; *v && budget > 0; i++, budget--) {
            size_t vlen = strcspn(v, range ? ":" : ",");
            char value[256];
            snprintf(value, sizeof value, "%.*s", (int)(vlen < 255 ? vlen : 255), v);
            if (!check_value(ld, text, len_text, &p, value) || ld->err->count >= SIM_ERR_MAX)
                break;
            v += vlen;
            if (*v)
                v++;
        }
        sim__pop(ld);
    }
    sim__pop(ld);
}
