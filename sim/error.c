/*
 * error.c — the loader's error list and the loader's allocation policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "scenario.h"

void sim_error_add(sim_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    if (err->count >= 0 && err->count < SIM_ERR_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg[err->count], sizeof err->msg[0], fmt, ap);
        va_end(ap);
    }
    if (err->count < 1000000000)
        err->count++;
}

void sim_error_print(const sim_error *err)
{
    if (!err)
        return;
    int shown = err->count < SIM_ERR_MAX ? err->count : SIM_ERR_MAX;
    for (int i = 0; i < shown; i++)
        fprintf(stderr, "dsim: %s\n", err->msg[i]);
    if (err->count > shown)
        fprintf(stderr, "dsim: %d more errors not shown\n", err->count - shown);
}

