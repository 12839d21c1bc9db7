/*
 * engine_internal.h — engine figures for tests only.
 */
#ifndef DSIM_ENGINE_INTERNAL_H
#define DSIM_ENGINE_INTERNAL_H

#include <stddef.h>

#include "engine.h"

/* Event slots ever in use at once (the pool's high-water mark): pending events plus
 * cancelled ones not yet reclaimed. */
size_t sim_engine__slots_high_water(const sim_engine *e);

#endif
