/*
 * map.c — a small open-addressing hash map from a pair of uint64 to an int64.
 *
 * Linear probing with backward-shift deletion: no tombstones, so a table that
 * sees endless insert/delete churn (jobs in flight) keeps short probe runs. The
 * load factor stays at or below 1/2. Iteration order is never exposed, so the
 * hash function cannot leak into outputs.
 */
#include <string.h>

#include "internal.h"

void disp__map_free(disp *d, disp__map *m)
{
    disp__free(d, m->s);
    m->s = NULL;
    m->cap = m->n = 0;
}

static void put(disp__map *m, uint64_t a, uint64_t b, int64_t v);

int disp__map_reserve(disp *d, disp__map *m, size_t n)
{
    disp__mslot *old = m->s, *ns;
    size_t oldcap = m->cap, cap = oldcap ? oldcap : 8, i;

    if (n * 2 <= oldcap)
        return 0;
    while (n * 2 > cap)
        cap *= 2;
    if ((ns = disp__alloc(d, cap, sizeof *ns)) == NULL)
        return DISP_ENOMEM; /* the map is as it was */
    for (i = 0; i < cap; i++)
        ns[i].a = UINT64_MAX;
    m->s = ns;
    m->cap = cap;
    m->n = 0;
    for (i = 0; i < oldcap; i++)
        if (old[i].a != UINT64_MAX)
            put(m, old[i].a, old[i].b, old[i].v);
    disp__free(d, old);
    return 0;
}

void disp__map_put(disp__map *m, uint64_t a, uint64_t b, int64_t v)
{
    put(m, a, b, v);
}

static void put(disp__map *m, uint64_t a, uint64_t b, int64_t v)
{
    size_t i;

    assert(a != UINT64_MAX);
    /* room was reserved (disp__map_reserve) before any state changed */
    assert((m->n + 1) * 2 <= m->cap || disp__map_get(m, a, b) != NULL);
    for (i = disp__map_home(m, a, b);; i = (i + 1) & (m->cap - 1)) {
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
    for (i = disp__map_home(m, a, b);; i = (i + 1) & mask) {
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
        h = disp__map_home(m, m->s[j].a, m->s[j].b);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            m->s[i] = m->s[j];
            i = j;
        }
    }
    m->s[i].a = UINT64_MAX;
    m->n--;
    return true;
}
