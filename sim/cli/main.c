/*
 * main.c — the dsim executable. Everything lives in the library (sim/cli/cli.c), so
 * tests and fuzzers can drive the same code without a process.
 */
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include "cli.h"
#include "xalloc.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts the process; dsim checks every result
     * instead (models/dist.c turns it off for every program that samples, too). */
    gsl_set_error_handler_off();
    /* jansson allocates by the one policy too (xalloc.h): out of memory inside
     * it is a message and an abort, never a NULL taken for bad input. */
    json_set_alloc_funcs(sim_xmalloc, free);
    /* freed memory stays for the next run (xalloc.h): no page faults run after run */
    sim_malloc_keep();
    return sim_close_stdout(sim_main(argc, argv));
}
