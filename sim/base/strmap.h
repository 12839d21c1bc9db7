/*
 * strmap.h — strings numbered in order of first appearance: a string -> index
 * table (open addressing on sim_hash), for labels read from files (trace
 * sessions, log ids).
 */
#ifndef DSIM_STRMAP_H
#define DSIM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_strmap {
    char **key;   /* owned copies; NULL: an empty slot */
    uint32_t *id;
    size_t n, cap;
} sim_strmap;

/* The index of s (0, 1, ... in order of first appearance), adding a copy of it
 * when it is new (then *added, if not NULL, is true). Start from a zeroed map. */
uint32_t sim_strmap_get(sim_strmap *m, const char *s, bool *added);

/* Frees the copies and the table and zeroes m. */
void sim_strmap_free(sim_strmap *m);

#endif
