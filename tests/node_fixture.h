/*
 * node_fixture.h — the scripted-node fixture shared by tests/test_node*.c: a
 * recording sink, a node built from a config (stages const 1 s by default, one
 * worker), assigns keyed like a driver keys them, and a run-to-time helper.
 */
#ifndef DSIM_TEST_NODE_FIXTURE_H
#define DSIM_TEST_NODE_FIXTURE_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
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

static inline void rec_sink(void *ctx, int64_t at, const node_out *o)
{
    rec *r = ctx;
    assert_true(r->n < REC_MAX);
    r->at[r->n] = at;
    r->out[r->n] = *o;
    r->n++;
}

/* The i-th recorded output of `kind` (0-based), or NULL. */
static inline const node_out *rec_find(const rec *r, node_out_kind kind, int i, int64_t *at)
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

static inline int rec_count(const rec *r, node_out_kind kind)
{
    int c = 0;
    for (int k = 0; k < r->n; k++)
        c += r->out[k].kind == kind;
    return c;
}

/* Outputs about attempt (job_id, attempt) of `kind`. */
static inline const node_out *rec_job(const rec *r, node_out_kind kind, uint64_t job_id,
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
    gsl_rng *r;      /* per-attempt stream (reseeded per assign) */
    gsl_rng *faults; /* the node's fault stream */
    node *n;
} fx;

static inline int fx_setup(void **state)
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

static inline int fx_teardown(void **state)
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
static inline void fx_start(fx *f)
{
    f->n = node_new(&f->cfg, 3, 0, f->faults, rec_sink, &f->rec);
    assert_non_null(f->n);
    node_start(f->n, 0, 0.0);
    assert_int_equal(f->rec.n, 1);
    assert_int_equal(f->rec.out[0].kind, NODE_OUT_UP);
    assert_int_equal(f->rec.out[0].slots, f->cfg.slots);
    f->rec.n = 0;
}

/* Assigns (job_id, attempt) of stable job `job`, audio 0; the attempt's stream is
 * seeded by (job, attempt) as a driver would key it. */
static inline void fx_assign(fx *f, int64_t now, uint64_t job_id, uint64_t job, uint32_t attempt)
{
    node_job j = {.job_id = job_id,
                  .job = job,
                  .attempt = attempt,
                  .session = 1,
                  .index = (uint32_t)job,
                  .audio = 0};
    gsl_rng_set(f->r, (unsigned long)(job * 1000 + attempt));
    node_assign(f->n, now, &j, f->r);
}

/* Advances to each deadline up to `until`, as a driver would. */
static inline void fx_run(fx *f, int64_t until)
{
    for (int guard = 0; guard < 10000; guard++) {
        int64_t t = node_next_deadline(f->n);
        if (t > until)
            break;
        node_advance(f->n, t);
    }
    node_advance(f->n, until);
}

static inline void expect_result(const fx *f, uint64_t job_id, uint32_t attempt, bool ok,
                                 int64_t at, int64_t busy)
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

static inline void expect_end(const fx *f, uint64_t job_id, uint32_t attempt, node_end end,
                              int64_t busy)
{
    const node_out *o = rec_job(&f->rec, NODE_OUT_END, job_id, attempt, NULL);
    if (!o)
        fail_msg("no end for job_id %llu attempt %u", (unsigned long long)job_id, attempt);
    assert_int_equal(o->end, end);
    assert_int_equal(o->busy_ns, busy);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

#endif
