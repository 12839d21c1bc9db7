/* sweep_eval.c — the real world as a sweep's evaluator (sweep.h). */
#include "sweep.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int sim_sweep_eval_run(void *ctx, const sim_scenario *base, const sim_sweep_param *params,
                       size_t n_params, const size_t *choice, int rep_first, int rep_count,
                       sim_results *out, sim_error *err)
{
    const sim_run_opts *ro = ctx;
    sim_scenario s;
    sim_scenario_copy(&s, base);
    for (size_t k = 0; k < n_params; k++) {
        if (sim_scenario_set(&s, params[k].key, params[k].values[choice[k]], err) != 0) {
            sim_scenario_free(&s);
            return -1;
        }
    }
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.jobs = ro && ro->jobs > 1 ? ro->jobs : 1;
    o.max_events = ro ? ro->max_events : 0;
    o.rep_first = rep_first;
    o.rep_count = rep_count;
    o.progress = ro ? ro->progress : NULL;
    o.progress_runs = true;
    int rc = sim_run_all(&s, &o, out, err);
    sim_scenario_free(&s);
    return rc;
}

/* Refuses a knob that is not a world or policy parameter: the seed and the
 * replications are the sweep's own (the same at every point), a name identifies
 * its entry (the CSV's policy column, other knobs' paths), and anything outside
 * workload, nodes, network, policies and max_time_s is no part of the world.
 * Returns 0, or -1 with err. */
static int knob_is_parameter(const char *key, sim_error *err)
{
    static const char *const sections[] = {"workload", "nodes", "network", "policies"};
    const char *why = NULL;
    const char *last = strrchr(key, '.');
    size_t head = strcspn(key, ".[");
    bool in_section = false;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        in_section |= strlen(sections[i]) == head && strncmp(key, sections[i], head) == 0;
    if (strcmp(key, "replications") == 0)
        why = "every point runs the same replications (give --replications N)";
    else if (strcmp(key, "seed") == 0)
        why = "every point uses the scenario's seed, so that points differ only by their "
              "knobs (give --seed N)";
    else if (in_section && last && strcmp(last + 1, "name") == 0)
        why = "a name identifies its entry (the CSV's policy column, other knobs' paths), "
              "it is not a parameter";
    else if (!(in_section && key[head] != '\0') && strcmp(key, "max_time_s") != 0)
        why = "not a world or policy parameter (a knob is a path into workload, nodes, "
              "network or policies, or max_time_s)";
    if (!why)
        return 0;
    char safe[200];
    sim_safe_text(key, safe, sizeof safe);
    sim_error_add(err, "sweep: knob '%s': %s", safe, why);
    return -1;
}

typedef struct knob_value {
    double x;          /* its number, or NaN when it is a name */
    const char *text;
} knob_value;

static int knob_value_cmp(const void *a, const void *b)
{
    const knob_value *u = a, *v = b;
    if (isnan(u->x) != isnan(v->x))
        return isnan(u->x) ? 1 : -1; /* numbers first */
    if (!isnan(u->x) && u->x != v->x)
        return u->x < v->x ? -1 : 1;
    return strcmp(u->text, v->text);
}

/* Refuses a value given twice ("5,5", "5,5.0", "1:3:1,2"): that point would run
 * twice. Returns 0, or -1 with err. */
static int duplicate_value(const sim_sweep_param *p, sim_error *err)
{
    knob_value *v = sim_xcalloc(p->n ? p->n : 1, sizeof *v);
    for (size_t i = 0; i < p->n; i++) {
        char *end;
        double x = strtod(p->values[i], &end);
        v[i].x = *p->values[i] && *end == '\0' && isfinite(x) ? x : NAN;
        v[i].text = p->values[i];
    }
    qsort(v, p->n, sizeof *v, knob_value_cmp);
    int rc = 0;
    for (size_t i = 1; i < p->n && rc == 0; i++) {
        bool same = isnan(v[i].x) ? isnan(v[i - 1].x) && strcmp(v[i].text, v[i - 1].text) == 0
                                  : v[i].x == v[i - 1].x;
        if (same) {
            char a[200], b[200];
            sim_safe_text(v[i - 1].text, a, sizeof a);
            sim_safe_text(v[i].text, b, sizeof b);
            sim_error_add(err, "sweep: knob %s: the value %s%s%s%s is given twice (its points "
                               "would run twice)",
                          p->key, a, strcmp(a, b) ? " (as '" : "", strcmp(a, b) ? b : "",
                          strcmp(a, b) ? "')" : "");
            rc = -1;
        }
    }
    free(v);
    return rc;
}

int sim_sweep_check_params(const sim_scenario *s, const sim_sweep_param *params, size_t n,
                           const char *const *given, size_t max_points, uint64_t *files_hash,
                           sim_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        if (knob_is_parameter(params[k].key, err) != 0)
            return -1;
        if (duplicate_value(&params[k], err) != 0)
            return -1;
    }
    for (size_t k = 0; k < n && rc == 0; k++) {
        sim_scenario c;
        sim_scenario_copy(&c, s);
        for (size_t v = 0; v < params[k].n; v++) {
            sim_error e = {0}; /* sim_scenario_set clears the error it is given */
            if (sim_scenario_set(&c, params[k].key, params[k].values[v], &e) != 0) {
                /* the first bad value is the message; of the option that gave it */
                if (given && given[k]) {
                    char safe[300];
                    sim_safe_text(given[k], safe, sizeof safe);
                    sim_error_add(err, "sweep: --param '%s': %s", safe, e.count ? e.msg[0] : "refused");
                } else
                    sim_error_merge(err, &e);
                rc = -1;
                break;
            }
            if (files_hash)
                *files_hash = sim_hash(*files_hash, &c.files_hash, sizeof c.files_hash);
        }
        sim_scenario_free(&c);
    }
    bool over = false;
    size_t points = sim_sweep_points(params, n, max_points, &over);
    if (rc != 0 || n < 2 || over)
        return rc; /* one knob: its points are its values, checked above */
    /* Values valid alone may be invalid together (gap_s.min 3 with gap_s.max 2):
     * every point of the cross product, before the first runs. */
    size_t *choice = sim_xcalloc(n, sizeof *choice);
    for (size_t i = 0; i < points && rc == 0; i++) {
        sim_sweep_point_choice(params, n, i, choice);
        sim_scenario c;
        sim_scenario_copy(&c, s);
        sim_error e = {0};
        for (size_t k = 0; k < n && rc == 0; k++)
            if (sim_scenario_set(&c, params[k].key, params[k].values[choice[k]], &e) != 0)
                rc = -1;
        sim_scenario_free(&c);
        if (rc == 0)
            continue;
        char at[1024];
        size_t w = 0;
        for (size_t k = 0; k < n && w < sizeof at; k++) {
            int m = snprintf(at + w, sizeof at - w, "%s%s=%s", k ? ", " : "", params[k].key,
                             params[k].values[choice[k]]);
            w += m > 0 ? (size_t)m : 0;
        }
        char safe[600];
        sim_safe_text(at, safe, sizeof safe);
        sim_error_add(err, "sweep point %zu (%s): %s", i, safe, e.count ? e.msg[0] : "invalid");
    }
    free(choice);
    return rc;
}
