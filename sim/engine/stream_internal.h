/*
 * stream_internal.h — the raw generator of keyed streams, for tests only.
 */
#ifndef DSIM_STREAM_INTERNAL_H
#define DSIM_STREAM_INTERNAL_H

#include <stdint.h>

/* One Philox-4x64-10 block: out = philox(ctr, key). */
void sim_stream__philox(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]);

#endif
