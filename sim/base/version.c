/* version.c — the versions outputs carry (see version.h). */
#include "version.h"

#ifndef DSIM_VERSION
#error "DSIM_VERSION is set by CMakeLists.txt (dsim_options)"
#endif

const char *sim_version(void)
{
    return DSIM_VERSION;
}

void sim_version_csv_header(FILE *f)
{
    fputs(",dsim_version,schema_version", f);
}

void sim_version_csv_fields(FILE *f)
{
    fprintf(f, ",%s,%d", DSIM_VERSION, SIM_SCHEMA_VERSION);
}

void sim_version_record(FILE *f, const char *stream)
{
    fprintf(f, "{\"dsim_version\":\"%s\",\"schema_version\":%d,\"stream\":\"%s\"}\n",
            DSIM_VERSION, SIM_SCHEMA_VERSION, stream);
}
