/*
 * opts.c — the one option parser of every dsim command (opts.h).
 */
#include "opts.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "suggest.h"
#include "xalloc.h"

#define NAME_MAX_LEN 48 /* the longest option name looked up */

void sim_opt_init(sim_optparse *p, const sim_cmd_spec *spec, int argc, char **argv,
                  sim_limits *limits, sim_error *err, bool print)
{
    assert(p && spec && err && argc >= 0 && (argc == 0 || argv));
    assert(!spec->limits || limits);
    memset(p, 0, sizeof *p);
    memset(err, 0, sizeof *err);
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
    p->print = print;
    p->limits = limits;
    p->err = err;
#ifndef NDEBUG
    size_t n = 0;
    for (const sim_opt *o = spec->opts; o && o->name; o++, n++)
        assert(o->id > 0 && strlen(o->name) < NAME_MAX_LEN);
    assert(n <= sizeof p->seen);
#endif
}

/* Records the first error and ends the parse. Returns 0 (for sim_opt_next). */
static int vfail(sim_optparse *p, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (p->status != SIM_EXIT_USAGE) {
        sim_error_add(p->err, "%s: %s", p->spec->name, msg);
        if (p->print)
            fprintf(stderr, "dsim: %s: %s\ntry 'dsim %s --help'\n", p->spec->name, msg,
                    p->spec->name);
    }
    p->status = SIM_EXIT_USAGE;
    p->i = p->argc; /* nothing more is read */
    return 0;
}

static int fail(sim_optparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(sim_optparse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, fmt, ap);
    va_end(ap);
    return 0;
}

int sim_opt_fail(sim_optparse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, fmt, ap);
    va_end(ap);
    return SIM_EXIT_USAGE;
}

/* What a UINT expects, "an integer 1..1024". A REQUIRED option's `expect` is
 * the message when it is missing, not its range: the range is said from lo..hi. */
static void uint_expect(const sim_opt *o, char *buf, size_t cap)
{
    if (o->expect && !(o->flags & SIM_OPT_REQUIRED))
        snprintf(buf, cap, "%s", o->expect);
    else if (o->lo == 1 && o->hi == UINT64_MAX)
        snprintf(buf, cap, "a positive integer");
    else if (o->hi == INT64_MAX)
        snprintf(buf, cap, "an integer %llu..2^63-1", o->lo);
    else if (o->hi == INT32_MAX || o->hi == UINT64_MAX)
        snprintf(buf, cap, "an integer >= %llu", o->lo);
    else
        snprintf(buf, cap, "an integer %llu..%llu", o->lo, o->hi);
}

/* Whether word is one of the '|'-separated words of list. */
static bool choice_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = list; c && *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, word, n) == 0)
            return true;
        c = bar ? bar + 1 : c + len;
    }
    return false;
}

/* Checks a value against its entry's kind; fills p->num. Returns 0 or -1 (failed). */
static int check_value(sim_optparse *p, const sim_opt *o, const char *shown, const char *v)
{
    char safe[80], want[96];
    sim_safe_text(v, safe, sizeof safe);
    switch (o->kind) {
    case SIM_OPT_UINT:
        if (sim_parse_uint(v, o->lo, o->hi, &p->num) != 0) {
            uint_expect(o, want, sizeof want);
            fail(p, "%s: expected %s, got '%s'", shown, want, safe);
            return -1;
        }
        return 0;
    case SIM_OPT_FILE:
    case SIM_OPT_DIR:
        if (!*v) {
            fail(p, "%s: expected a %s name, got ''", shown,
                 o->kind == SIM_OPT_FILE ? "file" : "folder");
            return -1;
        }
        return 0;
    case SIM_OPT_CHOICE:
        if (!choice_has(o->meta, v)) {
            char words[160];
            size_t w = 0;
            const char *last = strrchr(o->meta, '|');
            for (const char *c = o->meta; *c && w + 5 < sizeof words; c++) {
                if (*c != '|') {
                    words[w++] = *c;
                    continue;
                }
                const char *sep = c == last ? " or " : ", ";
                memcpy(words + w, sep, strlen(sep));
                w += strlen(sep);
            }
            words[w] = '\0';
            fail(p, "%s: expected %s, got '%s'", shown, words, safe);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

/* The loader limit flag of this name ("max-nodes"), or NULL. */
static const char *limit_flag(const char *name, size_t len)
{
    for (size_t k = 0; sim_limits_flags_help[k]; k += 2) {
        const char *f = sim_limits_flags_help[k] + 2; /* "--max-nodes N" */
        const char *sp = strchr(f, ' ');
        size_t fl = sp ? (size_t)(sp - f) : strlen(f);
        if (fl == len && strncmp(f, name, len) == 0)
            return sim_limits_flags_help[k];
    }
    return NULL;
}

/* "unknown option 'X'", with the nearest name the command knows. */
static int unknown(sim_optparse *p, const char *word, size_t len)
{
    char safe[80], name[NAME_MAX_LEN + 3];
    char shown[80];
    snprintf(shown, sizeof shown, "%.*s", (int)(len < 70 ? len : 70), word);
    sim_safe_text(shown, safe, sizeof safe);
    const char *cands[96];
    char store[96][NAME_MAX_LEN + 3];
    size_t n = 0;
    for (const sim_opt *o = p->spec->opts; o && o->name && n < 94; o++) {
        snprintf(store[n], sizeof store[n], "--%s", o->name);
        cands[n] = store[n];
        n++;
    }
    snprintf(store[n], sizeof store[n], "--help");
    cands[n] = store[n];
    n++;
    for (size_t k = 0; p->spec->limits && sim_limits_flags_help[k] && n < 96; k += 2) {
        const char *f = sim_limits_flags_help[k];
        const char *sp = strchr(f, ' ');
        snprintf(store[n], sizeof store[n], "%.*s", (int)(sp ? sp - f : (long)strlen(f)), f);
        cands[n] = store[n];
        n++;
    }
    snprintf(name, sizeof name, "%.*s", (int)(len <= NAME_MAX_LEN ? len : NAME_MAX_LEN), word);
    const char *near = len <= SIM_SUGGEST_MAX_LEN ? sim_suggest(name, cands, n) : NULL;
    if (near)
        return fail(p, "unknown option '%s'; did you mean '%s'?", safe, near);
    return fail(p, "unknown option '%s'", safe);
}

/* At the end: operand counts and required options. */
static int finish(sim_optparse *p)
{
    const sim_cmd_spec *s = p->spec;
    if (p->status)
        return 0;
    if (p->n_operands < (size_t)s->min_operands) {
        const char *what = s->operands ? s->operands : "operand";
        char one[64];
        snprintf(one, sizeof one, "%s", what);
        char *dots = strstr(one, "...");
        if (dots)
            *dots = '\0';
        return p->n_operands == 0 ? fail(p, "missing %s", one)
                                  : fail(p, "expected %s, got %zu", what, p->n_operands);
    }
    size_t k = 0;
    for (const sim_opt *o = s->opts; o && o->name; o++, k++) {
        if (!(o->flags & SIM_OPT_REQUIRED))
            continue;
        bool given = false;
        size_t j = 0;
        for (const sim_opt *q = s->opts; q->name; q++, j++)
            given = given || (q->id == o->id && p->seen[j]);
        if (!given && o->expect)
            return fail(p, "%s", o->expect);
        if (!given)
            return o->kind == SIM_OPT_FLAG ? fail(p, "missing --%s", o->name)
                                           : fail(p, "missing --%s %s", o->name, o->meta);
    }
    return 0;
}

int sim_opt_next(sim_optparse *p)
{
    if (p->status)
        return 0;
    while (p->i < p->argc) {
        const char *a = p->argv[p->i++];
        if (!a)
            return fail(p, "missing argument %d", p->i - 1);
        if (p->operands_only || a[0] != '-' || a[1] == '\0') {
            if (p->spec->max_operands >= 0 && p->n_operands >= (size_t)p->spec->max_operands) {
                char safe[80];
                sim_safe_text(a, safe, sizeof safe);
                if (p->spec->max_operands == 0)
                    return fail(p, "unexpected operand '%s' (it takes options only)", safe);
                return fail(p, "one %s only, got another: '%s'", p->spec->operands, safe);
            }
            if (a[0] == '\0')
                return fail(p, "empty path");
            p->n_operands++;
            p->value = a;
            p->opt = NULL;
            return SIM_OPT_OPERAND;
        }
        if (strcmp(a, "--") == 0) {
            p->operands_only = true;
            continue;
        }
        /* the word's name and attached value */
        const char *name, *attached = NULL;
        size_t len;
        bool is_long = a[1] == '-';
        if (is_long) {
            name = a + 2;
            const char *eq = strchr(name, '=');
            len = eq ? (size_t)(eq - name) : strlen(name);
            attached = eq ? eq + 1 : NULL;
        } else {
            name = a + 1;
            len = 1;
            attached = a[2] ? a + 2 : NULL;
        }
        if (is_long && len == 4 && strncmp(name, "help", 4) == 0 && attached)
            return fail(p, "--help takes no value");
        if ((is_long && len == 4 && strncmp(name, "help", 4) == 0) ||
            (!is_long && name[0] == 'h' && !attached)) {
            p->status = SIM_OPT_HELPED;
            if (p->print)
                sim_cmd_help(p->spec, stdout);
            return 0;
        }
        const sim_opt *o = NULL;
        size_t k = 0;
        for (const sim_opt *q = p->spec->opts; q && q->name; q++, k++)
            if (is_long ? strlen(q->name) == len && strncmp(q->name, name, len) == 0
                        : q->short_name == name[0]) {
                o = q;
                break;
            }
        const char *limit = !o && is_long && p->spec->limits ? limit_flag(name, len) : NULL;
        if (!o && !limit)
            return unknown(p, a, is_long ? len + 2 : 2);
        char shown[NAME_MAX_LEN + 4];
        snprintf(shown, sizeof shown, "%s%.*s", is_long ? "--" : "-", (int)len, name);
        if (o && o->kind == SIM_OPT_FLAG) {
            if (attached)
                return fail(p, "%s takes no value", shown);
            p->value = NULL;
        } else {
            if (!attached) {
                if (p->i >= p->argc || !p->argv[p->i])
                    return fail(p, "%s needs a value", shown);
                attached = p->argv[p->i++];
            }
            p->value = attached;
        }
        if (limit) {
            char flag[NAME_MAX_LEN + 4];
            snprintf(flag, sizeof flag, "--%.*s", (int)len, name);
            /* above its ceiling is a bad command line, refused here like any
             * other bad value, before a scenario is read or an output made */
            const sim_opt lim = {1, "max", 0, SIM_OPT_UINT, "N", 1, sim_limits_ceil(flag), 0, "",
                                 NULL};
            if (check_value(p, &lim, shown, p->value) != 0)
                return 0;
            int rc = sim_limits_flag(p->limits, flag, p->value);
            assert(rc == 0); /* the name and the value were checked above */
            (void)rc;
            continue;
        }
        /* a bad value names the option by its long name, however it was given */
        snprintf(shown, sizeof shown, "--%s", o->name);
        if (o->kind != SIM_OPT_FLAG && check_value(p, o, shown, p->value) != 0)
            return 0;
        if (p->seen[k] < 255)
            p->seen[k]++;
        p->opt = o;
        return o->id;
    }
    return finish(p);
}

int sim_opt_load_scenario(const char *path, const sim_limits *limits, sim_scenario *out,
                          sim_error *err)
{
    if (strcmp(path, "-") != 0)
        return sim_scenario_load(path, limits, out, err);
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    size_t cap = 65536, len = 0;
    char *text = sim_xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > SIM_SCENARIO_MAX_BYTES) {
                sim_error_add(err, "-: more than the %u bytes a scenario may have",
                              SIM_SCENARIO_MAX_BYTES);
                free(text);
                return -1;
            }
            cap *= 2;
            text = sim_xrealloc(text, cap);
        }
        ssize_t n = read(STDIN_FILENO, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sim_error_add(err, "-: cannot read the standard input: %s", strerror(errno));
            free(text);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > SIM_SCENARIO_MAX_BYTES) {
        sim_error_add(err, "-: more than the %u bytes a scenario may have", SIM_SCENARIO_MAX_BYTES);
        free(text);
        return -1;
    }
    int rc = sim_scenario_load_string(text, len, "-", limits, out, err);
    free(text);
    return rc;
}
