/*
 * logread.h — reading a log line by line as JSON, for `dsim analyze` and
 * `dsim fit`: dsim's own records (`dsim run --log`) and the reference
 * scheduler's lines (`--log-format lingua`, or a production scheduler.log).
 */
#ifndef DSIM_LOGREAD_H
#define DSIM_LOGREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_error.h"

/* A line longer than this is an error (exit 2), not a record. */
#define SIM_LOG_MAX_LINE (1u << 20)

/* The reference's messages that analyze and fit recognise (log_lingua.c, the
 * README table "Logs in the reference's format"). */
#define SIM_LINGUA_CREATED "Job created (from session actor)"
#define SIM_LINGUA_FAILOVER "Job failover 重派成功下发"
#define SIM_LINGUA_TIMEOUT "Job dispatched 超时，尝试 cancel + failover"
#define SIM_LINGUA_ACK_DISCARD \
    "Result arrived after acknowledgment timeout, discarding (will not be sent)"
#define SIM_LINGUA_PENDING "Job pending 超时，标记失败"
#define SIM_LINGUA_SENT "Successfully sent translation result to session"

typedef struct sim_logread {
    FILE *f;
    const char *path; /* borrowed */
    char *buf;        /* SIM_LOG_MAX_LINE + 1, owned */
    uint64_t line;    /* the line just read, 1-based */
    uint64_t bytes;   /* read so far, newlines included (for a progress count) */
} sim_logread;

/* Opens path for reading. Returns 0, or -1 with err ("PATH: cannot open: ..."). */
int sim_logread_open(sim_logread *r, const char *path, sim_error *err);

/* Reads and parses the next line. Returns 1 with *root (a new reference the
 * caller frees), 0 at the end of the file, or -1 with err naming PATH:LINE
 * (and :COLUMN for a line that is not JSON, or a line that is too long). */
int sim_logread_next(sim_logread *r, json_t **root, sim_error *err);

/* Back to the first line. */
void sim_logread_rewind(sim_logread *r);

/* Closes the file and frees the buffer. Safe on a zeroed reader. */
void sim_logread_close(sim_logread *r);

/* The first record of a dsim log or trace: {"dsim_version", "schema_version",
 * "stream"} and nothing else (version.h): about the file, not a job. */
bool sim_log_is_version_record(const json_t *root);

/* A reference line: an object with a string "timestamp" and a "fields"
 * object with a string "message". Returns the message or NULL. */
const char *sim_log_lingua_message(const json_t *root);

#endif
