/* hunt_shrink.c — shrinking a breaking world, one accepted step at a time (hunt.h). */
#include "hunt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "expect.h"
#include "progress.h"
#include "run.h"
#include "xalloc.h"

typedef struct shrink {
    const sim_hunt_opts *o;
    const sim_hunt_verdict *want; /* what the world must still break */
    sim_hunt_shrunk *out;         /* out->world is the current world */
    FILE *report;
    bool accepted; /* a step was accepted in this pass */
    int failed;    /* SIM_FAIL_INTERNAL once a run failed inside dsim: no more runs */
    sim_error *err; /* its error */
} shrink;

/* Does w still break the same way? (A world the core refuses does not; after a
 * failure inside dsim nothing runs and nothing does.) */
static bool still_breaks(shrink *k, const sim_scenario *w, sim_hunt_verdict *v)
{
    if (k->failed || k->out->runs >= SIM_HUNT_SHRINK_RUNS_MAX)
        return false;
    k->out->runs++;
    sim_progress_add(k->o->progress, 1);
    sim_error err;
    memset(&err, 0, sizeof err);
    sim_hunt_judge_fn judge = k->o->judge ? k->o->judge : sim_hunt_judge;
    int rc = judge(w, k->o->policy, k->o->inv, k->o->n_inv, k->o->max_events, v, &err);
    if (rc == SIM_FAIL_INTERNAL) {
        k->failed = rc;
        sim_error_merge(k->err, &err);
    }
    if (rc != 0)
        return false;
    return v->broken && v->which == k->want->which && strcmp(v->name, k->want->name) == 0 &&
           v->cause == k->want->cause;
}

static void accept(shrink *k, sim_scenario *w, const sim_hunt_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void accept(shrink *k, sim_scenario *w, const sim_hunt_verdict *v, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sim_scenario_free(&k->out->world);
    k->out->world = *w;
    memset(w, 0, sizeof *w);
    k->out->verdict = *v;
    k->out->steps = sim_xrealloc(k->out->steps, (k->out->n_steps + 1) * sizeof *k->out->steps);
    k->out->steps[k->out->n_steps++] = sim_xstrdup(text);
    k->accepted = true;
    if (k->report) {
        char line[1024];
        snprintf(line, sizeof line, "shrink: %s (%s)\n", text, v->what);
        sim_progress_print(k->o->progress, k->report, line); /* clear of a live line */
    }
}

/* Does `now` keep every count and fault the shrink lowers at most where `was`
 * has it: no more node classes, sessions, utterances per session or nodes of a
 * class, no higher network loss, no fault block back on? A knob step must (README,
 * Shrink): raising one of these would undo a step that made the world smaller,
 * and the two passes would undo each other until the runs ran out. */
static bool no_larger(const sim_scenario *was, const sim_scenario *now)
{
    if (now->n_nodes > was->n_nodes || now->workload.sessions > was->workload.sessions ||
        now->workload.utterances_per_session > was->workload.utterances_per_session ||
        now->network.to_node_loss > was->network.to_node_loss ||
        now->network.to_sched_loss > was->network.to_sched_loss)
        return false;
    for (size_t c = 0; c < now->n_nodes; c++) {
        const node_config *a = &was->nodes[c], *b = &now->nodes[c];
        if (b->count > a->count || (b->stall_prob > 0 && !(a->stall_prob > 0)) ||
            (b->crash && !a->crash) || (b->cold_start && !a->cold_start) ||
            (b->no_result_prob > 0 && !(a->no_result_prob > 0)))
            return false;
    }
    return true;
}

/* The current world with key set to value, judged; kept when it still breaks.
 * `why` (may be NULL) describes the step instead of "KEY OLD -> NEW". A knob step
 * (`knob`) that would make the world larger (no_larger) is not taken, unjudged. */
static bool try_step(shrink *k, const char *key, const char *value, const char *why, bool knob)
{
    char *old = sim_scenario_get(&k->out->world, key);
    sim_scenario w;
    sim_scenario_copy(&w, &k->out->world);
    sim_error err;
    sim_hunt_verdict v;
    bool ok = sim_scenario_set(&w, key, value, &err) == 0 &&
              (!knob || no_larger(&k->out->world, &w)) && still_breaks(k, &w, &v);
    if (ok) {
        if (why)
            accept(k, &w, &v, "%s", why);
        else
            accept(k, &w, &v, "%s %s -> %s", key, old ? old : "(default)", value);
    } else {
        sim_scenario_free(&w);
    }
    free(old);
    return ok;
}

static bool try_set(shrink *k, const char *key, const char *value, const char *why)
{
    return try_step(k, key, value, why, false);
}

/* The smallest integer in [lo, cur) at key that still breaks, by trying lo, then
 * bisecting (each probe judged; only a value that broke is kept). */
static void shrink_int(shrink *k, const char *key, long long lo, long long cur)
{
    if (cur <= lo)
        return;
    char num[32];
    snprintf(num, sizeof num, "%lld", lo);
    if (try_set(k, key, num, NULL))
        return;
    long long bad = lo; /* did not break */
    while (cur - bad > 1) {
        long long mid = bad + (cur - bad) / 2;
        snprintf(num, sizeof num, "%lld", mid);
        if (try_set(k, key, num, NULL))
            cur = mid;
        else
            bad = mid;
        if (k->out->runs >= SIM_HUNT_SHRINK_RUNS_MAX)
            return;
    }
}

/* Fewer utterances: first cut the tail after the violation (the earliest cut time
 * max_time_s at which the run already breaks, by bisection; then only the
 * utterances that ended by then), then bisect the count. */
static void shrink_utterances(shrink *k)
{
    const sim_scenario *s = &k->out->world;
    long long per = s->workload.utterances_per_session;
    int64_t last_end;
    sim_utterances_ended_by(s, 0, INT64_MAX, &last_end);
    double hi = (double)last_end / 1e9;
    if (s->max_time_s > 0 && s->max_time_s < hi)
        hi = s->max_time_s;
    sim_hunt_verdict v;
    char num[64];
    bool cut = false;
    if (hi > 0) {
        sim_scenario w;
        sim_scenario_copy(&w, s);
        sim_error err;
        snprintf(num, sizeof num, "%.9g", hi);
        cut = sim_scenario_set(&w, "max_time_s", num, &err) == 0 && still_breaks(k, &w, &v);
        double lo = 0;
        for (int i = 0; cut && i < 40 && hi - lo > 1e-3 * hi && hi - lo > 1e-3; i++) {
            double mid = lo + (hi - lo) / 2;
            snprintf(num, sizeof num, "%.9g", mid);
            if (sim_scenario_set(&w, "max_time_s", num, &err) == 0 && still_breaks(k, &w, &v))
                hi = mid;
            else
                lo = mid;
        }
        sim_scenario_free(&w);
    }
    if (cut) {
        int64_t t = (int64_t)ceil(hi * 1e9), dummy;
        long long need = sim_utterances_ended_by(s, 0, t, &dummy);
        if (need < 1)
            need = 1;
        if (need < per) {
            char why[200];
            snprintf(why, sizeof why,
                     "workload.utterances_per_session %lld -> %lld (the tail after the "
                     "violation at t=%.6g s cut)",
                     per, need, hi);
            snprintf(num, sizeof num, "%lld", need);
            if (try_set(k, "workload.utterances_per_session", num, why))
                per = need;
        }
    }
    shrink_int(k, "workload.utterances_per_session", 1, per);
}

/* Fewer utterances in all: the smallest product sessions x utterances_per_session
 * that still breaks, each count at most the found world's. The draws of an
 * utterance are keyed by its session and index, so a violation late in one
 * session may need fewer utterances in all with more sessions, shorter ones
 * (the greedy steps above cut sessions first and cannot see that), and a count
 * between two that break may not (the bisection above assumes it does). The
 * pairs are tried in increasing product, so the first that breaks is the
 * smallest in sessions x utterances of this world; the products tried cost at
 * most SIM_HUNT_GRID_COST utterances in all (small products first when it runs
 * out). */
static void shrink_grid(shrink *k, long long s_max, long long u_max)
{
    const sim_scenario *s = &k->out->world;
    long long cur_s = s->workload.sessions, cur_u = s->workload.utterances_per_session;
    long long best = cur_s * cur_u, cost = 0;
    if (s_max < cur_s)
        s_max = cur_s;
    if (u_max < cur_u)
        u_max = cur_u;
    size_t tried = 0;
    for (long long p = 1; p < best; p++) {
        for (long long ns = 1; ns <= s_max && ns <= p; ns++) {
            long long nu = p / ns;
            if (p % ns != 0 || nu > u_max)
                continue;
            if (cost + p > SIM_HUNT_GRID_COST || k->out->runs >= SIM_HUNT_SHRINK_RUNS_MAX)
                return;
            cost += p;
            tried++;
            sim_scenario w;
            sim_scenario_copy(&w, &k->out->world);
            sim_error err;
            sim_hunt_verdict v;
            char a[32], b[32];
            snprintf(a, sizeof a, "%lld", ns);
            snprintf(b, sizeof b, "%lld", nu);
            if (sim_scenario_set(&w, "workload.sessions", a, &err) == 0 &&
                sim_scenario_set(&w, "workload.utterances_per_session", b, &err) == 0 &&
                still_breaks(k, &w, &v)) {
                accept(k, &w, &v,
                       "workload.sessions x utterances_per_session %lld x %lld -> %lld x %lld "
                       "(the smallest product that breaks, %zu tried)",
                       cur_s, cur_u, ns, nu, tried);
                return;
            }
            sim_scenario_free(&w);
        }
    }
}

static const char *const fault_names[] = {"stall", "crash", "cold_start", "no_result"};

/* Faults off one by one: each fault block of each node class removed, then the
 * network's losses set to 0. */
static void shrink_faults(shrink *k)
{
    for (size_t c = 0; c < k->out->world.n_nodes; c++) {
        for (size_t f = 0; f < sizeof fault_names / sizeof fault_names[0]; f++) {
            char key[64];
            snprintf(key, sizeof key, "nodes[%zu].faults", c);
            char *text = sim_scenario_get(&k->out->world, key);
            json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
            free(text);
            if (obj && json_object_get(obj, fault_names[f])) {
                json_object_del(obj, fault_names[f]);
                char *edited = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(17));
                char why[200];
                snprintf(why, sizeof why, "nodes[%zu].faults.%s off", c, fault_names[f]);
                if (edited)
                    try_set(k, key, edited, why);
                free(edited);
            }
            json_decref(obj);
        }
    }
    static const char *const losses[] = {"network.loss", "network.to_node_loss",
                                         "network.to_scheduler_loss"};
    for (size_t i = 0; i < 3; i++) {
        char *text = sim_scenario_get(&k->out->world, losses[i]);
        if (text && strtod(text, NULL) > 0)
            try_set(k, losses[i], "0", NULL);
        free(text);
    }
}

/* The constant a distribution is replaced by: its median for a lognormal, else
 * its mean, within its max; NaN when it has none (a pareto of alpha <= 1). */
static double representative(const dist *d)
{
    double x = d->kind == DIST_LOGNORMAL ? d->p0 : dist_mean(d);
    if (d->has_max && x > d->max)
        x = d->max;
    return isfinite(x) ? x : NAN;
}

/* Replaces the distribution at key (loaded as d) by a constant, keeping its
 * per_audio_s. */
static void simplify_dist(shrink *k, const char *key, const dist *d)
{
    if (d->kind == DIST_CONST)
        return;
    char *text = sim_scenario_get(&k->out->world, key);
    if (!text)
        return; /* a default (a constant already) */
    free(text);
    double x = representative(d);
    if (isnan(x))
        return;
    char value[160], why[300];
    if (d->per_audio_s != 0)
        snprintf(value, sizeof value,
                 "{\"dist\": \"const\", \"value\": %.6g, \"per_audio_s\": %.17g}", x,
                 d->per_audio_s);
    else
        snprintf(value, sizeof value, "{\"dist\": \"const\", \"value\": %.6g}", x);
    snprintf(why, sizeof why, "%s %s -> const %.6g", key, dist_kind_name(d->kind), x);
    try_set(k, key, value, why);
}

/* Each distribution of the world in turn (the struct is re-read after every
 * accepted step: the world is re-loaded). */
static void shrink_dists(shrink *k)
{
    static const char *const stage_names[STAGE_COUNT] = {"asr", "nmt", "tts"};
    char key[96];
#define W (&k->out->world)
    simplify_dist(k, "workload.session_start_s", &W->workload.session_start);
    simplify_dist(k, "workload.gap_s", &W->workload.gap);
    simplify_dist(k, "workload.audio_s", &W->workload.audio);
    for (size_t c = 0; c < W->n_nodes; c++) {
        for (int st = 0; st < STAGE_COUNT; st++) {
            snprintf(key, sizeof key, "nodes[%zu].stages.%s", c, stage_names[st]);
            simplify_dist(k, key, &W->nodes[c].stage[st]);
        }
        if (W->nodes[c].stall_prob > 0) {
            snprintf(key, sizeof key, "nodes[%zu].faults.stall.extra_s", c);
            simplify_dist(k, key, &W->nodes[c].stall_extra);
        }
        if (W->nodes[c].crash) {
            snprintf(key, sizeof key, "nodes[%zu].faults.crash.between_s", c);
            simplify_dist(k, key, &W->nodes[c].crash_between);
            snprintf(key, sizeof key, "nodes[%zu].faults.crash.downtime_s", c);
            simplify_dist(k, key, &W->nodes[c].crash_downtime);
        }
        if (W->nodes[c].cold_start) {
            snprintf(key, sizeof key, "nodes[%zu].faults.cold_start.extra_s", c);
            simplify_dist(k, key, &W->nodes[c].cold_extra);
        }
    }
    /* "delay_s" sets both directions: simplify it when the file says it, else each */
    char *both = sim_scenario_get(W, "network.delay_s");
    if (both)
        simplify_dist(k, "network.delay_s", &W->network.to_node_delay);
    free(both);
    simplify_dist(k, "network.to_node_delay_s", &W->network.to_node_delay);
    simplify_dist(k, "network.to_scheduler_delay_s", &W->network.to_sched_delay);
    simplify_dist(k, "network.client_delay_s", &W->network.client_delay);
#undef W
}

/* Each varied knob back to the scenario's own value, or as near it as still
 * breaks (bisection between the two for numbers), by steps that make the world
 * no larger (no_larger: a knob that is a count the shrink lowers only goes
 * down). */
static void shrink_knobs(shrink *k)
{
    for (size_t i = 0; i < k->o->n_vary; i++) {
        const sim_tune_knob *kn = &k->o->vary[i];
        char *own = sim_scenario_get(k->o->base, kn->key);
        char *cur = sim_scenario_get(&k->out->world, kn->key);
        if (!own || !cur || strcmp(own, cur) == 0) {
            free(own);
            free(cur);
            continue;
        }
        char own_value[SIM_HUNT_VALUE_LEN];
        /* a JSON string: its contents, as knob values are written */
        json_t *j = json_loads(own, JSON_DECODE_ANY, NULL);
        snprintf(own_value, sizeof own_value, "%s", json_is_string(j) ? json_string_value(j) : own);
        bool numeric = kn->kind != SIM_KNOB_LIST && json_is_number(j);
        double target = numeric ? json_number_value(j) : 0;
        json_decref(j);
        if (!try_step(k, kn->key, own_value, NULL, true) && numeric) {
            double x = strtod(cur, NULL), far = target;
            for (int step = 0; step < 8; step++) {
                double mid = far + (x - far) / 2;
                if (kn->kind == SIM_KNOB_INT)
                    mid = round(mid);
                if (mid == x || mid == far)
                    break;
                char v[64];
                snprintf(v, sizeof v, kn->kind == SIM_KNOB_INT ? "%.0f" : "%.10g", mid);
                if (try_step(k, kn->key, v, NULL, true))
                    x = mid;
                else
                    far = mid;
            }
        }
        free(own);
        free(cur);
    }
}

int sim_hunt_shrink(const sim_hunt_opts *o, const sim_hunt_found *f, FILE *report,
                    sim_hunt_shrunk *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    sim_scenario_copy(&out->world, &f->world);
    out->verdict = f->verdict;
    shrink k = {o, &f->verdict, out, report, true, 0, err};
    /* passes until one accepts nothing (a fixpoint: no_larger keeps the knob
     * steps from undoing the others), the runs run out or one fails */
    while (k.accepted && !k.failed && out->runs < SIM_HUNT_SHRINK_RUNS_MAX) {
        k.accepted = false;
        shrink_int(&k, "workload.sessions", 1, out->world.workload.sessions);
        shrink_utterances(&k);
        shrink_grid(&k, f->world.workload.sessions, f->world.workload.utterances_per_session);
        for (size_t c = 0; c < out->world.n_nodes; c++) {
            char key[64];
            snprintf(key, sizeof key, "nodes[%zu].count", c);
            shrink_int(&k, key, 1, out->world.nodes[c].count);
        }
        shrink_faults(&k);
        shrink_dists(&k);
        shrink_knobs(&k);
    }
    return k.failed;
}

void sim_hunt_shrunk_free(sim_hunt_shrunk *s)
{
    sim_scenario_free(&s->world);
    for (size_t i = 0; i < s->n_steps; i++)
        free(s->steps[i]);
    free(s->steps);
    memset(s, 0, sizeof *s);
}
