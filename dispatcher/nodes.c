/*
 * nodes.c — node registry, slot reservation and the least-loaded choice.
 *
 * A node's load is max(current_jobs from its heartbeat, slots reserved by the
 * core), as node_registry/selection.rs has it (98e3526); under node_load
 * reserved the heartbeat's figure is not kept, so the load is the reservations.
 * Under node_load snapshot (the reference's Phase 2, as shipped) the load is
 * current_jobs alone: a heartbeat sets it to its running_jobs
 * (node_registry/core.rs), and the refresh tick, at every multiple of
 * node_snapshot_refresh, to max(that figure, the reservations held then)
 * (phase2/runtime_snapshot.rs run_node_snapshot_refresher, 98e3526); a
 * reservation is granted only while max(current_jobs, reservations) < slots
 * (disp__node_grants). The tick is armed only when some node's current_jobs
 * differs from what a tick would set: a tick that changes nothing is not run.
 * Eligible nodes (online, load < slots) sit in a binary min-heap keyed by
 * (load, registration order = slot), so the least loaded node — ties to the first
 * registered — is the heap's top, and a choice that must avoid a few nodes looks
 * at a handful of heap entries only.
 */
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "internal.h"

static inline bool eless(const disp__eent *x, const disp__eent *y)
{
    return x->load < y->load || (x->load == y->load && x->slot < y->slot);
}

static inline void eplaced(disp *d, const disp__eent *e, uint32_t i)
{
    d->nodes[e->slot].hpos = (int32_t)i;
}

DISP__HEAP_DEFINE(eheap, disp__eent, eless, eplaced)

/* What a refresh tick sets a node's current_jobs to. */
static int refreshed(const disp__node *n)
{
    return n->hb > n->reserved ? n->hb : n->reserved;
}

/* node_load snapshot: arms the next refresh tick (the first multiple of the
 * period strictly after now) when node n's current_jobs is not what a tick
 * would set; the other modes have no tick. */
static void refresh_due(disp *d, const disp__node *n)
{
    if (d->p.node_load == DISP_LOAD_SNAPSHOT && n->current != refreshed(n) &&
        d->refresh_hpos < 0)
        disp__timer_set(d, DISP__TREF_REFRESH,
                        disp__next_multiple(d->now, d->p.node_snapshot_refresh));
}

/* Re-files node `slot` after its load, slots or online flag changed. */
static void node_update(disp *d, uint32_t slot)
{
    disp__node *n = &d->nodes[slot];
    int load = disp__node_load(d, n);
    bool eligible = n->online && load < n->slots;
    disp__eent e;

    e.load = load;
    e.slot = slot;
    if (n->hpos < 0) {
        if (eligible)
            eheap_push(d, d->elig, &d->nelig, e);
        return;
    }
    if (!eligible) {
        uint32_t i = (uint32_t)n->hpos;
        n->hpos = -1;
        eheap_remove(d, d->elig, &d->nelig, i);
        return;
    }
    /* in the heap and still eligible: only the load can have changed, and
     * the entry moves the way it changed (up when lighter, down when heavier) */
    assert(d->elig[n->hpos].slot == slot);
    if (load < d->elig[n->hpos].load) {
        d->elig[n->hpos].load = load;
        (void)eheap_up(d, d->elig, (uint32_t)n->hpos);
    } else if (load > d->elig[n->hpos].load) {
        d->elig[n->hpos].load = load;
        eheap_down(d, d->elig, d->nelig, (uint32_t)n->hpos);
    }
}

static bool avoided(const uint32_t *avoid, int n_avoid, uint32_t id)
{
    for (int i = 0; i < n_avoid; i++)
        if (avoid[i] == id)
            return true;
    return false;
}

disp__node *disp__node_pick_avoiding(disp *d, const uint32_t *avoid, int n_avoid)
{
    /* Best-first walk of the heap: at most n_avoid entries are skipped, so the
     * frontier never holds more than 2 * (n_avoid + 1) heap positions. */
    uint32_t frontier[2 * (DISP__LIVE_MAX + 2)];
    int nf = 0;

    assert(n_avoid >= 0 && n_avoid <= DISP__LIVE_MAX + 1);
    if (d->nelig == 0)
        return NULL;
    frontier[nf++] = 0;
    while (nf > 0) {
        int best = 0;
        uint32_t pos, slot;
        for (int i = 1; i < nf; i++)
            if (eless(&d->elig[frontier[i]], &d->elig[frontier[best]]))
                best = i;
        pos = frontier[best];
        frontier[best] = frontier[--nf];
        slot = d->elig[pos].slot;
        if (!avoided(avoid, n_avoid, d->nodes[slot].id))
            return &d->nodes[slot];
        for (uint32_t c = 2 * pos + 1; c <= 2 * pos + 2 && c < d->nelig; c++) {
            assert(nf < (int)(sizeof frontier / sizeof frontier[0]));
            frontier[nf++] = c;
        }
    }
    return NULL;
}

void disp__node_reserve(disp *d, disp__node *n)
{
    assert(n->online && disp__node_load(d, n) < n->slots && disp__node_grants(d, n));
    n->reserved++;
    assert(n->reserved >= 0 && n->reserved <= n->slots);
    node_update(d, (uint32_t)(n - d->nodes));
    refresh_due(d, n);
}

void disp__node_release(disp *d, disp__node *n)
{
    assert(n->reserved > 0);
    n->reserved--;
    if (n->reserved == 0)
        n->idle_since_signal = true;
    node_update(d, (uint32_t)(n - d->nodes));
    refresh_due(d, n);
}

void disp__nodes_refresh(disp *d)
{
    /* every node, in registration order (the reference walks nodes:all); an
     * offline node's figure is refreshed too, it is not chosen anyway */
    for (uint32_t i = 0; i < d->nnodes; i++) {
        disp__node *n = &d->nodes[i];
        int v = refreshed(n);
        if (n->current != v) {
            n->current = v;
            node_update(d, i);
        }
    }
}

void disp__node_signal(disp *d, disp__node *n, disp_time now)
{
    if (d->p.liveness.mode == DISP_LIVENESS_PHI && n->last_signal >= 0 &&
        !n->idle_since_signal) {
        double x = (double)(now - n->last_signal) / (double)DISP_NS_PER_S;
        if (n->phi_n == DISP__PHI_WINDOW) {
            double old = (double)n->phi_win[n->phi_pos] / (double)DISP_NS_PER_S;
            n->phi_sum -= old;
            n->phi_sumsq -= old * old;
        } else {
            n->phi_n++;
        }
        assert(n->phi_win != NULL); /* allocated by disp_node_up */
        n->phi_win[n->phi_pos] = now - n->last_signal;
        n->phi_pos = (n->phi_pos + 1) % DISP__PHI_WINDOW;
        n->phi_sum += x;
        n->phi_sumsq += x * x;
    }
    n->last_signal = now;
    n->idle_since_signal = n->reserved == 0;
}

void disp__nodes_free(disp *d)
{
    for (uint32_t i = 0; i < d->nnodes; i++)
        disp__free(d, d->nodes[i].phi_win);
    disp__free(d, d->nodes);
    disp__free(d, d->elig);
    disp__map_free(d, &d->node_map);
}

/* ---- public ------------------------------------------------------------------ */

int disp_node_up(disp *d, disp_time now, uint32_t node, uint32_t cls, int slots)
{
    disp__node *n;
    disp__class *c;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if (slots < 0)
        return DISP_EINVAL;
    if (slots > DISP_SLOTS_MAX)
        return DISP_ELIMIT; /* a bounded table (dispatcher.h, README "Rules") */
    n = disp__node_find(d, node);
    /* the memory first (a new class's too): refused, nothing has changed (an
     * empty class record is no state: it has no node and no sample) */
    if ((c = disp__class_get(d, cls)) == NULL)
        return DISP_ENOMEM;
    if (n == NULL) {
        uint32_t ecap = d->ncap;
        disp_time *phi = NULL;
        if (disp__grow(d, &d->elig, &ecap, (uint64_t)d->nnodes + 1, sizeof *d->elig, 16) != 0 ||
            disp__grow(d, &d->nodes, &d->ncap, ecap, sizeof *d->nodes, 16) != 0 ||
            disp__map_reserve(d, &d->node_map, d->node_map.n + 1) != 0)
            return DISP_ENOMEM;
        if (d->p.liveness.mode == DISP_LIVENESS_PHI &&
            (phi = disp__alloc(d, DISP__PHI_WINDOW, sizeof *phi)) == NULL)
            return DISP_ENOMEM;
        n = &d->nodes[d->nnodes];
        memset(n, 0, sizeof *n);
        n->phi_win = phi;
        n->id = node;
        n->hpos = -1;
        n->last_signal = -1;
        n->idle_since_signal = true;
        disp__map_put(&d->node_map, node, 0, d->nnodes);
        d->nnodes++;
    }
    n->cls = cls;
    n->cls_slot = (uint32_t)(c - d->classes);
    n->slots = slots ? slots : d->p.default_slots;
    n->current = 0; /* until the first heartbeat of this registration */
    n->hb = 0;
    n->online = true;
    node_update(d, (uint32_t)(n - d->nodes));
    refresh_due(d, n); /* reservations held from before a re-registration */
    disp__queue_pump(d);
    return 0;
}

int disp_node_down(disp *d, disp_time now, uint32_t node)
{
    disp__node *n;
    disp_cmd c;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if ((n = disp__node_find(d, node)) == NULL)
        return DISP_EUNKNOWN;
    if (!n->online)
        return 0;
    n->online = false;
    node_update(d, (uint32_t)(n - d->nodes));
    if (disp__log_on(d, DISP_LOG_NODE_DOWN)) {
        memset(&c, 0, sizeof c);
        c.kind = DISP_CMD_LOG;
        c.now = now;
        c.node = node;
        c.event = DISP_LOG_NODE_DOWN;
        disp__emit(d, &c);
    }
    return 0;
}

int disp_node_heartbeat(disp *d, disp_time now, uint32_t node, int current_jobs)
{
    disp__node *n;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if (current_jobs < 0 || current_jobs > 1000000)
        return DISP_EINVAL;
    if ((n = disp__node_find(d, node)) == NULL)
        return DISP_EUNKNOWN;
    if (d->p.node_load == DISP_LOAD_HEARTBEAT)
        n->current = current_jobs;
    else if (d->p.node_load == DISP_LOAD_SNAPSHOT)
        n->current = n->hb = current_jobs;
    node_update(d, (uint32_t)(n - d->nodes));
    refresh_due(d, n);
    disp__queue_pump(d);
    return 0;
}

int disp_node_load(const disp *d, uint32_t node)
{
    const disp__node *n;

    assert(d != NULL);
    n = disp__node_find(d, node);
    return n ? disp__node_load(d, n) : -1;
}
