/* Placeholder until its issue lands: says so plainly. */
#include <stdio.h>

#include "commands.h"

int sim_cmd_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dsim: 'plot' is not implemented yet\n");
    return SIM_EXIT_INTERNAL;
}
