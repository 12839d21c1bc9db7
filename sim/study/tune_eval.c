/* tune_eval.c — the real world as tune's evaluator; knob kinds from the loader. */
#include "tune.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static void *world_prepare(void *ctx, const double *x, uint64_t seed, sim_error *err)
{
    const sim_tune_world *w = ctx;
    sim_scenario *s = sim_xmalloc(sizeof *s);
    sim_scenario_copy(s, w->base);
    for (size_t k = 0; k < w->n_knobs; k++) {
        char text[160];
        sim_tune_knob_text(&w->knobs[k], x[k], text, sizeof text);
        if (sim_scenario_set(s, w->knobs[k].key, text, err) != 0) {
            sim_scenario_free(s);
            free(s);
            return NULL;
        }
    }
    s->seed = seed;
    return s;
}

static int world_run(void *ctx, void *world, int rep, double v[SIM_M_COUNT], sim_error *err)
{
    const sim_tune_world *w = ctx;
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.jobs = 1;
    o.max_events = w->max_events;
    return sim_run_one(world, w->policy, rep, &o, v, err);
}

static void world_release(void *ctx, void *world)
{
    (void)ctx;
    sim_scenario_free(world);
    free(world);
}

sim_tune_evaluator sim_tune_world_evaluator(sim_tune_world *w)
{
    return (sim_tune_evaluator){w, world_prepare, world_run, world_release};
}

/* Sets key=text on a fresh copy of s; 0 when the loader accepts it. */
static int try_set(const sim_scenario *s, const char *key, const char *text, sim_error *err)
{
    sim_scenario c;
    sim_scenario_copy(&c, s);
    int rc = sim_scenario_set(&c, key, text, err);
    sim_scenario_free(&c);
    return rc;
}

int sim_tune_knob_resolve(const sim_scenario *s, sim_tune_knob *k, sim_error *err)
{
    char text[160];
    if (k->kind == SIM_KNOB_LIST) {
        for (size_t i = 0; i < k->n; i++)
            if (try_set(s, k->key, k->values[i], err) != 0)
                return -1;
        return 0;
    }
    snprintf(text, sizeof text, "%.10g", k->lo);
    if (try_set(s, k->key, text, err) != 0)
        return -1;
    snprintf(text, sizeof text, "%.10g", k->hi);
    if (try_set(s, k->key, text, err) != 0)
        return -1;
    if (k->int_bounds) {
        sim_error probe = {0};
        snprintf(text, sizeof text, "%.10g", k->lo + 0.5);
        if (try_set(s, k->key, text, &probe) != 0)
            k->kind = SIM_KNOB_INT;
    }
    return 0;
}
