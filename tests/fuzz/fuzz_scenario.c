/*
 * fuzz_scenario.c — libFuzzer harness for the scenario loader.
 *
 * Feeds arbitrary bytes to sim_scenario_load_string(); on success also walks
 * what `dsim check` and sweeps do with a loaded scenario (expectation plan, a
 * deep copy, the summary). Any crash, hang, leak or sanitizer report is a bug:
 * the loader must turn every input into a scenario or an error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    sim_limits limits;
    sim_limits_default(&limits);
    sim_scenario s;
    memset(&s, 0, sizeof s);
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_scenario_load_string((const char *)data, size, "fuzz.json", &limits, &s, &err) != 0)
        return 0;
    sim_expect_item *items = NULL;
    size_t n = 0;
    memset(&err, 0, sizeof err);
    if (sim_expect_plan(&s, &items, &n, &err) == 0)
        free(items);
    sim_scenario copy;
    memset(&copy, 0, sizeof copy);
    sim_scenario_copy(&copy, &s);
    if (devnull)
        sim_scenario_print_summary(&copy, devnull);
    sim_scenario_free(&copy);
    sim_scenario_free(&s);
    return 0;
}
