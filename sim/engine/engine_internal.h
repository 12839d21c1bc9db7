/*
 * engine_internal.h — engine hooks for tests only. Nothing outside tests/ calls these.
 */
#ifndef DSIM_ENGINE_INTERNAL_H
#define DSIM_ENGINE_INTERNAL_H

#include <stdint.h>

#include "engine.h"

/* Sets the insertion-sequence value at which the engine renumbers the sequence
 * numbers of pending events (normally 2^36), so a test can cross a renumbering
 * cheaply. `limit` must be >= 2 and at most the default. */
void sim_engine__set_seq_limit(sim_engine *e, uint64_t limit);

/* Heap entries held, live and cancelled (cancelled entries are dropped lazily). */
size_t sim_engine__heap_size(const sim_engine *e);

#endif
