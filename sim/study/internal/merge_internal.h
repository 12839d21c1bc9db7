/*
 * merge_internal.h — what the parts of a sweep merge share (the study room's
 * own): sweep_merge.c reads and checks the shards' CSVs, sweep_merge_lines.c
 * parses and checks their lines, sweep_merge_json.c builds the merged
 * sweep.json; and what merge and --resume (sweep_points.c) both check in a
 * sweep's raw values.
 */
#ifndef DSIM_MERGE_INTERNAL_H
#define DSIM_MERGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "run.h"
#include "sim_error.h"

/* A SIM_SWEEP_PART_TAG line: one policy's raw values over a replication range. */
typedef struct merge_part {
    size_t point, policy, file;
    int first, count;
    double *v;          /* count x SIM_M_COUNT, owned */
    const char *prefix; /* "point,knob...,policy" in the file's text */
    size_t prefix_len;
} merge_part;

/* What a shard's last line says (SIM_SWEEP_SHARD_LINE). */
typedef struct shard_info {
    size_t index, count, points, policies;
    unsigned long long seed;
    int reps;
    char fp[17];
} shard_info;

/* A knob value as a sweep's JSON holds it: an integer, a number, or the text
 * (a new reference). (sweep_output.c) */
json_t *sim__sweep_knob_json(const char *v);

/* A raw value bound: no metric of one run comes near it, and sums of squares of
 * 1e8 replications of it stay finite. */
#define SIM_SWEEP_VALUE_MAX 1e100

/* Whether x may be metric m's value in one replication: a count (utterances,
 * lost, events, ...) is a number >= 0, never missing; any other metric a
 * number, or NaN (not measured: a latency without a delivery); every number
 * within +-SIM_SWEEP_VALUE_MAX. Returns NULL, or what is expected.
 * (sweep_merge_lines.c) */
const char *sim__sweep_value_check(size_t m, double x);

/* A decimal number, the whole of s[0..len): [-]DIGITS[.DIGITS][e[+-]DIGITS],
 * within +-SIM_SWEEP_VALUE_MAX (no hex, inf, nan, spaces or overflow). Returns 0
 * with *out, or -1. (sweep_merge_lines.c) */
int sim__sweep_decimal(const char *s, size_t len, double *out);

/* The leading "point" field of a row, line[0..len): digits then a comma, into
 * *point. Returns 0 or -1. (sweep_merge_lines.c) */
int sim__merge_row_point(const char *line, size_t len, size_t *point);

/* Parses the shard line line[0..len) ('\n' included) into *si. Returns 0 or -1. */
int sim__merge_parse_shard_line(const char *line, size_t len, shard_info *si);

/* Parses a SIM_SWEEP_PART_TAG line, line[0..len) ('\n' included), into *pt (pt->v
 * malloc'd): the numbers strictly, each value as sim__sweep_value_check allows.
 * Returns 0, or -1 with what is wrong in why[0..size). */
int sim__merge_parse_part(const char *line, size_t len, merge_part *pt, char *why, size_t size);

/* qsort's order of parts: by point, policy, first replication. */
int sim__merge_part_cmp(const void *a, const void *b);

/* The slice of replication range (first, count) of `reps` cut into k
 * (sim_sweep_slice_reps), or k when it is none of them. */
size_t sim__merge_slice_of(int reps, size_t k, int first, int count);

/* Checks that the parts (sorted) cover every point x policy x replication exactly
 * once with the same leading fields. Returns 0 or -1 (err). */
int sim__merge_check_parts(const merge_part *pt, size_t n_parts, const shard_info *si,
                           const char *const *inputs, sim_error *err);

/* Point p's results (every policy, every replication) from its parts, starting
 * at pt[*i]; advances *i past them. */
void sim__merge_part_results(const merge_part *pt, size_t n_parts, size_t *i,
                             const shard_info *si, sim_results *r);

/* The sweep the rows are checked against, as the shards' JSONs say it. */
typedef struct merge_sweep {
    json_t *keys;         /* the knobs' names (the first JSON's "knobs"), borrowed */
    json_t *names;        /* the policies' names (its "shard"."policies"), borrowed */
    json_t **knobs_of;    /* per point: its {KEY: value} in a shard's JSON, borrowed */
    json_t **policies_of; /* per point: its "policies" there (whole points), borrowed */
    const char *version;  /* its dsim_version */
    json_int_t schema;    /* its schema_version */
    int reps;
} merge_sweep;

/*
 * Checks the fields of a row of point `point`, line[0..end) (end: its '\n'):
 * each knob's value is the point's in the shards' JSON, the policy is one of the
 * sweep's (its number in *policy); a row of means (`means`) then has the
 * sweep's replications, every mean and CI a number (a count's mean never
 * missing nor negative, a CI never negative) and the very figure of the JSON
 * (as "%.10g" prints it), the JSON's version, and no more fields; a #part
 * line's "point,knob...,policy" ends at the policy.
 * Returns 0, or -1 with what is wrong in why[0..size). (sweep_merge_json.c)
 */
int sim__merge_check_fields(const merge_sweep *sw, const char *line, const char *end,
                            bool means, size_t point, size_t *policy, char *why, size_t size);

/* Whether the first line of the sweep's CSV (header[0..len), '\n' included) is
 * "point", the knobs of sw, then this dsim's columns of a run's CSV.
 * (sweep_merge_json.c) */
bool sim__merge_header_is(const merge_sweep *sw, const char *header, size_t len);

/* Takes the sweep's names, version and the points' knob values from the shard
 * JSON roots[f] (of inputs[f]) into sw; the first gives them, the others must
 * agree. Returns 0 or -1 (err). (sweep_merge_json.c) */
int sim__merge_take_json(merge_sweep *sw, json_t *const *roots, size_t f, size_t points,
                         const char *const *inputs, sim_error *err);

/* The JSON of a shard's CSV: its path with .json for .csv, in buf. Returns 0, or
 * -1 (err) when it does not end in .csv. */
int sim__merge_json_path(const char *csv, char *buf, size_t size, sim_error *err);

/* Loads the JSON of shard CSV csv (info si) and checks it is that shard's.
 * Returns it, or NULL (err). */
json_t *sim__merge_load_json(const char *csv, const shard_info *si, sim_error *err);

/*
 * The unsharded sweep.json from the shards' JSONs (roots[f] of inputs[f]): its
 * header fields from the first, the points of whole-point shards as they are, the
 * points of split ones recomputed from the CSVs' parts (pt, sorted). Returns the
 * text (malloc'd), or NULL (err).
 */
char *sim__merge_json(json_t *const *roots, size_t n, const shard_info *si, const merge_part *pt,
                      size_t n_parts, sim_error *err);

#endif
