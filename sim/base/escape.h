/*
 * escape.h — a text (a policy name, a knob value) written into each output
 * format so that the format stays valid whatever the text holds.
 *
 * Scenario texts come from jansson, so they are valid UTF-8 without NUL; these
 * functions pass every other byte through unchanged.
 */
#ifndef DSIM_ESCAPE_H
#define DSIM_ESCAPE_H

#include <stdio.h>

/* Writes s as a JSON string: in double quotes, with " and \ escaped and every
 * control character as \n, \r, \t or \u00XX (RFC 8259 section 7). */
void sim_json_string(FILE *f, const char *s);

/* Writes s as one CSV field, in double quotes with " doubled when it holds
 * , " CR or LF (RFC 4180 section 2); as is otherwise. */
void sim_csv_field(FILE *f, const char *s);

/* Writes s on one line of a text output (a table): every control character
 * (a newline, a tab, ESC) as '?', so a name can neither break the layout nor
 * send terminal escapes. */
void sim_text_field(FILE *f, const char *s);

#endif
