/*
 * test_net.c — message delay and loss per direction, link order, the client hop.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "net.h"

#define S INT64_C(1000000000)

static void default_network_delivers_everything_at_once(void **state)
{
    (void)state;
    net_config c;
    net_config_init(&c);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < 1000; i++) {
        int64_t d = -1;
        assert_true(net_message(&c, i % 2 ? NET_TO_NODE : NET_TO_SCHED, r, &d));
        assert_true(d == 0);
    }
    net_config_free(&c);
    gsl_rng_free(r);
}

static void each_direction_uses_its_own_delay_and_loss(void **state)
{
    (void)state;
    net_config c;
    net_config_init(&c);
    c.to_node_delay = dist_const(0.02);
    c.to_sched_delay = dist_const(0.5);
    c.to_node_loss = 0.0;
    c.to_sched_loss = 1.0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int64_t d;
    assert_true(net_message(&c, NET_TO_NODE, r, &d));
    assert_true(d == 20000000);
    assert_false(net_message(&c, NET_TO_SCHED, r, &d));
    assert_true(d == S / 2);
    net_config_free(&c);
    gsl_rng_free(r);
}

static void loss_hits_about_its_probability(void **state)
{
    (void)state;
    net_config c;
    net_config_init(&c);
    c.to_node_loss = 0.1;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 31);
    int n = 100000, lost = 0;
    for (int i = 0; i < n; i++) {
        int64_t d;
        lost += !net_message(&c, NET_TO_NODE, r, &d);
    }
    /* binomial(1e5, 0.1): sd 94.9; 5 sd */
    assert_true(fabs(lost - 10000.0) < 5 * sqrt(n * 0.1 * 0.9));
    net_config_free(&c);
    gsl_rng_free(r);
}

static void a_message_draws_loss_then_delay(void **state)
{
    (void)state;
    net_config c;
    net_config_init(&c);
    c.to_sched_delay.kind = DIST_EXPONENTIAL;
    c.to_sched_delay.p0 = 0.05;
    c.to_sched_loss = 0.5;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937), *twin = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < 100; i++) {
        int64_t d;
        bool ok = net_message(&c, NET_TO_SCHED, r, &d);
        double u = gsl_rng_uniform(twin);
        int64_t d2 = dist_to_ns(dist_sample(&c.to_sched_delay, twin, 0.0));
        assert_int_equal(ok, !(u < 0.5));
        assert_true(d == d2);
    }
    net_config_free(&c);
    gsl_rng_free(r);
    gsl_rng_free(twin);
}

static void a_fifo_link_never_lets_a_message_overtake(void **state)
{
    (void)state;
    net_link l = {0};
    /* sent at 10 s with 5 s delay, then at 11 s with 1 s: the second waits */
    assert_true(net_link_arrival(&l, true, 10 * S, 5 * S) == 15 * S);
    assert_true(net_link_arrival(&l, true, 11 * S, 1 * S) == 15 * S);
    /* a later, slower one keeps its own delay */
    assert_true(net_link_arrival(&l, true, 12 * S, 4 * S) == 16 * S);
    assert_true(l.last == 16 * S);
    /* without fifo every message keeps its own delay */
    net_link m = {0};
    assert_true(net_link_arrival(&m, false, 10 * S, 5 * S) == 15 * S);
    assert_true(net_link_arrival(&m, false, 11 * S, 1 * S) == 12 * S);
    /* links are independent */
    net_link other = {0};
    assert_true(net_link_arrival(&other, true, 11 * S, 1 * S) == 12 * S);
    /* saturation */
    assert_true(net_link_arrival(&other, true, INT64_MAX - 5, 10) == INT64_MAX);
}

static void the_client_hop_is_instant_only_for_a_constant_zero(void **state)
{
    (void)state;
    net_config c;
    net_config_init(&c);
    assert_true(net_client_instant(&c));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_true(net_client_delay(&c, r) == 0);
    c.client_delay = dist_const(0.25);
    assert_false(net_client_instant(&c));
    assert_true(net_client_delay(&c, r) == S / 4);
    c.client_delay.kind = DIST_EXPONENTIAL;
    c.client_delay.p0 = 0.0001;
    assert_false(net_client_instant(&c));
    net_config_free(&c);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_network_delivers_everything_at_once),
        cmocka_unit_test(each_direction_uses_its_own_delay_and_loss),
        cmocka_unit_test(loss_hits_about_its_probability),
        cmocka_unit_test(a_message_draws_loss_then_delay),
        cmocka_unit_test(a_fifo_link_never_lets_a_message_overtake),
        cmocka_unit_test(the_client_hop_is_instant_only_for_a_constant_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
