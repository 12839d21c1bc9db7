/*
 * cmd_tune.c — `dsim tune SCENARIO --knob KEY=LO:HI ... --minimize EXPR
 * [--subject-to EXPR]...`: the best setting of one policy's knobs (tune.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "report.h"
#include "run.h"
#include "stats.h"
#include "tune.h"
#include "xalloc.h"

enum {
    O_KNOB = 1, O_MINIMIZE, O_SUBJECT_TO, O_BUDGET, O_POLICY, O_TIE_BREAK, O_STRICT, O_REPS,
    O_SEED, O_JOBS, O_FORMAT, O_MAX_EVENTS, O_QUIET
};

static const sim_opt tune_opts[] = {
    {O_KNOB, "knob", 0, SIM_OPT_TEXT, "KEY=LO:HI|KEY=V1,V2", 0, 0,
     SIM_OPT_REQUIRED | SIM_OPT_REPEAT, "a knob and its box (a range or a list), each KEY once",
     "give at least one --knob KEY=LO:HI"},
    {O_MINIMIZE, "minimize", 0, SIM_OPT_TEXT, "EXPR", 0, 0, SIM_OPT_REQUIRED,
     "the objective, a sum of metrics with optional coefficients\n"
     "('lost_rate + 2*duplicate_rate'), on the mean over the replications",
     NULL},
    {O_SUBJECT_TO, "subject-to", 0, SIM_OPT_TEXT, "'EXPR <= N'", 0, 0, SIM_OPT_REPEAT,
     "a constraint ('EXPR <= N' or 'EXPR >= N') on the mean", NULL},
    {O_BUDGET, "budget", 0, SIM_OPT_UINT, "RUNS", 1, 100000000, 0,
     "settings x replications at most (default: 50 settings' worth)", "a number of runs 1..100000000, in digits"},
    {O_POLICY, "policy", 0, SIM_OPT_TEXT, "NAME", 0, 0, 0,
     "the policy tuned (default: the one the first knob names)", NULL},
    {O_TIE_BREAK, "tie-break", 0, SIM_OPT_TEXT, "EXPR", 0, 0, 0,
     "ranks settings whose objective ties, lower first (default: dispatches)", NULL},
    {O_STRICT, "strict", 0, SIM_OPT_FLAG, NULL, 0, 0, 0,
     "exit 1 also when the best setting breaks a constraint on fresh seeds", NULL},
    {O_REPS, "replications", 0, SIM_OPT_UINT, "N", 1, 100000, 0,
     "replications of every setting (default: the scenario's)", NULL},
    SIM_OPT_SEED(O_SEED),
    SIM_OPT_JOBS(O_JOBS),
    {O_FORMAT, "format", 0, SIM_OPT_CHOICE, "table|json", 0, 0, 0,
     "how the result is printed (default: table)", NULL},
    SIM_OPT_MAX_EVENTS(O_MAX_EVENTS),
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_tune = {
    "tune", "search knob values that minimize an objective under a bound", "SCENARIO", 1, 1,
    SIM_OPT_FILE, true, true,
    "Searches the box of knob values for the setting of one policy (--policy, default\n"
    "the one the first knob names) that minimizes EXPR, a sum of metrics with optional\n"
    "coefficients ('lost_rate + 2*duplicate_rate'), under each constraint ('EXPR <= N'\n"
    "or 'EXPR >= N'), all on the mean over the replications. Every setting runs on the\n"
    "same replication seeds; a grid, then a compass refinement, within RUNS runs\n"
    "(settings x replications; default 50 settings' worth). Knobs written LO:HI with\n"
    "integers whose field takes only integers are searched as integers; a list is\n"
    "searched value by value. Every knob must belong to the policy tuned (or to the\n"
    "world: nodes, workload, network), each given once. Settings whose objective ties\n"
    "are ranked by --tie-break EXPR, lower first (default: dispatches, the setting\n"
    "that sends less work), then by the order they were evaluated in. The best\n"
    "setting and the runner-up are run again on fresh seeds; a 'confirmation:' line\n"
    "says whether the best still meets every constraint there.\n"
    "Exit 1 when no setting meets the constraints (or the objective is undefined for\n"
    "every setting), and with --strict also when the best breaks one on the fresh\n"
    "seeds.\n",
    tune_opts, sim_cmd_tune};

typedef struct tune_args {
    const char *scenario, *minimize, *policy, *format, *tie_break;
    const char *knobs[SIM_TUNE_KNOBS_MAX];
    const char *constraints[SIM_TUNE_CONSTRAINTS_MAX];
    size_t n_knobs, n_constraints;
    unsigned long long budget, jobs, reps, seed, max_events;
    bool has_seed, strict, quiet;
    sim_limits limits;
} tune_args;

/* Returns 0, -1 after --help, or an exit code. */
static int tune_parse(int argc, char **argv, tune_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = "table";
    a->tie_break = "dispatches";
    sim_limits_default(&a->limits);
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_tune, argc, argv, &a->limits, &err, true);
    /* the texts that need no scenario are checked here, so that a bad one is
     * refused as every option error is ("tune: ...", then "try ...") */
    char keys[SIM_TUNE_KNOBS_MAX][sizeof ((sim_tune_knob *)0)->key];
    sim_error perr;
    sim_tune_knob knob;
    sim_expr ex;
    sim_constraint con;
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        const char *v = p.value;
        memset(&perr, 0, sizeof perr);
        switch (id) {
        case SIM_OPT_OPERAND: a->scenario = v; break;
        case O_KNOB:
            if (a->n_knobs >= SIM_TUNE_KNOBS_MAX) {
                sim_opt_fail(&p, "more than %d --knob", SIM_TUNE_KNOBS_MAX);
                break;
            }
            if (sim_tune_knob_parse(v, &knob, &perr) != 0) {
                sim_opt_fail(&p, "%s", perr.msg[0]);
                break;
            }
            snprintf(keys[a->n_knobs], sizeof keys[a->n_knobs], "%s", knob.key);
            sim_tune_knob_free(&knob);
            for (size_t k = 0; k < a->n_knobs && p.status == 0; k++)
                if (strcmp(keys[k], keys[a->n_knobs]) == 0)
                    sim_opt_fail(&p, "--knob %s given twice", keys[k]);
            a->knobs[a->n_knobs++] = v;
            break;
        case O_SUBJECT_TO:
            if (a->n_constraints >= SIM_TUNE_CONSTRAINTS_MAX)
                sim_opt_fail(&p, "more than %d --subject-to", SIM_TUNE_CONSTRAINTS_MAX);
            else if (sim_constraint_parse(v, &con, &perr) != 0)
                sim_opt_fail(&p, "--subject-to %s", perr.msg[0]);
            else
                a->constraints[a->n_constraints++] = v;
            break;
        case O_MINIMIZE:
            if (sim_expr_parse(v, &ex, &perr) != 0)
                sim_opt_fail(&p, "--minimize %s", perr.msg[0]);
            a->minimize = v;
            break;
        case O_POLICY: a->policy = v; break;
        case O_TIE_BREAK:
            if (sim_expr_parse(v, &ex, &perr) != 0)
                sim_opt_fail(&p, "--tie-break %s", perr.msg[0]);
            a->tie_break = v;
            break;
        case O_FORMAT: a->format = v; break;
        case O_STRICT: a->strict = true; break;
        case O_BUDGET: a->budget = p.num; break;
        case O_JOBS: a->jobs = p.num; break;
        case O_REPS: a->reps = p.num; break;
        case O_SEED: a->seed = p.num; a->has_seed = true; break;
        case O_MAX_EVENTS: a->max_events = p.num; break;
        case O_QUIET: a->quiet = true; break;
        default: break;
        }
    }
    return p.status;
}

/* The policy a key names ("policies.NAME.field"; the longest name wins), or -1. */
static int policy_of_key(const sim_scenario *s, const char *key)
{
    if (strncmp(key, "policies.", 9) != 0)
        return -1;
    int best = -1;
    size_t best_len = 0;
    for (size_t p = 0; p < s->n_policies; p++) {
        size_t n = strlen(s->policies[p].name);
        if (strncmp(key + 9, s->policies[p].name, n) == 0 && key[9 + n] == '.' && n > best_len) {
            best = (int)p;
            best_len = n;
        }
    }
    return best;
}

/* "KEY=value KEY=value" of a setting. */
static void setting_text(const sim_tune_opts *o, const double *x, char *buf, size_t size)
{
    size_t w = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < o->n_knobs && w < size; k++) {
        char v[160];
        sim_tune_knob_text(&o->knobs[k], x[k], v, sizeof v);
        int n = snprintf(buf + w, size - w, "%s%s=%s", k ? "  " : "", o->knobs[k].key, v);
        w += n > 0 ? (size_t)n : 0;
    }
}

/* The metrics shown: those of the objective and constraints, then the key ones. */
static size_t shown_metrics(const sim_tune_opts *o, int *out)
{
    size_t n = 0;
    const sim_expr *ex[1 + SIM_TUNE_CONSTRAINTS_MAX];
    size_t ne = 0;
    ex[ne++] = &o->objective;
    for (size_t c = 0; c < o->n_constraints; c++)
        ex[ne++] = &o->constraints[c].lhs;
    int key[] = {SIM_M_DUPLICATES, SIM_M_LOST, SIM_M_LATENCY_P99};
    for (size_t e = 0; e <= ne; e++) {
        size_t terms = e < ne ? ex[e]->n : 3;
        for (size_t t = 0; t < terms; t++) {
            int m = e < ne ? ex[e]->metric[t] : key[t];
            bool dup = m < 0;
            for (size_t i = 0; i < n && !dup; i++)
                dup = out[i] == m;
            if (!dup && n < SIM_M_COUNT)
                out[n++] = m;
        }
    }
    return n;
}

/* Paired difference of the objective, a - b, over their common replications. */
static void paired_objective(const sim_tune_opts *o, const sim_tune_setting *a,
                             const sim_tune_setting *b, double *mean, double *hw)
{
    size_t n = a->reps < b->reps ? a->reps : b->reps;
    double *d = sim_xcalloc(n, sizeof *d);
    for (size_t r = 0; r < n; r++)
        d[r] = sim_expr_eval(&o->objective, a->v + r * SIM_M_COUNT) -
               sim_expr_eval(&o->objective, b->v + r * SIM_M_COUNT);
    sim_mean_ci(d, n, 1, mean, hw, NULL);
    free(d);
}

/* A right-aligned column of 22 terminal cells ("±" is two bytes, one cell). */
static void print_cell(const char *cell)
{
    printf("  %*s", 22 + (strstr(cell, "±") ? 1 : 0), cell);
}

/* True when constraint c holds on the mean of setting st. */
static bool holds(const sim_constraint *c, const sim_tune_setting *st)
{
    double m, hw;
    sim_tune_setting_expr(st, &c->lhs, &m, &hw);
    return c->at_most ? m <= c->bound : m >= c->bound;
}

/* "confirmation: ..." — whether the best setting meets every constraint on the
 * fresh seeds, naming those it breaks. */
static void verdict(const sim_tune_opts *o, const sim_tune_result *r, char *buf, size_t size)
{
    size_t w = 0, broken = 0;
    for (size_t c = 0; c < o->n_constraints; c++)
        broken += !holds(&o->constraints[c], &r->confirm_best);
    if (broken == 0) {
        snprintf(buf, size, "confirmation: every constraint holds on fresh seeds");
        return;
    }
    int n = snprintf(buf, size, "confirmation: constraint%s ", broken > 1 ? "s" : "");
    w = n > 0 ? (size_t)n : 0;
    for (size_t c = 0, k = 0; c < o->n_constraints && w < size; c++) {
        if (holds(&o->constraints[c], &r->confirm_best))
            continue;
        n = snprintf(buf + w, size - w, "%s'%s'", k++ ? ", " : "", o->constraints[c].text);
        w += n > 0 ? (size_t)n : 0;
    }
    if (w < size)
        snprintf(buf + w, size - w, " violated on fresh seeds%s",
                 r->feasible ? " (they held on the search seeds; --strict exits 1)" : "");
}

/* When the objective was undefined for every setting evaluated: true, with the
 * metrics of the objective that had no value on some replication in buf
 * ("latency_s.p99, latency_s.max"). */
static bool objective_never_defined(const sim_tune_opts *o, const sim_tune_result *r, char *buf,
                                    size_t size)
{
    bool undefined[SIM_M_COUNT] = {false};
    for (size_t i = 0; i < r->n; i++) {
        const sim_tune_setting *st = &r->all[i];
        if (isfinite(st->objective))
            return false;
        for (size_t rep = 0; rep < st->reps; rep++)
            for (size_t t = 0; t < o->objective.n; t++) {
                int m = o->objective.metric[t];
                if (m >= 0 && !isfinite(st->v[rep * SIM_M_COUNT + (size_t)m]))
                    undefined[m] = true;
            }
    }
    size_t w = 0;
    buf[0] = '\0';
    for (int m = 0; m < SIM_M_COUNT && w < size; m++)
        if (undefined[m]) {
            int n = snprintf(buf + w, size - w, "%s%s", w ? ", " : "",
                             sim_metric_name((sim_metric)m));
            w += n > 0 ? (size_t)n : 0;
        }
    return r->n > 0;
}

static void print_table(const sim_scenario *s, size_t policy, const sim_tune_opts *o,
                        const tune_args *a, const sim_tune_result *r)
{
    char line[2048], cell[96];
    bool has_ru = r->runner_up < r->n;
    printf("tune %s, policy %s, seed %llu: %zu settings x %d replications = %zu runs "
           "(budget %zu)\n",
           s->name, s->policies[policy].name, (unsigned long long)o->seed, r->n,
           o->replications, r->runs, o->budget);
    printf("minimize %s\n", a->minimize);
    for (size_t c = 0; c < o->n_constraints; c++)
        printf("subject to %s\n", o->constraints[c].text);
    printf("ties broken by lower %s, then by evaluation order\n", a->tie_break);
    char why[512];
    if (!r->feasible && objective_never_defined(o, r, why, sizeof why)) {
        bool latency = why[0] != '\0';
        for (const char *w = why; *w && latency; w += strcspn(w, ",") + (w[strcspn(w, ",")] ? 2 : 0))
            latency = strncmp(w, "latency_s.", 10) == 0;
        printf("\nthe objective was undefined (n/a) for every setting: %s had no value on "
               "some replication of each%s; %s\n",
               why[0] ? why : "a metric of it",
               latency ? " (a latency of a run that delivered nothing)" : "",
               o->n_constraints ? "the least violating setting is shown"
                                : "the one shown is the first by the tie-break, then by "
                                  "evaluation order");
    } else if (!r->feasible) {
        printf("\nno setting met every constraint; the least violating one is shown\n");
    }
    setting_text(o, r->all[r->best].x, line, sizeof line);
    printf("\nbest:       %s\n", line);
    if (has_ru) {
        setting_text(o, r->all[r->runner_up].x, line, sizeof line);
        printf("runner-up:  %s\n", line);
    }
    const sim_tune_setting *cols[4] = {&r->all[r->best], has_ru ? &r->all[r->runner_up] : NULL,
                                       &r->confirm_best, has_ru ? &r->confirm_runner_up : NULL};
    const char *heads[4] = {"best", "runner-up", "best, fresh", "runner-up, fresh"};
    printf("\n%-23s", "(mean ± ci95)");
    for (int c = 0; c < 4; c++)
        if (cols[c])
            printf("  %22s", heads[c]);
    printf("\n%-22s", "objective");
    for (int c = 0; c < 4; c++) {
        if (!cols[c])
            continue;
        double m, hw;
        sim_tune_setting_expr(cols[c], &o->objective, &m, &hw);
        sim_report_format(cell, sizeof cell, m, hw, cols[c]->reps);
        print_cell(cell);
    }
    int ms[SIM_M_COUNT];
    size_t nm = shown_metrics(o, ms);
    for (size_t i = 0; i < nm; i++) {
        printf("\n%-22s", sim_metric_name((sim_metric)ms[i]));
        for (int c = 0; c < 4; c++) {
            if (!cols[c])
                continue;
            double m, hw;
            sim_tune_setting_metric(cols[c], (sim_metric)ms[i], &m, &hw);
            sim_report_format(cell, sizeof cell, m, hw, cols[c]->reps);
            print_cell(cell);
        }
    }
    for (size_t c = 0; c < o->n_constraints; c++) {
        bool ok = holds(&o->constraints[c], &r->confirm_best);
        printf("%s%s on fresh seeds: %s", c ? "\n" : "\n\n", o->constraints[c].text,
               ok            ? "holds"
               : r->feasible ? "BROKEN (it held on the search seeds: the setting overfits them)"
                             : "broken");
    }
    if (has_ru) {
        double m, hw;
        paired_objective(o, &r->confirm_best, &r->confirm_runner_up, &m, &hw);
        sim_report_format(cell, sizeof cell, m, hw, r->confirm_best.reps);
        printf("%sobjective best - runner-up on fresh seeds (paired): %s\n",
               o->n_constraints ? "\n" : "\n\n", cell);
    } else {
        printf("\n");
    }
    printf("fresh seeds: replications of seed %llu\n", (unsigned long long)r->confirm_seed);
    if (o->n_constraints > 0) {
        verdict(o, r, line, sizeof line);
        printf("%s\n", line);
    }
}

static json_t *setting_json(const sim_tune_opts *o, const sim_tune_setting *st)
{
    json_t *j = json_object(), *knobs = json_object(), *metrics = json_object();
    for (size_t k = 0; k < o->n_knobs; k++) {
        char v[160];
        sim_tune_knob_text(&o->knobs[k], st->x[k], v, sizeof v);
        json_object_set_new(knobs, o->knobs[k].key,
                            o->knobs[k].kind == SIM_KNOB_LIST ? json_string(v)
                                                              : sim_json_num(st->x[k]));
    }
    double m, hw;
    sim_tune_setting_expr(st, &o->objective, &m, &hw);
    json_object_set_new(j, "knobs", knobs);
    json_object_set_new(j, "objective", sim_json_num(m));
    json_object_set_new(j, "objective_ci95", sim_json_num(hw));
    json_object_set_new(j, "feasible", json_boolean(st->violation == 0));
    for (size_t i = 0; i < SIM_M_COUNT; i++) {
        json_t *e = json_object();
        sim_tune_setting_metric(st, (sim_metric)i, &m, &hw);
        json_object_set_new(e, "mean", sim_json_num(m));
        json_object_set_new(e, "ci95", sim_json_num(hw));
        json_object_set_new(metrics, sim_metric_name((sim_metric)i), e);
    }
    json_object_set_new(j, "metrics", metrics);
    return j;
}

static void print_json(const sim_scenario *s, size_t policy, const sim_tune_opts *o,
                       const tune_args *a, const sim_tune_result *r)
{
    json_t *root = json_object(), *cons = json_array(), *all = json_array();
    sim_report_version_json(root);
    json_object_set_new(root, "scenario", json_string(s->name));
    json_object_set_new(root, "policy", json_string(s->policies[policy].name));
    json_object_set_new(root, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(root, "replications", json_integer(o->replications));
    json_object_set_new(root, "minimize", json_string(a->minimize));
    for (size_t c = 0; c < o->n_constraints; c++)
        json_array_append_new(cons, json_string(o->constraints[c].text));
    json_object_set_new(root, "subject_to", cons);
    json_object_set_new(root, "tie_break", json_string(a->tie_break));
    json_object_set_new(root, "runs", json_integer((json_int_t)r->runs));
    json_object_set_new(root, "feasible", json_boolean(r->feasible));
    json_object_set_new(root, "confirmed", json_boolean(r->confirmed));
    char line[2048];
    verdict(o, r, line, sizeof line);
    json_object_set_new(root, "confirmation", json_string(line + strlen("confirmation: ")));
    json_object_set_new(root, "best", setting_json(o, &r->all[r->best]));
    if (r->runner_up < r->n)
        json_object_set_new(root, "runner_up", setting_json(o, &r->all[r->runner_up]));
    json_object_set_new(root, "confirm_seed", json_integer((json_int_t)r->confirm_seed));
    json_object_set_new(root, "confirm_best", setting_json(o, &r->confirm_best));
    if (r->runner_up < r->n)
        json_object_set_new(root, "confirm_runner_up", setting_json(o, &r->confirm_runner_up));
    for (size_t i = 0; i < r->n; i++) {
        json_t *e = json_object(), *knobs = json_object();
        for (size_t k = 0; k < o->n_knobs; k++) {
            char v[160];
            sim_tune_knob_text(&o->knobs[k], r->all[i].x[k], v, sizeof v);
            json_object_set_new(knobs, o->knobs[k].key, json_string(v));
        }
        json_object_set_new(e, "knobs", knobs);
        json_object_set_new(e, "objective", sim_json_num(r->all[i].objective));
        json_object_set_new(e, "violation", sim_json_num(r->all[i].violation));
        json_array_append_new(all, e);
    }
    json_object_set_new(root, "evaluated", all);
    json_dumpf(root, stdout, SIM_JSON_FLAGS);
    fputc('\n', stdout);
    json_decref(root);
}

int sim_cmd_tune(int argc, char **argv)
{
    tune_args a;
    int prc = tune_parse(argc, argv, &a);
    if (prc != 0)
        return prc < 0 ? SIM_EXIT_OK : prc;
    sim_error err = {0};
    sim_scenario s;
    if (sim_opt_load_scenario(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    int rc = SIM_EXIT_USAGE;
    sim_tune_knob knobs[SIM_TUNE_KNOBS_MAX];
    sim_constraint cons[SIM_TUNE_CONSTRAINTS_MAX];
    size_t nk = 0;
    sim_tune_opts o;
    memset(&o, 0, sizeof o);
    /* each setting's copy is re-made from the JSON text: overrides go there */
    if (sim_scenario_override(&s, a.reps, a.has_seed, a.seed, &err) != 0) {
        sim_error_print(&err);
        goto done;
    }
    for (; nk < a.n_knobs; nk++) {
        if (sim_tune_knob_parse(a.knobs[nk], &knobs[nk], &err) != 0) {
            sim_error_print(&err);
            goto done;
        }
        for (size_t k = 0; k < nk; k++)
            if (strcmp(knobs[k].key, knobs[nk].key) == 0) {
                fprintf(stderr, "dsim: tune: --knob %s given twice\n", knobs[nk].key);
                sim_tune_knob_free(&knobs[nk]);
                goto done;
            }
        sim_error kerr = {0};
        if (sim_tune_knob_resolve(&s, &knobs[nk], &kerr) != 0) {
            /* a value the loader refuses is the option's error, not the file's */
            char safe[300];
            sim_safe_text(a.knobs[nk], safe, sizeof safe);
            sim_tune_knob_free(&knobs[nk]);
            sim_error_add(&err, "tune: --knob '%s': %s", safe,
                          kerr.count ? kerr.msg[0] : "refused");
            sim_error_print(&err);
            fputs("try 'dsim tune --help'\n", stderr);
            goto done;
        }
    }
    if (s.n_policies == 0)
        goto done;
    /* The policy tuned: --policy, else the first knob's that names one, else the first. */
    int policy = -1;
    if (a.policy) {
        if ((policy = sim_report_find_policy(&s, a.policy)) < 0) {
            fprintf(stderr, "dsim: tune: --policy: no policy named '%s' in %s\n", a.policy,
                    a.scenario);
            goto done;
        }
    }
    for (size_t k = 0; k < nk && policy < 0; k++)
        policy = policy_of_key(&s, knobs[k].key);
    policy = policy < 0 ? 0 : policy;
    for (size_t k = 0; k < nk; k++) {
        int p = policy_of_key(&s, knobs[k].key);
        if (p >= 0 && p != policy) {
            fprintf(stderr,
                    "dsim: tune: --knob %s: a knob of policy '%s', but the policy tuned is "
                    "'%s' (tune one policy at a time; --policy NAME chooses it)\n",
                    knobs[k].key, s.policies[p].name, s.policies[policy].name);
            goto done;
        }
    }
    if (sim_expr_parse(a.minimize, &o.objective, &err) != 0) {
        fprintf(stderr, "dsim: tune: --minimize %s\n", err.msg[0]);
        goto done;
    }
    if (sim_expr_parse(a.tie_break, &o.tie_break, &err) != 0) {
        fprintf(stderr, "dsim: tune: --tie-break %s\n", err.msg[0]);
        goto done;
    }
    for (size_t c = 0; c < a.n_constraints; c++) {
        if (sim_constraint_parse(a.constraints[c], &cons[c], &err) != 0) {
            fprintf(stderr, "dsim: tune: --subject-to %s\n", err.msg[0]);
            goto done;
        }
    }
    sim_tune_world w = {&s, (size_t)policy, knobs, nk, a.max_events};
    o.knobs = knobs;
    o.n_knobs = nk;
    o.constraints = cons;
    o.n_constraints = a.n_constraints;
    o.replications = s.replications > 0 ? s.replications : 1;
    o.seed = s.seed;
    o.budget = a.budget ? (size_t)a.budget : 50 * (size_t)o.replications;
    o.jobs = a.jobs ? (int)a.jobs : sim_default_jobs();
    o.eval = sim_tune_world_evaluator(&w);
    sim_tune_result r;
    o.progress = sim_progress_start("tune", "runs", 0, a.quiet);
    int tuned = sim_tune_run(&o, &r, &err);
    sim_progress_end(o.progress);
    if (tuned != 0) {
        sim_error_print(&err);
        rc = sim_error_exit(&err);
        goto done;
    }
    if (strcmp(a.format, "json") == 0)
        print_json(&s, (size_t)policy, &o, &a, &r);
    else
        print_table(&s, (size_t)policy, &o, &a, &r);
    rc = r.feasible && (r.confirmed || !a.strict) ? SIM_EXIT_OK : SIM_EXIT_FAIL;
    sim_tune_result_free(&r);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "dsim: tune: cannot write standard output: %s\n", strerror(errno));
        rc = SIM_EXIT_USAGE;
    }
done:
    for (size_t k = 0; k < nk; k++)
        sim_tune_knob_free(&knobs[k]);
    sim_scenario_free(&s);
    return rc;
}
