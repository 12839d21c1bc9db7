/*
 * sim_error.h — a list of error messages, the one way every room of sim/ reports
 * a failure to its caller (the loader's "FILE:LINE:COL: PATH: ..." lines, a
 * refused output file, a run that exceeded its budget).
 */
#ifndef DSIM_SIM_ERROR_H
#define DSIM_SIM_ERROR_H

#include <stdbool.h>

/* Errors: up to SIM_ERR_MAX messages, each one line, the first is the headline. */
#define SIM_ERR_MAX 20
typedef struct sim_error {
    int count; /* errors recorded (may exceed the stored ones) */
    bool internal; /* one of them is dsim's own fault (exit 3), not the input's */
    char msg[SIM_ERR_MAX][512];
} sim_error;

/* Appends src's messages to dst and carries its internal flag. */
void sim_error_merge(sim_error *dst, const sim_error *src);
/* The exit code for a failure described by err: 3 (SIM_EXIT_INTERNAL) when it is
 * internal, else 2 (SIM_EXIT_USAGE). */
int sim_error_exit(const sim_error *err);

/* Appends one formatted message ("FILE: PATH: ..."), keeping the first SIM_ERR_MAX. */
void sim_error_add(sim_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints every stored message to stderr prefixed "dsim: ". */
void sim_error_print(const sim_error *err);

#endif
