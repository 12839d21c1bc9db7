/*
 * sim_error.c — the error list (sim_error.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_error.h"

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

void sim_error_merge(sim_error *dst, const sim_error *src)
{
    for (int i = 0; i < src->count && i < SIM_ERR_MAX; i++)
        sim_error_add(dst, "%s", src->msg[i]);
    dst->internal = dst->internal || src->internal;
}

int sim_error_exit(const sim_error *err)
{
    return err && err->internal ? 3 : 2;
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

