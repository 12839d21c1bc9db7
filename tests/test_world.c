/*
 * test_world.c — defaults, deep copies and clean-up of the world's config structs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "world.h"

static void node_defaults_are_the_reference_node(void **state)
{
    (void)state;
    node_config c;
    node_config_init(&c);
    assert_int_equal(c.workers, 1);
    assert_int_equal(c.slots, 4);
    assert_true(c.heartbeat_s == 15.0);
    assert_int_equal(c.on_cancel, NODE_CANCEL_IGNORE);
    assert_int_equal(c.attempt_check, NODE_ATTEMPT_NONE);
    assert_true(c.cancel_between_stages);
    assert_false(c.skip_repeat_job_id);
    assert_false(c.crash);
    assert_false(c.cold_start);
    assert_true(c.stall_prob == 0.0 && c.no_result_prob == 0.0);
    node_config_free(&c);
}

static void network_and_workload_defaults(void **state)
{
    (void)state;
    net_config n;
    net_config_init(&n);
    assert_int_equal(n.to_node_delay.kind, DIST_CONST);
    assert_true(n.to_node_delay.p0 == 0.0 && n.to_sched_delay.p0 == 0.0);
    assert_true(n.to_node_loss == 0.0 && n.to_sched_loss == 0.0);
    net_config_free(&n);
    wl_config w;
    wl_config_init(&w);
    assert_true(w.linger_s == 60.0);
    wl_config_free(&w);
}

static void node_config_copy_is_deep(void **state)
{
    (void)state;
    node_config a, b;
    node_config_init(&a);
    a.stage[STAGE_ASR] = dist_const(0.0);
    a.stage[STAGE_ASR].kind = DIST_EMPIRICAL;
    a.stage[STAGE_ASR].n = 2;
    a.stage[STAGE_ASR].samples = malloc(2 * sizeof(double));
    a.stage[STAGE_ASR].samples[0] = 1.0;
    a.stage[STAGE_ASR].samples[1] = 3.0;
    a.workers = 2;
    node_config_copy(&b, &a);
    assert_ptr_not_equal(b.stage[STAGE_ASR].samples, a.stage[STAGE_ASR].samples);
    node_config_free(&a);
    assert_int_equal(b.workers, 2);
    assert_true(dist_mean(&b.stage[STAGE_ASR]) == 2.0);
    node_config_free(&b);
    node_config_free(&b); /* safe twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_defaults_are_the_reference_node),
        cmocka_unit_test(network_and_workload_defaults),
        cmocka_unit_test(node_config_copy_is_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
