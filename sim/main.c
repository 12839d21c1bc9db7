/*
 * main.c — the dsim executable. Everything lives in the library (sim/cli.c), so
 * tests and fuzzers can drive the same code without a process.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return sim_main(argc, argv);
}
