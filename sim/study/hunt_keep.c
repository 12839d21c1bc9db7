/* hunt_keep.c — the shrunk world written as a regression scenario (hunt.h). */
#include "hunt.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "outfile.h"
#include "xalloc.h"

/* A number as JSON: an integer when it is one. */
static json_t *number(double x)
{
    if (x == floor(x) && fabs(x) < 1e15)
        return json_integer((json_int_t)x);
    return json_real(x);
}

/* A bound as JSON: {"equals": x} / {"max": x} / {"min": x}. */
static json_t *bound_json(const sim_expect *e)
{
    json_t *b = json_object();
    if (e->has_min)
        json_object_set_new(b, "min", number(e->min));
    if (e->has_max)
        json_object_set_new(b, "max", number(e->max));
    if (e->has_equals)
        json_object_set_new(b, "equals", number(e->equals));
    return b;
}

/* The expect block: the invariant that broke first, then the other invariants
 * (one bound per metric: a second invariant on a metric already bound is left
 * to the description). */
static json_t *expect_json(const sim_hunt_opts *o, const sim_hunt_verdict *v)
{
    json_t *metrics = json_object();
    if (v->which >= 0) {
        const sim_hunt_invariant *in = &o->inv[v->which];
        json_object_set_new(metrics, in->bound.metric, bound_json(&in->bound));
    }
    for (size_t i = 0; i < o->n_inv; i++)
        if (!json_object_get(metrics, o->inv[i].bound.metric))
            json_object_set_new(metrics, o->inv[i].bound.metric, bound_json(&o->inv[i].bound));
    json_t *e = json_object();
    json_object_set_new(e, o->base->policies[o->policy].name, metrics);
    return e;
}

/* Appends to buf (NUL-terminated, size cap) while it fits; true when all fit. */
static bool append(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf), t = strlen(text);
    if (n + t + 1 > cap)
        return false;
    memcpy(buf + n, text, t + 1);
    return true;
}

static void describe(const sim_hunt_opts *o, const sim_hunt_found *f, const sim_hunt_shrunk *sh,
                     const char *command, char *buf, size_t cap)
{
    char line[1200];
    buf[0] = '\0';
    snprintf(line, cap < sizeof line ? cap : sizeof line,
             "Found by dsim hunt: policy %s breaks %s, in run %zu of the hunt (seed %llu, the "
             "world's seed %llu). `dsim check` on this file fails until the policy is fixed.",
             o->base->policies[o->policy].name, sh->verdict.what, f->runs,
             (unsigned long long)o->seed, (unsigned long long)f->trial.seed);
    append(buf, cap, line);
    for (size_t k = 0; k < o->n_vary; k++) {
        snprintf(line, sizeof line, "%s %s=%s", k ? "," : " Drawn:", o->vary[k].key,
                 f->trial.value[k]);
        append(buf, cap, line);
    }
    snprintf(line, sizeof line, " Found with: %s.", command);
    append(buf, cap, line);
    snprintf(line, sizeof line, " Shrunk in %zu runs, %zu steps:", sh->runs, sh->n_steps);
    append(buf, cap, line);
    for (size_t i = 0; i < sh->n_steps; i++) {
        snprintf(line, sizeof line, " %s%s", sh->steps[i], i + 1 < sh->n_steps ? ";" : ".");
        char more[64];
        snprintf(more, sizeof more, " (%zu more steps)", sh->n_steps - i);
        if (strlen(buf) + strlen(line) + strlen(more) + 1 > cap) {
            append(buf, cap, more);
            break;
        }
        append(buf, cap, line);
    }
    if (sh->n_steps == 0)
        append(buf, cap, " none accepted.");
}

/* The scenario text at real precision `prec`, or NULL. */
static char *render(const sim_hunt_opts *o, const sim_hunt_found *f, const sim_hunt_shrunk *sh,
                    const char *command, int prec)
{
    json_t *root = json_loadb(sh->world.json_text, sh->world.json_len, 0, NULL);
    if (!root)
        return NULL;
    const char *pname = o->base->policies[o->policy].name;
    char name[256];
    snprintf(name, sizeof name, "%.100s-hunt-%.100s", o->base->name, pname);
    json_object_set_new(root, "name", json_string(name));
    char desc[4097];
    describe(o, f, sh, command, desc, sizeof desc);
    json_object_set_new(root, "description", json_string(desc));
    json_object_set_new(root, "replications", json_integer(1));
    json_t *pols = json_object_get(root, "policies"), *keep = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(pols, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n && strcmp(n, pname) == 0)
            json_array_append(keep, p);
    }
    json_object_set_new(root, "policies", keep);
    json_object_set_new(root, "expect", expect_json(o, &sh->verdict));
    json_object_del(root, "sweep");
    json_object_del(root, "hunt");
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(prec));
    json_decref(root);
    if (!text)
        return NULL;
    char *out = sim_xmalloc(strlen(text) + 2);
    snprintf(out, strlen(text) + 2, "%s\n", text);
    free(text);
    return out;
}

int sim_hunt_keep(const sim_hunt_opts *o, const sim_hunt_found *f, const sim_hunt_shrunk *sh,
                  const char *command, const char *path, sim_error *err)
{
    /* 15 significant digits write every value a person or the shrinker wrote
     * exactly; 17 round-trip any double. The text must load and still break. */
    static const int precisions[] = {15, 17};
    for (size_t k = 0; k < 2; k++) {
        char *text = render(o, f, sh, command, precisions[k]);
        if (!text) {
            sim_error_add(err, "%s: cannot render the shrunk scenario", path);
            err->internal = true;
            return -1;
        }
        sim_scenario s;
        sim_error lerr;
        memset(&lerr, 0, sizeof lerr);
        sim_hunt_verdict v;
        bool breaks = false;
        if (sim_scenario_load_string(text, strlen(text), path, &o->base->limits, &s, &lerr) == 0) {
            sim_error jerr;
            memset(&jerr, 0, sizeof jerr);
            breaks = sim_hunt_judge(&s, 0, o->inv, o->n_inv, o->max_events, &v, &jerr) == 0 &&
                     v.broken && strcmp(v.name, sh->verdict.name) == 0;
            sim_scenario_free(&s);
        }
        if (breaks) {
            int rc = sim_outfile_write(path, text, strlen(text), err);
            free(text);
            return rc;
        }
        free(text);
    }
    sim_error_add(err,
                  "%s: the shrunk scenario, written out and loaded again, no longer breaks "
                  "the invariant (dsim's own fault)",
                  path);
    err->internal = true;
    return -1;
}
