/* sweep_eval.c — the real world as a sweep's evaluator (sweep.h). */
#include "sweep.h"

#include <string.h>

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

int sim_sweep_check_params(const sim_scenario *s, const sim_sweep_param *params, size_t n,
                           uint64_t *files_hash, sim_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        sim_scenario c;
        sim_scenario_copy(&c, s);
        for (size_t v = 0; v < params[k].n; v++) {
            if (sim_scenario_set(&c, params[k].key, params[k].values[v], err) != 0) {
                rc = -1;
                break; /* the copy may be half-edited: next knob */
            }
            if (files_hash)
                *files_hash = sim_hash(*files_hash, &c.files_hash, sizeof c.files_hash);
        }
        sim_scenario_free(&c);
    }
    return rc;
}
