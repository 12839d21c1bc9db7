/*
 * stream.c — keyed random streams: Philox-4x64-10 over a hashed key.
 *
 * The generator is the counter-based Philox-4x64 with 10 rounds (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011; it passes TestU01's
 * BigCrush). Its input is a 4-word counter and a 2-word key; it outputs 4 words.
 * (seed, keys) are hashed to 256 bits: two words are the Philox key and two fill
 * counter words 2 and 3; counter word 0 is the block number and word 1 is 0. So the
 * sequence of a stream is a pure function of (seed, keys), and streams with
 * different keys are disjoint blocks of one keyed pseudo-random function.
 *
 * Each output word is consumed whole: sim_stream_u64 returns it, get_double keeps
 * its top 53 bits, and the gsl_rng get keeps its top 32 bits (max 2^32 - 1, as
 * GSL's own 32-bit generators do).
 */
#include "stream.h"

#include <assert.h>

#include "stream_internal.h"

__extension__ typedef unsigned __int128 u128;

#define PHILOX_M0 UINT64_C(0xD2E7470EE14C6C93)
#define PHILOX_M1 UINT64_C(0xCA5A826395121157)
#define PHILOX_W0 UINT64_C(0x9E3779B97F4A7C15)
#define PHILOX_W1 UINT64_C(0xBB67AE8584CAA73B)
#define MAX_KEYS 6
#define PHILOX_RK SIM_STREAM_ROUND_KEYS

/* One round: two 64x64->128 multiplies, the halves crossed and keyed. */
#define PHILOX_ROUND(k0, k1)                                                             \
    do {                                                                                 \
        u128 p0 = (u128)PHILOX_M0 * c0, p1 = (u128)PHILOX_M1 * c2;                       \
        c0 = (uint64_t)(p1 >> 64) ^ c1 ^ (k0);                                           \
        c1 = (uint64_t)p1;                                                               \
        c2 = (uint64_t)(p0 >> 64) ^ c3 ^ (k1);                                           \
        c3 = (uint64_t)p0;                                                               \
    } while (0)

/* The ten rounds over precomputed round keys rk[2i], rk[2i+1] = key + i * (W0, W1):
 * the compiler keeps the state in registers and xors each round key straight from
 * memory (134 instructions a block; 162 with the schedule computed in the rounds,
 * and about twice that with a loop that kept the schedule in it). */
static inline void philox_rk(const uint64_t ctr[4], const uint64_t rk[PHILOX_RK],
                             uint64_t out[4])
{
    uint64_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    for (int i = 0; i < PHILOX_RK / 2; i++)
        PHILOX_ROUND(rk[2 * i], rk[2 * i + 1]);
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void round_keys(const uint64_t key[2], uint64_t rk[PHILOX_RK])
{
    for (int i = 0; i < PHILOX_RK / 2; i++) {
        rk[2 * i] = key[0] + (uint64_t)i * PHILOX_W0;
        rk[2 * i + 1] = key[1] + (uint64_t)i * PHILOX_W1;
    }
}

void sim_stream__philox(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4])
{
    uint64_t rk[PHILOX_RK];
    round_keys(key, rk);
    philox_rk(ctr, rk, out);
}

/* Refills the output block from the next counter value. */
static void refill(sim_stream_state *st)
{
    if (st->rk) /* a named stream: its sim_streams' round keys */
        philox_rk(st->ctr, st->rk, st->buf);
    else
        sim_stream__philox(st->ctr, st->key, st->buf);
    st->ctr[0]++;
    st->pos = 0;
}

static inline uint64_t next_u64(sim_stream_state *st)
{
    if (st->pos >= 4)
        refill(st);
    return st->buf[st->pos++];
}

/* A 64-bit mixer (the SplitMix64 finaliser): a bijection with full avalanche. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Hashes (seed, n, keys) into 4 words: two chains with distinct odd multipliers
 * and starting values absorb every word (xor, multiply, fold: injective per word),
 * then full SplitMix64 finalisers spread the 128 bits over the 4 words. Philox
 * (10 rounds, a strong keyed permutation) does the rest, so the hash only has to
 * keep distinct keys distinct; its cost is paid once per stream. */
static void hash_key(uint64_t out[4], uint64_t domain, uint64_t seed, const uint64_t *keys,
                     size_t n)
{
    const uint64_t m0 = UINT64_C(0x9E3779B97F4A7C15), m1 = UINT64_C(0xC2B2AE3D27D4EB4F);
    uint64_t h0 = mix64(domain * m0 + 1), h1 = mix64(domain * m1 + 2);
    for (size_t i = 0; i <= n + 1; i++) {
        uint64_t w = i == 0 ? seed : i == 1 ? (uint64_t)n : keys[i - 2];
        h0 = (h0 ^ w) * m0;
        h0 ^= h0 >> 29;
        h1 = (h1 ^ w) * m1;
        h1 ^= h1 >> 31;
    }
    out[0] = mix64(h0);
    out[1] = mix64(h1);
    out[2] = mix64(h0 ^ UINT64_C(0x165667B19E3779F9));
    out[3] = mix64(h1 ^ UINT64_C(0xD6E8FEB86659FD93));
}

static void state_init(sim_stream_state *st, uint64_t seed, const uint64_t *keys, size_t n)
{
    uint64_t h[4];
    hash_key(h, 1, seed, keys, n);
    st->key[0] = h[0];
    st->key[1] = h[1];
    st->rk = NULL;
    st->ctr[0] = 0;
    st->ctr[1] = 0;
    st->ctr[2] = h[2];
    st->ctr[3] = h[3];
    st->pos = 4; /* the first draw computes block 0 */
}

/* ---- the gsl_rng_type ---------------------------------------------------------- */

static void keyed_set(void *state, unsigned long seed)
{
    state_init(state, (uint64_t)seed, NULL, 0);
}

static unsigned long keyed_get(void *state)
{
    return (unsigned long)(next_u64(state) >> 32);
}

static double keyed_get_double(void *state)
{
    return (double)(next_u64(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type keyed_type = {
    "dsim-keyed",           /* name */
    UINT32_MAX,             /* max */
    0,                      /* min */
    sizeof(sim_stream_state),
    keyed_set,
    keyed_get,
    keyed_get_double,
};

const gsl_rng_type *sim_rng_keyed = &keyed_type;

/* ---- public -------------------------------------------------------------------- */

void sim_stream_init(sim_stream *s, uint64_t seed, const uint64_t *keys, size_t n)
{
    assert(s && (keys || n == 0) && n <= MAX_KEYS);
    state_init(&s->st, seed, keys, n);
    s->rng.type = &keyed_type;
    s->rng.state = &s->st;
}

void sim_stream_fix(sim_stream *s)
{
    assert(s);
    s->rng.type = &keyed_type;
    s->rng.state = &s->st;
}

double sim_stream_uniform(sim_stream *s)
{
    return (double)(next_u64(&s->st) >> 11) * 0x1.0p-53;
}

uint64_t sim_stream_u64(sim_stream *s)
{
    return next_u64(&s->st);
}

void sim_streams_init(sim_streams *k, uint64_t seed)
{
    assert(k);
    uint64_t h[4];
    hash_key(h, 3, seed, NULL, 0);
    k->key[0] = h[0];
    k->key[1] = h[1];
    round_keys(k->key, k->rk);
}

void sim_stream_named(sim_stream *s, const sim_streams *k, unsigned domain, uint64_t a,
                      uint64_t b, uint64_t sub)
{
    assert(s && k && domain < 256 && sub < SIM_STREAM_SUB_MAX);
    s->st.rk = k->rk; /* its key is k's: the round keys say it all */
    s->st.ctr[0] = 0;
    s->st.ctr[1] = (uint64_t)domain << 56 | sub;
    s->st.ctr[2] = a;
    s->st.ctr[3] = b;
    s->st.pos = 4;
    s->rng.type = &keyed_type;
    s->rng.state = &s->st;
}

uint64_t sim_seed_derive(uint64_t seed, const uint64_t *keys, size_t n)
{
    assert((keys || n == 0) && n <= MAX_KEYS);
    uint64_t h[4];
    hash_key(h, 2, seed, keys, n);
    return h[0];
}
