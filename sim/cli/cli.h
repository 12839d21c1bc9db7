/*
 * cli.h — the dsim command line: dispatch to subcommands, help, usage errors.
 */
#ifndef DSIM_CLI_H
#define DSIM_CLI_H

#include <stdio.h>

/*
 * The whole `dsim` program: global flags (--help, --version) and dispatch to the
 * subcommands of commands.h. Returns the process exit code (commands.h). Kept in
 * the library so that tests and fuzzers can call it without a process.
 */
int sim_main(int argc, char **argv);

/* Flushes and closes standard output after a command that returned rc. Returns
 * rc, or 2 (with "dsim: cannot write standard output: ..." on stderr) when any
 * output was lost (a full disk, /dev/full, a closed pipe) and the command had
 * not failed already — so `dsim validate x.json > /dev/full` does not exit 0
 * (sim/cli/closeout.c). */
int sim_close_stdout(int rc);

/* Prints the synopsis of every subcommand (dsim --help) to f. */
void sim_print_help(FILE *f);

/* Prints "dsim: MESSAGE" and "try 'dsim --help'" to stderr. Returns SIM_EXIT_USAGE,
 * so that a command can `return sim_usage_error(...)`. */
int sim_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a whole unsigned decimal (no sign, no spaces) in [lo, hi] into *out.
 * Returns 0, or -1 leaving *out untouched. The one number parser of the
 * subcommands' options. */
int sim_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
                   unsigned long long *out);

#endif
