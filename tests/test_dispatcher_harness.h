/*
 * test_dispatcher_harness.h — a recording sink and small drivers for the
 * dispatcher core's unit tests. Included by tests/test_dispatcher*.c only; it
 * uses nothing but libc, cmocka and dispatcher.h (the core stands alone).
 */
#ifndef DSIM_TEST_DISPATCHER_HARNESS_H
#define DSIM_TEST_DISPATCHER_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatcher.h"

#define SEC(x) ((disp_time)(x) * DISP_NS_PER_S)
#define MSEC(x) ((disp_time)(x) * DISP_NS_PER_MS)

/* Every command the core emitted, in order. */
typedef struct {
    disp_cmd *v;
    size_t n, cap;
} rec;

static inline void rec_sink(void *ctx, const disp_cmd *c)
{
    rec *r = ctx;

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        assert_non_null(r->v);
    }
    r->v[r->n++] = *c;
}

static inline void rec_clear(rec *r) { r->n = 0; }

static inline void rec_free(rec *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

static inline disp_policy preset(const char *name)
{
    disp_policy p;

    assert_int_equal(disp_policy_preset(&p, name), 0);
    return p;
}

/* A dispatcher with `nodes` nodes (ids 1..nodes, class 0, 4 slots). */
static inline disp *mk(const disp_policy *p, rec *r, int nodes)
{
    disp *d = disp_new(p, rec_sink, r, NULL, NULL);

    assert_non_null(d);
    for (int i = 1; i <= nodes; i++)
        assert_int_equal(disp_node_up(d, 0, (uint32_t)i, 0, 4), 0);
    return d;
}

/* Runs every timer due at or before `until`, at the times the core asks for. */
static inline void run_until(disp *d, disp_time until)
{
    for (int guard = 0; guard < 1000000; guard++) {
        disp_time t = disp_next_deadline(d);
        if (t > until)
            break;
        assert_int_equal(disp_advance(d, t), 0);
    }
    assert_int_equal(disp_advance(d, until), 0);
}

static inline size_t count_kind(const rec *r, disp_cmd_kind k)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].kind == k;
    return n;
}

static inline size_t count_event(const rec *r, disp_log_event ev)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].kind == DISP_CMD_LOG && r->v[i].event == ev;
    return n;
}

/* The n-th (0-based) command of a kind, or NULL. */
static inline const disp_cmd *nth_kind(const rec *r, disp_cmd_kind k, size_t nth)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].kind == k && nth-- == 0)
            return &r->v[i];
    return NULL;
}

static inline const disp_cmd *nth_event(const rec *r, disp_log_event ev, size_t nth)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].kind == DISP_CMD_LOG && r->v[i].event == ev && nth-- == 0)
            return &r->v[i];
    return NULL;
}

/* Position of a command in the record (for order checks). */
static inline size_t pos_of(const rec *r, const disp_cmd *c)
{
    assert_non_null(c);
    return (size_t)(c - r->v);
}

/* Deliveries of (session, index). */
static inline size_t deliveries_of(const rec *r, uint64_t session, uint32_t index)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].kind == DISP_CMD_DELIVER && r->v[i].session == session &&
             r->v[i].index == index;
    return n;
}

/* The most recent ASSIGN of stable job `job`. */
static inline const disp_cmd *last_assign(const rec *r, uint64_t job)
{
    for (size_t i = r->n; i-- > 0;)
        if (r->v[i].kind == DISP_CMD_ASSIGN && r->v[i].job == job)
            return &r->v[i];
    return NULL;
}

/* Creates the utterance's job and answers it from the node it was sent to. */
static inline uint64_t utter(disp *d, disp_time now, uint64_t session, uint32_t index)
{
    uint64_t job = 0;

    assert_int_equal(disp_utterance(d, now, session, index, SEC(2), &job), 0);
    return job;
}

static inline void answer(disp *d, const rec *r, disp_time now, uint64_t job, bool ok)
{
    const disp_cmd *a = last_assign(r, job);

    assert_non_null(a);
    assert_int_equal(disp_result(d, now, a->job_id, a->attempt, a->node, a->session, a->index, ok), 0);
}

#endif
