/*
 * scenario_fixture.h — builds small one-line scenarios for the loader's tests.
 * Header-only (static functions), shared by tests/test_scenario*.c.
 */
#ifndef DSIM_SCENARIO_FIXTURE_H
#define DSIM_SCENARIO_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FX_CONST "{\"dist\": \"const\", \"value\": 1}"
#define FX_WORKLOAD "{\"sessions\": 2, \"utterances_per_session\": 3}"
#define FX_NODES                                                                                   \
    "[{\"name\": \"gpu\", \"stages\": {\"asr\": " FX_CONST ", \"nmt\": " FX_CONST                  \
    ", \"tts\": " FX_CONST "}}]"
#define FX_POLICIES "[{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\"}]"

/* A scenario on one line from its parts (NULL = the default part); `extra` is
 * appended as further top-level members (", \"expect\": {...}") when not NULL.
 * Returns a static buffer. */
static inline const char *fx_scenario(const char *workload, const char *nodes, const char *policies,
                                      const char *extra)
{
    static char buf[1 << 16];
    snprintf(buf, sizeof buf,
             "{\"name\": \"t\", \"seed\": 1, \"workload\": %s, \"nodes\": %s, "
             "\"policies\": %s%s}",
             workload ? workload : FX_WORKLOAD, nodes ? nodes : FX_NODES,
             policies ? policies : FX_POLICIES, extra ? extra : "");
    return buf;
}

/* A node class list of one class with the given members added after "name". */
static inline const char *fx_node(const char *members)
{
    static char buf[1 << 14];
    snprintf(buf, sizeof buf,
             "[{\"name\": \"gpu\", %s%s\"stages\": {\"asr\": " FX_CONST ", \"nmt\": " FX_CONST
             ", \"tts\": " FX_CONST "}}]",
             members, members[0] ? ", " : "");
    return buf;
}

/* A node class list whose asr stage is `dist`. */
static inline const char *fx_asr(const char *d)
{
    static char buf[1 << 14];
    snprintf(buf, sizeof buf,
             "[{\"name\": \"gpu\", \"stages\": {\"asr\": %s, \"nmt\": " FX_CONST
             ", \"tts\": " FX_CONST "}}]",
             d);
    return buf;
}

/* A policy list of one policy "p" with the given members after "preset". */
static inline const char *fx_policy(const char *members)
{
    static char buf[1 << 14];
    snprintf(buf, sizeof buf, "[{\"name\": \"p\", \"preset\": \"lingua-2025-12-28\", %s}]",
             members);
    return buf;
}

/* The 1-based column of the first `needle` in one-line text (0 when absent). */
static inline int fx_col(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    return p ? (int)(p - text) + 1 : 0;
}

/* The same for the n-th (1-based) occurrence. */
static inline int fx_col_nth(const char *text, const char *needle, int n)
{
    const char *p = text;
    for (int i = 0; p && i < n; i++) {
        p = strstr(p, needle);
        if (p && i + 1 < n)
            p++;
    }
    return p ? (int)(p - text) + 1 : 0;
}

static inline char *fx_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *fx_fmt(const char *fmt, ...)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf[k], sizeof buf[k], fmt, ap);
    va_end(ap);
    return buf[k];
}

#endif
