/* hunt.c — `dsim hunt`: invariants over metrics, judging a run, the search (hunt.h). */
#include "hunt.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expect.h"
#include "run.h"
#include "xalloc.h"

/* The first key word of the hunt's streams ("hunt"): they are seeded by the
 * hunt's own seed and never used inside a world. */
#define HUNT_KEY UINT64_C(0x68756e74)

/* --- invariants -------------------------------------------------------------------- */

/* The comparison operator of text: its offset and kind ('<', '>', '='), or -1. */
static int find_op(const char *text, char *kind)
{
    for (const char *p = text; *p; p++) {
        if ((p[0] == '<' || p[0] == '>' || p[0] == '=') && p[1] == '=') {
            *kind = p[0];
            return (int)(p - text);
        }
        if (p[0] == '<' || p[0] == '>' || p[0] == '!' || p[0] == '=') {
            *kind = 0;
            return (int)(p - text);
        }
    }
    return -1;
}

int sim_hunt_invariant_parse(const char *text, sim_hunt_invariant *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(text) >= sizeof out->text) {
        sim_error_add(err, "--invariant '%.60s...': longer than %zu bytes", text,
                      sizeof out->text - 1);
        return -1;
    }
    snprintf(out->text, sizeof out->text, "%s", text);
    char kind = 0;
    int at = find_op(text, &kind);
    if (at < 0 || kind == 0) {
        sim_error_add(err,
                      "--invariant '%s': expected EXPR <= EXPR, EXPR >= EXPR or EXPR == EXPR "
                      "(metrics and numbers, e.g. 'duplicates == 0')",
                      text);
        return -1;
    }
    char lhs_text[256], rhs_text[256];
    snprintf(lhs_text, sizeof lhs_text, "%.*s", at, text);
    for (size_t n = strlen(lhs_text); n > 0 && (lhs_text[n - 1] == ' ' || lhs_text[n - 1] == '\t');)
        lhs_text[--n] = '\0';
    snprintf(rhs_text, sizeof rhs_text, "%s", text + at + 2);
    if (find_op(rhs_text, &kind) >= 0) {
        sim_error_add(err, "--invariant '%s': more than one comparison", text);
        return -1;
    }
    sim_expr lhs, rhs;
    sim_error inner;
    memset(&inner, 0, sizeof inner);
    if (sim_expr_parse(lhs_text, &lhs, &inner) != 0 ||
        sim_expr_parse(rhs_text, &rhs, &inner) != 0) {
        sim_error_add(err, "--invariant '%s': %s", text, inner.msg[0]);
        return -1;
    }
    /* lhs - rhs = a * metric + k, OP 0 */
    double coef[SIM_M_COUNT] = {0}, k = 0;
    for (size_t i = 0; i < lhs.n; i++) {
        if (lhs.metric[i] < 0)
            k += lhs.coef[i];
        else
            coef[lhs.metric[i]] += lhs.coef[i];
    }
    for (size_t i = 0; i < rhs.n; i++) {
        if (rhs.metric[i] < 0)
            k -= rhs.coef[i];
        else
            coef[rhs.metric[i]] -= rhs.coef[i];
    }
    int metric = -1, named = 0;
    for (int m = 0; m < SIM_M_COUNT; m++)
        if (coef[m] != 0) {
            metric = m;
            named++;
        }
    if (named != 1) {
        sim_error_add(err,
                      "--invariant '%s': expected a bound on one metric (%s), so that the "
                      "kept scenario's expect block can state it",
                      text, named ? "this one names several" : "this one names none that counts");
        return -1;
    }
    double a = coef[metric], b = -k / a;
    char op = text[at];
    if (op != '=' && a < 0)
        op = op == '<' ? '>' : '<';
    out->metric = (sim_metric)metric;
    sim_expect *e = &out->bound;
    snprintf(e->metric, sizeof e->metric, "%s", sim_metric_name(out->metric));
    e->on = SIM_EXPECT_ON_MEAN;
    if (op == '=') {
        e->has_equals = true;
        e->equals = b;
    } else if (op == '<') {
        e->has_max = true;
        e->max = b;
    } else {
        e->has_min = true;
        e->min = b;
    }
    return 0;
}

/* --- judging ------------------------------------------------------------------------ */

int sim_hunt_judge(const sim_scenario *s, size_t policy, const sim_hunt_invariant *inv, size_t n,
                   uint64_t max_events, sim_hunt_verdict *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    out->which = -1;
    out->cause = -1;
    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.invariants = true;
    ro.max_events = max_events;
    double v[SIM_M_COUNT];
    sim_error e;
    memset(&e, 0, sizeof e);
    int rc = sim_run_one(s, policy, 0, &ro, v, &e);
    if (rc == SIM_FAIL_INVARIANT) {
        out->broken = true;
        /* "FILE: policy P, replication 0: invariant NAME: ..." */
        const char *m = strstr(e.msg[0], ": invariant ");
        const char *what = m ? m + 12 : e.msg[0];
        snprintf(out->what, sizeof out->what, "%s", what);
        snprintf(out->name, sizeof out->name, "%.*s", (int)strcspn(what, ":"), what);
        return 0;
    }
    if (rc != 0) {
        sim_error_merge(err, &e);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        double x = v[inv[i].metric];
        if (sim_expect_holds(&inv[i].bound, x))
            continue;
        out->broken = true;
        out->which = (int)i;
        snprintf(out->name, sizeof out->name, "%s", inv[i].bound.metric);
        char num[64], why[128] = "";
        sim_expect_number(x, 10, num, sizeof num);
        if (inv[i].metric == SIM_M_LOST || inv[i].metric == SIM_M_LOST_RATE) {
            for (int m = SIM_M_LOST_NO_NODE; m <= SIM_M_LOST_UNFINISHED; m++)
                if (v[m] > 0 && (out->cause < 0 || v[m] > v[out->cause]))
                    out->cause = m;
            if (out->cause >= 0)
                snprintf(why, sizeof why, " (most by cause %s: %.0f)",
                         sim_metric_name((sim_metric)out->cause) + strlen("lost_by_cause."),
                         v[out->cause]);
        }
        snprintf(out->what, sizeof out->what, "%s: %s = %s%s%s", inv[i].text, inv[i].bound.metric,
                 num, why, isnan(x) ? " (not measured: nothing delivered)" : "");
        return 0;
    }
    return 0;
}

/* --- trials ------------------------------------------------------------------------- */

/*
 * Sets knob k[i] to value[i] in world, for every i. Each set re-loads the world, so
 * a value can be refused beside another knob's value from the file that the
 * same call replaces (min 4.7 over the file's max 4, with max 6.3 to come): a
 * value refused is tried again after the others, until all are set or a pass
 * sets none. Returns 0, or -1 with err holding the loader's message for the last
 * value refused (the world then holds the values that were set).
 */
static int set_knobs(sim_scenario *world, const sim_tune_knob *k, const char *const *value,
                     size_t n, sim_error *err)
{
    bool set[SIM_HUNT_VARY_MAX] = {false};
    for (size_t left = n; left > 0;) {
        size_t before = left;
        for (size_t i = 0; i < n; i++)
            if (!set[i] && sim_scenario_set(world, k[i].key, value[i], err) == 0) {
                set[i] = true;
                left--;
            }
        if (left == before)
            return -1;
    }
    return 0;
}

/* Candidate c of knob k for the box check: its ends (LO, then HI when it
 * differs), or its values. */
static size_t box_ends(const sim_tune_knob *k)
{
    return k->kind == SIM_KNOB_LIST ? k->n : k->lo == k->hi ? 1 : 2;
}

static void box_text(const sim_tune_knob *k, size_t c, char *buf, size_t size)
{
    sim_tune_knob_text(k, k->kind == SIM_KNOB_LIST ? (double)c : c ? k->hi : k->lo, buf, size);
}

/* Whether world base with knob i at candidate at[i] (every i < n) loads; err
 * gets the loader's message when it does not. */
static bool box_loads(const sim_scenario *base, const sim_tune_knob *k, const size_t *at,
                      size_t n, sim_error *err)
{
    char text[SIM_HUNT_VARY_MAX][SIM_HUNT_VALUE_LEN];
    const char *value[SIM_HUNT_VARY_MAX];
    for (size_t i = 0; i < n; i++) {
        box_text(&k[i], at[i], text[i], sizeof text[i]);
        value[i] = text[i];
    }
    sim_scenario w;
    sim_scenario_copy(&w, base);
    memset(err, 0, sizeof *err);
    bool ok = set_knobs(&w, k, value, n, err) == 0;
    sim_scenario_free(&w);
    return ok;
}

/* Combination number `idx` of the boxes' candidates (mixed radix, knob 0 fastest);
 * the first `ndiag` are the diagonals: every knob at its j-th candidate (its last
 * when it has fewer), all ends LO, then all HI, ... */
static void box_combo(const sim_tune_knob *k, size_t n, size_t ndiag, size_t idx, size_t *at)
{
    size_t r = idx - (idx < ndiag ? 0 : ndiag);
    for (size_t i = 0; i < n; i++) {
        size_t c = box_ends(&k[i]);
        if (idx < ndiag) {
            at[i] = idx < c ? idx : c - 1;
        } else {
            at[i] = r % c;
            r /= c;
        }
    }
}

int sim_hunt_vary_resolve(const sim_scenario *s, sim_tune_knob *k, const char *const *text,
                          size_t n, sim_error *err)
{
    if (n == 0)
        return 0;
    /* the candidates: ends[i] of knob i, flattened; ok: some combination with it loads */
    size_t first[SIM_HUNT_VARY_MAX], total = 0, ndiag = 0, combos = 1;
    bool capped = false;
    for (size_t i = 0; i < n; i++) {
        first[i] = total;
        size_t c = box_ends(&k[i]);
        total += c;
        ndiag = c > ndiag ? c : ndiag;
        if (combos > SIM_HUNT_BOX_TRIES / c)
            capped = true;
        else
            combos *= c;
    }
    if (n == 1) /* the diagonals are its candidates */
        combos = 0, capped = false;
    else if (capped)
        combos = SIM_HUNT_BOX_TRIES;
    bool *ok = sim_xcalloc(total, sizeof *ok);
    size_t *loaded = sim_xcalloc(total, sizeof *loaded); /* the combination where it did */
    char (*why)[512] = sim_xcalloc(total, sizeof *why); /* the first refusal with it */
    size_t left = total, at[SIM_HUNT_VARY_MAX];
    bool any = false;
    sim_error e;
    for (size_t idx = 0; idx < ndiag + combos && left > 0; idx++) {
        box_combo(k, n, ndiag, idx, at);
        bool has_new = false;
        for (size_t i = 0; i < n; i++)
            has_new = has_new || !ok[first[i] + at[i]];
        if (!has_new)
            continue;
        bool loads = box_loads(s, k, at, n, &e);
        any = any || loads;
        for (size_t i = 0; i < n; i++) {
            size_t c = first[i] + at[i];
            if (loads && !ok[c]) {
                ok[c] = true;
                loaded[c] = idx;
                left--;
            } else if (!loads && !why[c][0]) {
                snprintf(why[c], sizeof why[c], "%s", e.count ? e.msg[0] : "refused");
            }
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t c = 0; c < box_ends(&k[i]) && rc == 0; c++) {
            if (ok[first[i] + c])
                continue;
            char value[SIM_HUNT_VALUE_LEN], others[600] = "";
            box_text(&k[i], c, value, sizeof value);
            const char *why_c = why[first[i] + c];
            /* refused the same way beside the file's values alone: the other boxes
             * take no part (count 0, or a min above a max the file sets) */
            sim_scenario w;
            sim_scenario_copy(&w, s);
            bool alone = n == 1 || (sim_scenario_set(&w, k[i].key, value, &e) != 0 &&
                                    e.count && strcmp(e.msg[0], why_c) == 0);
            sim_scenario_free(&w);
            if (capped && !alone)
                continue; /* not every combination was tried: its draws are skipped */
            rc = -1;
            bool ranges = false, lists = false;
            for (size_t j = 0, o = 0; j < n && o < sizeof others; j++) {
                if (j == i)
                    continue;
                ranges = ranges || k[j].kind != SIM_KNOB_LIST;
                lists = lists || k[j].kind == SIM_KNOB_LIST;
                int m = snprintf(others + o, sizeof others - o, "%s--vary '%.200s'",
                                 o ? ", " : "", text[j]);
                o += m > 0 ? (size_t)m : 0;
            }
            const char *ends = ranges && lists ? "end or value" : lists ? "value" : "end";
            const char *all = ranges && lists ? "ends and values" : lists ? "values" : "ends";
            if (alone)
                sim_error_add(err, "hunt: --vary '%.200s': %s", text[i], why_c);
            else if (!any)
                sim_error_add(err, "hunt: --vary '%.200s' with %s: no combination of their "
                              "%s makes a world the loader accepts: the boxes hold none (%s)",
                              text[i], others, all, why_c);
            else
                sim_error_add(err, "hunt: --vary '%.200s': its %s %s makes no world the loader "
                              "accepts beside any %s of %s: narrow the box to values that "
                              "make a world together (%s)", text[i],
                              k[i].kind == SIM_KNOB_LIST ? "value" : "end", value, ends, others,
                              why_c);
        }
    }
    /* LO:HI in integers: an integer knob when the field refuses LO + 0.5, beside
     * the file's values (as tune decides) and beside a combination where LO loads */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (k[i].kind != SIM_KNOB_REAL || !k[i].int_bounds)
            continue;
        char half[64];
        snprintf(half, sizeof half, "%.10g", k[i].lo + 0.5);
        sim_scenario w;
        sim_scenario_copy(&w, s);
        bool real = sim_scenario_set(&w, k[i].key, half, &e) == 0;
        sim_scenario_free(&w);
        if (!real && ok[first[i]]) {
            box_combo(k, n, ndiag, loaded[first[i]], at);
            char vt[SIM_HUNT_VARY_MAX][SIM_HUNT_VALUE_LEN];
            const char *value[SIM_HUNT_VARY_MAX];
            for (size_t j = 0; j < n; j++) {
                box_text(&k[j], at[j], vt[j], sizeof vt[j]);
                value[j] = j == i ? half : vt[j];
            }
            sim_scenario_copy(&w, s);
            real = set_knobs(&w, k, value, n, &e) == 0;
            sim_scenario_free(&w);
        }
        if (!real)
            k[i].kind = SIM_KNOB_INT;
    }
    free(ok);
    free(loaded);
    free(why);
    return rc;
}

int sim_hunt_trial_world(const sim_hunt_opts *o, size_t t, sim_hunt_trial *trial,
                         sim_scenario *world, sim_error *err)
{
    memset(trial, 0, sizeof *trial);
    trial->index = t;
    trial->seed = sim_keyed_u64(o->seed, (const uint64_t[]){HUNT_KEY, (uint64_t)t, 0}, 3) >> 11;
    /* (below 2^53: exact in every JSON reader) */
    for (size_t k = 0; k < o->n_vary; k++) {
        const sim_tune_knob *kn = &o->vary[k];
        uint64_t bits =
            sim_keyed_u64(o->seed, (const uint64_t[]){HUNT_KEY, (uint64_t)t, 1 + (uint64_t)k}, 3);
        double u = (double)(bits >> 11) * 0x1p-53, x; /* uniform in [0, 1) */
        if (kn->kind == SIM_KNOB_LIST)
            x = floor(u * (double)kn->n);
        else if (kn->kind == SIM_KNOB_INT)
            x = floor(kn->lo + u * (kn->hi - kn->lo + 1));
        else
            x = kn->lo + u * (kn->hi - kn->lo);
        sim_tune_knob_text(kn, x, trial->value[k], sizeof trial->value[k]);
    }
    sim_scenario_copy(world, o->base);
    const char *values[SIM_HUNT_VARY_MAX];
    for (size_t k = 0; k < o->n_vary; k++)
        values[k] = trial->value[k];
    if (set_knobs(world, o->vary, values, o->n_vary, err) != 0) {
        sim_scenario_free(world);
        return -1;
    }
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)trial->seed);
    if (sim_scenario_set(world, "seed", num, err) != 0 ||
        sim_scenario_set(world, "replications", "1", err) != 0) {
        sim_scenario_free(world);
        return -1;
    }
    return 0;
}

/* --- the search --------------------------------------------------------------------- */

typedef struct hunt_pool {
    const sim_hunt_opts *o;
    size_t *skipped; /* trials whose world the loader refused (unordered) */
    size_t n_skipped, cap_skipped;
    size_t first_skipped; /* the lowest of them, or SIZE_MAX */
    sim_hunt_trial skipped_trial;
    char skipped_why[512];
    pthread_mutex_t mu;
    size_t next;  /* the next trial to start */
    size_t limit; /* trials below it are wanted: budget, then the first broken */
    size_t done;
    size_t broken; /* the lowest broken trial, or SIZE_MAX */
    sim_hunt_verdict verdict;
    size_t failed; /* the lowest trial that could not run, or SIZE_MAX */
    int fail;
    sim_error err;
} hunt_pool;

static void *worker(void *arg)
{
    hunt_pool *p = arg;
    sim_error *err = sim_xcalloc(1, sizeof *err);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->next >= p->limit) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        size_t t = p->next++;
        pthread_mutex_unlock(&p->mu);

        memset(err, 0, sizeof *err);
        sim_hunt_trial trial;
        sim_scenario world;
        sim_hunt_verdict v;
        /* a draw whose world the loader refuses is skipped, not a failure */
        bool skip = sim_hunt_trial_world(p->o, t, &trial, &world, err) != 0;
        int rc = 0;
        if (!skip) {
            sim_hunt_judge_fn judge = p->o->judge ? p->o->judge : sim_hunt_judge;
            rc = judge(&world, p->o->policy, p->o->inv, p->o->n_inv, p->o->max_events, &v, err);
            sim_scenario_free(&world);
        }

        pthread_mutex_lock(&p->mu);
        p->done++;
        sim_progress_add(p->o->progress, 1);
        if (skip) {
            p->skipped = sim_xgrow(p->skipped, &p->cap_skipped, p->n_skipped + 1,
                                   sizeof *p->skipped, 64);
            p->skipped[p->n_skipped++] = t;
            if (t < p->first_skipped) {
                p->first_skipped = t;
                p->skipped_trial = trial;
                snprintf(p->skipped_why, sizeof p->skipped_why, "%s",
                         err->count ? err->msg[0] : "refused");
            }
        } else if (rc != 0 && t < p->failed) {
            p->failed = t;
            p->fail = rc;
            memset(&p->err, 0, sizeof p->err);
            sim_error_merge(&p->err, err);
            if (t < p->limit)
                p->limit = t + 1;
        } else if (rc == 0 && v.broken && t < p->broken) {
            p->broken = t;
            p->verdict = v;
            if (t < p->limit)
                p->limit = t + 1;
        }
        /* once the limit falls, no trial starts past it and every started one
         * finishes: the runs still to count are those started */
        sim_progress_set_total(p->o->progress, p->limit < p->next ? p->next : p->limit);
        pthread_mutex_unlock(&p->mu);
    }
    free(err);
    return NULL;
}

int sim_hunt_search(const sim_hunt_opts *o, sim_hunt_found *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    hunt_pool *p = sim_xcalloc(1, sizeof *p);
    p->o = o;
    pthread_mutex_init(&p->mu, NULL);
    p->limit = o->budget;
    p->broken = p->failed = p->first_skipped = SIZE_MAX;
    sim_progress_set_total(o->progress, o->budget);
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    if ((size_t)jobs > o->budget)
        jobs = (int)o->budget;
    pthread_t *th = sim_xcalloc((size_t)jobs, sizeof *th);
    int started = 0;
    for (int i = 1; i < jobs; i++, started++)
        if (pthread_create(&th[i], NULL, worker, p) != 0)
            break;
    worker(p);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    free(th);
    int rc = 0;
    if (p->failed != SIZE_MAX && p->failed < p->broken) {
        rc = p->fail;
        sim_error_merge(err, &p->err);
    } else if (p->broken != SIZE_MAX) {
        out->found = true;
        out->runs = p->broken + 1;
        out->verdict = p->verdict;
        if (sim_hunt_trial_world(o, p->broken, &out->trial, &out->world, err) != 0)
            rc = SIM_FAIL_INPUT; /* it was built once: cannot happen */
    } else {
        out->runs = o->budget;
    }
    /* the skipped trials among those the result covers: every one below it ran */
    for (size_t i = 0; i < p->n_skipped; i++)
        out->skipped += p->skipped[i] < out->runs;
    if (out->skipped > 0) {
        out->skipped_trial = p->skipped_trial;
        snprintf(out->skipped_why, sizeof out->skipped_why, "%s", p->skipped_why);
    }
    pthread_mutex_destroy(&p->mu);
    free(p->skipped);
    free(p);
    if (rc != 0)
        out->found = false;
    return rc;
}

void sim_hunt_found_free(sim_hunt_found *f)
{
    if (f->found)
        sim_scenario_free(&f->world);
    memset(f, 0, sizeof *f);
}
