/* junit.c — JUnit XML and TAP reports (see junit.h). */
#include "junit.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "version.h"
#include "xalloc.h"

/* Bounds: a report holds at most this many suites and cases in all. */
#define JUNIT_SUITES_MAX 100000
#define JUNIT_CASES_MAX 10000000

typedef struct junit_case {
    char *name;
    char *message; /* NULL for a pass */
    char *detail;  /* may be NULL */
    bool error;    /* <error> rather than <failure> */
} junit_case;

typedef struct junit_suite {
    char *name;
    char *file;
    double time; /* wall-clock seconds, < 0 when not measured */
    junit_case *cases;
    size_t n_cases, cap_cases;
    size_t failures, errors;
} junit_suite;

struct sim_junit {
    char *name;
    junit_suite *suites;
    size_t n_suites, cap_suites;
    size_t n_cases_total;
};

/* sim_xstrdup, NULL for NULL (a case without message or detail). */
static char *xstrdup(const char *s)
{
    return s ? sim_xstrdup(s) : NULL;
}

sim_junit *sim_junit_new(const char *name)
{
    sim_junit *j = sim_xcalloc(1, sizeof *j);
    j->name = xstrdup(name ? name : "");
    return j;
}

void sim_junit_free(sim_junit *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n_suites; i++) {
        junit_suite *s = &j->suites[i];
        for (size_t k = 0; k < s->n_cases; k++) {
            free(s->cases[k].name);
            free(s->cases[k].message);
            free(s->cases[k].detail);
        }
        free(s->cases);
        free(s->name);
        free(s->file);
    }
    free(j->suites);
    free(j->name);
    free(j);
}

void sim_junit_suite(sim_junit *j, const char *name, const char *file)
{
    assert(j && name);
    if (j->n_suites >= JUNIT_SUITES_MAX) {
        fprintf(stderr, "dsim: junit: more than %d test suites\n", JUNIT_SUITES_MAX);
        abort();
    }
    j->suites = sim_xgrow(j->suites, &j->cap_suites, j->n_suites + 1, sizeof *j->suites, 8);
    junit_suite *s = &j->suites[j->n_suites++];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(name);
    s->file = xstrdup(file ? file : "");
    s->time = -1;
}

void sim_junit_suite_time(sim_junit *j, double seconds)
{
    assert(j && j->n_suites > 0 && seconds >= 0);
    j->suites[j->n_suites - 1].time = seconds;
}

static void add_case(sim_junit *j, const char *name, const char *message, const char *detail,
                     bool error)
{
    assert(j && name && j->n_suites > 0);
    if (j->n_cases_total >= JUNIT_CASES_MAX) {
        fprintf(stderr, "dsim: junit: more than %d test cases\n", JUNIT_CASES_MAX);
        abort();
    }
    junit_suite *s = &j->suites[j->n_suites - 1];
    s->cases = sim_xgrow(s->cases, &s->cap_cases, s->n_cases + 1, sizeof *s->cases, 8);
    junit_case *c = &s->cases[s->n_cases++];
    c->name = xstrdup(name);
    c->message = xstrdup(message);
    c->detail = xstrdup(detail);
    c->error = error;
    if (error)
        s->errors++;
    else if (message)
        s->failures++;
    j->n_cases_total++;
}

void sim_junit_case(sim_junit *j, const char *name, const char *failure, const char *detail)
{
    add_case(j, name, failure, detail, false);
}

void sim_junit_error(sim_junit *j, const char *name, const char *message, const char *detail)
{
    assert(message);
    add_case(j, name, message, detail, true);
}

size_t sim_junit_tests(const sim_junit *j)
{
    return j->n_cases_total;
}

size_t sim_junit_failures(const sim_junit *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_suites; i++)
        n += j->suites[i].failures;
    return n;
}

size_t sim_junit_errors(const sim_junit *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_suites; i++)
        n += j->suites[i].errors;
    return n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0; /* overlong or out of range */
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0; /* surrogates */
    if (cp == 0xfffe || cp == 0xffff)
        return 0; /* not XML characters */
    return n;
}

void sim_xml_escape(FILE *f, const char *str)
{
    assert(f);
    if (!str)
        return;
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        size_t n = 1;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\t': fputs("&#9;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\r': fputs("&#13;", f); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fputs("\xef\xbf\xbd", f);
            } else {
                n = utf8_len(s);
                if (n == 0) {
                    fputs("\xef\xbf\xbd", f);
                    n = 1;
                } else {
                    fwrite(s, 1, n, f);
                }
            }
        }
        s += n;
    }
}

static void write_case(FILE *f, const junit_suite *s, const junit_case *c)
{
    fputs("    <testcase classname=\"", f);
    sim_xml_escape(f, s->name);
    fputs("\" name=\"", f);
    sim_xml_escape(f, c->name);
    if (!c->message) {
        fputs("\"/>\n", f);
        return;
    }
    const char *tag = c->error ? "error" : "failure";
    fprintf(f, "\">\n      <%s message=\"", tag);
    sim_xml_escape(f, c->message);
    fprintf(f, "\" type=\"%s\">", c->error ? "input" : "expectation");
    sim_xml_escape(f, c->detail ? c->detail : c->message);
    fprintf(f, "</%s>\n    </testcase>\n", tag);
}

int sim_junit_write(const sim_junit *j, FILE *f)
{
    assert(j && f);
    double total = 0;
    bool timed = j->n_suites > 0;
    for (size_t i = 0; i < j->n_suites; i++) {
        timed = timed && j->suites[i].time >= 0;
        total += j->suites[i].time;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
    sim_xml_escape(f, j->name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", sim_junit_tests(j),
            sim_junit_failures(j), sim_junit_errors(j));
    if (timed)
        fprintf(f, " time=\"%.3f\"", total);
    fputs(">\n", f);
    for (size_t i = 0; i < j->n_suites; i++) {
        const junit_suite *s = &j->suites[i];
        fputs("  <testsuite name=\"", f);
        sim_xml_escape(f, s->name);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\"", s->n_cases,
                s->failures, s->errors);
        if (s->time >= 0)
            fprintf(f, " time=\"%.3f\"", s->time);
        if (s->file[0]) {
            fputs(" file=\"", f);
            sim_xml_escape(f, s->file);
            fputs("\"", f);
        }
        fprintf(f, ">\n    <properties>\n"
                   "      <property name=\"dsim_version\" value=\"%s\"/>\n"
                   "      <property name=\"schema_version\" value=\"%d\"/>\n"
                   "    </properties>\n",
                sim_version(), SIM_SCHEMA_VERSION);
        for (size_t k = 0; k < s->n_cases; k++)
            write_case(f, s, &s->cases[k]);
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}

int sim_junit_save(const sim_junit *j, const char *path, sim_error *err)
{
    assert(j && path && err);
    sim_outfile o;
    if (sim_outfile_open(&o, path, err) != 0)
        return -1;
    sim_junit_write(j, o.f); /* a stream error is caught by the commit */
    return sim_outfile_commit(&o, err);
}

/* ---- TAP version 13 ---- */

void sim_tap_header(FILE *f)
{
    fputs("TAP version 13\n", f);
}

static void tap_description(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '#' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);
        } else if (*s == '\n' || *s == '\r') {
            fputc(' ', f);
        } else {
            fputc(*s, f);
        }
    }
}

/* A YAML double-quoted scalar. */
static void yaml_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void sim_tap_result(FILE *f, size_t number, bool ok, const char *description,
                    const char *const *keys, const char *const *values, size_t n_diag)
{
    assert(f && description && (n_diag == 0 || (keys && values)));
    fprintf(f, "%s %zu - ", ok ? "ok" : "not ok", number);
    tap_description(f, description);
    fputc('\n', f);
    if (n_diag == 0)
        return;
    fputs("  ---\n", f);
    for (size_t i = 0; i < n_diag; i++) {
        fprintf(f, "  %s: ", keys[i]);
        yaml_quoted(f, values[i] ? values[i] : "");
        fputc('\n', f);
    }
    fputs("  ...\n", f);
}

void sim_tap_plan(FILE *f, size_t n)
{
    fprintf(f, "1..%zu\n", n);
}
