/* decimal.c — the decimal numbers dsim writes, read back strictly (decimal.h). */
#include "decimal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Past the digits at s[*i..len); false when there are none. */
static bool digits(const char *s, size_t len, size_t *i)
{
    size_t from = *i;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9')
        ++*i;
    return *i > from;
}

bool sim_decimal(const char *s, size_t len, double *out)
{
    size_t i = len > 0 && s[0] == '-';
    if (!digits(s, len, &i))
        return false;
    if (i < len && s[i] == '.' && (++i, !digits(s, len, &i)))
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!digits(s, len, &i))
            return false;
    }
    char buf[64];
    if (i != len || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    double x = strtod(buf, NULL);
    if (!isfinite(x))
        return false;
    *out = x;
    return true;
}
