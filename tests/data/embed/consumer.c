/* A program outside the tree that embeds the installed core (tests/cli_install.sh
 * builds it as C and as C++, with pkg-config and with CMake). Exit 0 = the
 * embedding contract holds; each failed check prints what went wrong. */
#include <dsim/dispatcher.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host's allocator: counts what the core holds. */
struct pool {
    long calls, live;
};
static void *h_malloc(void *ctx, size_t n)
{
    struct pool *p = (struct pool *)ctx;
    void *q = malloc(n);
    p->calls++;
    p->live += q != NULL;
    return q;
}
static void *h_realloc(void *ctx, void *old, size_t n)
{
    struct pool *p = (struct pool *)ctx;
    void *q = realloc(old, n);
    p->calls++;
    p->live += q != NULL && old == NULL;
    return q;
}
static void h_free(void *ctx, void *q)
{
    struct pool *p = (struct pool *)ctx;
    p->live -= q != NULL;
    free(q);
}

struct host {
    disp *d;
    int assigns;
    int reentrant_rc; /* what an input called from within the sink returned */
};

static void sink(void *ctx, const disp_cmd *c)
{
    struct host *h = (struct host *)ctx;
    if (c->kind == DISP_CMD_ASSIGN) {
        h->assigns++;
        /* an in-process node answering at once: refused, not an abort */
        h->reentrant_rc = disp_result(h->d, c->now, c->job_id, c->attempt, c->node, c->session,
                                      c->index, true);
    }
}

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "consumer: check failed: %s\n", #cond);      \
            return 1;                                                    \
        }                                                                \
    } while (0)

int main(void)
{
    struct host h;
    struct pool pool = {0, 0};
    disp_policy p;
    disp_config cfg;
    int rc;

    memset(&h, 0, sizeof h);
    printf("dsim-dispatcher %s (header %s)\n", disp_version(), DISP_VERSION_STRING);
    CHECK(strcmp(disp_version(), DISP_VERSION_STRING) == 0);
    CHECK(disp_version_hex() == DISP_VERSION_HEX);
    CHECK(disp_policy_preset(&p, "lingua-2025-12-28") == 0);
    CHECK(p.size == sizeof p);

    /* a policy from another header: refused by its size */
    p.size = sizeof p - 8;
    disp_config_init(&cfg, &p);
    CHECK(disp_create(&h.d, &cfg) == DISP_EVERSION && h.d == NULL);
    CHECK(strcmp(disp_err_name(DISP_EVERSION), "DISP_EVERSION") == 0);
    p.size = sizeof p;

    cfg.sink = sink;
    cfg.sink_ctx = &h;
    cfg.alloc.malloc_fn = h_malloc;
    cfg.alloc.realloc_fn = h_realloc;
    cfg.alloc.free_fn = h_free;
    cfg.alloc.ctx = &pool;
    rc = disp_create(&h.d, &cfg);
    CHECK(rc == 0 && h.d != NULL);
    CHECK(disp_node_up(h.d, 0, 1, 0, 4) == 0);
    CHECK(disp_utterance(h.d, 1000, 7, 0, 3 * DISP_NS_PER_S, NULL) == 0);
    CHECK(h.assigns == 1);
    CHECK(h.reentrant_rc == DISP_EBUSY);
    printf("re-entrant call: %s (%s)\n", disp_err_name(h.reentrant_rc),
           disp_strerror(h.reentrant_rc));
    /* the refused result was not taken: the 30 s timeout fails over to node 1 again */
    CHECK(disp_advance(h.d, 31 * DISP_NS_PER_S + 1) == 0);
    CHECK(h.assigns == 2);
    CHECK(disp_node_up(h.d, 31 * DISP_NS_PER_S + 1, 2, 0, DISP_SLOTS_MAX + 1) == DISP_ELIMIT);
    rc = disp_node_up(h.d, 0, 2, 0, 1); /* time went back */
    CHECK(rc == DISP_EINVAL);
    printf("bad input: %s (%s)\n", disp_err_name(rc), disp_strerror(rc));
    CHECK(pool.calls > 0 && pool.live > 0);
    disp_free(h.d);
    CHECK(pool.live == 0);
    printf("assigns %d, %ld allocator calls, all freed\n", h.assigns, pool.calls);
    return 0;
}
