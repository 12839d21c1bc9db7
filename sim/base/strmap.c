/* strmap.c — strings numbered in order of first appearance (strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

uint32_t sim_strmap_get(sim_strmap *t, const char *s, bool *added)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        char **k = sim_xcalloc(cap, sizeof *k);
        uint32_t *v = sim_xcalloc(cap, sizeof *v);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->key[i])
                continue;
            size_t h = (size_t)sim_hash(SIM_HASH_INIT, t->key[i], strlen(t->key[i])) & (cap - 1);
            while (k[h])
                h = (h + 1) & (cap - 1);
            k[h] = t->key[i];
            v[h] = t->id[i];
        }
        free(t->key);
        free(t->id);
        t->key = k;
        t->id = v;
        t->cap = cap;
    }
    size_t h = (size_t)sim_hash(SIM_HASH_INIT, s, strlen(s)) & (t->cap - 1);
    while (t->key[h] && strcmp(t->key[h], s) != 0)
        h = (h + 1) & (t->cap - 1);
    bool fresh = !t->key[h];
    if (fresh) {
        t->key[h] = sim_xstrdup(s);
        t->id[h] = (uint32_t)t->n++;
    }
    if (added)
        *added = fresh;
    return t->id[h];
}

void sim_strmap_free(sim_strmap *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->key[i]);
    free(t->key);
    free(t->id);
    memset(t, 0, sizeof *t);
}
