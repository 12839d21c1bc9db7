/*
 * cmd_hunt.c — `dsim hunt SCENARIO --policy NAME --invariant EXPR ... [--vary KEY=...]...`:
 * search worlds for a run that breaks an invariant, shrink it, keep it (hunt.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "hunt.h"
#include "invariants.h"
#include "opts.h"
#include "outfile.h"
#include "run.h"

enum { O_POLICY = 1, O_INVARIANT, O_VARY, O_BUDGET, O_JOBS, O_OUT, O_SEED, O_MAX_EVENTS, O_QUIET };

static const sim_opt hunt_opts[] = {
    {O_POLICY, "policy", 0, SIM_OPT_TEXT, "NAME", 0, 0, SIM_OPT_REQUIRED,
     "the policy whose promise is hunted",
     "missing --policy NAME (the policy whose promise is hunted)"},
    {O_INVARIANT, "invariant", 0, SIM_OPT_TEXT, "EXPR", 0, 0, SIM_OPT_REQUIRED | SIM_OPT_REPEAT,
     "a promise over a run's metrics ('duplicates == 0')",
     "give at least one --invariant EXPR (e.g. 'duplicates == 0')"},
    {O_VARY, "vary", 0, SIM_OPT_TEXT, "KEY=LO:HI|KEY=V1,V2", 0, 0, SIM_OPT_REPEAT,
     "a knob drawn for every run (default: the file's \"hunt\" block)", NULL},
    {O_BUDGET, "budget", 0, SIM_OPT_UINT, "RUNS", 1, 100000000, 0,
     "runs at most (default: 200)", "a number of runs 1..100000000, in digits"},
    SIM_OPT_JOBS(O_JOBS),
    {O_OUT, "out", 0, SIM_OPT_FILE, "FILE", 0, 0, 0,
     "where the shrunk world goes (default: hunt-POLICY.json)", NULL},
    {O_SEED, "seed", 0, SIM_OPT_UINT, "N", 0, INT64_MAX, 0,
     "the hunt's seed (default: the scenario's)", NULL},
    {O_MAX_EVENTS, "max-events", 0, SIM_OPT_UINT, "N", 1, UINT64_MAX, 0,
     "events per run before it is an error (default: 10000 per utterance + 1e7)", NULL},
    SIM_OPT_QUIET(O_QUIET),
    SIM_OPT_END,
};

const sim_cmd_spec sim_spec_hunt = {
    "hunt", "search worlds for a run that breaks an invariant; shrink and keep it", "SCENARIO",
    1, 1, SIM_OPT_FILE, true, true,
    "Searches worlds of SCENARIO for one run of policy NAME that breaks an invariant:\n"
    "an EXPR over the run's metrics ('duplicates == 0', 'lost_by_cause.no_node <= 0',\n"
    "'latency_s.p99 <= 30'; <=, >= or ==, one metric, tune's expression language),\n"
    "or a built-in trace invariant (checked on every run, whatever the policy).\n"
    "Each run draws a seed and a value of every --vary knob (a LO:HI range or a list;\n"
    "without --vary: the file's \"hunt\" block, if any) from a stream keyed by the\n"
    "hunt's seed (--seed, default the scenario's), so the same command finds the same\n"
    "world on any number of threads. It stops at the first run that breaks or after\n"
    "RUNS runs (default 200). Nothing broken: exit 0, with the rule-of-three bound on\n"
    "the violation rate. Broken: the world is shrunk (fewer sessions, utterances and\n"
    "nodes, faults off, constant distributions, knobs back toward the file's values;\n"
    "the seed kept), each accepted step printed, and written to FILE (default\n"
    "hunt-POLICY.json) as a scenario whose expect block asserts the invariant, so\n"
    "'dsim check FILE' fails until the policy is fixed; exit 1.\n",
    hunt_opts, sim_cmd_hunt};

typedef struct hunt_args {
    const char *scenario, *policy, *out, *seed_text;
    const char *inv[SIM_HUNT_INVARIANTS_MAX];
    const char *vary[SIM_HUNT_VARY_MAX];
    size_t n_inv, n_vary;
    unsigned long long budget, jobs, seed, max_events;
    bool has_seed, quiet;
    sim_limits limits;
} hunt_args;

/* Returns 0, -1 after --help, or an exit code. */
static int hunt_parse(int argc, char **argv, hunt_args *a)
{
    memset(a, 0, sizeof *a);
    a->budget = SIM_HUNT_BUDGET_DEFAULT;
    sim_limits_default(&a->limits);
    sim_optparse p;
    sim_error err;
    sim_opt_init(&p, &sim_spec_hunt, argc, argv, &a->limits, &err, true);
    for (int id; (id = sim_opt_next(&p)) != 0;) {
        const char *v = p.value;
        switch (id) {
        case SIM_OPT_OPERAND: a->scenario = v; break;
        case O_INVARIANT:
            if (a->n_inv >= SIM_HUNT_INVARIANTS_MAX) {
                sim_opt_fail(&p, "more than %d --invariant", SIM_HUNT_INVARIANTS_MAX);
            } else {
                /* checked here, so that a bad one is refused as option errors are */
                sim_hunt_invariant inv;
                sim_error ierr;
                memset(&ierr, 0, sizeof ierr);
                if (sim_hunt_invariant_parse(v, &inv, &ierr) != 0)
                    sim_opt_fail(&p, "%s", ierr.msg[0]);
                else
                    a->inv[a->n_inv++] = v;
            }
            break;
        case O_VARY:
            if (a->n_vary >= SIM_HUNT_VARY_MAX)
                sim_opt_fail(&p, "more than %d --vary", SIM_HUNT_VARY_MAX);
            else
                a->vary[a->n_vary++] = v;
            break;
        case O_POLICY: a->policy = v; break;
        case O_OUT: a->out = v; break;
        case O_BUDGET: a->budget = p.num; break;
        case O_JOBS: a->jobs = p.num; break;
        case O_SEED: a->seed = p.num; a->has_seed = true; a->seed_text = v; break;
        case O_MAX_EVENTS: a->max_events = p.num; break;
        case O_QUIET: a->quiet = true; break;
        default: break;
        }
    }
    return p.status;
}

/* Appends a shell word to buf, quoted when it needs to be. */
static void append_word(char *buf, size_t cap, const char *w)
{
    size_t n = strlen(buf);
    bool plain = w[0] != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./=:,+@%") == strlen(w);
    int k = snprintf(buf + n, cap > n ? cap - n : 0, plain ? " %s" : " '%s'", w);
    (void)k;
}

/* The command that found it, as a person would type it again: every argument
 * but --jobs and --quiet (results do not depend on them). */
static void command_text(int argc, char **argv, char *buf, size_t cap)
{
    snprintf(buf, cap, "dsim hunt");
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--jobs") == 0 || strcmp(argv[i], "-j") == 0) && i + 1 < argc) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--jobs=", 7) == 0 || (strncmp(argv[i], "-j", 2) == 0 && argv[i][2]))
            continue;
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            continue;
        append_word(buf, cap, argv[i]);
    }
}

int sim_cmd_hunt(int argc, char **argv)
{
    hunt_args a;
    int rc = hunt_parse(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? SIM_EXIT_OK : rc;

    sim_hunt_invariant inv[SIM_HUNT_INVARIANTS_MAX];
    sim_error err;
    memset(&err, 0, sizeof err);
    for (size_t i = 0; i < a.n_inv; i++)
        if (sim_hunt_invariant_parse(a.inv[i], &inv[i], &err) != 0) {
            sim_error_print(&err);
            return SIM_EXIT_USAGE;
        }
    sim_scenario s;
    if (sim_opt_load_scenario(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    size_t policy = s.n_policies;
    for (size_t p = 0; p < s.n_policies; p++)
        if (strcmp(s.policies[p].name, a.policy) == 0)
            policy = p;
    if (policy == s.n_policies) {
        char names[320] = "";
        size_t used = 0;
        for (size_t p = 0; p < s.n_policies && used < sizeof names; p++) {
            int n = snprintf(names + used, sizeof names - used, "%s%s", p ? ", " : "",
                             s.policies[p].name);
            used += n > 0 ? (size_t)n : 0;
        }
        if (used >= sizeof names)
            memcpy(names + sizeof names - 6, ", ...", 6);
        sim_error_add(&err, "%s: hunt: --policy '%.64s': no such policy (the file has %s)",
                      a.scenario, a.policy, names);
        sim_error_print(&err);
        sim_scenario_free(&s);
        return SIM_EXIT_USAGE;
    }
    /* the knobs: --vary, else the file's hunt block */
    const char *vary[SIM_HUNT_VARY_MAX];
    size_t n_vary = a.n_vary;
    memcpy(vary, a.vary, sizeof vary);
    if (n_vary == 0)
        for (size_t k = 0; k < s.n_hunt && n_vary < SIM_HUNT_VARY_MAX; k++)
            vary[n_vary++] = s.hunt[k];
    sim_tune_knob knobs[SIM_HUNT_VARY_MAX];
    memset(knobs, 0, sizeof knobs);
    int exit_code = SIM_EXIT_USAGE;
    size_t n_knobs = 0;
    for (; n_knobs < n_vary; n_knobs++) {
        sim_error kerr;
        memset(&kerr, 0, sizeof kerr);
        if (sim_tune_knob_parse(vary[n_knobs], &knobs[n_knobs], &kerr) != 0) {
            /* tune's parser names its own option: say ours */
            const char *m = kerr.msg[0];
            if (strncmp(m, "--knob ", 7) == 0)
                sim_error_add(&err, "hunt: --vary %s", m + 7);
            else
                sim_error_add(&err, "hunt: --vary '%.200s': %s", vary[n_knobs], m);
            sim_error_print(&err);
            goto out;
        }
        for (size_t j = 0; j < n_knobs; j++)
            if (strcmp(knobs[j].key, knobs[n_knobs].key) == 0) {
                sim_error_add(&err, "hunt: --vary %s given twice", knobs[j].key);
                sim_error_print(&err);
                n_knobs++;
                goto out;
            }
    }
    /* the boxes together: each is drawn beside the others */
    if (sim_hunt_vary_resolve(&s, knobs, vary, n_knobs, &err) != 0) {
        sim_error_print(&err);
        goto out;
    }

    sim_hunt_opts o = {&s,
                       policy,
                       inv,
                       a.n_inv,
                       knobs,
                       n_knobs,
                       a.has_seed ? a.seed : s.seed,
                       (size_t)a.budget,
                       a.jobs ? (int)a.jobs : sim_default_jobs(),
                       NULL,
                       a.max_events,
                       NULL /* sim_hunt_judge */};
    char out_path[4096];
    snprintf(out_path, sizeof out_path, "%s", a.out ? a.out : "");
    if (!a.out)
        snprintf(out_path, sizeof out_path, "hunt-%s.json", a.policy);
    /* the folder of FILE must take it, before any run */
    char dir[4096];
    sim_path_dir(out_path, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) != 0) {
        sim_error_add(&err, "%s: hunt: --out: cannot write into the folder '%s': %s", out_path, dir,
                      strerror(errno));
        sim_error_print(&err);
        goto out;
    }
    /* ... and FILE must be a file that is not the scenario (nor a folder) */
    struct stat st;
    if (stat(out_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        sim_error_add(&err, "%s: hunt: --out: it is a folder (expected the name of a scenario file)",
                      out_path);
        sim_error_print(&err);
        goto out;
    }
    if (strcmp(a.scenario, "-") != 0 && sim_path_same(out_path, a.scenario)) {
        sim_error_add(&err, "%s: hunt: --out is the scenario hunted: it would be overwritten",
                      out_path);
        sim_error_print(&err);
        goto out;
    }
    printf("hunt %s, policy %s, seed %llu: up to %zu runs, %zu knob%s varied\n", s.name,
           s.policies[policy].name, (unsigned long long)o.seed, o.budget, n_knobs,
           n_knobs == 1 ? "" : "s");
    for (size_t k = 0; k < n_knobs; k++)
        printf("  vary %s\n", vary[k]);
    printf("invariants:");
    for (size_t i = 0; i < a.n_inv; i++)
        printf("%s %s", i ? "," : "", inv[i].text);
    printf("; built-in:");
    for (size_t i = 0; sim_inv_names[i]; i++)
        printf(" %s", sim_inv_names[i]);
    printf("\n");
    fflush(stdout);

    sim_hunt_found f;
    o.progress = sim_progress_start("hunt", "runs", o.budget, a.quiet);
    rc = sim_hunt_search(&o, &f, &err);
    sim_progress_end(o.progress);
    o.progress = NULL;
    if (rc != 0) {
        sim_error_print(&err);
        exit_code = sim_fail_exit(rc == SIM_FAIL_INVARIANT ? SIM_FAIL_INPUT : rc);
        goto out;
    }
    char skipped[1400] = "";
    if (f.skipped > 0) {
        /* "run 3 (workload.gap_s.min=2.9, workload.gap_s.max=2.1): FILE: KEY: ..." */
        size_t w = 0;
        int n = snprintf(skipped, sizeof skipped, "run %zu (", f.skipped_trial.index + 1);
        w = n > 0 ? (size_t)n : 0;
        for (size_t k = 0; k < n_knobs && w < sizeof skipped; k++) {
            n = snprintf(skipped + w, sizeof skipped - w, "%s%s=%s", k ? ", " : "", knobs[k].key,
                         f.skipped_trial.value[k]);
            w += n > 0 ? (size_t)n : 0;
        }
        if (w < sizeof skipped)
            snprintf(skipped + w, sizeof skipped - w, "): %s", f.skipped_why);
    }
    if (!f.found && f.skipped == f.runs) {
        fprintf(stderr,
                "dsim: hunt: every one of the %zu runs drew values that make a world the "
                "loader refuses (the first: %s); the --vary boxes (or the file's hunt block) "
                "hold no valid world this hunt drew\n",
                f.runs, skipped);
        exit_code = SIM_EXIT_USAGE;
        sim_hunt_found_free(&f);
        goto out;
    }
    if (f.skipped > 0)
        printf("skipped %zu of %zu runs: their drawn values make a world the loader refuses, "
               "which is not judged (the first: %s)\n",
               f.skipped, f.runs, skipped);
    if (!f.found) {
        size_t judged = f.runs - f.skipped;
        /* 3/n bounds a probability: never above 1 (fewer than 3 runs judged), as
         * the run's rule-of-three bound (sim/world/stats.c) */
        printf("nothing broken in %zu runs: violation rate <= %.3g per run (rule of three, "
               "95%% upper bound 3/%zu%s)\n",
               judged, fmin(3.0 / (double)judged, 1.0), judged, judged < 3 ? ", at most 1" : "");
        exit_code = SIM_EXIT_OK;
        sim_hunt_found_free(&f);
        goto out;
    }
    printf("broken in run %zu of %zu: seed %llu", f.runs, o.budget,
           (unsigned long long)f.trial.seed);
    for (size_t k = 0; k < n_knobs; k++)
        printf(", %s=%s", knobs[k].key, f.trial.value[k]);
    printf("\n  %s\n", f.verdict.what);
    int s0 = f.world.workload.sessions, u0 = f.world.workload.utterances_per_session;
    printf("world: %d session%s x %d utterance%s, %zu node class%s\n", s0, s0 == 1 ? "" : "s", u0,
           u0 == 1 ? "" : "s", f.world.n_nodes, f.world.n_nodes == 1 ? "" : "es");
    fflush(stdout);
    sim_hunt_shrunk sh;
    /* the shrinking's runs: their number is not known before it ends */
    o.progress = sim_progress_start("hunt shrink", "runs", 0, a.quiet);
    rc = sim_hunt_shrink(&o, &f, stdout, &sh, &err);
    sim_progress_end(o.progress);
    o.progress = NULL;
    if (rc != 0) { /* a run failed inside dsim: nothing is kept */
        sim_error_print(&err);
        exit_code = sim_fail_exit(rc);
        sim_hunt_shrunk_free(&sh);
        sim_hunt_found_free(&f);
        goto out;
    }
    int nodes = 0;
    for (size_t c = 0; c < sh.world.n_nodes; c++)
        nodes += sh.world.nodes[c].count;
    int s1 = sh.world.workload.sessions, u1 = sh.world.workload.utterances_per_session;
    printf("shrunk in %zu runs, %zu steps: %d session%s x %d utterance%s (%lld of %lld), %d "
           "node%s\n  %s\n",
           sh.runs, sh.n_steps, s1, s1 == 1 ? "" : "s", u1, u1 == 1 ? "" : "s",
           (long long)s1 * u1, (long long)s0 * u0, nodes, nodes == 1 ? "" : "s", sh.verdict.what);
    char command[2048];
    command_text(argc, argv, command, sizeof command);
    if (sim_hunt_keep(&o, &f, &sh, command, out_path, &err) != 0) {
        sim_error_print(&err);
        exit_code = sim_error_exit(&err);
    } else {
        printf("wrote %s: 'dsim check %s' fails until the policy is fixed\n", out_path, out_path);
        exit_code = SIM_EXIT_FAIL;
    }
    sim_hunt_shrunk_free(&sh);
    sim_hunt_found_free(&f);
out:
    for (size_t k = 0; k < n_knobs; k++)
        sim_tune_knob_free(&knobs[k]);
    sim_scenario_free(&s);
    if (fflush(stdout) != 0 && exit_code != SIM_EXIT_USAGE) {
        fputs("dsim: hunt: cannot write to standard output\n", stderr);
        return SIM_EXIT_USAGE;
    }
    return exit_code;
}
