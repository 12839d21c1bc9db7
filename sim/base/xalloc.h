/*
 * xalloc.h — sim/'s one allocation policy: out of memory prints a message and
 * aborts. Every allocation in sim/ goes through these. (The core and the models
 * have their own, with the same policy: they link nothing from sim/.)
 */
#ifndef DSIM_XALLOC_H
#define DSIM_XALLOC_H

#include <stddef.h>

void *sim_xmalloc(size_t n);
void *sim_xcalloc(size_t n, size_t size);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);

#endif
