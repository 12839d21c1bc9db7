/*
 * fuzz_cli.c — libFuzzer harness for the command-line parsers.
 *
 * The input is split at NUL bytes into an argument vector (at most
 * FUZZ_ARGS_MAX arguments); the vector is handed to the in-process parsers,
 * which must answer with options or a usage error and never exit, crash or
 * touch a file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "scenario.h"

#define FUZZ_ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private NUL-terminated copy: "check\0" + input + "\0". */
    char *buf = malloc(size + 8);
    if (!buf)
        abort();
    memcpy(buf, "check", 6);
    if (size)
        memcpy(buf + 6, data, size);
    buf[6 + size] = '\0';
    char *argv[FUZZ_ARGS_MAX + 1];
    int argc = 0;
    argv[argc++] = buf;
    for (size_t i = 6; i < 6 + size && argc < FUZZ_ARGS_MAX; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    argv[argc] = NULL;

    sim_check_opts o;
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_check_parse_args(argc, argv, &o, &err) == 0) {
        /* what the command relies on after a successful parse */
        if (!o.help && o.n_paths == 0)
            abort();
        if (o.jobs < 0 || o.jobs > SIM_CHECK_JOBS_MAX || o.replications < 0)
            abort();
        for (size_t k = 0; k < o.n_paths; k++)
            if (!o.paths[k][0])
                abort();
    } else if (err.count < 1 || !err.msg[0][0]) {
        abort(); /* a usage error must say something */
    }
    sim_check_opts_free(&o);
    free(buf);
    return 0;
}
