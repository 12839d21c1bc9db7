/*
 * map.c — a small open-addressing hash map from a pair of uint64 to an int64.
 *
 * Linear probing with backward-shift deletion: no tombstones, so a table that
 * sees endless insert/delete churn (jobs in flight) keeps short probe runs. The
 * load factor stays at or below 1/2. Iteration order is never exposed, so the
 * hash function cannot leak into outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *disp__xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL) {
        fputs("dispatcher: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *disp__xrealloc(void *p, size_t n, size_t size)
{
    void *q;

    if (size != 0 && n > SIZE_MAX / size) {
        fputs("dispatcher: allocation too large\n", stderr);
        abort();
    }
    q = realloc(p, (n * size) != 0 ? n * size : 1);
    if (q == NULL) {
        fputs("dispatcher: out of memory\n", stderr);
        abort();
    }
    return q;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static size_t home(const disp__map *m, uint64_t a, uint64_t b)
{
    return (size_t)(mix(a ^ mix(b + UINT64_C(0x9e3779b97f4a7c15))) & (m->cap - 1));
}

void disp__map_free(disp__map *m)
{
    free(m->s);
    m->s = NULL;
    m->cap = m->n = 0;
}

int64_t *disp__map_get(const disp__map *m, uint64_t a, uint64_t b)
{
    size_t i;

    if (m->n == 0)
        return NULL;
    for (i = home(m, a, b);; i = (i + 1) & (m->cap - 1)) {
        disp__mslot *s = &m->s[i];
        if (s->a == UINT64_MAX)
            return NULL;
        if (s->a == a && s->b == b)
            return &s->v;
    }
}

static void grow(disp__map *m)
{
    disp__mslot *old = m->s;
    size_t oldcap = m->cap, i;

    m->cap = oldcap ? oldcap * 2 : 8;
    m->s = disp__xcalloc(m->cap, sizeof *m->s);
    for (i = 0; i < m->cap; i++)
        m->s[i].a = UINT64_MAX;
    m->n = 0;
    for (i = 0; i < oldcap; i++)
        if (old[i].a != UINT64_MAX)
            disp__map_put(m, old[i].a, old[i].b, old[i].v);
    free(old);
}

void disp__map_put(disp__map *m, uint64_t a, uint64_t b, int64_t v)
{
    size_t i;

    assert(a != UINT64_MAX);
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    for (i = home(m, a, b);; i = (i + 1) & (m->cap - 1)) {
        disp__mslot *s = &m->s[i];
        if (s->a == UINT64_MAX) {
            s->a = a;
            s->b = b;
            s->v = v;
            m->n++;
            return;
        }
        if (s->a == a && s->b == b) {
            s->v = v;
            return;
        }
    }
}

bool disp__map_del(disp__map *m, uint64_t a, uint64_t b)
{
    size_t mask = m->cap - 1, i, j;

    if (m->n == 0)
        return false;
    for (i = home(m, a, b);; i = (i + 1) & mask) {
        if (m->s[i].a == UINT64_MAX)
            return false;
        if (m->s[i].a == a && m->s[i].b == b)
            break;
    }
    /* Backward shift: pull later members of the run into the hole when their
     * home position does not lie cyclically in (hole, their position]. */
    for (j = (i + 1) & mask;; j = (j + 1) & mask) {
        size_t h;
        if (m->s[j].a == UINT64_MAX)
            break;
        h = home(m, m->s[j].a, m->s[j].b);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            m->s[i] = m->s[j];
            i = j;
        }
    }
    m->s[i].a = UINT64_MAX;
    m->n--;
    return true;
}
