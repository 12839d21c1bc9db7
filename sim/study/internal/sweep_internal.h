/*
 * sweep_internal.h — what the three parts of a sweep's run share (the study
 * room's own): sweep.c plans the units and runs them on threads, sweep_points.c
 * keeps each unit's raw results in DIR/points/ (and reads them back for
 * --resume), sweep_output.c renders sweep.csv and sweep.json.
 */
#ifndef DSIM_SWEEP_INTERNAL_H
#define DSIM_SWEEP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "run.h"
#include "sim_error.h"
#include "sweep.h"

#define SWEEP_PATH_LEN 4096

/* A unit's share of sweep.csv (its rows, or its part lines) and of sweep.json (its
 * entry of "points", or of "parts", indented for that place). */
typedef struct unit_text {
    char *csv, *json;
    size_t csv_len;
} unit_text;

typedef struct sweep_ctx {
    const sim_scenario *s;
    const sim_sweep_opts *o;
    size_t n_points;
    size_t slices, n_units; /* replication ranges per point; points x slices */
    char points_dir[SWEEP_PATH_LEN - 64];
    char fingerprint[17]; /* hex of the sweep's hash */

    size_t pieces;        /* replication ranges a unit is evaluated in (1: whole) */

    unit_text *text;      /* per unit: its outputs' text once rendered (sim__sweep_render_unit) */

    pthread_mutex_t mu;   /* guards everything below */
    size_t *todo;         /* units still to run, ascending */
    size_t n_todo, next;  /* next: the next piece, todo[next / pieces]'s */
    size_t *left;         /* per unit: its pieces not yet evaluated */
    sim_results *res;     /* per unit (only this shard's are filled) */
    bool *have;
    size_t done, mine;    /* units finished (reused included) / of this shard */
    bool stop, failed;
    size_t failed_point;
    sim_error err;        /* of the lowest failed point */
} sweep_ctx;

/* ---- units (sweep.c) ---- */

/* Whether unit u (a point, or a point's replication range) is this shard's. */
bool sim__sweep_is_mine(const sim_sweep_opts *o, size_t u);

/* The replications of unit u: *first and *count; count 0 = all (whole points). */
void sim__sweep_unit_reps(const sweep_ctx *c, size_t u, int *first, int *count);

/* ---- DIR/points/ (sweep_points.c) ---- */

/* Writes unit i's raw results r to its point file, whole (sim_outfile_write).
 * Returns 0 or -1 (err). */
int sim__sweep_save_point(const sweep_ctx *c, size_t i, const sim_results *r, sim_error *err);

/* Loads unit i's results from its point file into *out (out->v malloc'd) when
 * that file is of this very sweep. Returns 0 (loaded), 1 (no file, or another
 * sweep's: to recompute), or -1 with err (a file that is no point file of dsim,
 * or one of this sweep with impossible contents). */
int sim__sweep_load_point(const sweep_ctx *c, size_t i, sim_results *out, sim_error *err);

/* Removes this shard's point files (a fresh start, without --resume). */
void sim__sweep_clear_points(const sweep_ctx *c);

/* Removes the temporaries of this shard's point files that a killed run left. */
void sim__sweep_clear_temporaries(const sweep_ctx *c);

/* ---- sweep.csv and sweep.json (sweep_output.c) ---- */

/* Renders unit u's share of the outputs (c->text[u]) from its complete results;
 * choice: room for a knob index per knob. Called by the thread that completed
 * the unit (no other thread touches c->text[u] or c->res[u] then). */
void sim__sweep_render_unit(const sweep_ctx *c, size_t u, size_t *choice);

/* Renders the units not rendered yet (reused by --resume), then writes out->csv
 * and out->json from the units' shares. Returns 0 or -1 (err). */
int sim__sweep_write_outputs(const sweep_ctx *c, sim_sweep_outcome *out, sim_error *err);

#endif
