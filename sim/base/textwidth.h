/*
 * textwidth.h — how many terminal columns a UTF-8 text takes, so tables line up
 * whatever a name holds (CJK, accents, emoji).
 *
 * The width is computed from the bytes alone, the same in every locale (no
 * setlocale, no wcwidth): East Asian wide and fullwidth characters take two
 * columns, combining marks and zero-width characters none, everything else one;
 * an invalid byte counts as one column, as does each control character (which
 * sim_text_field shows as '?').
 */
#ifndef DSIM_TEXTWIDTH_H
#define DSIM_TEXTWIDTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The columns s takes on a terminal. */
size_t sim_text_width(const char *s);

/* Writes s with sim_text_field, padded with spaces to `width` columns: after s,
 * or before it when `right`. Nothing is cut when s is wider. */
void sim_text_padded(FILE *f, const char *s, size_t width, bool right);

#endif
