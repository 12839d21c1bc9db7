/*
 * test_node_heartbeat.c — what a node's heartbeat reports and when, under both
 * rules: job_ids (the reference agent's set, inference-service.ts) and attempts
 * (dsim before). Stages are const 1 s each unless a test says otherwise; the
 * fixture starts the node with phase 0 (first heartbeat at 15 s).
 */
#include "node_fixture.h"

static int hb_jobs(const fx *f, int i, int64_t want_at)
{
    int64_t at;
    const node_out *hb = rec_find(&f->rec, NODE_OUT_HEARTBEAT, i, &at);
    if (!hb)
        fail_msg("no heartbeat #%d", i);
    assert_true(at == want_at);
    return hb->current_jobs;
}

/* ---- the old rule reproduces the old counts ------------------------------- */

/* Attempt 1 runs a long ASR, an ignored cancel, attempt 2 of the same job_id
 * queued behind it; returns the 15 s heartbeat. */
static int stale_script(fx *f, node_hb_count rule)
{
    f->cfg.heartbeat_count = rule;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 5 * S, 10, 0); /* ignored: attempt 1 keeps running */
    fx_assign(f, 10 * S, 10, 1, 2);  /* queued behind it */
    fx_run(f, 30 * S);
    (void)hb_jobs(f, 1, 30 * S);
    return hb_jobs(f, 0, 15 * S);
}

static void attempts_rule_counts_stale_and_cancelled_attempts(void **state)
{
    assert_int_equal(stale_script(*state, NODE_HB_ATTEMPTS), 2);
}

static void job_ids_rule_counts_the_reassigned_id_once_after_the_cancel(void **state)
{
    /* the cancel forgot id 10; attempt 2 put it back: one entry */
    assert_int_equal(stale_script(*state, NODE_HB_JOB_IDS), 1);
}

/* An abort that waits for the stage boundary: the attempt still runs at 15 s. */
static int marked_script(fx *f, node_hb_count rule)
{
    f->cfg.heartbeat_count = rule;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 5 * S, 10, 0);
    fx_run(f, 200 * S);
    expect_result(f, 10, 1, false, 100 * S, 100 * S);
    return hb_jobs(f, 0, 15 * S);
}

static void attempts_rule_counts_an_attempt_marked_for_abort(void **state)
{
    assert_int_equal(marked_script(*state, NODE_HB_ATTEMPTS), 1);
}

static void job_ids_rule_drops_an_attempt_marked_for_abort(void **state)
{
    assert_int_equal(marked_script(*state, NODE_HB_JOB_IDS), 0);
}

/* ---- the reference set ----------------------------------------------------- */

/* A stall (ASR 1 s + 40 s extra), then a 100 s NMT: heartbeats at 15..60 s. */
static void stall_script(fx *f, node_hb_count rule, int want[4])
{
    f->cfg.heartbeat_count = rule;
    f->cfg.stage[STAGE_NMT] = dist_const(100.0);
    f->cfg.stall_prob = 1.0;
    f->cfg.stall_extra = dist_const(40.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 60 * S);
    for (int i = 0; i < 4; i++)
        want[i] = hb_jobs(f, i, (i + 1) * 15 * S);
}

static void a_stalled_job_stops_counting_once_its_asr_is_done(void **state)
{
    int got[4];
    stall_script(*state, NODE_HB_JOB_IDS, got);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 1); /* still in its (stalled) ASR */
    assert_int_equal(got[2], 0); /* ASR done at 41 s, NMT runs until 141 s */
    assert_int_equal(got[3], 0);
}

/* The same stall placed in NMT (faults.stall.stage "nmt"): ASR ends at 1 s, so
 * the reference set has forgotten the job by the first heartbeat, though the
 * node is busy with it (1 + 140 s) as long as with the stall in ASR. */
static void a_stall_in_nmt_is_not_counted_by_the_reference_set(void **state)
{
    fx *f = *state;
    f->cfg.stall_stage = STAGE_NMT;
    int got[4];
    stall_script(f, NODE_HB_JOB_IDS, got);
    for (int i = 0; i < 4; i++)
        assert_int_equal(got[i], 0);
    assert_int_equal(node_in_flight(f->n), 1); /* still running: NMT 100 + 40 s */
}

static void the_old_rule_counts_it_to_the_end(void **state)
{
    int got[4];
    stall_script(*state, NODE_HB_ATTEMPTS, got);
    for (int i = 0; i < 4; i++)
        assert_int_equal(got[i], 1);
}

static void a_cancel_removes_the_job_though_the_node_ignores_it(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 4 * S, 99, 0); /* another id: nothing */
    assert_int_equal(node_current_jobs(f->n), 1);
    node_cancel(f->n, 5 * S, 10, 0);
    assert_int_equal(node_current_jobs(f->n), 0);
    assert_int_equal(node_in_flight(f->n), 1); /* the work goes on */
    fx_run(f, 200 * S);
    assert_int_equal(hb_jobs(f, 0, 15 * S), 0);
    expect_result(f, 10, 1, true, 102 * S, 102 * S);
}

static void the_same_job_id_twice_counts_once(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 1 * S, 10, 1, 2); /* a failover back to this node, queued */
    fx_assign(f, 2 * S, 11, 2, 1);
    fx_run(f, 15 * S);
    assert_int_equal(hb_jobs(f, 0, 15 * S), 2);
    assert_int_equal(node_in_flight(f->n), 3);
}

static void the_first_attempt_of_an_id_past_asr_removes_it_for_both(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2); /* queued behind attempt 1 */
    assert_int_equal(node_current_jobs(f->n), 1);
    fx_run(f, 3 * S / 2); /* attempt 1's ASR ended at 1 s */
    assert_int_equal(node_current_jobs(f->n), 0);
    assert_int_equal(node_in_flight(f->n), 2);
}

static void the_first_attempt_of_an_id_to_end_removes_it_for_both(void **state)
{
    fx *f = *state;
    f->cfg.heartbeat_s = 0.5; /* phase 0: heartbeats at 0.5, 1, 1.5, ... */
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 3 * S / 2);
    assert_int_equal(node_current_jobs(f->n), 0); /* attempt 1 past its ASR */
    fx_assign(f, 2 * S, 10, 1, 2);                /* queued: enters again */
    assert_int_equal(node_current_jobs(f->n), 1);
    fx_run(f, 7 * S / 2); /* attempt 1 ended at 3 s; attempt 2 in ASR until 4 s */
    assert_int_equal(node_current_jobs(f->n), 0);
    assert_int_equal(node_in_flight(f->n), 1);
    assert_int_equal(hb_jobs(f, 4, 5 * S / 2), 1);
    assert_int_equal(hb_jobs(f, 6, 7 * S / 2), 0);
}

static void a_dropped_assign_never_enters(void **state)
{
    fx *f = *state;
    f->cfg.skip_repeat_job_id = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 3 * S / 2); /* past ASR */
    fx_assign(f, 3 * S / 2, 10, 1, 2);
    expect_end(f, 10, 2, NODE_END_SKIPPED, 0);
    assert_int_equal(node_current_jobs(f->n), 0);
}

static void a_crash_empties_the_set(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR] = dist_const(100.0);
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(2.5);
    f->cfg.crash_downtime = dist_const(10.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    assert_int_equal(node_current_jobs(f->n), 2);
    fx_run(f, 13 * S); /* crashed at 2.5 s, up again at 12.5 s */
    assert_true(node_is_up(f->n));
    assert_int_equal(node_current_jobs(f->n), 0);
    fx_assign(f, 13 * S, 10, 1, 2);
    assert_int_equal(node_current_jobs(f->n), 1);
    fx_run(f, 16 * S); /* crashed again at 15 s */
    assert_false(node_is_up(f->n));
    assert_int_equal(node_current_jobs(f->n), 0);
}

/* ---- phase ---------------------------------------------------------------- */

static int64_t first_heartbeat(fx *f, double phase)
{
    f->n = node_new(&f->cfg, 3, 0, f->faults, rec_sink, &f->rec);
    assert_non_null(f->n);
    node_start(f->n, 2 * S, phase);
    fx_run(f, 40 * S);
    int64_t at0 = -1, at1 = -1;
    assert_non_null(rec_find(&f->rec, NODE_OUT_HEARTBEAT, 0, &at0));
    assert_non_null(rec_find(&f->rec, NODE_OUT_HEARTBEAT, 1, &at1));
    assert_true(at1 - at0 == 15 * S);
    node_free(f->n);
    f->n = NULL;
    f->rec.n = 0;
    return at0;
}

static void the_phase_places_the_first_heartbeat(void **state)
{
    fx *f = *state;
    assert_true(first_heartbeat(f, 0.0) == 17 * S);
    assert_true(first_heartbeat(f, 0.25) == 2 * S + 45 * S / 4);
    assert_true(first_heartbeat(f, 0.999999) > 2 * S);
    f->cfg.heartbeat_phase = NODE_HB_PHASE_ALIGNED;
    assert_true(first_heartbeat(f, 0.25) == 17 * S);
}

/* ---- the set against an independent model --------------------------------- */

/* The sink keeps its own copy of the reference set from the outputs alone:
 * ASR progress and the end of a kept attempt delete the id; a heartbeat must
 * report the copy's size (job_ids) or the attempts held (attempts). */
typedef struct model {
    rec rec;
    node *n;
    node_hb_count rule;
    uint64_t ids[64];
    int n_ids;
    bool dropped; /* the assign under way was dropped on arrival */
    int heartbeats;
} model;

static void model_del(model *m, uint64_t id)
{
    for (int i = 0; i < m->n_ids; i++)
        if (m->ids[i] == id) {
            m->ids[i] = m->ids[--m->n_ids];
            return;
        }
}

static void model_add(model *m, uint64_t id)
{
    for (int i = 0; i < m->n_ids; i++)
        if (m->ids[i] == id)
            return;
    assert_true(m->n_ids < 64);
    m->ids[m->n_ids++] = id;
}

static void model_sink(void *ctx, int64_t at, const node_out *o)
{
    model *m = ctx;
    (void)at;
    if (o->kind == NODE_OUT_PROGRESS && o->stage == STAGE_ASR)
        model_del(m, o->job_id);
    if (o->kind == NODE_OUT_END) {
        if (o->end == NODE_END_REFUSED || o->end == NODE_END_SKIPPED || o->end == NODE_END_STALE)
            m->dropped = true;
        else
            model_del(m, o->job_id);
    }
    if (o->kind == NODE_OUT_HEARTBEAT) {
        m->heartbeats++;
        assert_int_equal(o->current_jobs,
                         m->rule == NODE_HB_JOB_IDS ? m->n_ids : node_in_flight(m->n));
    }
}

static dist dist_of(dist_kind k, double p0, double p1)
{
    dist d = dist_const(0.0);
    d.kind = k;
    d.p0 = p0;
    d.p1 = p1;
    return d;
}

static void random_script(node_hb_count rule, node_cancel_mode on_cancel, bool between,
                          unsigned long seed)
{
    node_config c;
    node_config_init(&c);
    for (int s = 0; s < STAGE_COUNT; s++)
        c.stage[s] = dist_of(DIST_UNIFORM, 0.2, 3.0);
    c.workers = 2;
    c.heartbeat_s = 1.0;
    c.heartbeat_count = rule;
    c.on_cancel = on_cancel;
    c.cancel_between_stages = between;
    c.progress = true;
    c.skip_repeat_job_id = true;
    c.attempt_check = NODE_ATTEMPT_DROP_STALE;
    c.stall_prob = 0.2;
    c.stall_extra = dist_const(6.0);
    c.no_result_prob = 0.2;
    c.crash = true;
    c.crash_between = dist_of(DIST_EXPONENTIAL, 60.0, 0.0);
    c.crash_downtime = dist_const(4.0);
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->rule = rule;
    gsl_rng *faults = gsl_rng_alloc(gsl_rng_mt19937), *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(faults, seed);
    gsl_rng_set(g, seed + 1);
    m->n = node_new(&c, 1, 0, faults, model_sink, m);
    assert_non_null(m->n);
    node_start(m->n, 0, 0.5);
    for (int i = 0; i < 400; i++) {
        int64_t t = (int64_t)i * S / 3;
        uint64_t id = gsl_rng_uniform_int(g, 6) + 1;
        if (gsl_rng_uniform(g) < 0.25) {
            node_cancel(m->n, t, id, (uint32_t)gsl_rng_uniform_int(g, 3));
            if (node_is_up(m->n))
                model_del(m, id);
        } else {
            node_job j = {.job_id = id,
                          .job = id,
                          .attempt = (uint32_t)gsl_rng_uniform_int(g, 4) + 1,
                          .session = 1,
                          .index = (uint32_t)id};
            m->dropped = false;
            node_assign(m->n, t, &j, g);
            if (!m->dropped)
                model_add(m, id);
        }
        assert_int_equal(node_current_jobs(m->n),
                         rule == NODE_HB_JOB_IDS ? m->n_ids : node_in_flight(m->n));
        m->rec.n = 0;
    }
    for (int guard = 0; guard < 100000 && node_in_flight(m->n) > 0; guard++)
        node_advance(m->n, node_next_deadline(m->n));
    assert_int_equal(node_in_flight(m->n), 0);
    assert_int_equal(node_current_jobs(m->n), 0);
    assert_int_equal(m->n_ids, 0);
    assert_true(m->heartbeats > 50);
    node_free(m->n);
    gsl_rng_free(faults);
    gsl_rng_free(g);
    free(m);
    node_config_free(&c);
}

static void the_set_matches_an_independent_model_on_random_scripts(void **state)
{
    (void)state;
    for (unsigned long seed = 1; seed <= 4; seed++) {
        random_script(NODE_HB_JOB_IDS, NODE_CANCEL_IGNORE, true, seed);
        random_script(NODE_HB_JOB_IDS, NODE_CANCEL_ABORT_BY_JOB_ID, false, seed);
        random_script(NODE_HB_JOB_IDS, NODE_CANCEL_ABORT_ATTEMPT, true, seed);
        random_script(NODE_HB_ATTEMPTS, NODE_CANCEL_ABORT_BY_JOB_ID, false, seed);
    }
}

static void node_new_refuses_unknown_heartbeat_modes(void **state)
{
    fx *f = *state;
    rec r = {0};
    f->cfg.heartbeat_count = (node_hb_count)2;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.heartbeat_count = NODE_HB_ATTEMPTS;
    f->cfg.heartbeat_phase = (node_hb_phase)2;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(attempts_rule_counts_stale_and_cancelled_attempts),
        T(job_ids_rule_counts_the_reassigned_id_once_after_the_cancel),
        T(attempts_rule_counts_an_attempt_marked_for_abort),
        T(job_ids_rule_drops_an_attempt_marked_for_abort),
        T(a_stalled_job_stops_counting_once_its_asr_is_done),
        T(the_old_rule_counts_it_to_the_end),
        T(a_stall_in_nmt_is_not_counted_by_the_reference_set),
        T(a_cancel_removes_the_job_though_the_node_ignores_it),
        T(the_same_job_id_twice_counts_once),
        T(the_first_attempt_of_an_id_past_asr_removes_it_for_both),
        T(the_first_attempt_of_an_id_to_end_removes_it_for_both),
        T(a_dropped_assign_never_enters),
        T(a_crash_empties_the_set),
        T(the_phase_places_the_first_heartbeat),
        T(the_set_matches_an_independent_model_on_random_scripts),
        T(node_new_refuses_unknown_heartbeat_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
