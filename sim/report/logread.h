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

/* Bounds on what a log's line may hold (README "Reading a log"): those of a
 * scenario, where the value becomes one (`dsim fit`). */
#define SIM_LOG_ID_MAX 79              /* bytes of a job, session or node id */
#define SIM_LOG_POLICY_MAX 63          /* bytes of a dsim record's policy (a scenario name) */
/* a dsim record's t, and a log's span from its first line, in seconds: at most
 * the ~73 years a simulated time can reach (DIST_NS_MAX = INT64_MAX / 4 ns,
 * models/dist.h), so that the log of any run dsim can make is read; `dsim fit`
 * further needs its utterances within the 1e7 s a trace holds (fit.c) */
#define SIM_LOG_T_MAX 2305843009.213693
#define SIM_LOG_SPAN_MAX SIM_LOG_T_MAX
#define SIM_LOG_AUDIO_BYTES_MAX 115200000 /* an hour of pcm16 at 16 kHz: 32000 bytes/s */
#define SIM_LOG_TIMEOUT_S_MAX 86400    /* dispatched/pending_timeout_seconds */
#define SIM_LOG_ACK_MS_MAX 86400000    /* ack_timeout_ms */
#define SIM_LOG_FAILOVERS_MAX 1000     /* failover_max_attempts, failover_attempts */
#define SIM_LOG_ELAPSED_MS_MAX 10000000000LL /* elapsed_ms */
#define SIM_LOG_REPLICATION_MAX 99999  /* replication (--replications <= 100000) */
/* A reference line whose time goes back more than this starts another run (when it
 * goes back to the log's first second) or is out of order (an error). */
#define SIM_LOG_BACK_NS 1000000000

typedef enum {
    SIM_LOGLINE_OTHER,   /* JSON of neither format: counted as unrecognised */
    SIM_LOGLINE_VERSION, /* dsim's first record (version.h) */
    SIM_LOGLINE_DSIM,    /* a dsim record {"t", "event", ...} */
    SIM_LOGLINE_LINGUA,  /* a reference line {"timestamp", "fields": {"message", ...}} */
} sim_logline_kind;

/* One line, checked (sim_logread_line). */
typedef struct sim_logline {
    sim_logline_kind kind;
    int64_t t;              /* ns: since 1970 (lingua), since the run's start (dsim) */
    const char *msg;        /* lingua: fields.message (borrowed from the line's root) */
    const json_t *fields;   /* lingua: fields */
    const char *event;      /* dsim: event */
    const char *policy;     /* dsim: policy, "" when absent */
    int64_t replication;    /* dsim: replication, 0 when absent */
    char when[40];          /* the time as the log has it (timestamp, or t with 9 decimals) */
    bool new_run;           /* another run starts here (time back to the log's first
                               second; in dsim's format a new (policy, replication)) */
    uint64_t copy_of;       /* a delivery line repeated exactly: that earlier line, else 0 */
} sim_logline;

typedef struct sim_log_seen sim_log_seen;

typedef struct sim_logread {
    FILE *f;
    const char *path; /* borrowed */
    char *buf;        /* SIM_LOG_MAX_LINE + 1, owned */
    uint64_t line;    /* the line just read, 1-based */
    uint64_t bytes;   /* read so far, newlines included (for a progress count) */
    size_t len;       /* the length of the line just read */
    /* sim_logread_line's state */
    sim_logline_kind format;  /* the log's format, from its first record (OTHER: none yet) */
    uint64_t format_line;
    int64_t first_t, prev_t;  /* lingua: the first and previous time */
    bool have_t;
    char *run;                /* dsim: "policy/replication" of the run being read (owned) */
    uint64_t runs;            /* runs started so far */
    uint64_t copies;          /* delivery lines repeated exactly */
    sim_log_seen *seen;       /* the lines of this run (owned) */
} sim_logread;

/* Opens path for reading. Returns 0, or -1 with err ("PATH: cannot open: ..."). */
int sim_logread_open(sim_logread *r, const char *path, sim_error *err);

/* Reads and parses the next line. Returns 1 with *root (a new reference the
 * caller frees), 0 at the end of the file, or -1 with err naming PATH:LINE
 * (and :COLUMN for a line that is not JSON, or a line that is too long). */
int sim_logread_next(sim_logread *r, json_t **root, sim_error *err);

/*
 * Reads, parses and checks the next line (README "Reading a log"): a reference
 * line's timestamp is strict RFC 3339 and its fields have their types and the
 * ranges above; a dsim record's t, event, ids and counts likewise; the log is in
 * one format; time does not go back within a run (a reference line more than
 * SIM_LOG_BACK_NS back starts another run when it goes back to the log's first
 * second, and is an error otherwise); no line repeats an earlier one of its run
 * exactly, but for the reference's delivery line, which names no job (several
 * results released at one instant): ln->copy_of. Returns 1 with *root (the
 * caller frees it), 0 at the end, or -1 with err "PATH:LINE: JSON.path:
 * expected ..., got ...".
 */
int sim_logread_line(sim_logread *r, json_t **root, sim_logline *ln, sim_error *err);

/* Back to the first line. */
void sim_logread_rewind(sim_logread *r);

/* Closes the file and frees the buffer. Safe on a zeroed reader. */
void sim_logread_close(sim_logread *r);

/* The first record of a dsim log or trace: {"dsim_version", "schema_version",
 * "stream"} and nothing else (version.h): about the file, not a job. */
bool sim_log_is_version_record(const json_t *root);


#endif
