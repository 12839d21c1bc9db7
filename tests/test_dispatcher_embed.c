/*
 * test_dispatcher_embed.c — the embedding contract of the core: version, error
 * names, the policy's size field, re-entrant calls refused.
 */
#include <stdio.h>

#include "test_dispatcher_harness.h"

static void test_version(void **state)
{
    char want[32];

    (void)state;
    snprintf(want, sizeof want, "%d.%d.%d", DISP_VERSION_MAJOR, DISP_VERSION_MINOR,
             DISP_VERSION_PATCH);
    assert_string_equal(disp_version(), want);
    assert_string_equal(DISP_VERSION_STRING, want);
    assert_int_equal(disp_version_hex(), ((unsigned)DISP_VERSION_MAJOR << 16) |
                                             ((unsigned)DISP_VERSION_MINOR << 8) |
                                             (unsigned)DISP_VERSION_PATCH);
}

#define CODE_ROW(code, name, msg) {code, #code, name, msg},
static const struct {
    int code;
    const char *macro, *name, *msg;
} codes[] = {DISP_ERRNO_MAP(CODE_ROW)};
#define N_CODES (sizeof codes / sizeof codes[0])

static void test_error_names(void **state)
{
    (void)state;
    assert_int_equal(N_CODES, 6);
    for (size_t i = 0; i < N_CODES; i++) {
        assert_true(codes[i].code < 0);
        /* the name is the macro's own */
        assert_string_equal(disp_err_name(codes[i].code), codes[i].macro);
        assert_string_equal(disp_strerror(codes[i].code), codes[i].msg);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i].code, codes[j].code);
            assert_string_not_equal(disp_strerror(codes[i].code), disp_strerror(codes[j].code));
        }
    }
    assert_string_equal(disp_err_name(DISP_EBUSY), "DISP_EBUSY");
    assert_string_equal(disp_err_name(0), "DISP_OK");
    assert_string_equal(disp_strerror(0), "success");
    assert_string_equal(disp_err_name(-1000), "DISP_E?");
    assert_string_equal(disp_err_name(7), "DISP_E?");
    assert_string_equal(disp_strerror(-1000), "unknown error");
}

static void test_policy_size(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    disp_config cfg;
    disp *d = (disp *)&cfg; /* disp_create must set it to NULL on error */
    const char *why;

    (void)state;
    assert_int_equal(p.size, sizeof p);
    disp_config_init(&cfg, &p);
    assert_int_equal(cfg.size, sizeof cfg);
    assert_int_equal(disp_create(&d, &cfg), 0);
    assert_non_null(d);
    disp_free(d);

    /* a program built against a header with a smaller (older) policy */
    p.size = sizeof p - sizeof(disp_time);
    why = disp_policy_check(&p);
    assert_non_null(why);
    assert_non_null(strstr(why, "size"));
    assert_null(disp_new(&p, NULL, NULL, NULL, NULL));
    d = (disp *)&cfg;
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    assert_null(d);
    p.size = 0; /* a policy filled by hand, without the preset */
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    p.size = sizeof p;

    cfg.size = sizeof cfg + 8; /* a newer config struct */
    assert_int_equal(disp_create(&d, &cfg), DISP_EVERSION);
    cfg.size = sizeof cfg;
    p.dispatch_timeout = 0; /* a bad knob is EINVAL, not EVERSION */
    assert_int_equal(disp_create(&d, &cfg), DISP_EINVAL);
    assert_int_equal(disp_create(NULL, &cfg), DISP_EINVAL);
    assert_int_equal(disp_create(&d, NULL), DISP_EINVAL);
}

/* A sink that calls every input of its own dispatcher on each command. */
typedef struct {
    disp *d;
    rec r;
    int calls, busy, other;
    disp_time seen_deadline;
} reenter;

static void reenter_sink(void *ctx, const disp_cmd *c)
{
    reenter *x = ctx;
    int rc[8];
    disp_stats st;

    rec_sink(&x->r, c);
    rc[0] = disp_result(x->d, c->now, c->job_id, c->attempt, c->node, c->session, c->index, true);
    rc[1] = disp_progress(x->d, c->now, c->job_id, c->attempt, c->node, 0);
    rc[2] = disp_node_up(x->d, c->now, 99, 0, 4);
    rc[3] = disp_node_down(x->d, c->now, c->node);
    rc[4] = disp_node_heartbeat(x->d, c->now, c->node, 0);
    rc[5] = disp_utterance(x->d, c->now, c->session, c->index + 1, SEC(1), NULL);
    rc[6] = disp_session_close(x->d, c->now, c->session);
    rc[7] = disp_advance(x->d, c->now + SEC(100));
    for (int i = 0; i < 8; i++) {
        x->calls++;
        if (rc[i] == DISP_EBUSY)
            x->busy++;
        else
            x->other++;
    }
    /* the read-only functions may be used from the sink */
    disp_get_stats(x->d, &st);
    x->seen_deadline = disp_next_deadline(x->d);
    (void)disp_node_load(x->d, 1);
}

/* The same inputs with and without a re-entrant sink give the same commands:
 * every re-entrant call was refused and changed nothing. */
static void drive(disp *d)
{
    assert_int_equal(disp_node_up(d, 0, 1, 0, 1), 0);
    assert_int_equal(disp_utterance(d, SEC(1), 5, 0, SEC(2), NULL), 0);
    assert_int_equal(disp_utterance(d, SEC(2), 5, 1, SEC(2), NULL), 0); /* pending */
    assert_int_equal(disp_advance(d, SEC(40)), 0);                       /* timeouts */
    assert_int_equal(disp_session_close(d, SEC(41), 5), 0);
}

static void test_reentrant_refused(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    reenter x;
    rec plain = {0};
    disp *d;
    disp_stats a, b;

    (void)state;
    memset(&x, 0, sizeof x);
    x.d = disp_new(&p, reenter_sink, &x, NULL, NULL);
    assert_non_null(x.d);
    drive(x.d);
    d = disp_new(&p, rec_sink, &plain, NULL, NULL);
    drive(d);
    assert_true(x.r.n > 3);
    assert_int_equal(x.calls, 8 * (int)x.r.n);
    assert_int_equal(x.busy, x.calls);
    assert_int_equal(x.other, 0);
    assert_int_equal(x.r.n, plain.n);
    assert_memory_equal(x.r.v, plain.v, plain.n * sizeof *plain.v);
    disp_get_stats(x.d, &a);
    disp_get_stats(d, &b);
    assert_memory_equal(&a, &b, sizeof a);
    /* after the sink returned, inputs work again */
    assert_int_equal(disp_node_up(x.d, SEC(50), 2, 0, 1), 0);
    disp_free(d);
    disp_free(x.d);
    rec_free(&plain);
    rec_free(&x.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_policy_size),
        cmocka_unit_test(test_reentrant_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
