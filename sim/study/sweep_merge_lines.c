/* sweep_merge_lines.c — the lines of a shard's CSV read for merge
 * (merge_internal.h): its shard line, a row's point, a replication range (#part)
 * with its values checked; the ranges checked to cover the sweep and joined
 * into a point's results. */
#include "sweep.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "merge_internal.h"

int sim__sweep_decimal(const char *s, size_t len, double *out)
{
    double x;
    if (!sim_decimal(s, len, &x) || !(fabs(x) <= SIM_SWEEP_VALUE_MAX))
        return -1;
    *out = x;
    return 0;
}

/* The metrics that count something (never missing, never negative). */
static bool is_count(size_t m)
{
    return m <= SIM_M_LOST_UNFINISHED || m == SIM_M_FAILOVERS || m == SIM_M_DISPATCHES ||
           m == SIM_M_HEDGES || m == SIM_M_BUDGET_REFUSALS || m == SIM_M_OUT_OF_ORDER ||
           m == SIM_M_ERRORS_TO_CLIENT || m == SIM_M_EVENTS;
}

const char *sim__sweep_value_check(size_t m, double x)
{
    if (is_count(m)) {
        if (!(x >= 0 && x <= SIM_SWEEP_VALUE_MAX))
            return "a count: a decimal number from 0 to 1e100";
        return NULL;
    }
    if (!isnan(x) && !(fabs(x) <= SIM_SWEEP_VALUE_MAX))
        return "a decimal number within +-1e100, or nothing (not measured)";
    return NULL;
}

/* Digits at p (before end), at most max: *out, and the end of the digits; NULL
 * when there is none or the number is over max. */
static const char *read_uint(const char *p, const char *end, size_t max, size_t *out)
{
    size_t v = 0;
    const char *start = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (size_t)(*p - '0');
        if (v > max)
            return NULL;
    }
    if (p == start)
        return NULL;
    *out = v;
    return p;
}

/* Parses line[0..len) ('\n' included) into *pt: the numbers strictly (each value
 * as sim__sweep_value_check allows). Returns 0, or -1 with what is wrong in
 * why[0..size). */
int sim__merge_parse_part(const char *line, size_t len, merge_part *pt, char *why, size_t size)
{
    const char *p = line + strlen(SIM_SWEEP_PART_TAG), *end = line + len - 1;
    size_t pol, first, count;
    memset(pt, 0, sizeof *pt);
    if (!(p = read_uint(p, end, 1000000, &pol)) || *p != ',')
        return snprintf(why, size, "%s", "expected the policy number"), -1;
    if (!(p = read_uint(p + 1, end, 100000, &first)) || *p != ',')
        return snprintf(why, size, "%s", "expected the first replication"), -1;
    if (!(p = read_uint(p + 1, end, 100000, &count)) || *p != ',' || count < 1)
        return snprintf(why, size, "%s", "expected the number of replications (1 or more)"), -1;
    size_t n = (size_t)count * SIM_M_COUNT;
    pt->v = sim_xcalloc(n, sizeof *pt->v);
    for (size_t k = 0; k < n; k++) {
        if (p >= end || *p != ',') {
            free(pt->v);
            pt->v = NULL;
            return snprintf(why, size, "%s", "fewer values than replications x metrics"), -1;
        }
        p++;
        const char *q = p;
        while (q < end && *q != ',')
            q++;
        size_t m = k % SIM_M_COUNT;
        if (q == p)
            pt->v[k] = NAN;
        else if (sim__sweep_decimal(p, (size_t)(q - p), &pt->v[k]) != 0)
            pt->v[k] = INFINITY; /* refused below */
        const char *bad = sim__sweep_value_check(m, pt->v[k]);
        if (bad) {
            free(pt->v);
            pt->v = NULL;
            snprintf(why, size, "replication %zu's %s: expected %s, got '%.*s'",
                     (size_t)first + k / SIM_M_COUNT, sim_metric_name((sim_metric)m), bad,
                     (int)(q - p < 40 ? q - p : 40), p);
            return -1;
        }
        p = q;
    }
    if (p >= end || *p != ',' ||
        sim__merge_row_point(p + 1, (size_t)(end - p), &pt->point) != 0) {
        free(pt->v);
        pt->v = NULL;
        return snprintf(why, size, "%s", "expected the point number after the values"), -1;
    }
    pt->policy = (size_t)pol;
    pt->first = (int)first;
    pt->count = (int)count;
    pt->prefix = p + 1;
    pt->prefix_len = (size_t)(end - p - 1);
    return 0;
}

int sim__merge_part_cmp(const void *a, const void *b)
{
    const merge_part *x = a, *y = b;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    if (x->policy != y->policy)
        return x->policy < y->policy ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* The leading "point" field of a row: digits then a comma. */
int sim__merge_row_point(const char *line, size_t len, size_t *point)
{
    size_t i = 0, v = 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9' && i < 19; i++)
        v = v * 10 + (size_t)(line[i] - '0');
    if (i == 0 || i >= len || line[i] != ',')
        return -1;
    *point = v;
    return 0;
}

/* Parses the shard line line[0..len) ('\n' included). Returns 0 or -1. */
int sim__merge_parse_shard_line(const char *line, size_t len, shard_info *si)
{
    char buf[256], tail = 0;
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    memset(si, 0, sizeof *si);
    int n = sscanf(buf,
                   "# dsim sweep shard %zu/%zu points=%zu policies=%zu seed=%llu "
                   "replications=%d fingerprint=%16[0-9a-f]%c",
                   &si->index, &si->count, &si->points, &si->policies, &si->seed, &si->reps,
                   si->fp, &tail);
    if (n != 8 || tail != '\n' || strlen(si->fp) != 16 || si->count < 2 ||
        si->count > 1000000 || si->index < 1 || si->index > si->count || si->points < 1 ||
        si->policies < 1 || si->reps < 1)
        return -1;
    return 0;
}

/* The slice of range (first, count) of `reps` cut into k, or k when there is none. */
size_t sim__merge_slice_of(int reps, size_t k, int first, int count)
{
    size_t sl = ((size_t)first * k + (size_t)reps - 1) / (size_t)reps; /* ceil(first k / R) */
    int f, c;
    if (sl >= k)
        return k;
    sim_sweep_slice_reps(reps, k, sl, &f, &c);
    return f == first && c == count ? sl : k;
}

/* Checks that the parts (sorted) cover every point x policy x replication exactly
 * once with the same leading fields. Returns 0 or -1 (err). */
int sim__merge_check_parts(const merge_part *pt, size_t n_parts, const shard_info *si,
                           const char *const *inputs, sim_error *err)
{
    size_t i = 0;
    for (size_t p = 0; p < si->points; p++)
        for (size_t q = 0; q < si->policies; q++) {
            int next = 0;
            const merge_part *head = i < n_parts ? &pt[i] : NULL;
            for (; i < n_parts && pt[i].point == p && pt[i].policy == q; i++) {
                if (pt[i].first > next) {
                    sim_error_add(err, "merge: point %zu, policy %zu: replications %d..%d "
                                       "missing",
                                  p, q, next, pt[i].first - 1);
                    return -1;
                }
                if (pt[i].first < next) {
                    sim_error_add(err, "%s: point %zu, policy %zu: replications %d..%d given "
                                       "twice",
                                  inputs[pt[i].file], p, q, pt[i].first,
                                  pt[i].first + pt[i].count - 1);
                    return -1;
                }
                if (pt[i].prefix_len != head->prefix_len ||
                    memcmp(pt[i].prefix, head->prefix, head->prefix_len) != 0) {
                    sim_error_add(err, "%s: point %zu, policy %zu: its knob values or policy "
                                       "name differ from those in %s",
                                  inputs[pt[i].file], p, q, inputs[head->file]);
                    return -1;
                }
                next += pt[i].count;
            }
            if (next != si->reps) {
                sim_error_add(err, "merge: point %zu, policy %zu: replications %d..%d missing",
                              p, q, next, si->reps - 1);
                return -1;
            }
        }
    return 0;
}

/* Point p's results (every policy, every replication) from its parts, starting
 * at pt[*i]; advances *i past them. */
void sim__merge_part_results(const merge_part *pt, size_t n_parts, size_t *i,
                              const shard_info *si, sim_results *r)
{
    r->n_policies = si->policies;
    r->n_reps = (size_t)si->reps;
    r->v = sim_xcalloc(r->n_policies * r->n_reps * SIM_M_COUNT, sizeof *r->v);
    size_t p = pt[*i].point;
    for (; *i < n_parts && pt[*i].point == p; (*i)++)
        memcpy(sim_results_at(r, pt[*i].policy, (size_t)pt[*i].first), pt[*i].v,
               (size_t)pt[*i].count * SIM_M_COUNT * sizeof *r->v);
}
