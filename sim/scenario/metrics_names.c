/*
 * metrics_names.c — metric ids <-> names (metrics.h).
 */
#include <string.h>

#include "metrics.h"

static const char *const names[SIM_M_COUNT] = {
#define SIM_METRIC_NAME(id, name) name,
    SIM_METRICS(SIM_METRIC_NAME)
#undef SIM_METRIC_NAME
};

const char *sim_metric_name(sim_metric m)
{
    if ((unsigned)m >= SIM_M_COUNT)
        return "?";
    return names[m];
}

int sim_metric_lookup(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < SIM_M_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}
