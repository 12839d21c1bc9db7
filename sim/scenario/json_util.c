/*
 * json_util.c — the loader's path stack, error messages and typed reads.
 */
#include <assert.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "suggest.h"

const sim__range SIM__SECONDS = {0, SIM_MAX_SECONDS, false, false, false};
const sim__range SIM__POS_SECONDS = {0, SIM_MAX_SECONDS, true, false, false};
const sim__range SIM__PROB = {0, 1, false, false, true};
const sim__range SIM__POSITIVE = {0, 1e9, true, false, false};
const sim__range SIM__NONNEG = {0, 1e9, false, false, false};
const sim__range SIM__ANY = {-DBL_MAX, DBL_MAX, false, false, false};
const sim__range SIM__DURATION = {0, (double)DISP_DURATION_MAX / 1e9, false, false, true};
const sim__range SIM__POS_DURATION = {1e-9, (double)DISP_DURATION_MAX / 1e9, false, false, true};
const sim__range SIM__NS_SECONDS = {1e-9, SIM_MAX_SECONDS, false, false, false};

/* ---- path ------------------------------------------------------------------ */

void sim__push_key(sim__ld *ld, const char *key)
{
    assert(ld->depth < SIM__PATH_MAX && key);
    ld->path[ld->depth].key = key;
    ld->path[ld->depth].index = 0;
    ld->depth++;
}

void sim__push_index(sim__ld *ld, size_t index)
{
    assert(ld->depth < SIM__PATH_MAX);
    ld->path[ld->depth].key = NULL;
    ld->path[ld->depth].index = index;
    ld->depth++;
}

void sim__pop(sim__ld *ld)
{
    assert(ld->depth > 0);
    ld->depth--;
}

void sim_safe_text(const char *s, char *buf, size_t cap)
{
    assert(cap > 4);
    size_t o = 0, limit = cap - 4 < 48 ? cap - 4 : 48;
    for (size_t i = 0; s[i]; i++) {
        if (o >= limit) {
            /* cut at a character's start: no UTF-8 sequence left half */
            if (((unsigned char)s[i] & 0xC0) == 0x80) {
                while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
                    o--;
                if (o > 0 && (unsigned char)buf[o - 1] >= 0xC0)
                    o--;
            }
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o] = '\0';
}

static void path_append(char *buf, size_t cap, size_t *o, const sim__seg *g, bool first)
{
    char piece[80];
    if (g->key) {
        char safe[64];
        sim_safe_text(g->key, safe, sizeof safe);
        snprintf(piece, sizeof piece, "%s%s", first ? "" : ".", safe);
    } else {
        snprintf(piece, sizeof piece, "[%zu]", g->index);
    }
    int n = snprintf(buf + *o, cap - *o, "%s", piece);
    if (n > 0)
        *o = *o + (size_t)n < cap ? *o + (size_t)n : cap - 1;
}

void sim__path_str(const sim__ld *ld, char *buf, size_t cap)
{
    assert(cap > 0);
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ld->depth; i++)
        path_append(buf, cap, &o, &ld->path[i], i == 0);
}

/* ---- messages ---------------------------------------------------------------- */

void sim__fmt_num(double x, char *buf, size_t cap)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    char plain[40]; /* an integer written out when that is shorter: 86400, not 8.64e+04 */
    if (x == floor(x) && fabs(x) < 1e15 && snprintf(plain, sizeof plain, "%.0f", x) > 0 &&
        strlen(plain) < strlen(buf))
        snprintf(buf, cap, "%s", plain);
}

void sim__describe(const json_t *v, char *buf, size_t cap)
{
    char s[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        snprintf(buf, cap, "an object");
        break;
    case JSON_ARRAY:
        snprintf(buf, cap, "an array");
        break;
    case JSON_STRING:
        sim_safe_text(json_string_value(v), s, sizeof s);
        snprintf(buf, cap, "\"%s\"", s);
        break;
    case JSON_INTEGER:
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        sim__fmt_num(json_real_value(v), buf, cap);
        break;
    case JSON_TRUE:
        snprintf(buf, cap, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, cap, "false");
        break;
    default:
        snprintf(buf, cap, "null");
        break;
    }
}

/* Emits one message: position of the current path (+ extra segments), then text. */
static void emit(sim__ld *ld, const sim__seg *extra, size_t nextra, bool want_key,
                 const char *sep_path, const char *msg)
{
    sim_error *err = ld->err;
    if (err->count >= SIM_ERR_MAX) {
        sim_error_add(err, "%s", ""); /* counted, not stored */
        return;
    }
    char path[400];
    sim__path_str(ld, path, sizeof path);
    char where[300] = "";
    if (!ld->bare) {
        int line = 0, col = 0;
        bool pos = false;
        if (ld->text) {
            sim__seg segs[SIM__PATH_MAX + 2];
            size_t n = ld->depth;
            memcpy(segs, ld->path, n * sizeof *segs);
            for (size_t i = 0; i < nextra && n < SIM__PATH_MAX + 2; i++)
                segs[n++] = extra[i];
            pos = sim__locate(ld->text, ld->len, segs, n, want_key, &line, &col) == 0;
            if (!pos && nextra > 0) /* fall back to the enclosing value */
                pos = sim__locate(ld->text, ld->len, segs, ld->depth, false, &line, &col) == 0;
        }
        if (pos)
            snprintf(where, sizeof where, "%s:%d:%d: ", ld->file, line, col);
        else
            snprintf(where, sizeof where, "%s: ", ld->file);
    }
    if (path[0])
        sim_error_add(err, "%s%s%s%s", where, path, sep_path, msg);
    else
        sim_error_add(err, "%s%s", where, msg);
}

void sim__err(sim__ld *ld, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(ld, NULL, 0, false, ": ", msg);
}

void sim__err_key(sim__ld *ld, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim__seg seg = {key, 0};
    emit(ld, &seg, 1, true, ": ", msg);
}

void sim__err_at(sim__ld *ld, const sim__seg *segs, size_t n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(ld, segs, n, false, ".", msg);
}

/* ---- typed reads --------------------------------------------------------------- */

bool sim__want_object(sim__ld *ld, const json_t *v, const char *what)
{
    if (json_is_object(v))
        return true;
    char got[80];
    sim__describe(v, got, sizeof got);
    sim__err(ld, "expected %s, got %s", what, got);
    return false;
}

int sim__check_keys(sim__ld *ld, const json_t *obj, const char *const *allowed)
{
    int bad = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        (void)val;
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0) {
                ok = true;
                break;
            }
        if (ok)
            continue;
        bad++;
        if (sim__errors_full(ld)) {
            sim_error_add(ld->err, "%s", ""); /* counted only */
            continue;
        }
        char safe[64];
        sim_safe_text(key, safe, sizeof safe);
        const char *near = sim_suggest_list(key, allowed);
        if (near) {
            sim__note_suggestion(ld, obj, near);
            sim__err_key(ld, key, "unknown key '%s'; did you mean '%s'?", safe, near);
        } else {
            char list[300] = "";
            size_t o = 0;
            for (size_t i = 0; allowed[i] && o < sizeof list; i++) {
                int n = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", allowed[i]);
                if (n < 0)
                    break;
                o += (size_t)n;
            }
            if (o < sizeof list)
                sim__err_key(ld, key, "unknown key '%s' (valid keys: %s)", safe, list);
            else
                sim__err_key(ld, key, "unknown key '%s'", safe);
        }
    }
    return bad;
}

bool sim__errors_full(const sim__ld *ld)
{
    return ld->err->count >= SIM_ERR_MAX;
}

void sim__note_suggestion(sim__ld *ld, const json_t *obj, const char *key)
{
    unsigned i = ld->n_suggested++ % (sizeof ld->suggested / sizeof ld->suggested[0]);
    ld->suggested[i].obj = obj;
    ld->suggested[i].key = key;
}

static bool was_suggested(const sim__ld *ld, const json_t *obj, const char *key)
{
    size_t n = sizeof ld->suggested / sizeof ld->suggested[0];
    for (size_t i = 0; i < n && i < ld->n_suggested; i++)
        if (ld->suggested[i].obj == obj && strcmp(ld->suggested[i].key, key) == 0)
            return true;
    return false;
}

const json_t *sim__member(sim__ld *ld, const json_t *obj, const char *key, bool required)
{
    const json_t *v = json_object_get(obj, key);
    /* "unknown key 'mean'; did you mean 'median'?" already covers a missing median */
    if (!v && required && !was_suggested(ld, obj, key))
        sim__err(ld, "missing required key '%s'", key);
    return v;
}

static void int_range_text(int64_t lo, int64_t hi, char *buf, size_t cap)
{
    if (hi >= INT_MAX)
        snprintf(buf, cap, ">= %" PRId64, lo);
    else
        snprintf(buf, cap, "in [%" PRId64 ", %" PRId64 "]", lo, hi);
}

int sim__int(sim__ld *ld, const json_t *obj, const char *key, bool required, int64_t lo, int64_t hi,
             int64_t *out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    sim__push_key(ld, key);
    bool ok = false;
    int64_t x = 0;
    bool too_big = false; /* an integral value above every int64 */
    if (json_is_integer(v)) {
        x = json_integer_value(v);
        ok = true;
    } else if (json_is_real(v)) {
        double r = json_real_value(v);
        if (r == floor(r) && r >= -9.2e18 && r <= 9.2e18) {
            x = (int64_t)r;
            ok = true;
        }
        too_big = r == floor(r) && r > 9.2e18;
    }
    char range[80], got[80];
    int rc = SIM__SET;
    if (!ok || x < lo || x > hi) {
        if (((ok && x > hi) || too_big) && hi >= INT_MAX) /* the bound that was crossed */
            snprintf(range, sizeof range, "<= %" PRId64, hi);
        else
            int_range_text(lo, hi, range, sizeof range);
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected an integer %s, got %s", range, got);
        rc = SIM__BAD;
    } else {
        *out = x;
    }
    sim__pop(ld);
    return rc;
}

int sim__int32(sim__ld *ld, const json_t *obj, const char *key, bool required, int lo, int *out)
{
    int64_t x;
    int rc = sim__int(ld, obj, key, required, lo, INT_MAX, &x);
    if (rc == SIM__SET)
        *out = (int)x;
    return rc;
}

static void num_range_text(sim__range r, bool below, char *buf, size_t cap)
{
    char lo[40], hi[40];
    sim__fmt_num(r.lo, lo, sizeof lo);
    sim__fmt_num(r.hi, hi, sizeof hi);
    if (r.lo == -DBL_MAX && r.hi == DBL_MAX)
        buf[0] = '\0';
    else if (r.interval)
        snprintf(buf, cap, " in %c%s, %s%c", r.lo_open ? '(' : '[', lo, hi, r.hi_open ? ')' : ']');
    else if (below)
        snprintf(buf, cap, " %s %s", r.lo_open ? ">" : ">=", lo);
    else
        snprintf(buf, cap, " %s %s", r.hi_open ? "<" : "<=", hi);
}

bool sim__check_num(sim__ld *ld, const json_t *v, sim__range r, double *out)
{
    char range[100], got[80];
    if (!json_is_number(v)) {
        num_range_text(r, true, range, sizeof range);
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected a number%s, got %s", range, got);
        return false;
    }
    double x = json_number_value(v);
    bool below = r.lo_open ? !(x > r.lo) : !(x >= r.lo);
    bool above = r.hi_open ? !(x < r.hi) : !(x <= r.hi);
    if (below || above || !isfinite(x)) {
        num_range_text(r, below, range, sizeof range);
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected a number%s, got %s", range, got);
        return false;
    }
    *out = x;
    return true;
}

int sim__num(sim__ld *ld, const json_t *obj, const char *key, bool required, sim__range r,
             double *out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    sim__push_key(ld, key);
    int rc = sim__check_num(ld, v, r, out) ? SIM__SET : SIM__BAD;
    sim__pop(ld);
    return rc;
}

int sim__bool(sim__ld *ld, const json_t *obj, const char *key, bool required, bool *out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    if (!json_is_boolean(v)) {
        char got[80];
        sim__describe(v, got, sizeof got);
        sim__push_key(ld, key);
        sim__err(ld, "expected true or false, got %s", got);
        sim__pop(ld);
        return SIM__BAD;
    }
    *out = json_is_true(v);
    return SIM__SET;
}

int sim__str(sim__ld *ld, const json_t *obj, const char *key, bool required, size_t maxlen,
             const char **out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    sim__push_key(ld, key);
    int rc = SIM__BAD;
    char got[80];
    if (!json_is_string(v)) {
        sim__describe(v, got, sizeof got);
        sim__err(ld, "expected a string, got %s", got);
    } else if (json_string_length(v) == 0) {
        sim__err(ld, "expected a non-empty string");
    } else if (json_string_length(v) > maxlen) {
        sim__err(ld, "expected a string of at most %zu bytes, got %zu bytes", maxlen,
                 json_string_length(v));
    } else {
        *out = json_string_value(v);
        rc = SIM__SET;
    }
    sim__pop(ld);
    return rc;
}

int sim__name(sim__ld *ld, const json_t *obj, const char *key, bool required, size_t maxlen,
              const char **out)
{
    const char *name;
    int rc = sim__str(ld, obj, key, required, maxlen, &name);
    if (rc != SIM__SET)
        return rc;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            sim__push_key(ld, key);
            sim__err(ld, "expected a name without control characters (tab, newline, ...), "
                         "got one at byte %zu",
                     (size_t)(c - (const unsigned char *)name));
            sim__pop(ld);
            return SIM__BAD;
        }
    *out = name;
    return SIM__SET;
}

int sim__enum(sim__ld *ld, const json_t *obj, const char *key, bool required,
              const char *const *names, int *out)
{
    const json_t *v = sim__member(ld, obj, key, required);
    if (!v)
        return required ? SIM__BAD : SIM__ABSENT;
    if (json_is_string(v)) {
        for (int i = 0; names[i]; i++)
            if (strcmp(json_string_value(v), names[i]) == 0) {
                *out = i;
                return SIM__SET;
            }
    }
    char list[300] = "", got[80];
    size_t o = 0;
    for (size_t i = 0; names[i] && o < sizeof list; i++) {
        int n = snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? ", " : "", names[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
    sim__describe(v, got, sizeof got);
    const char *near = json_is_string(v) ? sim_suggest_list(json_string_value(v), names) : NULL;
    sim__push_key(ld, key);
    if (near)
        sim__err(ld, "expected one of %s, got %s; did you mean \"%s\"?", list, got, near);
    else
        sim__err(ld, "expected one of %s, got %s", list, got);
    sim__pop(ld);
    return SIM__BAD;
}
