/*
 * version.h — what every output of dsim says about the program that wrote it
 * (README "Outputs: a versioned data contract"): the dsim version and the
 * version of the output schema. SIM_SCHEMA_VERSION changes when a key or column
 * is removed or renamed or changes meaning; adding one does not change it.
 * 2: results.json's upper_bound of a count never seen is a count per replication
 * (3 / N), no longer a rate per utterance; in dsim's --log, result_accepted's
 * elapsed_ms is since the job's creation, an ordered queue's ack_timeout_discard
 * carries its wait, and new_job_id's records before the first dispatch name its
 * id; analyze's ack_timeout_ms is null for several (README lists them).
 */
#ifndef DSIM_VERSION_H
#define DSIM_VERSION_H

#include <stdio.h>

#define SIM_SCHEMA_VERSION 2

/* The dsim version, "MAJOR.MINOR.PATCH" (the project version in CMakeLists.txt). */
const char *sim_version(void);

/* The header names and values of the two trailing CSV columns every CSV of dsim
 * carries on each row: ",dsim_version,schema_version" and ",0.2.0,2". */
void sim_version_csv_header(FILE *f);
void sim_version_csv_fields(FILE *f);

/* The first record of dsim's own JSON-lines streams (--log in dsim's format,
 * --trace): {"dsim_version":"0.2.0","schema_version":2,"stream":STREAM} and a
 * newline. */
void sim_version_record(FILE *f, const char *stream);

#endif
