/*
 * merge_internal.h — what the two halves of a sweep merge share (the study
 * room's own): sweep_merge.c reads and checks the shards' CSVs,
 * sweep_merge_json.c builds the merged sweep.json.
 */
#ifndef DSIM_MERGE_INTERNAL_H
#define DSIM_MERGE_INTERNAL_H

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

/* Point p's results (every policy, every replication) from its parts, starting
 * at pt[*i]; advances *i past them. */
void sim__merge_part_results(const merge_part *pt, size_t n_parts, size_t *i,
                             const shard_info *si, sim_results *r);

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
