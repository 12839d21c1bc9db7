/*
 * load_internal.h — what the loader's files share (sim/scenario*.c, sim/load_*.c,
 * sim/json_*.c). Not for use outside the loader.
 *
 * A loader context (sim__ld) carries the file name, the JSON text (for line:column),
 * the JSON path of the value being read, and the error list. Readers push the key
 * or index they descend into and pop it on the way out, so every message names
 * the full path. Readers never stop at the first error: each records its errors
 * and the caller goes on, so one pass lists every error of a file.
 */
#ifndef DSIM_LOAD_INTERNAL_H
#define DSIM_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hash.h"
#include "scenario.h"
#include "xalloc.h"

/* Allocation: xalloc.h (out of memory prints a message and aborts). */

/* ---- the loader context ---------------------------------------------------- */

#define SIM__PATH_MAX 32 /* deeper than any scenario path (mixtures are bounded) */

typedef struct sim__seg {
    const char *key; /* object member, or NULL for an array index */
    size_t index;
} sim__seg;

typedef struct sim__ld {
    const char *file; /* names the scenario in messages */
    const char *text; /* the JSON text, for line:column; NULL = no positions */
    size_t len;
    const char *dir; /* directory that relative file names start from */
    sim_limits lim;
    sim_error *err;
    bool bare;        /* messages start at the path (no "FILE: " prefix) */
    bool check_sweep; /* validate each sweep value (off while doing so) */
    uint64_t files_hash; /* of the other files read (sim_scenario.files_hash) */
    sim_input *inputs;   /* ... and where (sim_scenario.inputs, owned until moved there) */
    size_t n_inputs, cap_inputs;
    sim__seg path[SIM__PATH_MAX];
    size_t depth;
    /* Keys suggested for unknown keys ("did you mean 'median'?"), so that the
     * same key is not reported missing as well: a ring of (object, key). */
    struct {
        const json_t *obj;
        const char *key;
    } suggested[32];
    unsigned n_suggested;
} sim__ld;

/* True when no further message will be stored (only counted): callers skip
 * costly message work (suggestions) then. */
bool sim__errors_full(const sim__ld *ld);

/* Remembers that `key` was suggested for a misspelled member of obj. */
void sim__note_suggestion(sim__ld *ld, const json_t *obj, const char *key);

void sim__push_key(sim__ld *ld, const char *key);
void sim__push_index(sim__ld *ld, size_t index);
void sim__pop(sim__ld *ld);

/* Writes the current path ("nodes[1].stages.asr") into buf; "" at the top. */
void sim__path_str(const sim__ld *ld, char *buf, size_t cap);

/* ---- errors ---------------------------------------------------------------- */

/* Records "FILE:LINE:COL: PATH: message" for the value at the current path. */
void sim__err(sim__ld *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, with LINE:COL of member `key` of the current object (its name). */
void sim__err_key(sim__ld *ld, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at an explicit extra path below the current one (segs), for messages
 * about a field other readers own (the policy check). Falls back to the current
 * value's position when that path does not exist. */
void sim__err_at(sim__ld *ld, const sim__seg *segs, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What a value is, for "got ...": -2, 3.5, "text", true, null, an object, an array. */
void sim__describe(const json_t *v, char *buf, size_t cap);
/* sim_safe_text: scenario.h. */
/* Shortest %g form of x that reads back as x. */
void sim__fmt_num(double x, char *buf, size_t cap);

/* Line and column (1-based, columns counted in UTF-8 characters like jansson) of the
 * value at segs (or of the member name, want_key) in text. Returns 0, or -1 when
 * the path is not in the text. */
int sim__locate(const char *text, size_t len, const sim__seg *segs, size_t n, bool want_key,
                int *line, int *col);

/* Where the parser was at byte `pos` of text: the path of the object or array
 * being read ("workload", "nodes[1]", "" at the top) in container, and the key
 * whose value (or, just after a key, the key itself) was being read in key (""
 * for an array element, whose index ends container). For jansson's own errors,
 * which give only a position. */
void sim__path_at(const char *text, size_t len, size_t pos, char *container, size_t ccap,
                  char *key, size_t kcap);

/* ---- typed reads ------------------------------------------------------------ */

enum { SIM__BAD = -1, SIM__ABSENT = 0, SIM__SET = 1 };

/* A number range: lo..hi with open or closed ends. `interval` prints both ends
 * in messages ("in [0, 1]"); otherwise only the violated one (">= 0"). */
typedef struct sim__range {
    double lo, hi;
    bool lo_open, hi_open, interval;
} sim__range;

extern const sim__range SIM__SECONDS;     /* [0, SIM_MAX_SECONDS] */
extern const sim__range SIM__POS_SECONDS; /* (0, SIM_MAX_SECONDS] */
extern const sim__range SIM__PROB;        /* [0, 1] */
extern const sim__range SIM__POSITIVE;    /* (0, 1e9] dimensionless */
extern const sim__range SIM__NONNEG;      /* [0, 1e9] dimensionless */
extern const sim__range SIM__ANY;         /* any finite number */
/* The core's durations (disp_policy_check): at most DISP_DURATION_MAX (1 day);
 * a positive one at least 1 ns, so that it stays positive once rounded to ns. */
extern const sim__range SIM__DURATION;     /* [0, 86400] */
extern const sim__range SIM__POS_DURATION; /* [1e-9, 86400] */
extern const sim__range SIM__NS_SECONDS;   /* [1e-9, SIM_MAX_SECONDS]: a period in ns >= 1 */

/* Checks that v is an object; else records "expected WHAT (an object), got ...". */
bool sim__want_object(sim__ld *ld, const json_t *v, const char *what);

/* Records an error for every member of obj not in `allowed` (NULL-terminated),
 * with the nearest valid key as a suggestion. Returns the number of such keys. */
int sim__check_keys(sim__ld *ld, const json_t *obj, const char *const *allowed);

/* Member `key` of obj, or NULL; a missing required member is an error. */
const json_t *sim__member(sim__ld *ld, const json_t *obj, const char *key, bool required);

/* Each reads member `key` of object obj into *out and returns SIM__SET, or
 * SIM__ABSENT (missing and not required: *out untouched), or SIM__BAD (an error
 * was recorded, *out untouched). */
int sim__int(sim__ld *ld, const json_t *obj, const char *key, bool required, int64_t lo, int64_t hi,
             int64_t *out);
int sim__int32(sim__ld *ld, const json_t *obj, const char *key, bool required, int lo, int *out);
int sim__num(sim__ld *ld, const json_t *obj, const char *key, bool required, sim__range r,
             double *out);
int sim__bool(sim__ld *ld, const json_t *obj, const char *key, bool required, bool *out);
/* *out borrows the JSON's string. Strings are 1..maxlen bytes, without NUL. */
int sim__str(sim__ld *ld, const json_t *obj, const char *key, bool required, size_t maxlen,
             const char **out);
/* A name (scenario, node class, policy): sim__str without control characters, so
 * every output (table, CSV, JSON, check lines) shows it on one line. */
int sim__name(sim__ld *ld, const json_t *obj, const char *key, bool required, size_t maxlen,
              const char **out);
/* One of names[] (NULL-terminated); *out = its index. */
int sim__enum(sim__ld *ld, const json_t *obj, const char *key, bool required,
              const char *const *names, int *out);

/* Checks a number already in hand against r at the current path. */
bool sim__check_num(sim__ld *ld, const json_t *v, sim__range r, double *out);

/* ---- key and enum tables (scenario_keys.c) ---------------------------------- */

extern const char *const sim__keys_scenario[],
    *const sim__keys_workload[],
        *const sim__keys_node[],
            *const sim__keys_stages[],
                *const sim__keys_faults[],
                    *const sim__keys_stall[],
                        *const sim__keys_crash[],
                            *const sim__keys_cold_start[],
                                *const sim__keys_no_result[],
                                    *const sim__keys_network[],
                                        *const sim__keys_policy[],
                                            *const sim__keys_timeout[],
                                                *const sim__keys_liveness[],
                                                    *const sim__keys_hedge[],
                                                        *const sim__keys_backoff[],
                                                            *const sim__keys_retry_budget[],
                                                                *const sim__keys_expect_bound[],
                                                                    *const sim__keys_component[];
/* Keys of a dist object of each kind (indexed by dist_kind). */
extern const char *const *const sim__keys_dist[];
extern const char *const sim__dist_names[];

extern const char *const sim__keys_policy_node[];
extern const char *const sim__enum_heartbeat_count[], *const sim__enum_heartbeat_phase[],
    *const sim__enum_stall_stage[], *const sim__enum_crash_notice[],
    *const sim__enum_node_load[];
extern const char *const sim__enum_on_cancel[],
    *const sim__enum_attempt_check[], *const sim__enum_failover[],
                                          *const sim__enum_result_accept[],
                                              *const sim__enum_result_queue[],
                                                  *const sim__enum_pending[],
                                                      *const sim__enum_timeout[],
                                                          *const sim__enum_liveness[],
                                                              *const sim__enum_jitter[],
                                                                  *const sim__enum_expect_on[];

/* ---- the parts of a scenario ------------------------------------------------ */

/* Reads the dist at the current path (value v) into *out (which must be freeable;
 * it is freed and overwritten). depth counts enclosing mixtures. `component`
 * allows the "weight" key (read by the caller). Returns 0 or -1. */
int sim__load_dist(sim__ld *ld, const json_t *v, dist *out, int depth, bool component);
/* Reads member `key` of obj as a dist; SIM__SET / SIM__ABSENT / SIM__BAD. */
int sim__dist_field(sim__ld *ld, const json_t *obj, const char *key, bool required, dist *out);

void sim__load_workload(sim__ld *ld, const json_t *root, sim_scenario *s);
/* Whether n sessions may be run: at most SIM_SESSIONS_OPEN_MAX without linger_s
 * (lingers false: they are all open at once at the drain), SIM_SESSIONS_MAX
 * with it. Else records an error at workload.sessions, or, when trace is not
 * NULL, naming that file, and returns false. load_world.c. */
bool sim__check_sessions(sim__ld *ld, uint64_t n, bool lingers, const char *trace);

/* Opens the input file `name` (relative to the scenario's folder unless absolute)
 * for reading: a regular file of at most max_bytes. Puts the path opened in
 * path[cap] and its size in *size. Returns the stream, or NULL with an error
 * ("cannot read WHAT 'PATH': ...") recorded. load_file.c. */
FILE *sim__open_input(sim__ld *ld, const char *name, const char *what, unsigned long long max_bytes,
                      char *path, size_t cap, long long *size);

/* Reads the trace CSV `name` (workload.trace) into c->trace and sets c->sessions
 * and c->utterances_per_session from it; errors name FILE:LINE. load_trace.c. */
void sim__load_trace(sim__ld *ld, const char *name, wl_config *c);
void sim__load_nodes(sim__ld *ld, const json_t *root, sim_scenario *s);
void sim__load_network(sim__ld *ld, const json_t *root, sim_scenario *s);
void sim__load_policies(sim__ld *ld, const json_t *root, sim_scenario *s);
void sim__load_expect(sim__ld *ld, const json_t *root, sim_scenario *s);
void sim__load_sweep(sim__ld *ld, const json_t *root, sim_scenario *s);
/* The `hunt` block: knob paths and a "LO:HI" range or a list each (load_expect.c). */
void sim__load_hunt(sim__ld *ld, const json_t *root, sim_scenario *s);
/* Loads each sweep value, and each hunt range end and value, into a copy of the
 * text (after a clean load). */
void sim__check_sweep_values(sim__ld *ld, const char *text, size_t len, const sim_scenario *s);

/* The loader proper: parses text and fills *out. Returns 0 or -1 (errors in
 * ld->err). The caller fills ld's file, dir, lim, err, bare, check_sweep; text
 * is ld->text unless positions are off (then text/len give it). */
int sim__load_text(sim__ld *ld, const char *text, size_t len, sim_scenario *out);

/*
 * Sets `key` (a knob path) to `value` in JSON text, giving new text (*out, owned,
 * NUL-terminated). Returns 0, or -1 with a message in why ("no policy named ...").
 */
int sim__set_text(const char *text, size_t len, const char *key, const char *value, char **out,
                  size_t *out_len, char *why, size_t whycap);

#endif
