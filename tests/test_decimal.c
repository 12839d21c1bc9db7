/* test_decimal.c — sim_decimal (sim/base/decimal.h): the numbers dsim writes
 * ("%.10g") are read back, C's other forms are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decimal.h"

static void what_dsim_writes_is_read(void **state)
{
    (void)state;
    const struct {
        const char *s;
        double v;
    } ok[] = {{"0", 0}, {"15", 15}, {"-3", -3}, {"0.5", 0.5}, {"1.234567891", 1.234567891},
              {"1e-05", 1e-5}, {"-2.5E+12", -2.5e12}, {"1e+100", 1e100}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double x = -1;
        assert_true(sim_decimal(ok[i].s, strlen(ok[i].s), &x));
        assert_true(x == ok[i].v);
    }
    double x = 0; /* the length bounds the text: "12" of "123" */
    assert_true(sim_decimal("123", 2, &x));
    assert_true(x == 12);
}

static void other_forms_are_not(void **state)
{
    (void)state;
    const char *bad[] = {"", "-", "+5", " 5", "5 ", "0x10", "inf", "nan", "1e999", ".5", "5.",
                         "1e", "1e+", "--1", "1.2.3", "12ab"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double x = 42;
        assert_false(sim_decimal(bad[i], strlen(bad[i]), &x));
        assert_true(x == 42); /* left as it was */
    }
    char longer[80];
    memset(longer, '1', sizeof longer); /* 80 digits: more than the 63 bytes read */
    double x;
    assert_false(sim_decimal(longer, sizeof longer, &x));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(what_dsim_writes_is_read),
        cmocka_unit_test(other_forms_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
