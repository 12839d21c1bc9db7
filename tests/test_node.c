/*
 * test_node.c — the node model against scripted sequences of calls.
 *
 * Every test drives one node with explicit times and records its outputs; unless
 * a test says otherwise, stages are const 1 s each (a job takes 3 s), one worker.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "node.h"

#define S INT64_C(1000000000) /* one second in ns */
#define REC_MAX 512

typedef struct rec {
    int n;
    int64_t at[REC_MAX];
    node_out out[REC_MAX];
} rec;

static void rec_sink(void *ctx, int64_t at, const node_out *o)
{
    rec *r = ctx;
    assert_true(r->n < REC_MAX);
    r->at[r->n] = at;
    r->out[r->n] = *o;
    r->n++;
}

/* The i-th recorded output of `kind` (0-based), or NULL. */
static const node_out *rec_find(const rec *r, node_out_kind kind, int i, int64_t *at)
{
    for (int k = 0; k < r->n; k++) {
        if (r->out[k].kind == kind && i-- == 0) {
            if (at)
                *at = r->at[k];
            return &r->out[k];
        }
    }
    return NULL;
}

static int rec_count(const rec *r, node_out_kind kind)
{
    int c = 0;
    for (int k = 0; k < r->n; k++)
        c += r->out[k].kind == kind;
    return c;
}

/* Outputs about attempt (job_id, attempt) of `kind`. */
static const node_out *rec_job(const rec *r, node_out_kind kind, uint64_t job_id,
                               uint32_t attempt, int64_t *at)
{
    for (int k = 0; k < r->n; k++) {
        const node_out *o = &r->out[k];
        if (o->kind == kind && o->job_id == job_id && o->attempt == attempt) {
            if (at)
                *at = r->at[k];
            return o;
        }
    }
    return NULL;
}

typedef struct fx {
    node_config cfg;
    rec rec;
    gsl_rng *r;       /* per-attempt stream (reseeded per assign) */
    gsl_rng *faults;  /* the node's fault stream */
    node *n;
} fx;

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    node_config_init(&f->cfg);
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(1.0);
    f->r = gsl_rng_alloc(gsl_rng_mt19937);
    f->faults = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(f->faults, 77);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    node_free(f->n);
    node_config_free(&f->cfg);
    gsl_rng_free(f->r);
    gsl_rng_free(f->faults);
    free(f);
    return 0;
}

/* Creates and starts the node at t = 0 from f->cfg; clears the record (UP). */
static void fx_start(fx *f)
{
    f->n = node_new(&f->cfg, 3, 0, f->faults, rec_sink, &f->rec);
    assert_non_null(f->n);
    node_start(f->n, 0);
    assert_int_equal(f->rec.n, 1);
    assert_int_equal(f->rec.out[0].kind, NODE_OUT_UP);
    assert_int_equal(f->rec.out[0].slots, f->cfg.slots);
    f->rec.n = 0;
}

/* Assigns (job_id, attempt) of stable job `job`, audio 0; the attempt's stream is
 * seeded by (job, attempt) as a driver would key it. */
static void fx_assign(fx *f, int64_t now, uint64_t job_id, uint64_t job, uint32_t attempt)
{
    node_job j = {.job_id = job_id, .job = job, .attempt = attempt, .session = 1,
                  .index = (uint32_t)job, .audio = 0};
    gsl_rng_set(f->r, (unsigned long)(job * 1000 + attempt));
    node_assign(f->n, now, &j, f->r);
}

/* Advances to each deadline up to `until`, as a driver would. */
static void fx_run(fx *f, int64_t until)
{
    for (int guard = 0; guard < 10000; guard++) {
        int64_t t = node_next_deadline(f->n);
        if (t > until)
            break;
        node_advance(f->n, t);
    }
    node_advance(f->n, until);
}

static void expect_result(const fx *f, uint64_t job_id, uint32_t attempt, bool ok, int64_t at,
                          int64_t busy)
{
    int64_t when = -1;
    const node_out *o = rec_job(&f->rec, NODE_OUT_RESULT, job_id, attempt, &when);
    if (!o)
        fail_msg("no result for job_id %llu attempt %u", (unsigned long long)job_id, attempt);
    assert_int_equal(o->success, ok);
    assert_int_equal(when, at);
    assert_int_equal(o->busy_ns, busy);
    assert_int_equal(o->node, 3);
}

static void expect_end(const fx *f, uint64_t job_id, uint32_t attempt, node_end end,
                       int64_t busy)
{
    const node_out *o = rec_job(&f->rec, NODE_OUT_END, job_id, attempt, NULL);
    if (!o)
        fail_msg("no end for job_id %llu attempt %u", (unsigned long long)job_id, attempt);
    assert_int_equal(o->end, end);
    assert_int_equal(o->busy_ns, busy);
}

/* ---- workers and stages ------------------------------------------------- */

static void one_worker_queues_the_second_job(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    assert_int_equal(node_in_flight(f->n), 2);
    assert_true(node_next_deadline(f->n) == 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 6 * S, 3 * S);
    expect_end(f, 11, 1, NODE_END_DONE, 3 * S);
    assert_int_equal(node_in_flight(f->n), 0);
}

static void two_workers_run_two_jobs_at_once(void **state)
{
    fx *f = *state;
    f->cfg.workers = 2;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    fx_assign(f, 0, 12, 3, 1);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 3 * S, 3 * S);
    expect_result(f, 12, 1, true, 6 * S, 3 * S);
}

static void stage_time_grows_with_audio_by_per_audio_s(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR].per_audio_s = 0.5;
    fx_start(f);
    node_job j = {.job_id = 10, .job = 1, .attempt = 1, .audio = 4 * S};
    node_assign(f->n, 0, &j, f->r);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 5 * S, 5 * S); /* ASR 1 + 0.5 x 4, NMT 1, TTS 1 */
}

static void outputs_carry_the_time_they_happened_at(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_advance(f->n, 2 * S); /* before the end: nothing yet */
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 0);
    node_advance(f->n, 8 * S); /* late call: the result still says 3 s */
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

static void progress_reports_each_stage_before_the_result(void **state)
{
    fx *f = *state;
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 5 * S);
    for (int s = 0; s < STAGE_COUNT; s++) {
        int64_t at;
        const node_out *o = rec_find(&f->rec, NODE_OUT_PROGRESS, s, &at);
        assert_non_null(o);
        assert_int_equal(o->stage, s);
        assert_true(at == (s + 1) * S);
    }
    assert_int_equal(f->rec.out[2].kind, NODE_OUT_PROGRESS);
    assert_int_equal(f->rec.out[3].kind, NODE_OUT_RESULT);
}

static void zero_length_job_finishes_within_the_assign_call(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.0);
    fx_start(f);
    fx_assign(f, 2 * S, 10, 1, 1);
    expect_result(f, 10, 1, true, 2 * S, 0);
    assert_true(node_next_deadline(f->n) > 2 * S);
}

/* ---- cancel ------------------------------------------------------------- */

static void ignore_keeps_computing_and_sends_the_result(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 1 * S, 10, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
}

static void abort_by_job_id_aborts_a_newer_attempt_of_the_same_job(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);     /* runs */
    fx_assign(f, S / 2, 10, 1, 2); /* the failover came back here: queued */
    node_cancel(f->n, 1 * S, 10, 0); /* meant for attempt 1 */
    expect_result(f, 10, 2, false, 1 * S, 0);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_end(f, 10, 2, NODE_END_ABORTED, 0);
    expect_end(f, 10, 1, NODE_END_ABORTED, 1 * S);
    assert_int_equal(node_in_flight(f->n), 0);
    fx_run(f, 10 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
}

static void abort_attempt_aborts_only_the_named_attempt(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2);
    node_cancel(f->n, 1 * S, 10, 1);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 4 * S, 3 * S); /* took the worker at 1 s */
}

static void abort_attempt_without_attempt_aborts_by_job_id(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 1 * S, 10, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_result(f, 10, 2, false, 1 * S, 0);
    expect_result(f, 11, 1, true, 4 * S, 3 * S);
}

static void cancel_of_an_unknown_job_changes_nothing(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 1 * S, 99, 0);
    assert_int_equal(f->rec.n, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

static void abort_mid_stage_frees_the_worker_at_once(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 3 * S / 2, 10, 0);
    expect_result(f, 10, 1, false, 3 * S / 2, 3 * S / 2);
    fx_run(f, 10 * S);
    expect_result(f, 11, 1, true, 3 * S / 2 + 3 * S, 3 * S);
}

static void without_cancel_between_stages_abort_waits_for_the_stage_boundary(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 3 * S / 2, 10, 0); /* during NMT (1 s .. 2 s) */
    assert_null(rec_job(&f->rec, NODE_OUT_RESULT, 10, 1, NULL));
    assert_int_equal(node_in_flight(f->n), 2); /* still running */
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, false, 2 * S, 2 * S);
    expect_end(f, 10, 1, NODE_END_ABORTED, 2 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_PROGRESS) - 3, 1); /* ASR only for 10 */
    expect_result(f, 11, 1, true, 5 * S, 3 * S);
}

static void without_cancel_between_stages_a_queued_attempt_is_dropped_at_once(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 1 * S, 11, 0);
    expect_result(f, 11, 1, false, 1 * S, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

/* ---- attempt checks ----------------------------------------------------- */

static void supersede_newer_attempt_aborts_the_older(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 1 * S, 20, 1, 2); /* a new wire job_id, same job */
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_end(f, 10, 1, NODE_END_SUPERSEDED, 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 20, 2, true, 4 * S, 3 * S);
}

static void supersede_rejects_an_older_attempt_that_arrives_late(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 1 * S, 10, 1, 1);
    expect_result(f, 10, 1, false, 1 * S, 0);
    expect_end(f, 10, 1, NODE_END_SUPERSEDED, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
}

static void drop_stale_ignores_an_older_attempt_even_after_the_newer_finished(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_DROP_STALE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 1 * S, 10, 1, 1);
    expect_end(f, 10, 1, NODE_END_STALE, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
    fx_assign(f, 20 * S, 10, 1, 1); /* again, after attempt 2 is done */
    fx_run(f, 30 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_END), 3);
    fx_assign(f, 31 * S, 10, 1, 3); /* a newer attempt is taken */
    fx_run(f, 40 * S);
    expect_result(f, 10, 3, true, 34 * S, 3 * S);
}

static void attempt_check_none_runs_every_attempt(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
    expect_result(f, 10, 1, true, 6 * S, 3 * S);
}

static void skip_repeat_job_id_drops_a_failover_back_to_the_same_node(void **state)
{
    fx *f = *state;
    f->cfg.skip_repeat_job_id = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 30 * S, 10, 1, 2); /* failover, same job_id, same node */
    expect_end(f, 10, 2, NODE_END_SKIPPED, 0);
    fx_assign(f, 31 * S, 11, 2, 1);
    fx_assign(f, 32 * S, 10, 1, 3); /* not the last one any more: taken */
    fx_run(f, 60 * S);
    assert_null(rec_job(&f->rec, NODE_OUT_RESULT, 10, 2, NULL));
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 34 * S, 3 * S);
    expect_result(f, 10, 3, true, 37 * S, 3 * S);
}

/* ---- heartbeat ---------------------------------------------------------- */

static void heartbeat_counts_stale_attempts(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 5 * S, 10, 0); /* ignored: attempt 1 keeps running */
    fx_assign(f, 10 * S, 10, 1, 2);  /* queued behind it */
    fx_run(f, 15 * S);
    int64_t at;
    const node_out *hb = rec_find(&f->rec, NODE_OUT_HEARTBEAT, 0, &at);
    assert_non_null(hb);
    assert_true(at == 15 * S);
    assert_int_equal(hb->current_jobs, 2);
    fx_run(f, 30 * S);
    hb = rec_find(&f->rec, NODE_OUT_HEARTBEAT, 1, &at);
    assert_non_null(hb);
    assert_true(at == 30 * S);
}

static void heartbeat_counts_an_attempt_marked_for_abort(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 5 * S, 10, 0);
    fx_run(f, 15 * S);
    assert_int_equal(rec_find(&f->rec, NODE_OUT_HEARTBEAT, 0, NULL)->current_jobs, 1);
    fx_run(f, 200 * S);
    expect_result(f, 10, 1, false, 100 * S, 100 * S);
}

/* ---- faults ------------------------------------------------------------- */

static void crash_loses_queued_and_running_work_and_comes_back(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.5);
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(2.5);
    f->cfg.crash_downtime = dist_const(10.0);
    f->cfg.skip_repeat_job_id = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1); /* 0 .. 1.5 done */
    fx_assign(f, 0, 11, 2, 1); /* 1.5 .. crash at 2.5 */
    fx_assign(f, 0, 12, 3, 1); /* queued, lost */
    fx_run(f, 5 * S);
    expect_result(f, 10, 1, true, 3 * S / 2, 3 * S / 2);
    expect_end(f, 11, 1, NODE_END_CRASHED, 1 * S);
    expect_end(f, 12, 1, NODE_END_CRASHED, 0);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
    int64_t at;
    assert_non_null(rec_find(&f->rec, NODE_OUT_DOWN, 0, &at));
    assert_true(at == 5 * S / 2);
    assert_false(node_is_up(f->n));
    assert_int_equal(node_in_flight(f->n), 0);
    fx_assign(f, 5 * S, 13, 4, 1); /* while down */
    expect_end(f, 13, 1, NODE_END_REFUSED, 0);
    fx_run(f, 12 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_HEARTBEAT), 0); /* none while down */
    fx_run(f, 25 * S / 2);
    assert_non_null(rec_find(&f->rec, NODE_OUT_UP, 0, &at));
    assert_true(at == 25 * S / 2);
    assert_true(node_is_up(f->n));
    fx_assign(f, 25 * S / 2, 12, 3, 2); /* restart forgot the last job_id... */
    fx_assign(f, 25 * S / 2, 13, 4, 2);
    fx_run(f, 15 * S - 1);
    expect_result(f, 12, 2, true, 14 * S, 3 * S / 2);
    node_stats st;
    node_get_stats(f->n, &st);
    assert_int_equal(st.crashes, 1);
    fx_run(f, 15 * S); /* second crash 2.5 s after coming back */
    expect_end(f, 13, 2, NODE_END_CRASHED, 1 * S);
    node_get_stats(f->n, &st);
    assert_int_equal(st.crashes, 2);
}

static void crash_times_come_from_the_fault_stream(void **state)
{
    fx *f = *state;
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(0.0);
    f->cfg.crash_between.kind = DIST_EXPONENTIAL;
    f->cfg.crash_between.p0 = 100.0;
    f->cfg.crash_downtime = dist_const(0.0);
    f->cfg.crash_downtime.kind = DIST_EXPONENTIAL;
    f->cfg.crash_downtime.p0 = 20.0;
    gsl_rng *twin = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(twin, 77); /* the fault stream's seed */
    fx_start(f);
    int64_t t = 0;
    for (int k = 0; k < 3; k++) {
        t += dist_to_ns(dist_sample(&f->cfg.crash_between, twin, 0.0));
        int64_t down_at, up_at;
        fx_run(f, t);
        assert_non_null(rec_find(&f->rec, NODE_OUT_DOWN, k, &down_at));
        assert_true(down_at == t);
        t += dist_to_ns(dist_sample(&f->cfg.crash_downtime, twin, 0.0));
        fx_run(f, t);
        assert_non_null(rec_find(&f->rec, NODE_OUT_UP, k, &up_at));
        assert_true(up_at == t);
    }
    gsl_rng_free(twin);
}

static void cold_start_is_paid_by_the_first_job_after_an_idle_period(void **state)
{
    fx *f = *state;
    f->cfg.cold_start = true;
    f->cfg.cold_idle_s = 10.0;
    f->cfg.cold_extra = dist_const(5.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);      /* idle 0 s since start: warm */
    fx_assign(f, 1 * S, 11, 2, 1);  /* queued behind: warm */
    fx_run(f, 19 * S);
    fx_assign(f, 20 * S, 12, 3, 1); /* idle since 6 s: 14 s >= 10 s: cold */
    fx_assign(f, 20 * S, 13, 4, 1);
    fx_run(f, 40 * S);
    fx_assign(f, 40 * S, 14, 5, 1); /* idle since 31 s: 9 s: warm */
    fx_run(f, 60 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 6 * S, 3 * S);
    expect_result(f, 12, 1, true, 28 * S, 8 * S);
    expect_result(f, 13, 1, true, 31 * S, 3 * S);
    expect_result(f, 14, 1, true, 43 * S, 3 * S);
}

static void no_result_finishes_the_work_and_sends_nothing(void **state)
{
    fx *f = *state;
    f->cfg.no_result_prob = 1.0;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 10 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 0);
    expect_end(f, 10, 1, NODE_END_NO_RESULT, 3 * S);
}

static void stall_adds_its_extra_time(void **state)
{
    fx *f = *state;
    f->cfg.stall_prob = 1.0;
    f->cfg.stall_extra = dist_const(20.0);
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 30 * S);
    expect_result(f, 10, 1, true, 23 * S, 23 * S);
    int64_t at;
    rec_find(&f->rec, NODE_OUT_PROGRESS, 0, &at);
    assert_true(at == 21 * S); /* in the ASR stage */
}

static void stall_and_no_result_hit_about_their_probability(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.0);
    f->cfg.stall_prob = 0.2;
    f->cfg.stall_extra = dist_const(1.0);
    f->cfg.no_result_prob = 0.3;
    fx_start(f);
    int n = 300, stalled = 0;
    for (int i = 0; i < n; i++) {
        int64_t t = (int64_t)i * 10 * S;
        f->rec.n = 0;
        fx_assign(f, t, (uint64_t)i + 1, (uint64_t)i + 1, 1);
        stalled += node_in_flight(f->n) > 0; /* zero-length jobs end in the call */
        fx_run(f, t + 5 * S);
        assert_int_equal(node_in_flight(f->n), 0);
    }
    node_stats st;
    node_get_stats(f->n, &st);
    /* binomial(300, p): 5 sd is 35 (p 0.2) and 40 (p 0.3) */
    assert_true(abs(stalled - 60) < 35);
    assert_true(labs((long)n - (long)st.results - 90) < 40);
}

/* ---- common random numbers and bookkeeping ------------------------------ */

/* Busy time of one attempt whose stream is seeded `seed`, on a node built from
 * lognormal stages and the given behaviour knobs. */
static int64_t busy_of_one_attempt(unsigned long seed, int workers, node_cancel_mode mode,
                                   bool progress, bool busy_before)
{
    node_config c;
    node_config_init(&c);
    for (int s = 0; s < STAGE_COUNT; s++) {
        c.stage[s] = dist_const(0.0);
        c.stage[s].kind = DIST_LOGNORMAL;
        c.stage[s].p0 = 0.8;
        c.stage[s].p1 = 0.8;
        c.stage[s].per_audio_s = 0.1;
    }
    c.workers = workers;
    c.on_cancel = mode;
    c.progress = progress;
    rec *r = calloc(1, sizeof *r);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    node *n = node_new(&c, 1, 0, NULL, rec_sink, r);
    node_start(n, 0);
    if (busy_before) { /* another job first: a different history */
        gsl_rng_set(g, 424242);
        node_job other = {.job_id = 1, .job = 1, .attempt = 1, .audio = S};
        node_assign(n, 0, &other, g);
    }
    gsl_rng_set(g, seed);
    node_job j = {.job_id = 2, .job = 2, .attempt = 1, .audio = 3 * S};
    node_assign(n, S, &j, g);
    for (int guard = 0; guard < 100 && node_in_flight(n) > 0; guard++)
        node_advance(n, node_next_deadline(n));
    const node_out *o = rec_job(r, NODE_OUT_RESULT, 2, 1, NULL);
    assert_non_null(o);
    int64_t busy = o->busy_ns;
    node_free(n);
    gsl_rng_free(g);
    free(r);
    node_config_free(&c);
    return busy;
}

static void same_stream_gives_the_same_service_times_under_any_behaviour(void **state)
{
    (void)state;
    int64_t base = busy_of_one_attempt(5, 1, NODE_CANCEL_IGNORE, false, false);
    assert_true(base > 0);
    assert_true(busy_of_one_attempt(5, 2, NODE_CANCEL_ABORT_BY_JOB_ID, true, true) == base);
    assert_true(busy_of_one_attempt(5, 1, NODE_CANCEL_ABORT_ATTEMPT, false, true) == base);
    assert_true(busy_of_one_attempt(6, 1, NODE_CANCEL_IGNORE, false, false) != base);
}

static void every_assign_ends_in_exactly_one_end(void **state)
{
    fx *f = *state;
    f->cfg.workers = 2;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    f->cfg.cancel_between_stages = false;
    f->cfg.skip_repeat_job_id = true;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    f->cfg.no_result_prob = 0.3;
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(40.0);
    f->cfg.crash_downtime = dist_const(5.0);
    fx_start(f);
    gsl_rng *script = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(script, 2024);
    int assigns = 0;
    for (int i = 0; i < 200; i++) {
        int64_t t = (int64_t)i * S / 2;
        uint64_t job = gsl_rng_uniform_int(script, 20) + 1;
        uint32_t attempt = (uint32_t)gsl_rng_uniform_int(script, 3) + 1;
        if (gsl_rng_uniform(script) < 0.3) {
            node_cancel(f->n, t, job, gsl_rng_uniform(script) < 0.5 ? 0 : attempt);
        } else {
            fx_assign(f, t, job, job, attempt);
            assigns++;
        }
    }
    fx_run(f, 1000 * S);
    while (node_in_flight(f->n) > 0)
        fx_run(f, node_next_deadline(f->n));
    assert_int_equal(rec_count(&f->rec, NODE_OUT_END), assigns);
    int64_t busy = 0;
    for (int k = 0; k < f->rec.n; k++)
        if (f->rec.out[k].kind == NODE_OUT_END)
            busy += f->rec.out[k].busy_ns;
    node_stats st;
    node_get_stats(f->n, &st);
    assert_true(st.busy_ns == busy);
    assert_true(st.assigns == (uint64_t)assigns);
    gsl_rng_free(script);
}

static void attempt_records_are_reused(void **state)
{
    fx *f = *state;
    fx_start(f);
    for (int i = 0; i < 2000; i++) {
        f->rec.n = 0;
        fx_assign(f, (int64_t)i * 7 * S, (uint64_t)i, (uint64_t)i, 1);
        fx_assign(f, (int64_t)i * 7 * S, (uint64_t)i + 100000, (uint64_t)i, 2);
        fx_run(f, (int64_t)i * 7 * S + 7 * S - 1);
        assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
    }
    node_stats st;
    node_get_stats(f->n, &st);
    assert_int_equal(st.peak_in_flight, 2);
    assert_int_equal(st.records, 2); /* as many as were ever held at once */
    fx_assign(f, 20000 * S, 1, 1, 9); /* left in flight: node_free frees it */
    fx_assign(f, 20000 * S, 2, 2, 9);
}

static void node_new_refuses_unusable_configs(void **state)
{
    fx *f = *state;
    rec r = {0};
    f->cfg.workers = 0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.workers = NODE_WORKERS_MAX + 1;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.workers = 1;
    f->cfg.slots = 0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.slots = 4;
    f->cfg.heartbeat_s = 0.0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.heartbeat_s = 15.0;
    f->cfg.crash = true; /* no fault stream */
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.crash = false;
    node *n = node_new(&f->cfg, 1, 0, NULL, rec_sink, &r);
    assert_non_null(n);
    assert_int_equal(node_slots(n), 4);
    assert_int_equal(node_id(n), 1);
    assert_false(node_is_up(n));
    assert_true(node_next_deadline(n) == NODE_NEVER);
    node_free(n);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(one_worker_queues_the_second_job),
        T(two_workers_run_two_jobs_at_once),
        T(stage_time_grows_with_audio_by_per_audio_s),
        T(outputs_carry_the_time_they_happened_at),
        T(progress_reports_each_stage_before_the_result),
        T(zero_length_job_finishes_within_the_assign_call),
        T(ignore_keeps_computing_and_sends_the_result),
        T(abort_by_job_id_aborts_a_newer_attempt_of_the_same_job),
        T(abort_attempt_aborts_only_the_named_attempt),
        T(abort_attempt_without_attempt_aborts_by_job_id),
        T(cancel_of_an_unknown_job_changes_nothing),
        T(abort_mid_stage_frees_the_worker_at_once),
        T(without_cancel_between_stages_abort_waits_for_the_stage_boundary),
        T(without_cancel_between_stages_a_queued_attempt_is_dropped_at_once),
        T(supersede_newer_attempt_aborts_the_older),
        T(supersede_rejects_an_older_attempt_that_arrives_late),
        T(drop_stale_ignores_an_older_attempt_even_after_the_newer_finished),
        T(attempt_check_none_runs_every_attempt),
        T(skip_repeat_job_id_drops_a_failover_back_to_the_same_node),
        T(heartbeat_counts_stale_attempts),
        T(heartbeat_counts_an_attempt_marked_for_abort),
        T(crash_loses_queued_and_running_work_and_comes_back),
        T(crash_times_come_from_the_fault_stream),
        T(cold_start_is_paid_by_the_first_job_after_an_idle_period),
        T(no_result_finishes_the_work_and_sends_nothing),
        T(stall_adds_its_extra_time),
        T(stall_and_no_result_hit_about_their_probability),
        T(same_stream_gives_the_same_service_times_under_any_behaviour),
        T(every_assign_ends_in_exactly_one_end),
        T(attempt_records_are_reused),
        T(node_new_refuses_unusable_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
