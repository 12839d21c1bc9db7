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

void *sim__xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "dsim: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

void *sim__xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "dsim: out of memory (%zu x %zu bytes)\n", n, size);
        abort();
    }
    return p;
}

char *sim__xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sim__xmalloc(n);
    memcpy(p, s, n);
    return p;
}
