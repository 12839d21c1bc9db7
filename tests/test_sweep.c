/* test_sweep.c — sweeps with a synthetic evaluator: knobs, threads, shards, resume. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "outfile.h"
#include "report.h"
#include "sweep.h"

/* --- a world that is a formula -------------------------------------------------- */

typedef struct synth {
    long fail_at;          /* the point whose evaluation fails, or -1 */
    pthread_mutex_t mu;
    size_t calls;
    bool called[64];       /* by point */
} synth;

/* Point index from the choice (the test sweeps have two knobs). */
static size_t synth_index(const sim_sweep_param *params, const size_t *choice)
{
    return choice[0] * params[1].n + choice[1];
}

/* Two policies x three replications; every metric a smooth function of the knob
 * values, the policy, the replication and the metric. Odd points sleep a little
 * so that threads finish out of order. */
static int synth_eval(void *ctx, const sim_scenario *base, const sim_sweep_param *params,
                      size_t n_params, const size_t *choice, int rep_first, int rep_count,
                      sim_results *out, sim_error *err)
{
    synth *sy = ctx;
    assert_int_equal(n_params, 2);
    size_t i = synth_index(params, choice);
    pthread_mutex_lock(&sy->mu);
    sy->calls++;
    if (i < 64)
        sy->called[i] = true;
    pthread_mutex_unlock(&sy->mu);
    if ((long)i == sy->fail_at) {
        sim_error_add(err, "point %zu: the world broke", i);
        return -1;
    }
    if (i % 2) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    double x = strtod(params[0].values[choice[0]], NULL);
    double y = strtod(params[1].values[choice[1]], NULL);
    out->n_policies = base->n_policies;
    out->n_reps = rep_count > 0 ? (size_t)rep_count : 3;
    out->v = calloc(out->n_policies * out->n_reps * SIM_M_COUNT, sizeof(double));
    assert_non_null(out->v);
    for (size_t p = 0; p < out->n_policies; p++)
        for (size_t r = 0; r < out->n_reps; r++)
            for (size_t m = 0; m < SIM_M_COUNT; m++)
                sim_results_at(out, p, r)[m] =
                    x / 3.0 * (double)(m + 1) + y * (double)(p + 1) +
                    0.1 * (double)(r + (size_t)rep_first) * (double)(r + (size_t)rep_first);
    return 0;
}

typedef struct world {
    sim_scenario s;
    sim_policy pol[2];
    sim_sweep_param params[2];
    synth sy;
    char dir[64];
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->s.name = "synthetic";
    w->s.seed = 7;
    w->s.replications = 3;
    snprintf(w->pol[0].name, SIM_NAME_MAX, "base");
    snprintf(w->pol[1].name, SIM_NAME_MAX, "fenced");
    w->s.policies = w->pol;
    w->s.n_policies = 2;
    sim_error err = {0};
    assert_int_equal(sim_sweep_param_parse("policies.fenced.dispatch_timeout_s=5:20:5", &w->params[0], &err), 0);
    assert_int_equal(sim_sweep_param_parse("nodes[0].count=1,2", &w->params[1], &err), 0);
    w->sy.fail_at = -1;
    pthread_mutex_init(&w->sy.mu, NULL);
    snprintf(w->dir, sizeof w->dir, "/tmp/dsim-test-sweep-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(path);
        else
            remove(path);
    }
    closedir(d);
    rmdir(dir);
}

static void world_free(world *w)
{
    sim_sweep_param_free(&w->params[0]);
    sim_sweep_param_free(&w->params[1]);
    pthread_mutex_destroy(&w->sy.mu);
    rm_rf(w->dir);
}

static sim_sweep_opts opts_for(world *w, const char *sub, int jobs)
{
    static char out[8][128];
    static int k;
    char *o = out[k++ % 8];
    snprintf(o, 128, "%s/%s", w->dir, sub);
    sim_sweep_opts so;
    memset(&so, 0, sizeof so);
    so.params = w->params;
    so.n_params = 2;
    so.jobs = jobs;
    so.out_dir = o;
    so.scenario_hash = 1234;
    so.max_points = 1000;
    so.eval = synth_eval;
    so.eval_ctx = &w->sy;
    return so;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 22);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 22) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* sweep.json is put together from entries rendered on the threads as they finish:
 * it must be the very text jansson prints for the document it holds. */
static void json_is_janssons_own_text(const char *path)
{
    char *text = slurp(path);
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    if (!doc)
        fail_msg("%s:%d:%d: %s", path, je.line, je.column, je.text);
    char *again = json_dumps(doc, SIM_JSON_FLAGS);
    assert_non_null(again);
    size_t n = strlen(again);
    assert_int_equal(strlen(text), n + 1);
    assert_memory_equal(text, again, n);
    assert_int_equal(text[n], '\n');
    free(again);
    json_decref(doc);
    free(text);
}

static void run_ok(world *w, const sim_sweep_opts *o, sim_sweep_outcome *out)
{
    sim_error err = {0};
    int rc = sim_sweep_run(&w->s, o, out, &err);
    if (rc != 0)
        fail_msg("sweep failed: %s", err.msg[0]);
}

/* --- knobs ---------------------------------------------------------------------- */

static void param_lists_and_ranges_expand_in_order(void **state)
{
    (void)state;
    sim_sweep_param p;
    sim_error err = {0};
    assert_int_equal(sim_sweep_param_parse("policies.x.failover=same_job_id,new_job_id", &p, &err), 0);
    assert_string_equal(p.key, "policies.x.failover");
    assert_int_equal(p.n, 2);
    assert_string_equal(p.values[1], "new_job_id");
    sim_sweep_param_free(&p);
    /* 0.1 + 2 x 0.1 is 0.30000000000000004 in binary: printed as 0.3. */
    assert_int_equal(sim_sweep_param_parse("k=0.1:0.3:0.1,1,-2:-1:0.5", &p, &err), 0);
    const char *expect[] = {"0.1", "0.2", "0.3", "1", "-2", "-1.5", "-1"};
    assert_int_equal(p.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(p.values[i], expect[i]);
    sim_sweep_param_free(&p);
    /* A range whose step does not land on HI stops below it. */
    assert_int_equal(sim_sweep_param_parse("k=0:10:4", &p, &err), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.values[2], "8");
    sim_sweep_param_free(&p);
    assert_int_equal(err.count, 0);
}

static void param_errors_say_what_is_wrong(void **state)
{
    (void)state;
    const char *bad[] = {"nokey", "=1,2", "k=", "k=1,,2", "k=1:2", "k=2:1:1", "k=0:1:0",
                         "k=a:b:c", "k=0:1e9:1"};
    const char *words[] = {"KEY=", "KEY=", "empty", "empty", "LO:HI:STEP", "LO <= HI",
                           "STEP > 0", "LO:HI:STEP", "more than"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_sweep_param p;
        sim_error err = {0};
        assert_int_equal(sim_sweep_param_parse(bad[i], &p, &err), -1);
        assert_int_equal(err.count, 1);
        if (!strstr(err.msg[0], words[i]))
            fail_msg("'%s' gave '%s', expected it to mention '%s'", bad[i], err.msg[0], words[i]);
        assert_null(p.values);
    }
}

static void points_number_the_cross_product_first_knob_slowest(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    bool over;
    assert_int_equal(sim_sweep_points(w.params, 2, 1000, &over), 8);
    assert_false(over);
    size_t choice[2];
    sim_sweep_point_choice(w.params, 2, 5, choice);
    assert_int_equal(choice[0], 2); /* 15 */
    assert_int_equal(choice[1], 1); /* 2 */
    assert_int_equal(sim_sweep_points(w.params, 2, 7, &over), 0);
    assert_true(over);
    world_free(&w);
}

/* --- runs ----------------------------------------------------------------------- */

/* More points than --max-sweep-points: refused before any run, saying how to
 * raise the limit (sim_limits_hint: below its ceiling). */
static void more_points_than_the_limit_say_the_flag(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o = opts_for(&w, "over", 1);
    sim_sweep_outcome out;
    sim_error err = {0};
    o.max_points = 7; /* the cross product has 8 */
    assert_int_equal(sim_sweep_run(&w.s, &o, &out, &err), -1);
    assert_non_null(strstr(err.msg[0], "more than 7 points (raise it with --max-sweep-points)"));
    world_free(&w);
}

static void csv_has_a_row_per_point_and_policy(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o = opts_for(&w, "out", 2);
    sim_sweep_outcome out;
    run_ok(&w, &o, &out);
    assert_int_equal(out.points, 8);
    char *csv = slurp(out.csv);
    const char *head = "point,policies.fenced.dispatch_timeout_s,nodes[0].count,policy,replications,utterances,";
    assert_int_equal(strncmp(csv, head, strlen(head)), 0);
    size_t lines = 0;
    for (const char *l = csv; (l = strchr(l, '\n')) != NULL; l++)
        lines++;
    assert_int_equal(lines, 1 + 8 * 2);
    /* point 5 = (15, 2); fenced's utterances (m = 0): 15/3 + 2 x 2 + (0 + .1 + .4)/3. */
    char row[128];
    snprintf(row, sizeof row, "\n5,15,2,fenced,3,%.10g,", 5.0 + 4.0 + 0.5 / 3.0);
    assert_non_null(strstr(csv, row));
    char *json = slurp(out.json);
    assert_non_null(strstr(json, "\"policies.fenced.dispatch_timeout_s\": 15,"));
    free(csv);
    free(json);
    world_free(&w);
}

/* The sweep fails at point 5 (w->sy.fail_at), says so, and writes no CSV. */
static void run_fails_at_5(world *w, const sim_sweep_opts *o, sim_sweep_outcome *out)
{
    sim_error err = {0};
    assert_int_equal(sim_sweep_run(&w->s, o, out, &err), -1);
    assert_non_null(strstr(err.msg[0], "point 5: the world broke"));
    struct stat st;
    assert_int_not_equal(stat(out->csv, &st), 0);
}

/* Files a and b hold the same text. */
static void same_file(const char *a, const char *b)
{
    char *x = slurp(a), *y = slurp(b);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

static void jobs_1_and_2_write_identical_files(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o1 = opts_for(&w, "j1", 1), o2 = opts_for(&w, "j2", 2);
    sim_sweep_outcome a, b;
    run_ok(&w, &o1, &a);
    run_ok(&w, &o2, &b);
    same_file(a.csv, b.csv);
    same_file(a.json, b.json);
    json_is_janssons_own_text(b.json);
    world_free(&w);
}

/* split_replications: the 8 points' replications run in ranges on the threads
 * (more evaluations than points), and every file is the same bytes as a whole-point
 * sweep on one thread; a failing point still fails the sweep, naming it. */
static void replications_split_over_threads_write_identical_files(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o1 = opts_for(&w, "whole", 1), o2 = opts_for(&w, "split", 2);
    o2.split_replications = true;
    sim_sweep_outcome a, b;
    run_ok(&w, &o1, &a);
    assert_int_equal(w.sy.calls, 8);
    w.sy.calls = 0;
    run_ok(&w, &o2, &b);
    assert_int_equal(w.sy.calls, 24); /* 3 replications x 8 points, one a call */
    same_file(a.csv, b.csv);
    same_file(a.json, b.json);
    for (int i = 0; i < 8; i++) {
        char pa[256], pb[256];
        snprintf(pa, sizeof pa, "%s/points/p%d.json", o1.out_dir, i);
        snprintf(pb, sizeof pb, "%s/points/p%d.json", o2.out_dir, i);
        same_file(pa, pb);
    }
    sim_sweep_opts o3 = opts_for(&w, "split-fail", 2);
    o3.split_replications = true;
    w.sy.fail_at = 5;
    sim_sweep_outcome c;
    run_fails_at_5(&w, &o3, &c);
    world_free(&w);
}

static void shards_merged_equal_the_unsharded_csv(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts all = opts_for(&w, "all", 2);
    sim_sweep_outcome whole, s1, s2;
    run_ok(&w, &all, &whole);
    /* Both shards share one folder, as on a cluster's shared disk. */
    sim_sweep_opts o1 = opts_for(&w, "shared", 1), o2 = opts_for(&w, "shared", 2);
    o1.shard = 1;
    o1.n_shards = 2;
    o2.shard = 2;
    o2.n_shards = 2;
    run_ok(&w, &o2, &s2);
    run_ok(&w, &o1, &s1);
    assert_int_equal(s1.mine + s2.mine, 8);
    assert_non_null(strstr(s1.csv, "sweep-1-of-2.csv"));
    char merged[256];
    snprintf(merged, sizeof merged, "%s/merged.csv", w.dir);
    const char *inputs[] = {s2.csv, s1.csv};
    sim_error err = {0};
    assert_int_equal(sim_sweep_merge(inputs, 2, merged, &err), 0);
    char *a = slurp(whole.csv), *b = slurp(merged), *p1 = slurp(s1.csv);
    assert_string_equal(a, b);
    assert_string_not_equal(a, p1);
    free(a);
    free(b);
    free(p1);
    world_free(&w);
}

static void interrupted_sweep_resumes_without_redoing_points(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts ref = opts_for(&w, "ref", 2);
    sim_sweep_outcome whole;
    run_ok(&w, &ref, &whole);

    /* One thread, point 5 fails: points 0-4 are on disk, nothing else is. */
    sim_sweep_opts o = opts_for(&w, "cut", 1);
    w.sy.fail_at = 5;
    sim_sweep_outcome out;
    run_fails_at_5(&w, &o, &out);
    struct stat st;
    char p[256];
    snprintf(p, sizeof p, "%s/points/p4.json", o.out_dir);
    assert_int_equal(stat(p, &st), 0);

    w.sy.fail_at = -1;
    memset(&w.sy.called, 0, sizeof w.sy.called);
    w.sy.calls = 0;
    o.resume = true;
    o.jobs = 2;
    run_ok(&w, &o, &out);
    assert_int_equal(out.reused, 5);
    assert_int_equal(w.sy.calls, 3);
    for (size_t i = 0; i < 5; i++)
        assert_false(w.sy.called[i]);
    char *a = slurp(whole.csv), *b = slurp(out.csv), *ja = slurp(whole.json), *jb = slurp(out.json);
    assert_string_equal(a, b);
    assert_string_equal(ja, jb);
    free(a);
    free(b);
    free(ja);
    free(jb);
    world_free(&w);
}

static void resume_recomputes_points_of_another_sweep(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o = opts_for(&w, "out", 2);
    sim_sweep_outcome out;
    run_ok(&w, &o, &out);
    w.sy.calls = 0;
    o.resume = true;
    run_ok(&w, &o, &out);
    assert_int_equal(w.sy.calls, 0);
    assert_int_equal(out.reused, 8);
    o.scenario_hash = 99; /* the scenario file changed */
    run_ok(&w, &o, &out);
    assert_int_equal(w.sy.calls, 8);
    assert_int_equal(out.reused, 0);
    world_free(&w);
}

/* Writes text into path (replacing it). */
static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* --resume refuses (exit 2's -1, the file named, nothing run) a point file of this
 * sweep that was cut or whose values no run gives, and reuses the untouched ones. */
static void resume_refuses_cut_or_impossible_point_files(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts o = opts_for(&w, "out", 1);
    sim_sweep_outcome out;
    run_ok(&w, &o, &out);
    char p2[256];
    snprintf(p2, sizeof p2, "%s/points/p2.json", o.out_dir);
    char *good = slurp(p2);
    /* the first value (policy 0, replication 0, utterances) as written: 1*1/3*1 + 2*1 */
    const char *v0 = strstr(good, "\"values\":[");
    assert_non_null(v0);
    v0 += strlen("\"values\":[");
    size_t n0 = strcspn(v0, ",");
    struct {
        const char *put, *want;
    } bad[] = {{"-15", "utterances): expected a count"},
               {"null", "utterances): expected a count"},
               {"1e308", "expected a count"},
               {"\"x\"", "expected a number or null"}};
    o.resume = true;
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        char *t = calloc(1, strlen(good) + 64);
        assert_non_null(t);
        memcpy(t, good, (size_t)(v0 - good));
        strcat(t, bad[b].put);
        strcat(t, v0 + n0);
        put_file(p2, t);
        free(t);
        sim_error err = {0};
        w.sy.calls = 0;
        assert_int_equal(sim_sweep_run(&w.s, &o, &out, &err), -1);
        if (!strstr(err.msg[0], "p2.json: a point file of this sweep with impossible contents") ||
            !strstr(err.msg[0], bad[b].want))
            fail_msg("'%s': %s", bad[b].put, err.msg[0]);
        assert_int_equal(w.sy.calls, 0);
    }
    char cut[64];
    snprintf(cut, sizeof cut, "%.40s", good);
    put_file(p2, cut);
    sim_error err = {0};
    assert_int_equal(sim_sweep_run(&w.s, &o, &out, &err), -1);
    assert_non_null(strstr(err.msg[0], "p2.json:1:40: not a point file of dsim"));
    put_file(p2, "");
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_sweep_run(&w.s, &o, &out, &err), -1);
    assert_non_null(strstr(err.msg[0], "not a point file of dsim"));
    put_file(p2, good);
    run_ok(&w, &o, &out);
    assert_int_equal(out.reused, 8);
    free(good);
    world_free(&w);
}

/* Runs shard i/n of w's sweep into DIR/sub and returns its CSV path (static buffer). */
static const char *shard_csv(world *w, const char *sub, int i, int n, uint64_t hash)
{
    static char paths[8][4096];
    static int k;
    sim_sweep_opts o = opts_for(w, sub, 1);
    o.shard = i;
    o.n_shards = n;
    o.scenario_hash = hash;
    sim_sweep_outcome out;
    run_ok(w, &o, &out);
    char *p = paths[k++ % 8];
    snprintf(p, 4096, "%s", out.csv);
    return p;
}

/* merge(inputs) fails with a first message containing want, and writes nothing. */
static void merge_fails(const char *const *inputs, size_t n, const char *out, const char *want)
{
    sim_error err = {0};
    assert_int_equal(sim_sweep_merge(inputs, n, out, &err), -1);
    if (!strstr(err.msg[0], want))
        fail_msg("merge gave '%s', expected it to mention '%s'", err.msg[0], want);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
}

/* Copies the JSON beside CSV `from` (its name with .json) beside CSV `to`. */
static void copy_json(const char *from, const char *to)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%.*s.json", (int)(strlen(from) - 4), from);
    snprintf(b, sizeof b, "%.*s.json", (int)(strlen(to) - 4), to);
    char *t = slurp(a);
    FILE *f = fopen(b, "wb");
    assert_non_null(f);
    fputs(t, f);
    fclose(f);
    free(t);
}

/* A copy of the text of `from` into `to` with the first occurrence of `cut` removed
 * (or replaced by `put`), and its JSON beside it. */
static void edited_copy(const char *from, const char *to, const char *cut, const char *put)
{
    copy_json(from, to);
    char *t = slurp(from), *at = strstr(t, cut);
    assert_non_null(at);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    fwrite(t, 1, (size_t)(at - t), f);
    fputs(put, f);
    fputs(at + strlen(cut), f);
    fclose(f);
    free(t);
}

static void merge_refuses_shards_that_do_not_belong_together(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    const char *a1 = shard_csv(&w, "a", 1, 2, 1234), *a2 = shard_csv(&w, "a", 2, 2, 1234);
    const char *other = shard_csv(&w, "other", 2, 2, 99); /* another scenario text */
    w.s.seed = 8;
    const char *seed8 = shard_csv(&w, "seed8", 2, 2, 1234);
    w.s.seed = 7;
    const char *q1 = shard_csv(&w, "q", 1, 4, 1234), *q2 = shard_csv(&w, "q", 2, 4, 1234),
               *q4 = shard_csv(&w, "q", 4, 4, 1234);
    sim_sweep_opts all = opts_for(&w, "all", 1);
    sim_sweep_outcome whole;
    run_ok(&w, &all, &whole);
    char m[256], cut[256], moved[256];
    snprintf(m, sizeof m, "%s/m.csv", w.dir);
    snprintf(cut, sizeof cut, "%s/cut.csv", w.dir);
    snprintf(moved, sizeof moved, "%s/moved.csv", w.dir);

    /* The shard line is the CSV's last line and names the sweep. */
    char *t = slurp(a2);
    assert_non_null(strstr(t, "\n# dsim sweep shard 2/2 points=8 policies=2 seed=7 replications=3 "
                              "fingerprint="));
    free(t);
    const char *ok[] = {a2, a1};
    sim_error err = {0};
    assert_int_equal(sim_sweep_merge(ok, 2, m, &err), 0);
    char *merged = slurp(m), *ref = slurp(whole.csv);
    assert_string_equal(merged, ref);
    free(merged);
    free(ref);
    remove(m);

    const char *missing[] = {a1};
    merge_fails(missing, 1, m, "shard 2 of 2 missing");
    const char *three_of_four[] = {q1, q4, q2};
    merge_fails(three_of_four, 3, m, "shard 3 of 4 missing");
    const char *foreign[] = {a1, other};
    merge_fails(foreign, 2, m, "fingerprint");
    const char *seed[] = {a1, seed8};
    merge_fails(seed, 2, m, "seed 8 here, 7 there");
    const char *count[] = {a1, q2};
    merge_fails(count, 2, m, "shard count 4 here, 2 there");
    const char *twice[] = {a1, a2, a1};
    merge_fails(twice, 3, m, "are both shard 1 of 2");
    const char *unsharded[] = {whole.csv, a1};
    merge_fails(unsharded, 2, m, "no shard line");
    /* Hand-edited shards: a row dropped, a row moved into the wrong shard, a header. */
    edited_copy(a2, cut, "\n1,5,2,base,", "\n1,5,2,nobody,");
    edited_copy(cut, moved, "\n1,5,2,nobody,", "\n2,5,2,base,");
    const char *moved_in[] = {a1, moved};
    merge_fails(moved_in, 2, m, "point 2 does not belong to shard 2 of 2");
    char *text = slurp(a2), *row = strstr(text, "\n1,5,2,base,"), *eol = strchr(row + 1, '\n');
    FILE *f = fopen(cut, "wb");
    fwrite(text, 1, (size_t)(row - text), f);
    fputs(eol, f);
    fclose(f);
    free(text);
    const char *short_in[] = {a1, cut};
    merge_fails(short_in, 2, m, "point 1 has 1 rows, expected 2");
    edited_copy(a2, cut, "point,policies.fenced.dispatch_timeout_s,", "point,k,");
    const char *header[] = {a1, cut};
    merge_fails(header, 2, m, "header differs");
    world_free(&w);
}

/* 8 points on 12 shards: each point cut into 2 replication ranges (16 units), so
 * every shard works; merged CSV and JSON are the unsharded bytes; a range left
 * out is named and nothing is written; --resume reuses a shard's ranges. */
static void fewer_points_than_shards_split_replications(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    sim_sweep_opts all = opts_for(&w, "all", 2);
    sim_sweep_outcome whole, sh[12];
    run_ok(&w, &all, &whole);
    const char *inputs[12];
    size_t units = 0;
    for (int i = 0; i < 12; i++) {
        sim_sweep_opts o = opts_for(&w, "split", 1 + i % 2);
        o.shard = i + 1;
        o.n_shards = 12;
        run_ok(&w, &o, &sh[i]);
        assert_int_equal(sh[i].slices, 2);
        assert_true(sh[i].mine >= 1);
        units += sh[i].mine;
        inputs[i] = sh[i].csv;
        char *t = slurp(sh[i].csv);
        assert_non_null(strstr(t, "\n#part,"));
        free(t);
        json_is_janssons_own_text(sh[i].json); /* its "parts" */
    }
    assert_int_equal(units, 16);
    char mcsv[256], mjson[256];
    snprintf(mcsv, sizeof mcsv, "%s/m.csv", w.dir);
    snprintf(mjson, sizeof mjson, "%s/m.json", w.dir);
    sim_error err = {0};
    assert_int_equal(sim_sweep_merge_json(inputs, 12, mcsv, mjson, &err), 0);
    char *a = slurp(whole.csv), *b = slurp(mcsv), *ja = slurp(whole.json), *jb = slurp(mjson);
    assert_string_equal(a, b);
    assert_string_equal(ja, jb);
    free(a);
    free(b);
    free(ja);
    free(jb);

    /* Drop shard 5's ranges but keep its shard line: a gap merge must name. */
    char *t = slurp(sh[4].csv);
    char *first = strstr(t, "\n#part,"), *shard_line = strstr(t, "\n# dsim sweep shard");
    assert_non_null(first);
    assert_non_null(shard_line);
    FILE *f = fopen(sh[4].csv, "wb");
    assert_non_null(f);
    fwrite(t, 1, (size_t)(first - t) + 1, f);
    fputs(shard_line + 1, f);
    fclose(f);
    free(t);
    remove(mcsv);
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_sweep_merge_json(inputs, 12, mcsv, mjson, &err), -1);
    assert_non_null(strstr(err.msg[0], "missing"));
    assert_int_equal(access(mcsv, F_OK), -1);

    /* --resume: shard 3 reuses every range it finished. */
    sim_sweep_opts o = opts_for(&w, "split", 1);
    o.shard = 3;
    o.n_shards = 12;
    o.resume = true;
    sim_sweep_outcome again;
    run_ok(&w, &o, &again);
    assert_int_equal(again.reused, again.mine);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(param_lists_and_ranges_expand_in_order),
        cmocka_unit_test(param_errors_say_what_is_wrong),
        cmocka_unit_test(points_number_the_cross_product_first_knob_slowest),
        cmocka_unit_test(more_points_than_the_limit_say_the_flag),
        cmocka_unit_test(csv_has_a_row_per_point_and_policy),
        cmocka_unit_test(jobs_1_and_2_write_identical_files),
        cmocka_unit_test(replications_split_over_threads_write_identical_files),
        cmocka_unit_test(shards_merged_equal_the_unsharded_csv),
        cmocka_unit_test(fewer_points_than_shards_split_replications),
        cmocka_unit_test(interrupted_sweep_resumes_without_redoing_points),
        cmocka_unit_test(resume_recomputes_points_of_another_sweep),
        cmocka_unit_test(resume_refuses_cut_or_impossible_point_files),
        cmocka_unit_test(merge_refuses_shards_that_do_not_belong_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
