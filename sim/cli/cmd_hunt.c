/*
 * cmd_hunt.c — `dsim hunt SCENARIO --policy NAME --invariant EXPR ... [--vary KEY=...]...`:
 * search worlds for a run that breaks an invariant, shrink it, keep it (hunt.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "hunt.h"
#include "invariants.h"
#include "outfile.h"
#include "run.h"

static const char hunt_usage[] =
    "usage: dsim hunt SCENARIO --policy NAME --invariant EXPR [--invariant EXPR]...\n"
    "                 [--vary KEY=LO:HI|KEY=V1,V2,...]... [--budget RUNS] [--jobs N]\n"
    "                 [--out FILE] [--seed N] [--max-events N]\n"
    "\n"
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
    "'dsim check FILE' fails until the policy is fixed; exit 1.\n"
    "\n"
    "  --jobs N        threads (default: all cores); results do not depend on it\n"
    "  --max-events N  events per run before it is an error (default: 10000 per\n"
    "                  utterance + 1e7)\n";

typedef struct hunt_args {
    const char *scenario, *policy, *out, *seed_text;
    const char *inv[SIM_HUNT_INVARIANTS_MAX];
    const char *vary[SIM_HUNT_VARY_MAX];
    size_t n_inv, n_vary;
    unsigned long long budget, jobs, seed, max_events;
    bool has_seed;
    sim_limits limits;
} hunt_args;

/* Returns 0, -1 after --help, or an exit code. */
static int hunt_parse(int argc, char **argv, hunt_args *a)
{
    memset(a, 0, sizeof *a);
    a->budget = SIM_HUNT_BUDGET_DEFAULT;
    sim_limits_default(&a->limits);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(hunt_usage, stdout);
            return -1;
        }
        if (arg[0] != '-' || !arg[1]) {
            if (a->scenario)
                return sim_usage_error("hunt: more than one scenario ('%s')", arg);
            a->scenario = arg;
            continue;
        }
        char name[64];
        const char *val = strchr(arg, '=');
        if (val && strncmp(arg, "--", 2) == 0 && (size_t)(val - arg) < sizeof name &&
            strncmp(arg, "--vary=", 7) != 0 && strncmp(arg, "--invariant=", 12) != 0) {
            snprintf(name, sizeof name, "%.*s", (int)(val - arg), arg);
            val++;
        } else if (strncmp(arg, "--vary=", 7) == 0) {
            snprintf(name, sizeof name, "--vary");
            val = arg + 7;
        } else if (strncmp(arg, "--invariant=", 12) == 0) {
            snprintf(name, sizeof name, "--invariant");
            val = arg + 12;
        } else {
            snprintf(name, sizeof name, "%.63s", arg);
            if (i + 1 >= argc)
                return sim_usage_error("hunt: %s needs a value", arg);
            val = argv[++i];
        }
        if (strcmp(name, "--invariant") == 0) {
            if (a->n_inv >= SIM_HUNT_INVARIANTS_MAX)
                return sim_usage_error("hunt: more than %d --invariant", SIM_HUNT_INVARIANTS_MAX);
            a->inv[a->n_inv++] = val;
        } else if (strcmp(name, "--vary") == 0) {
            if (a->n_vary >= SIM_HUNT_VARY_MAX)
                return sim_usage_error("hunt: more than %d --vary", SIM_HUNT_VARY_MAX);
            a->vary[a->n_vary++] = val;
        } else if (strcmp(name, "--policy") == 0) {
            a->policy = val;
        } else if (strcmp(name, "--out") == 0) {
            if (!val[0])
                return sim_usage_error("hunt: --out: expected a file name, got ''");
            a->out = val;
        } else if (strcmp(name, "--budget") == 0) {
            if (sim_parse_uint(val, 1, 100000000, &a->budget) != 0)
                return sim_usage_error(
                    "hunt: --budget: expected a number of runs 1..1e8, got '%.64s'", val);
        } else if (strcmp(name, "--jobs") == 0) {
            if (sim_parse_uint(val, 1, 1024, &a->jobs) != 0)
                return sim_usage_error("hunt: --jobs: expected an integer 1..1024, got '%.64s'",
                                       val);
        } else if (strcmp(name, "--seed") == 0) {
            if (sim_parse_uint(val, 0, INT64_MAX, &a->seed) != 0)
                return sim_usage_error("hunt: --seed: expected an integer 0..2^63-1, got '%.64s'",
                                       val);
            a->has_seed = true;
            a->seed_text = val;
        } else if (strcmp(name, "--max-events") == 0) {
            if (sim_parse_uint(val, 1, UINT64_MAX, &a->max_events) != 0)
                return sim_usage_error(
                    "hunt: --max-events: expected a positive integer, got '%.64s'", val);
        } else {
            int rc = sim_limits_flag(&a->limits, name, val);
            if (rc > 0)
                return sim_usage_error("hunt: unknown option '%s'", name);
            if (rc < 0)
                return SIM_EXIT_USAGE;
        }
    }
    if (!a->scenario)
        return sim_usage_error("hunt: missing SCENARIO");
    if (!a->policy)
        return sim_usage_error("hunt: missing --policy NAME (the policy whose promise is hunted)");
    if (a->n_inv == 0)
        return sim_usage_error("hunt: give at least one --invariant EXPR (e.g. 'duplicates == 0')");
    return 0;
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
 * but --jobs (results do not depend on it). */
static void command_text(int argc, char **argv, char *buf, size_t cap)
{
    snprintf(buf, cap, "dsim hunt");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--jobs=", 7) == 0)
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
    if (sim_scenario_load(a.scenario, &a.limits, &s, &err) != 0) {
        sim_error_print(&err);
        return SIM_EXIT_USAGE;
    }
    size_t policy = s.n_policies;
    for (size_t p = 0; p < s.n_policies; p++)
        if (strcmp(s.policies[p].name, a.policy) == 0)
            policy = p;
    if (policy == s.n_policies) {
        sim_error_add(&err, "%s: hunt: --policy '%.64s': no such policy (the file has %s%s)",
                      a.scenario, a.policy, s.policies[0].name, s.n_policies > 1 ? ", ..." : "");
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
        if (sim_tune_knob_parse(vary[n_knobs], &knobs[n_knobs], &kerr) != 0 ||
            sim_tune_knob_resolve(&s, &knobs[n_knobs], &kerr) != 0) {
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

    sim_hunt_opts o = {&s,
                       policy,
                       inv,
                       a.n_inv,
                       knobs,
                       n_knobs,
                       a.has_seed ? a.seed : s.seed,
                       (size_t)a.budget,
                       a.jobs ? (int)a.jobs : sim_default_jobs(),
                       isatty(STDERR_FILENO) != 0,
                       a.max_events};
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
    rc = sim_hunt_search(&o, &f, &err);
    if (rc != 0) {
        sim_error_print(&err);
        exit_code = sim_fail_exit(rc == SIM_FAIL_INVARIANT ? SIM_FAIL_INPUT : rc);
        goto out;
    }
    if (!f.found) {
        printf("nothing broken in %zu runs: violation rate <= %.3g per run (rule of three, "
               "95%% upper bound 3/%zu)\n",
               f.runs, 3.0 / (double)f.runs, f.runs);
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
    sim_hunt_shrink(&o, &f, stdout, &sh, &err);
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
