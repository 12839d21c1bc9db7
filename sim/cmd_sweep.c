/* Placeholder until its issue lands: says so plainly. */
#include <stdio.h>

#include "commands.h"

int sim_cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dsim: 'sweep' is not implemented yet\n");
    return SIM_EXIT_INTERNAL;
}

int sim_cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dsim: 'merge' is not implemented yet\n");
    return SIM_EXIT_INTERNAL;
}
