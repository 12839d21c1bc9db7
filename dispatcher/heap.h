/*
 * heap.h — the core's one indexed binary min-heap, instantiated per entry type.
 *
 * As libuv's heap-inl.h is one heap for all its timers with a compare function,
 * this is one heap for the core's two: the timers (timers.c, keyed by (when, seq))
 * and the eligible nodes (nodes.c, keyed by (load, registration)). An entry's
 * owner keeps the entry's position, so an entry can be moved or removed in
 * O(log n); the heap tells the owner through PLACED every time it writes an
 * entry to a position.
 *
 *   DISP__HEAP_DEFINE(name, T, LESS, PLACED)
 *
 * defines static functions over an array `T *a` of `n` entries, with `disp *d`
 * passed through to PLACED:
 *   name_up(d, a, i)            sifts a[i] up; returns its final position
 *   name_down(d, a, n, i)       sifts a[i] down
 *   name_push(d, a, &n, e)      appends e (room is the caller's) and sifts it up
 *   name_remove(d, a, &n, i)    removes a[i] (the last entry fills the hole)
 *   name_fix(d, a, n, i)        restores order after a[i]'s key changed
 * LESS(x, y) is the strict order of two `const T *`; PLACED(d, e, i) records
 * that entry *e now sits at a[i]. Only the .c files of dispatcher/ include this.
 */
#ifndef DSIM_DISPATCHER_HEAP_H
#define DSIM_DISPATCHER_HEAP_H

#include <stdint.h>

#define DISP__HEAP_DEFINE(name, T, LESS, PLACED)                                          \
    static inline uint32_t name##_up(disp *d, T *a, uint32_t i)                            \
    {                                                                                      \
        T e = a[i];                                                                        \
        while (i > 0) {                                                                    \
            uint32_t p = (i - 1) / 2;                                                      \
            if (!LESS(&e, &a[p]))                                                          \
                break;                                                                     \
            a[i] = a[p];                                                                   \
            PLACED(d, &a[i], i);                                                           \
            i = p;                                                                         \
        }                                                                                  \
        a[i] = e;                                                                          \
        PLACED(d, &a[i], i);                                                               \
        return i;                                                                          \
    }                                                                                      \
    static inline void name##_down(disp *d, T *a, uint32_t n, uint32_t i)                  \
    {                                                                                      \
        T e = a[i];                                                                        \
        for (;;) {                                                                         \
            uint32_t c = 2 * i + 1;                                                        \
            if (c >= n)                                                                    \
                break;                                                                     \
            if (c + 1 < n && LESS(&a[c + 1], &a[c]))                                       \
                c++;                                                                       \
            if (!LESS(&a[c], &e))                                                          \
                break;                                                                     \
            a[i] = a[c];                                                                   \
            PLACED(d, &a[i], i);                                                           \
            i = c;                                                                         \
        }                                                                                  \
        a[i] = e;                                                                          \
        PLACED(d, &a[i], i);                                                               \
    }                                                                                      \
    static inline void name##_push(disp *d, T *a, uint32_t *n, T e)                        \
    {                                                                                      \
        a[*n] = e;                                                                         \
        (*n)++;                                                                            \
        (void)name##_up(d, a, *n - 1);                                                     \
    }                                                                                      \
    static inline void name##_fix(disp *d, T *a, uint32_t n, uint32_t i)                   \
    {                                                                                      \
        if (i > 0 && LESS(&a[i], &a[(i - 1) / 2]))                                         \
            (void)name##_up(d, a, i);                                                      \
        else                                                                               \
            name##_down(d, a, n, i);                                                       \
    }                                                                                      \
    static inline void name##_remove(disp *d, T *a, uint32_t *n, uint32_t i)               \
    {                                                                                      \
        (*n)--;                                                                            \
        if (i == *n)                                                                       \
            return;                                                                        \
        a[i] = a[*n];                                                                      \
        name##_fix(d, a, *n, i);                                                           \
    }

#endif
