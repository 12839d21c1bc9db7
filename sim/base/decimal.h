/*
 * decimal.h — a number as dsim writes one in its CSVs and JSON ("%.10g"):
 * -?D+(.D+)?([eE][+-]?D+)?, finite. Not C's other forms (hex, inf, nan,
 * spaces, a sign '+'), which strtod alone would take. For the files dsim reads
 * back: merge's shards, plot's and report's CSVs.
 */
#ifndef DSIM_DECIMAL_H
#define DSIM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..len) is such a number (at most 63 bytes); its value in *out. */
bool sim_decimal(const char *s, size_t len, double *out);

#endif
