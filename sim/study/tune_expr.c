/* tune_expr.c — tune's knobs, objective and constraints as text (tune.h). */
#include "tune.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* A whole-string finite number; *is_int when it is written as an integer. */
static int number(const char *s, size_t len, double *out, bool *is_int)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || !isfinite(v) || isspace((unsigned char)buf[0]))
        return -1;
    *out = v;
    *is_int = strspn(buf, "+-0123456789") == len;
    return 0;
}

int sim_tune_knob_parse(const char *arg, sim_tune_knob *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof out->key) {
        sim_error_add(err, "--knob '%.200s': expected KEY=LO:HI or KEY=V1,V2,...", arg);
        return -1;
    }
    memcpy(out->key, arg, (size_t)(eq - arg));
    const char *v = eq + 1;
    const char *colon = strchr(v, ':');
    if (colon && !strchr(v, ',')) {
        bool i1, i2;
        if (number(v, (size_t)(colon - v), &out->lo, &i1) != 0 ||
            number(colon + 1, strlen(colon + 1), &out->hi, &i2) != 0 || !(out->lo < out->hi)) {
            sim_error_add(err, "--knob '%.200s': expected KEY=LO:HI with numbers LO < HI", arg);
            memset(out, 0, sizeof *out);
            return -1;
        }
        out->kind = SIM_KNOB_REAL;
        out->int_bounds = i1 && i2;
        return 0;
    }
    out->kind = SIM_KNOB_LIST;
    for (const char *item = v;;) {
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);
        if (len == 0 || len >= 128 || out->n >= SIM_TUNE_LIST_MAX) {
            sim_error_add(err, "--knob '%.200s': %s", arg,
                          len == 0 ? "an empty value" : "too long a value or too many values");
            sim_tune_knob_free(out);
            return -1;
        }
        out->values = sim_xrealloc(out->values, (out->n + 1) * sizeof *out->values);
        out->values[out->n] = sim_xrealloc(NULL, len + 1);
        memcpy(out->values[out->n], item, len);
        out->values[out->n++][len] = '\0';
        if (!comma)
            break;
        item = comma + 1;
    }
    return 0;
}

void sim_tune_knob_free(sim_tune_knob *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->values[i]);
    free(k->values);
    memset(k, 0, sizeof *k);
}

void sim_tune_knob_text(const sim_tune_knob *k, double x, char *buf, size_t size)
{
    switch (k->kind) {
    case SIM_KNOB_INT:
        snprintf(buf, size, "%.0f", x);
        break;
    case SIM_KNOB_REAL:
        snprintf(buf, size, "%.10g", x);
        break;
    case SIM_KNOB_LIST: {
        size_t i = x < 0 ? 0 : (size_t)x;
        snprintf(buf, size, "%s", k->values[i < k->n ? i : k->n - 1]);
        break;
    }
    }
}

/* --- expressions ------------------------------------------------------------- */

static const char *skip(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Reads a number at *p (digits or '.' first: never "inf" or hex). A number
 * strtod reads but cannot hold (1e999, 1e-999) is not read, and *range says so. */
static bool read_number(const char **p, double *out, bool *range)
{
    *range = false;
    if (!isdigit((unsigned char)**p) && **p != '.')
        return false;
    char *end;
    errno = 0;
    double v = strtod(*p, &end);
    if (end != *p && (errno || !isfinite(v)))
        *range = true;
    if (end == *p || errno || !isfinite(v))
        return false;
    *out = v;
    *p = end;
    return true;
}

/* "'TEXT': the number at column C is out of range ...", too large or (1e-999,
 * which strtod takes to 0 or a denormal) too small. Returns -1. */
static int out_of_range(const char *text, const char *at, sim_error *err)
{
    double v = strtod(at, NULL);
    if (isfinite(v) && fabs(v) < 1.0)
        sim_error_add(err, "'%.200s': the number at column %d is out of range (too small: a "
                      "number other than 0 is at least %g in magnitude)",
                      text, (int)(at - text) + 1, DBL_MIN);
    else
        sim_error_add(err, "'%.200s': the number at column %d is out of range (a coefficient "
                      "or a constant is at most %g in magnitude, so that the sum stays finite)",
                      text, (int)(at - text) + 1, SIM_TUNE_COEF_MAX);
    return -1;
}

static const char *const metric_names[SIM_M_COUNT] = {
#define TUNE_NAME(id, name) name,
    SIM_METRICS(TUNE_NAME)
#undef TUNE_NAME
};

/* Reads a metric name at *p into *m. */
static int read_metric(const char *text, const char **p, int *m, sim_error *err)
{
    const char *s = *p;
    if (!name_start(*s)) {
        sim_error_add(err, "'%.200s': expected a metric name or a number at column %d", text,
                      (int)(s - text) + 1);
        return -1;
    }
    while (name_char(**p))
        (*p)++;
    char name[128];
    size_t len = (size_t)(*p - s);
    snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), s);
    *m = sim_metric_lookup(name);
    if (*m < 0) {
        const char *near = sim_suggest(name, metric_names, SIM_M_COUNT);
        sim_error_add(err, "'%.200s': unknown metric '%s' at column %d%s%s%s", text, name,
                      (int)(s - text) + 1, near ? " (did you mean '" : "", near ? near : "",
                      near ? "'?)" : "");
        return -1;
    }
    return 0;
}

/* Parses an expression from text up to a comparison operator or the end;
 * *stop receives where it stopped. */
static int parse_expr(const char *text, const char **stop, sim_expr *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = skip(text);
    double sign = 1;
    if (*p == '-' || *p == '+') {
        sign = *p == '-' ? -1 : 1;
        p = skip(p + 1);
    }
    for (;;) {
        if (out->n >= SIM_TUNE_TERMS_MAX) {
            sim_error_add(err, "'%.200s': more than %d terms", text, SIM_TUNE_TERMS_MAX);
            return -1;
        }
        double coef = 1;
        int metric = -1;
        bool range;
        const char *at = p;
        if (read_number(&p, &coef, &range)) {
            if (fabs(coef) > SIM_TUNE_COEF_MAX)
                return out_of_range(text, at, err);
            p = skip(p);
            bool star = *p == '*';
            if (star)
                p = skip(p + 1);
            if (star || name_start(*p)) {
                if (read_metric(text, &p, &metric, err) != 0)
                    return -1;
            }
        } else {
            if (range)
                return out_of_range(text, at, err);
            if (read_metric(text, &p, &metric, err) != 0)
                return -1;
            p = skip(p);
            if (*p == '*') {
                p = skip(p + 1);
                at = p;
                if (!read_number(&p, &coef, &range)) {
                    if (range)
                        return out_of_range(text, at, err);
                    sim_error_add(err, "'%.200s': expected a number after '*' at column %d",
                                  text, (int)(p - text) + 1);
                    return -1;
                }
                if (fabs(coef) > SIM_TUNE_COEF_MAX)
                    return out_of_range(text, at, err);
            }
        }
        out->coef[out->n] = sign * coef;
        out->metric[out->n++] = metric;
        p = skip(p);
        if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p = skip(p + 1);
            continue;
        }
        break;
    }
    *stop = p;
    return 0;
}

int sim_expr_parse(const char *text, sim_expr *out, sim_error *err)
{
    const char *stop;
    if (parse_expr(text, &stop, out, err) != 0)
        return -1;
    if (*stop) {
        sim_error_add(err, "'%.200s': unexpected '%c' at column %d", text, *stop,
                      (int)(stop - text) + 1);
        return -1;
    }
    return 0;
}

double sim_expr_eval(const sim_expr *e, const double v[SIM_M_COUNT])
{
    double sum = 0;
    for (size_t i = 0; i < e->n; i++)
        sum += e->coef[i] * (e->metric[i] < 0 ? 1.0 : v[e->metric[i]]);
    return sum;
}

int sim_constraint_parse(const char *text, sim_constraint *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", text);
    const char *stop;
    if (parse_expr(text, &stop, &out->lhs, err) != 0)
        return -1;
    if ((stop[0] != '<' && stop[0] != '>') || stop[1] != '=') {
        sim_error_add(err, "'%.200s': expected '<=' or '>=' at column %d", text,
                      (int)(stop - text) + 1);
        return -1;
    }
    out->at_most = stop[0] == '<';
    const char *p = skip(stop + 2);
    double sign = 1;
    if (*p == '-') {
        sign = -1;
        p++;
    }
    bool range;
    if (!read_number(&p, &out->bound, &range) || *skip(p)) {
        sim_error_add(err, "'%.200s': expected a number after '%c=' (a bound)", text, stop[0]);
        return -1;
    }
    out->bound *= sign;
    return 0;
}
