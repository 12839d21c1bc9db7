/*
 * scenario_summary.c — the one-screen summary `dsim validate` prints.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load_internal.h"

/* d's mean in seconds, of what the sampler draws without audio: "1.1 s", every
 * max on the way honoured (dist_mean_clamped: a max that cuts the tail lowers
 * the mean). A distribution without a finite mean and no max (pareto alpha
 * <= 1), or one whose mean is past the cap on every draw (~73 years,
 * DIST_SECONDS_MAX: the world simulated has a finite mean below it), says so;
 * never inf or a time no draw can reach. */
static void secs(const dist *d, char *buf, size_t cap)
{
    double s = dist_mean_clamped(d, 0.0);
    if (!isfinite(s))
        snprintf(buf, cap, "no finite mean; a draw is capped at %.3g s", DIST_SECONDS_MAX);
    else if (s > DIST_SECONDS_MAX)
        snprintf(buf, cap, "past the %.3g s cap on a draw", DIST_SECONDS_MAX);
    else
        snprintf(buf, cap, "%.3g s", s);
}

/* "mean 1.1 s", or what secs() says when there is no such mean. */
static void mean_of(const dist *d, char *buf, size_t cap)
{
    char t[80];
    secs(d, t, sizeof t);
    snprintf(buf, cap, "%s%s", strncmp(t, "no finite", 9) != 0 ? "mean " : "", t);
}

/* "lognormal median 0.8 sigma 0.8, mean 1.1 s, + 0.15 s per audio s, max 20 s" */
static void describe_dist(const dist *d, char *buf, size_t cap)
{
    char mean[96], extra[96] = "";
    mean_of(d, mean, sizeof mean);
    switch (d->kind) {
    case DIST_CONST:
        secs(d, buf, cap);
        break;
    case DIST_UNIFORM:
        snprintf(buf, cap, "uniform %g..%g s", d->p0, d->p1);
        break;
    case DIST_EXPONENTIAL:
        snprintf(buf, cap, "exponential %s", mean);
        break;
    case DIST_LOGNORMAL:
        snprintf(buf, cap, "lognormal median %g sigma %g (%s)", d->p0, d->p1, mean);
        break;
    case DIST_GAMMA:
        snprintf(buf, cap, "gamma shape %g scale %g (%s)", d->p0, d->p1, mean);
        break;
    case DIST_WEIBULL:
        snprintf(buf, cap, "weibull shape %g scale %g (%s)", d->p0, d->p1, mean);
        break;
    case DIST_PARETO:
        snprintf(buf, cap, "pareto alpha %g min %g (%s)", d->p0, d->p1, mean);
        break;
    case DIST_EMPIRICAL:
        snprintf(buf, cap, "empirical %zu samples (%s)", d->n, mean);
        break;
    case DIST_MIXTURE:
        snprintf(buf, cap, "mixture of %zu (%s)", d->n, mean);
        break;
    default:
        snprintf(buf, cap, "?");
        break;
    }
    size_t o = 0;
    if (d->per_audio_s > 0)
        o += (size_t)snprintf(extra, sizeof extra, " + %g s per audio s", d->per_audio_s);
    if (d->has_max && o < sizeof extra)
        snprintf(extra + o, sizeof extra - o, ", max %g s", d->max);
    size_t used = strlen(buf);
    if (used < cap)
        snprintf(buf + used, cap - used, "%s", extra);
}

/* One line per policy: its preset and the knobs that shape duplicates and losses. */
static void print_policy(FILE *f, const sim_policy *sp)
{
    const disp_policy *p = &sp->policy;
    char line[512];
    size_t o = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (o < sizeof line) {                                                                     \
            int n_ = snprintf(line + o, sizeof line - o, __VA_ARGS__);                             \
            o += n_ > 0 ? (size_t)n_ : 0;                                                          \
        }                                                                                          \
    } while (0)
    ADD("timeout %g s", (double)p->dispatch_timeout / 1e9);
    if (p->scan_interval != DISP_NS_PER_S)
        ADD(" (scan %g s)", (double)p->scan_interval / 1e9);
    ADD(", %d failovers%s", p->max_failovers, p->send_cancel ? "" : " without cancel");
    if (p->failover != DISP_FAILOVER_SAME_JOB_ID)
        ADD(" %s", sim__enum_failover[p->failover]);
    ADD(", accept %s, queue %s, ack %g s", sim__enum_result_accept[p->result_accept],
        sim__enum_result_queue[p->result_queue], (double)p->ack_timeout / 1e9);
    if (p->dedup_ttl > 0)
        ADD(", dedup %g s", (double)p->dedup_ttl / 1e9);
    ADD(", pending %s", sim__enum_pending[p->pending]);
    if (p->pending_timeout > 0)
        ADD(" %g s", (double)p->pending_timeout / 1e9);
    if (p->timeout.mode != DISP_TIMEOUT_FIXED)
        ADD(", timeout %s %g..%g s", sim__enum_timeout[p->timeout.mode],
            (double)p->timeout.min / 1e9, (double)p->timeout.max / 1e9);
    if (p->liveness.mode != DISP_LIVENESS_NONE)
        ADD(", liveness %s", sim__enum_liveness[p->liveness.mode]);
    if (p->hedge.enabled) {
        if (p->hedge.after > 0)
            ADD(", hedge after %g s", (double)p->hedge.after / 1e9);
        else
            ADD(", hedge after p%g", p->hedge.after_quantile * 100);
    }
    if (p->backoff.enabled)
        ADD(", backoff %g..%g s %s", (double)p->backoff.base / 1e9, (double)p->backoff.cap / 1e9,
            sim__enum_jitter[p->backoff.jitter]);
    if (p->retry_budget.enabled)
        ADD(", retry budget %g", p->retry_budget.ratio);
    if (p->node_load != DISP_LOAD_HEARTBEAT)
        ADD(", node load %s", sim__enum_node_load[p->node_load]);
    if (p->node_load == DISP_LOAD_SNAPSHOT)
        ADD(" (refresh %g s)", (double)p->node_snapshot_refresh / 1e9);
    const sim_node_override *no = &sp->node;
    if (no->has_on_cancel)
        ADD(", nodes on_cancel %s", sim__enum_on_cancel[no->on_cancel]);
    if (no->has_cancel_between_stages)
        ADD(", nodes cancel_between_stages %s", no->cancel_between_stages ? "true" : "false");
    if (no->has_attempt_check)
        ADD(", nodes attempt_check %s", sim__enum_attempt_check[no->attempt_check]);
    if (no->has_skip_repeat_job_id)
        ADD(", nodes %s repeated job_id", no->skip_repeat_job_id ? "skip" : "accept");
#undef ADD
    fprintf(f, "    %-18s %s: %s\n", sp->name, sp->preset, line);
}

/* How much the mean of d's draw grows per second of audio, without its maxima:
 * its per_audio_s, plus a mixture's components' by weight (each adds its own
 * before the mixture's, as dist_sample does); *capped is set when a max on the
 * way may clamp the sum, which lowers the growth by up to all of it. */
static double audio_slope(const dist *d, bool *capped)
{
    double k = d->per_audio_s;
    *capped = *capped || (d->has_max && k > 0);
    if (d->kind == DIST_MIXTURE) {
        double s = 0.0, w = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            bool c = false;
            double ki = audio_slope(&d->components[i], &c);
            s += d->weights[i] * ki;
            w += d->weights[i];
            *capped = *capped || (ki > 0 && (c || d->has_max));
        }
        k += w > 0.0 ? s / w : 0.0;
    }
    return k;
}

static void print_node(FILE *f, const node_config *c)
{
    char st[STAGE_COUNT][128];
    for (int k = 0; k < STAGE_COUNT; k++) {
        /* the mean without audio, + the growth per audio second: exact unless a
         * max clamps the sum, which it lowers by up to that much */
        const dist *d = &c->stage[k];
        secs(d, st[k], sizeof st[k]);
        bool capped = false;
        double slope = audio_slope(d, &capped);
        if (slope > 0) {
            size_t n = strlen(st[k]);
            snprintf(st[k] + n, sizeof st[k] - n, " + %s%g s per audio s",
                     capped ? "at most " : "", slope);
        }
    }
    fprintf(f, "    %-14s x%d, %d slots, %d worker%s, on_cancel %s, attempt_check %s%s%s%s%s\n",
            c->name, c->count, c->slots, c->workers, c->workers == 1 ? "" : "s",
            sim__enum_on_cancel[c->on_cancel], sim__enum_attempt_check[c->attempt_check],
            c->progress ? ", progress" : "",
            c->skip_repeat_job_id ? ", skips repeated job_id" : "",
            c->heartbeat_count == NODE_HB_ATTEMPTS ? ", heartbeat counts attempts" : "",
            c->heartbeat_phase == NODE_HB_PHASE_ALIGNED ? ", heartbeats aligned" : "");
    fprintf(f, "      stage means: asr %s, nmt %s, tts %s\n", st[0], st[1], st[2]);
    if (c->stall_prob > 0 || c->crash || c->cold_start || c->no_result_prob > 0) {
        fprintf(f, "      faults:");
        char a[128], b[128];
        if (c->stall_prob > 0) {
            secs(&c->stall_extra, a, sizeof a);
            fprintf(f, " stall %g%% (+%s mean, in %s)", c->stall_prob * 100, a,
                    sim__enum_stall_stage[c->stall_stage]);
        }
        if (c->crash) {
            secs(&c->crash_between, a, sizeof a);
            secs(&c->crash_downtime, b, sizeof b);
            fprintf(f, " crash every %s for %s (means)", a, b);
        }
        if (c->cold_start) {
            secs(&c->cold_extra, a, sizeof a);
            fprintf(f, " cold start after %g s idle (+%s)", c->cold_idle_s, a);
        }
        if (c->no_result_prob > 0)
            fprintf(f, " no result %g%%", c->no_result_prob * 100);
        fprintf(f, "\n");
    }
}

/* Every world assumption that changes results, with this scenario's value
 * (README, "World assumptions"). */
static void print_assumptions(FILE *f, const sim_scenario *s)
{
    char a[200];
    fprintf(f, "  world assumptions:\n");
    if (s->workload.linger_s >= 0)
        fprintf(f, "    sessions close %g s after their last utterance (workload.linger_s)\n",
                s->workload.linger_s);
    else
        fprintf(f, "    sessions stay open until the run drains (no workload.linger_s)\n");
    if (s->network.fifo)
        fprintf(f, "    links keep order: one FIFO per direction per node and per session "
                   "(network.fifo)\n");
    else
        fprintf(f, "    links do not keep order: every message has its own delay "
                   "(network.fifo false)\n");
    describe_dist(&s->network.client_delay, a, sizeof a);
    fprintf(f, "    scheduler -> client: %s per message (network.client_delay_s)\n", a);
    for (size_t i = 0; i < s->n_nodes; i++) {
        const node_config *c = &s->nodes[i];
        fprintf(f, "    %s heartbeats every %g s count %s (heartbeat_count), %s phase%s\n",
                c->name, c->heartbeat_s,
                c->heartbeat_count == NODE_HB_ATTEMPTS ? "queued and running attempts"
                                                       : "job_ids until ASR ends, the job ends or "
                                                         "a cancel arrives",
                sim__enum_heartbeat_phase[c->heartbeat_phase],
                c->on_cancel == NODE_CANCEL_IGNORE && c->heartbeat_count != NODE_HB_ATTEMPTS
                    ? "; on_cancel ignore: a cancelled job stops counting, its work goes on"
                    : "");
    }
    fprintf(f, "    a result for a job the core has forgotten is queued for its (session, index) "
               "under result_accept all, fenced otherwise\n");
    for (size_t i = 0; i < s->n_nodes; i++) {
        const node_config *c = &s->nodes[i];
        if (!c->crash)
            continue;
        if (c->crash_notice == NODE_CRASH_SOCKET_CLOSE)
            fprintf(f, "    a %s crash closes its socket: the scheduler notices at once "
                       "(faults.crash.notice)\n",
                    c->name);
        else
            fprintf(f, "    a %s crash is noticed at the first %d s status scan more than %d s "
                       "after the node's last heartbeat received (faults.crash.notice)\n",
                    c->name, SIM_STATUS_SCAN_S, SIM_HEARTBEAT_TIMEOUT_S);
    }
    fprintf(f, "    a run that does not drain stops %d s after %s\n", SIM_DRAIN_HORIZON_S,
            s->workload.linger_s >= 0 ? "the last session closed" : "the last utterance");
}

void sim_scenario_print_summary(const sim_scenario *s, void *stdio_file)
{
    FILE *f = stdio_file;
    const wl_config *w = &s->workload;
    char a[200], b[200], c[200];
    fprintf(f, "%s (%s)\n", s->name ? s->name : "?", s->path ? s->path : "-");
    if (s->description && s->description[0]) {
        size_t n = strcspn(s->description, "\n");
        fprintf(f, "  %.*s%s\n", (int)(n < 76 ? n : 76), s->description,
                n > 76 || s->description[n] ? " ..." : "");
    }
    if (s->max_time_s > 0)
        snprintf(a, sizeof a, "stops at %g s", s->max_time_s);
    else
        snprintf(a, sizeof a, "runs until drained");
    fprintf(f, "  seed %llu, %d replication%s, %s\n", (unsigned long long)s->seed, s->replications,
            s->replications == 1 ? "" : "s", a);

    describe_dist(&w->session_start, a, sizeof a);
    describe_dist(&w->gap, b, sizeof b);
    describe_dist(&w->audio, c, sizeof c);
    if (w->trace) {
        fprintf(f, "  workload: replayed: %d sessions, %llu utterances (the longest session %d), "
                   "the last ending at %.9g s\n",
                w->sessions, (unsigned long long)w->trace->n, w->utterances_per_session,
                (double)wl_trace_last_end(w->trace) / 1e9);
        fprintf(f, "    audio where the trace has none: %s\n", c);
    } else {
        fprintf(f, "  workload: %d sessions x %d utterances = %llu utterances\n", w->sessions,
                w->utterances_per_session,
                (unsigned long long)w->sessions * (unsigned long long)w->utterances_per_session);
        fprintf(f, "    start %s; gap %s\n    audio %s\n", a, b, c);
    }

    unsigned long long nodes = 0, slots = 0, workers = 0;
    for (size_t i = 0; i < s->n_nodes; i++) {
        nodes += (unsigned long long)s->nodes[i].count;
        slots += (unsigned long long)s->nodes[i].count * (unsigned long long)s->nodes[i].slots;
        workers += (unsigned long long)s->nodes[i].count * (unsigned long long)s->nodes[i].workers;
    }
    fprintf(f, "  nodes: %zu class%s, %llu nodes, %llu slots, %llu workers\n", s->n_nodes,
            s->n_nodes == 1 ? "" : "es", nodes, slots, workers);
    for (size_t i = 0; i < s->n_nodes; i++)
        print_node(f, &s->nodes[i]);

    describe_dist(&s->network.to_node_delay, a, sizeof a);
    describe_dist(&s->network.to_sched_delay, b, sizeof b);
    if (strcmp(a, b) == 0 && s->network.to_node_loss == s->network.to_sched_loss) {
        fprintf(f, "  network: delay %s, loss %g, both ways\n", a, s->network.to_node_loss);
    } else {
        fprintf(f, "  network: to node %s, loss %g\n", a, s->network.to_node_loss);
        fprintf(f, "           to scheduler %s, loss %g\n", b, s->network.to_sched_loss);
    }

    print_assumptions(f, s);
    fprintf(f, "  policies: %zu\n", s->n_policies);
    for (size_t i = 0; i < s->n_policies; i++)
        print_policy(f, &s->policies[i]);
    size_t points = s->n_sweep ? 1 : 0;
    for (size_t i = 0; i < s->n_sweep; i++)
        points *= s->sweep[i].n;
    fprintf(f, "  expectations: %zu; sweep: %zu knob%s, %zu point%s\n", s->n_expects, s->n_sweep,
            s->n_sweep == 1 ? "" : "s", points, points == 1 ? "" : "s");
}
