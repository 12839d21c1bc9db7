/* Placeholder until its issue lands: says so plainly. */
#include <stdio.h>

#include "commands.h"

int sim_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dsim: 'check' is not implemented yet\n");
    return SIM_EXIT_INTERNAL;
}
