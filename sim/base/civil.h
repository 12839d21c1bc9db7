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

/* "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)" (RFC 3339 in UTC, as the time
 * crate writes it; digits of the fraction past 9 are dropped) -> *ns, the
 * nanoseconds since 1970-01-01T00:00:00Z. Returns false (and leaves *ns) for
 * anything else, or NULL. */
bool sim_rfc3339_parse(const char *s, int64_t *ns);

#endif
