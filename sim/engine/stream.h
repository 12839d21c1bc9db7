/*
 * stream.h — keyed random streams (common random numbers).
 *
 * sim_stream_init(&s, seed, k0, k1, ...) gives a generator whose sequence
 * depends only on (seed, keys): the same key gives the same draws whatever else
 * happened, different keys give independent draws. s.rng is a real gsl_rng usable
 * with every gsl_ran_* function; the struct lives on the caller's stack or inside
 * a model (no allocation), so making one per key is cheap.
 *
 * The generator is Philox-4x64-10 (Random123; passes BigCrush), keyed by a 256-bit
 * hash of (seed, number of keys, keys). Its gsl_rng_type, "dsim-keyed", returns 32
 * bits from get (min 0, max 2^32 - 1, as GSL's own 32-bit generators) and 53 bits
 * from get_double; each draw consumes one 64-bit output word. Single-threaded per
 * stream; streams share nothing, so threads may each use their own.
 */
#ifndef DSIM_STREAM_H
#define DSIM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Key domains: the first key word says what the stream describes. */
enum {
    SIM_KEY_WORKLOAD = 1, /* (session, utterance) */
    SIM_KEY_SERVICE = 2,  /* (session, utterance, attempt, node class) */
    SIM_KEY_NODE = 3,     /* (node): faults */
    SIM_KEY_NET = 4,      /* (session, utterance, attempt, message) */
    SIM_KEY_POLICY = 5,   /* (policy): jitter */
    SIM_KEY_REPLICATION = 6,
    SIM_KEY_HEARTBEAT = 7, /* (node): heartbeat phase */
    SIM_KEY_CLIENT = 8,    /* (session, utterance, nth << 8 | kind): the client hop */
    SIM_KEY_NET_BEAT = 9   /* (node, heartbeat number): a heartbeat's trip */
};

#define SIM_STREAM_ROUND_KEYS 20 /* Philox-4x64-10: two key words a round */

typedef struct sim_stream_state {
    uint64_t key[2]; /* a keyed stream's Philox key (a named stream reads rk) */
    const uint64_t *rk; /* a named stream: its sim_streams' round keys; else NULL */
    uint64_t ctr[4]; /* ctr[0]: next block number; ctr[1..3]: the stream's name */
    uint64_t buf[4]; /* current output block */
    unsigned pos;    /* next word in buf; 4 = exhausted */
} sim_stream_state;

typedef struct sim_stream {
    gsl_rng rng;           /* rng.state points at st */
    sim_stream_state st;
} sim_stream;

/* The gsl_rng_type of keyed streams ("dsim-keyed"). */
extern const gsl_rng_type *sim_rng_keyed;

/* Initialises s for (seed, keys[0..n)) (n <= 6; keys may be NULL when n is 0).
 * The sequence depends on seed, n and every key word, so (1, 2) and (1, 2, 0)
 * differ. A copy of a sim_stream continues the same sequence independently once
 * sim_stream_fix(copy) has re-pointed copy->rng.state at the copy's own state. */
void sim_stream_init(sim_stream *s, uint64_t seed, const uint64_t *keys, size_t n);
void sim_stream_fix(sim_stream *s);

/*
 * Named streams: the hot path's way to make a stream. sim_streams_init hashes a
 * replication's seed once into a Philox key; sim_stream_named then makes the
 * stream (domain, a, b, sub) with no hashing at all: the name fills counter
 * words 1..3 (word 1 = domain << 56 | sub, word 2 = a, word 3 = b) and word 0
 * counts blocks. Philox is a keyed pseudo-random function of its counter, so
 * distinct names are disjoint, independent blocks of one sequence (Salmon et
 * al. name their streams so, e.g. (particle, step)). Nothing is computed until
 * the first draw, so a stream nobody draws from costs a few stores.
 * domain < 256 and sub < 2^56 (asserted). Named and keyed streams never share
 * a Philox key (the key of sim_streams is hashed in a domain of its own).
 * sim_streams_init also computes the key's round keys once; a named stream reads
 * them from k, so k must outlive its streams and stay where it is (each holder
 * of a sim_streams — a world, a live server, an agent — makes its streams from
 * its own, in place).
 */
typedef struct sim_streams {
    uint64_t key[2];
    uint64_t rk[SIM_STREAM_ROUND_KEYS]; /* the key's round keys, computed once */
} sim_streams;

void sim_streams_init(sim_streams *k, uint64_t seed);
void sim_stream_named(sim_stream *s, const sim_streams *k, unsigned domain, uint64_t a,
                      uint64_t b, uint64_t sub);
#define SIM_STREAM_SUB_MAX (UINT64_C(1) << 56)

/* Convenience: up to five keys. */
#define sim_stream(s, seed, ...)                                                       \
    sim_stream_init((s), (seed), (const uint64_t[]){__VA_ARGS__},                      \
                    sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

/* A uniform double in [0, 1) (53 bits), and a raw 64-bit word. Both advance the
 * same sequence that s->rng draws from. */
double sim_stream_uniform(sim_stream *s);
uint64_t sim_stream_u64(sim_stream *s);

/* Derives a 64-bit seed from (seed, keys[0..n)) (n <= 6) — e.g. the seed of
 * replication r. Distinct inputs give distinct seeds (up to 64-bit collisions), and
 * a derived seed is unrelated to the stream of the same (seed, keys). */
uint64_t sim_seed_derive(uint64_t seed, const uint64_t *keys, size_t n);

#endif
