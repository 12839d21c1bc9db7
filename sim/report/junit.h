/*
 * junit.h — test reports for CI systems: JUnit XML and TAP version 13.
 *
 * `dsim check` records one testsuite per scenario and one testcase per checked
 * expectation in a sim_junit, then writes it as JUnit XML (testsuites >
 * testsuite > properties, testcase, <failure> or <error> with the figures),
 * atomically; it validates against the Jenkins xUnit plugin's JUnit schema.
 * TAP is streamed instead: a line per test as it is known, the plan at the end.
 * All text is escaped for its format; output is valid UTF-8 whatever the input.
 */
#ifndef DSIM_JUNIT_H
#define DSIM_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

typedef struct sim_junit sim_junit;

/* A new empty report named `name` (the <testsuites> name). Free with sim_junit_free. */
sim_junit *sim_junit_new(const char *name);
void sim_junit_free(sim_junit *j);

/* Starts a testsuite; the cases added next belong to it. Strings are copied. The
 * suite carries `file` as its file attribute (a testcase carries none: the Jenkins
 * xUnit schema, tests/data/junit-jenkins.xsd) and the dsim and schema versions as
 * properties. */
void sim_junit_suite(sim_junit *j, const char *name, const char *file);

/* The wall-clock seconds the current suite took (its file loaded, run and
 * checked), written as its time attribute; <testsuites> gets their sum when
 * every suite has one. Without it a suite has no time attribute (never a 0
 * that was not measured). */
void sim_junit_suite_time(sim_junit *j, double seconds);

/*
 * Adds a testcase to the current suite (one must have been started). `failure`
 * is NULL for a pass, else the failure message (the message attribute); `detail`
 * (may be NULL) is the body of the <failure> element. Strings are copied.
 */
void sim_junit_case(sim_junit *j, const char *name, const char *failure, const char *detail);

/* Adds a testcase that could not be evaluated (the input failed to load or run):
 * an <error> element with `message` and `detail`. */
void sim_junit_error(sim_junit *j, const char *name, const char *message, const char *detail);

/* Totals over every suite. */
size_t sim_junit_tests(const sim_junit *j);
size_t sim_junit_failures(const sim_junit *j);
size_t sim_junit_errors(const sim_junit *j);

/* Writes the XML document to f. Returns 0, or -1 when the stream reports an error. */
int sim_junit_write(const sim_junit *j, FILE *f);

/* Writes the XML document to path atomically (sim_outfile). Returns 0, or -1 with
 * err filled ("PATH: write failed: No space left on device"); then nothing is
 * left under path. */
int sim_junit_save(const sim_junit *j, const char *path, sim_error *err);

/*
 * Writes s as XML character data, usable in text and in a double-quoted
 * attribute: & < > " ' escaped, tab / newline / carriage return as character
 * references, other control characters and invalid UTF-8 bytes as U+FFFD.
 */
void sim_xml_escape(FILE *f, const char *s);

/* TAP version 13. */
void sim_tap_header(FILE *f);
/*
 * One test line "ok N - DESCRIPTION" or "not ok N - DESCRIPTION" ('#' and '\' in
 * the description escaped with '\', line breaks as spaces), followed, when
 * n_diag > 0, by a YAML block of the n_diag key/value pairs (values quoted).
 */
void sim_tap_result(FILE *f, size_t number, bool ok, const char *description,
                    const char *const *keys, const char *const *values, size_t n_diag);
/* The plan "1..N" (dsim prints it last, when N is known). */
void sim_tap_plan(FILE *f, size_t n);

#endif
