/*
 * hash.h — FNV-1a 64, the one hash dsim uses to tell inputs apart (which sweep a
 * point or a shard belongs to, whether a samples file changed). Not for security.
 */
#ifndef DSIM_HASH_H
#define DSIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SIM_HASH_INIT 14695981039346656037ULL

/* The hash of data[0..len) continuing from h (start with SIM_HASH_INIT). */
static inline uint64_t sim_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#endif
