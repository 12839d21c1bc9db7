/* expect.c — expectations checked against the figures of a run (see expect.h). */
#include "expect.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xalloc.h"

/* A bound on the items of one scenario: policies x expectations stays small. */
#define EXPECT_ITEMS_MAX 100000

static int policy_lookup(const sim_scenario *s, const char *name)
{
    for (size_t p = 0; p < s->n_policies; p++)
        if (strcmp(s->policies[p].name, name) == 0)
            return (int)p;
    return -1;
}

static const char *scenario_path(const sim_scenario *s)
{
    return s->path ? s->path : "<scenario>";
}

int sim_expect_plan(const sim_scenario *s, sim_expect_item **items, size_t *n,
                    sim_error *err)
{
    assert(s && items && n && err);
    *items = NULL;
    *n = 0;
    int bad = 0;
    size_t total = 0;
    for (size_t i = 0; i < s->n_expects; i++) {
        const sim_expect *e = &s->expects[i];
        if (sim_metric_lookup(e->metric) < 0) {
            sim_error_add(err, "%s: expect.%s.%s: unknown metric '%s'", scenario_path(s),
                          e->policy, e->metric, e->metric);
            bad = 1;
        }
        if (!e->has_min && !e->has_max && !e->has_equals) {
            sim_error_add(err, "%s: expect.%s.%s: no bound, expected min, max or equals",
                          scenario_path(s), e->policy, e->metric);
            bad = 1;
        }
        if (strcmp(e->policy, "*") == 0) {
            total += s->n_policies;
        } else if (policy_lookup(s, e->policy) < 0) {
            sim_error_add(err, "%s: expect.%s: no policy named '%s' in this scenario",
                          scenario_path(s), e->policy, e->policy);
            bad = 1;
        } else {
            total += 1;
        }
    }
    if (bad)
        return -1;
    if (total > EXPECT_ITEMS_MAX) {
        sim_error_add(err, "%s: expect: %zu checks after expanding \"*\", at most %d",
                      scenario_path(s), total, EXPECT_ITEMS_MAX);
        return -1;
    }
    if (total == 0)
        return 0;
    sim_expect_item *out = sim_xcalloc(total, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < s->n_expects; i++) {
        const sim_expect *e = &s->expects[i];
        sim_metric m = (sim_metric)sim_metric_lookup(e->metric);
        bool all = strcmp(e->policy, "*") == 0;
        size_t first = all ? 0 : (size_t)policy_lookup(s, e->policy);
        size_t last = all ? s->n_policies : first + 1;
        for (size_t p = first; p < last; p++) {
            assert(k < total);
            out[k].expect = i;
            out[k].policy = p;
            out[k].metric = m;
            out[k].value = NAN;
            k++;
        }
    }
    assert(k == total);
    *items = out;
    *n = total;
    return 0;
}

double sim_expect_value(const sim_expect *e, sim_metric m, const sim_summary *sum)
{
    switch (e->on) {
    case SIM_EXPECT_ON_CI_UPPER:
        /* Zero events in every replication: the rule-of-three bound stats.h
         * gives in the metric's unit (3 / N a replication for a count, at most
         * U for a loss; 3 / (N x U) per utterance for a rate), results.json's
         * upper_bound. */
        if (sim_summary_is_rule_of_three(sum, m))
            return sum->upper_bound;
        return sum->mean + sum->half_width;
    case SIM_EXPECT_ON_CI_LOWER:
        return sum->mean - sum->half_width;
    case SIM_EXPECT_ON_MEAN:
    default:
        return sum->mean;
    }
}

bool sim_expect_holds(const sim_expect *e, double value)
{
    if (isnan(value))
        return false;
    if (e->has_min && !(value >= e->min))
        return false;
    if (e->has_max && !(value <= e->max))
        return false;
    if (e->has_equals && !(fabs(value - e->equals) <= 1e-9 * fmax(1.0, fabs(e->equals))))
        return false;
    return true;
}

void sim_expect_eval(const sim_scenario *s, const sim_results *res, sim_expect_item *items,
                     size_t n)
{
    assert(s && res && (items || n == 0));
    assert(res->n_policies == s->n_policies && res->n_reps >= 1);
    for (size_t k = 0; k < n; k++) {
        sim_expect_item *it = &items[k];
        assert(it->expect < s->n_expects && it->policy < res->n_policies);
        assert((int)it->metric >= 0 && it->metric < SIM_M_COUNT);
        const sim_expect *e = &s->expects[it->expect];
        sim_summarize(res, it->policy, it->metric, &it->summary);
        it->reps = res->n_reps;
        it->value = sim_expect_value(e, it->metric, &it->summary);
        it->pass = sim_expect_holds(e, it->value);
    }
}

char *sim_expect_number(double v, int digits, char *buf, size_t size)
{
    assert(buf && size > 0 && digits >= 1 && digits <= 17);
    if (isnan(v))
        snprintf(buf, size, "n/a"); /* not measured (stats.h) */
    else if (isinf(v))
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.*g", digits, v == 0 ? 0.0 : v);
    return buf;
}

const char *sim_expect_on_name(sim_expect_on on)
{
    switch (on) {
    case SIM_EXPECT_ON_CI_UPPER:
        return "ci_upper";
    case SIM_EXPECT_ON_CI_LOWER:
        return "ci_lower";
    case SIM_EXPECT_ON_MEAN:
    default:
        return "mean";
    }
}

char *sim_expect_bounds(const sim_expect *e, char *buf, size_t size)
{
    assert(e && buf && size > 0);
    char num[64];
    size_t w = 0;
    buf[0] = '\0';
    const bool has[3] = {e->has_min, e->has_max, e->has_equals};
    const double val[3] = {e->min, e->max, e->equals};
    static const char *const op[3] = {">=", "<=", "=="};
    for (int b = 0; b < 3 && w < size; b++) {
        if (!has[b])
            continue;
        sim_expect_number(val[b], 15, num, sizeof num);
        int k = snprintf(buf + w, size - w, "%s%s %s", w ? " and " : "", op[b], num);
        if (k < 0)
            break;
        w += (size_t)k;
    }
    return buf;
}

char *sim_expect_describe(const sim_scenario *s, const sim_expect_item *it, char *buf,
                          size_t size)
{
    assert(s && it && buf && size > 0);
    assert(it->expect < s->n_expects && it->policy < s->n_policies);
    const sim_expect *e = &s->expects[it->expect];
    char on[32] = "", bounds[256];
    if (e->on != SIM_EXPECT_ON_MEAN)
        snprintf(on, sizeof on, " (%s)", sim_expect_on_name(e->on));
    snprintf(buf, size, "%s %s%s %s", s->policies[it->policy].name,
             sim_metric_name(it->metric), on, sim_expect_bounds(e, bounds, sizeof bounds));
    return buf;
}

/* A latency needs a delivery: "latency_s.*" has no value in a replication that
 * delivered nothing. */
static bool is_latency(sim_metric m)
{
    return strncmp(sim_metric_name(m), "latency_s.", 10) == 0;
}

char *sim_expect_measured(const sim_scenario *s, const sim_expect_item *it, char *buf,
                          size_t size)
{
    assert(s && it && buf && size > 0 && it->expect < s->n_expects);
    const sim_expect *e = &s->expects[it->expect];
    const sim_summary *sum = &it->summary;
    const char *plural = it->reps == 1 ? "" : "s";
    if (sum->n == 0) {
        snprintf(buf, size, "%s (in %zu replication%s)",
                 is_latency(it->metric) ? "no utterance delivered" : "not measured", it->reps,
                 plural);
        return buf;
    }
    char value[64], mean[64], hw[64], mean_hw[160], part[96] = "";
    sim_expect_number(it->value, 6, value, sizeof value);
    sim_expect_number(sum->mean, 6, mean, sizeof mean);
    if (isnan(sum->half_width)) /* one value: no interval, not ±0 */
        snprintf(mean_hw, sizeof mean_hw, "%s", mean);
    else
        snprintf(mean_hw, sizeof mean_hw, "%s \xc2\xb1 %s", mean,
                 sim_expect_number(sum->half_width, 3, hw, sizeof hw));
    /* an event count that is 0 in every replication: not "0 ± 0" but, as dsim run
     * prints it, its rule-of-three bound per utterance */
    bool never = sim_summary_is_rule_of_three(sum, it->metric) && sum->n > 1;
    if (sum->n < it->reps)
        snprintf(part, sizeof part, ", over the %zu of %zu replications %s", sum->n, it->reps,
                 is_latency(it->metric) ? "that delivered" : "with a value");
    if (e->on == SIM_EXPECT_ON_MEAN) {
        if (never && isfinite(sim_summary_rate_bound(sum)))
            snprintf(mean_hw, sizeof mean_hw, "0 (\xe2\x89\xa4 %.2g/utt)",
                     sim_round_up(sim_summary_rate_bound(sum), 2)); /* up: a bound */
        if (part[0])
            snprintf(buf, size, "%s (%s)", mean_hw, part + 2);
        else
            snprintf(buf, size, "%s", mean_hw);
    } else if (isnan(it->value)) {
        snprintf(buf, size, "no confidence interval from %zu replication%s (mean %s%s)",
                 sum->n, sum->n == 1 ? "" : "s", mean, part);
    } else if (e->on == SIM_EXPECT_ON_CI_UPPER &&
               sim_summary_is_rule_of_three(sum, it->metric)) {
        snprintf(buf, size, "%s (rule of three: 0 in each of %zu replications%s)", value, sum->n,
                 part);
    } else {
        snprintf(buf, size, "%s (mean %s%s)", value, mean_hw, part);
    }
    return buf;
}
