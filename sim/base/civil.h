/*
 * civil.h — days since 1970-01-01 and proleptic Gregorian dates, both ways
 * (Howard Hinnant's days_from_civil and civil_from_days), for RFC 3339
 * timestamps written (--log-format lingua) and read (dsim fit).
 */
#ifndef DSIM_CIVIL_H
#define DSIM_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/* The day number of y-m-d (m 1..12, d 1..31); 1970-01-01 is 0. */
int64_t sim_days_from_civil(int64_t y, int64_t m, int64_t d);

/* The date of day number `days`. */
void sim_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);

/* s as a time in ns since 1970 when it is strict RFC 3339
 * (YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM), a real date, of a year in
 * 1970..2261: ns since 1970 fit in int64_t); false (and *ns left) for anything
 * else, or NULL. The log reader's (sim/report/logread.c), for dsim analyze and fit. */
bool sim_rfc3339_parse(const char *s, int64_t *ns);

#endif
