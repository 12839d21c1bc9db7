/*
 * main.c — the dsim executable. Everything lives in the library (sim/cli/cli.c), so
 * tests and fuzzers can drive the same code without a process.
 */
#include <gsl/gsl_errno.h>

#include "cli.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts the process; dsim checks every result
     * instead (models/dist.c turns it off for every program that samples, too). */
    gsl_set_error_handler_off();
    return sim_close_stdout(sim_main(argc, argv));
}
