/* test_junit.c — JUnit XML and TAP: structure, counts, escaping, atomic saving. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "junit.h"
#include "version.h"

/* Runs fn(arg, stream) into memory and returns the text (caller frees). */
static char *capture(void (*fn)(const void *arg, FILE *f), const void *arg)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fn(arg, f);
    long len = ftell(f);
    assert_true(len >= 0);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

static void escape_fn(const void *arg, FILE *f)
{
    sim_xml_escape(f, arg);
}

static void write_fn(const void *arg, FILE *f)
{
    assert_int_equal(sim_junit_write(arg, f), 0);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void xml_escape_covers_markup_quotes_and_line_breaks(void **state)
{
    (void)state;
    char *s = capture(escape_fn, "a<b & c>\"d\" 'e'\tf\ng\rh");
    assert_string_equal(s, "a&lt;b &amp; c&gt;&quot;d&quot; &apos;e&apos;&#9;f&#10;g&#13;h");
    free(s);
}

static void xml_escape_keeps_valid_utf8_and_replaces_what_xml_cannot_hold(void **state)
{
    (void)state;
    /* ± (2 bytes), € (3), U+1F600 (4) pass through */
    char *s = capture(escape_fn, "\xc2\xb1 \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_string_equal(s, "\xc2\xb1 \xe2\x82\xac \xf0\x9f\x98\x80");
    free(s);
    /* control character, a lone 0xff, an overlong '/', a surrogate, a truncated
     * sequence at the end: each bad byte becomes U+FFFD */
    const char *bad[] = {"x\x01y", "x\xffy", "x\xc0\xafy", "x\xed\xa0\x80y", "x\xe2\x82"};
    const char *want[] = {"x\xef\xbf\xbdy", "x\xef\xbf\xbdy", "x\xef\xbf\xbd\xef\xbf\xbdy",
                          "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy",
                          "x\xef\xbf\xbd\xef\xbf\xbd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = capture(escape_fn, bad[i]);
        assert_string_equal(s, want[i]);
        free(s);
    }
}

/* Two suites: one with a pass and a failure, one with a load error. */
static sim_junit *two_suites(void)
{
    sim_junit *j = sim_junit_new("dsim check");
    sim_junit_suite(j, "incident", "scenarios/incident.json");
    sim_junit_case(j, "old duplicates >= 1", NULL, NULL);
    sim_junit_case(j, "fenced duplicates <= 0", "fenced duplicates <= 0: measured 3 \xc2\xb1 1.2",
                   "expected: <= 0\nmean: 3\n");
    sim_junit_suite(j, "bad.json", "bad.json");
    sim_junit_error(j, "could not load", "bad.json: 1:2: '<' unexpected", NULL);
    return j;
}

static void report_counts_tests_failures_and_errors_per_suite_and_in_total(void **state)
{
    (void)state;
    sim_junit *j = two_suites();
    assert_int_equal(sim_junit_tests(j), 3);
    assert_int_equal(sim_junit_failures(j), 1);
    assert_int_equal(sim_junit_errors(j), 1);
    char *x = capture(write_fn, j);
    assert_non_null(strstr(x, "<testsuites name=\"dsim check\" tests=\"3\" failures=\"1\" "
                              "errors=\"1\">"));
    assert_non_null(strstr(x, "<testsuite name=\"incident\" tests=\"2\" failures=\"1\" "
                              "errors=\"0\" skipped=\"0\" file=\"scenarios/incident.json\">"));
    assert_non_null(strstr(x, "<testsuite name=\"bad.json\" tests=\"1\" failures=\"0\" "
                              "errors=\"1\""));
    assert_int_equal(count_of(x, "<testcase "), 3);
    assert_int_equal(count_of(x, "<failure "), 1);
    assert_int_equal(count_of(x, "<error "), 1);
    assert_int_equal(count_of(x, "</testsuite>"), 2);
    sim_junit_free(j);
    free(x);
}

static void failure_carries_escaped_figures_in_message_and_body(void **state)
{
    (void)state;
    sim_junit *j = two_suites();
    char *x = capture(write_fn, j);
    /* no file on a testcase (the Jenkins xUnit schema): the suite carries it */
    assert_non_null(strstr(x, "<testcase classname=\"incident\" name=\"fenced duplicates "
                              "&lt;= 0\">"));
    assert_null(strstr(x, "<testcase classname=\"incident\" name=\"fenced duplicates "
                          "&lt;= 0\" file="));
    assert_non_null(strstr(x, "<failure message=\"fenced duplicates &lt;= 0: measured 3 "
                              "\xc2\xb1 1.2\" type=\"expectation\">expected: &lt;= 0&#10;"
                              "mean: 3&#10;</failure>"));
    /* an error without detail repeats its message as the body */
    assert_non_null(strstr(x, "<error message=\"bad.json: 1:2: &apos;&lt;&apos; unexpected\" "
                              "type=\"input\">bad.json: 1:2: &apos;&lt;&apos; unexpected</error>"));
    /* a passing case is an empty element */
    assert_non_null(strstr(x, "name=\"old duplicates &gt;= 1\"/>"));
    sim_junit_free(j);
    free(x);
}

static void empty_report_is_still_a_document(void **state)
{
    (void)state;
    sim_junit *j = sim_junit_new("x");
    sim_junit_suite(j, "no expectations", "");
    char *x = capture(write_fn, j);
    char want[1024];
    snprintf(want, sizeof want,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<testsuites name=\"x\" tests=\"0\" failures=\"0\" errors=\"0\">\n"
             "  <testsuite name=\"no expectations\" tests=\"0\" failures=\"0\" "
             "errors=\"0\" skipped=\"0\">\n"
             "    <properties>\n"
             "      <property name=\"dsim_version\" value=\"%s\"/>\n"
             "      <property name=\"schema_version\" value=\"%d\"/>\n"
             "    </properties>\n"
             "  </testsuite>\n"
             "</testsuites>\n",
             sim_version(), SIM_SCHEMA_VERSION);
    assert_string_equal(x, want);
    sim_junit_free(j);
    free(x);
}

/* A measured suite time is written with millisecond precision; <testsuites> gets
 * the sum only when every suite has one (never a time that was not measured). */
static void suite_times_are_written_when_measured(void **state)
{
    (void)state;
    sim_junit *j = two_suites();
    char *x = capture(write_fn, j);
    assert_null(strstr(x, "time=")); /* nothing measured: no time at all */
    free(x);
    sim_junit_suite_time(j, 0.25); /* the second suite, bad.json */
    x = capture(write_fn, j);
    assert_non_null(strstr(x, "<testsuite name=\"bad.json\" tests=\"1\" failures=\"0\" "
                              "errors=\"1\" skipped=\"0\" time=\"0.250\""));
    assert_non_null(strstr(x, "errors=\"1\">\n")); /* <testsuites>: the first suite has none */
    free(x);
    sim_junit_suite(j, "third", "t.json");
    sim_junit_suite_time(j, 1.5);
    x = capture(write_fn, j);
    assert_int_equal(count_of(x, " time="), 2);
    sim_junit_free(j);
    free(x);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A fresh empty folder in /tmp. */
static void make_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/dsim-test-junit-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static size_t entries_in(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void save_writes_the_same_document_under_the_final_name_only(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/report.xml", dir);
    sim_junit *j = two_suites();
    sim_error err = {0};
    assert_int_equal(sim_junit_save(j, path, &err), 0);
    char *want = capture(write_fn, j);
    char *got = read_all(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(entries_in(dir), 1); /* no temporary left beside it */
    unlink(path);
    rmdir(dir);
    sim_junit_free(j);
    free(want);
    free(got);
}

static void save_into_a_missing_folder_fails_with_the_path(void **state)
{
    (void)state;
    sim_junit *j = two_suites();
    sim_error err = {0};
    const char *path = "/nonexistent-dsim-dir/report.xml";
    assert_int_equal(sim_junit_save(j, path, &err), -1);
    assert_int_equal(err.count, 1);
    assert_non_null(strstr(err.msg[0], path));
    assert_non_null(strstr(err.msg[0], strerror(ENOENT)));
    sim_junit_free(j);
}

/* A file size limit of 0 makes every write fail (EFBIG) as a full disk would,
 * for root too. Nothing may appear under the final name, no temporary remain. */
static void save_that_cannot_write_leaves_nothing_behind(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/report.xml", dir);
    sim_junit *j = two_suites();
    sim_error err = {0};
    struct rlimit old, zero;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    zero = old;
    zero.rlim_cur = 0;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &zero), 0);
    int rc = sim_junit_save(j, path, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg[0], "report.xml: write failed"));
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(entries_in(dir), 0);
    rmdir(dir);
    sim_junit_free(j);
}

static void tap_result(const void *arg, FILE *f)
{
    (void)arg;
    sim_tap_header(f);
    sim_tap_result(f, 1, true, "old duplicates >= 1: 3 \xc2\xb1 1", NULL, NULL, 0);
    const char *keys[] = {"policy", "message"};
    const char *values[] = {"we#ird \"name\"", "line one\nline two\\"};
    sim_tap_result(f, 2, false, "p#1 c:\\x\nnext", keys, values, 2);
    sim_tap_plan(f, 2);
}

static void tap_escapes_directives_and_quotes_yaml_values(void **state)
{
    (void)state;
    char *t = capture(tap_result, NULL);
    assert_string_equal(t, "TAP version 13\n"
                           "ok 1 - old duplicates >= 1: 3 \xc2\xb1 1\n"
                           "not ok 2 - p\\#1 c:\\\\x next\n"
                           "  ---\n"
                           "  policy: \"we#ird \\\"name\\\"\"\n"
                           "  message: \"line one\\nline two\\\\\"\n"
                           "  ...\n"
                           "1..2\n");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_escape_covers_markup_quotes_and_line_breaks),
        cmocka_unit_test(xml_escape_keeps_valid_utf8_and_replaces_what_xml_cannot_hold),
        cmocka_unit_test(report_counts_tests_failures_and_errors_per_suite_and_in_total),
        cmocka_unit_test(failure_carries_escaped_figures_in_message_and_body),
        cmocka_unit_test(empty_report_is_still_a_document),
        cmocka_unit_test(suite_times_are_written_when_measured),
        cmocka_unit_test(save_writes_the_same_document_under_the_final_name_only),
        cmocka_unit_test(save_into_a_missing_folder_fails_with_the_path),
        cmocka_unit_test(save_that_cannot_write_leaves_nothing_behind),
        cmocka_unit_test(tap_escapes_directives_and_quotes_yaml_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
