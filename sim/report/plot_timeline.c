/*
 * plot_timeline.c — the worst session window of a dsim timeline, as data for
 * plots/timeline.gp (plot_data.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "outfile.h"
#include "plot_data.h"
#include "xalloc.h"

/* A (pid, session): what went wrong in it. */
typedef struct {
    json_int_t pid, session;
    long lost, dups, discards;
} tl_session;

static const char *const TROUBLE[] = {"ack_timeout_discard", "duplicate_delivery", "error",
                                      "dispatch_timeout", "job_cancel"};

static bool is_trouble(const char *name)
{
    for (size_t i = 0; i < sizeof TROUBLE / sizeof TROUBLE[0]; i++)
        if (strcmp(name, TROUBLE[i]) == 0)
            return true;
    return false;
}

/* How much an instant weighs in choosing the window: what the listener hears
 * twice counts most, then what is lost for good, then the scheduler's moves. */
static int trouble_weight(const char *name)
{
    return strcmp(name, "duplicate_delivery") == 0    ? 4
           : strcmp(name, "ack_timeout_discard") == 0 ? 2
           : strcmp(name, "error") == 0               ? 2
                                                      : 1;
}

static int mark_kind(const char *name)
{
    static const char *const kinds[] = {"delivery", "duplicate_delivery", "ack_timeout_discard",
                                        "dispatch_timeout", "job_cancel", "error",
                                        "failover_dispatched"};
    for (int i = 0; i < 7; i++)
        if (strcmp(name, kinds[i]) == 0)
            return i + 1;
    return 0;
}

static int outcome_class(const char *o)
{
    if (!o)
        return 5;
    if (strcmp(o, "delivered") == 0)
        return 1;
    if (strcmp(o, "duplicate") == 0)
        return 2;
    if (strcmp(o, "discarded") == 0)
        return 3;
    static const char *const stopped[] = {"aborted", "superseded", "crashed", "refused",
                                          "skipped", "dropped_stale"};
    for (size_t i = 0; i < sizeof stopped / sizeof stopped[0]; i++)
        if (strcmp(o, stopped[i]) == 0)
            return 4;
    return 5;
}

static json_int_t iget(const json_t *o, const char *k, json_int_t dflt)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* A gnuplot double-quoted string of s. */
static void gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int cmp_int(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return (x > y) - (x < y);
}

/* A trouble instant: when, and how much it weighs. */
typedef struct {
    double t;
    int w;
} tl_trouble;

/* A thread's row in the plot: its sort index (the queue lanes 1, 2, ... of a node
 * carry the queue track's, so a node's waits share one row, as they did when they
 * shared one track), else its tid. pairs: sorted by tid. */
typedef struct {
    json_int_t tid, sort;
} tl_sort;

static json_int_t row_key(const tl_sort *pairs, size_t n, json_int_t tid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pairs[mid].tid < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && pairs[lo].tid == tid ? pairs[lo].sort : tid;
}

static int cmp_pair(const void *a, const void *b)
{
    const tl_sort *x = a, *y = b;
    return x->tid != y->tid ? (x->tid > y->tid) - (x->tid < y->tid)
                            : (x->sort > y->sort) - (x->sort < y->sort);
}

static int cmp_trouble(const void *a, const void *b)
{
    double x = ((const tl_trouble *)a)->t, y = ((const tl_trouble *)b)->t;
    return (x > y) - (x < y);
}

int sim_plot_timeline(const char *timeline_json, const char *prefix, sim_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(timeline_json, 0, &je);
    if (!root) {
        sim_error_add(err, "%s:%d:%d: %s", timeline_json, je.line, je.column, je.text);
        return -1;
    }
    const json_t *ev = json_object_get(root, "traceEvents");
    if (!json_is_array(ev)) {
        sim_error_add(err, "%s: not a dsim timeline (expected {\"traceEvents\": [...]})",
                      timeline_json);
        json_decref(root);
        return -1;
    }
    size_t n = json_array_size(ev);
    /* 1. The worst (pid, session). */
    tl_session *ss = NULL;
    size_t ns = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ev, i);
        const char *ph = json_string_value(json_object_get(e, "ph"));
        const char *name = json_string_value(json_object_get(e, "name"));
        json_int_t sess = iget(json_object_get(e, "args"), "session", -1);
        if (!ph || !name || sess < 0 || strcmp(ph, "i") != 0)
            continue;
        bool lost = strcmp(name, "never_delivered") == 0;
        bool dup = strcmp(name, "duplicate_delivery") == 0;
        bool disc = strcmp(name, "ack_timeout_discard") == 0;
        if (!lost && !dup && !disc)
            continue;
        json_int_t pid = iget(e, "pid", 0);
        size_t k = 0;
        while (k < ns && !(ss[k].pid == pid && ss[k].session == sess))
            k++;
        if (k == ns) {
            if (ns == cap) {
                cap = cap ? 2 * cap : 64;
                ss = sim_xrealloc(ss, cap * sizeof *ss);
            }
            ss[ns++] = (tl_session){pid, sess, 0, 0, 0};
        }
        ss[k].lost += lost;
        ss[k].dups += dup;
        ss[k].discards += disc;
    }
    json_int_t wpid = -1, wsess = -1;
    long best = -1;
    tl_session worst = {0};
    for (size_t k = 0; k < ns; k++) {
        long score = 3 * ss[k].lost + ss[k].dups + ss[k].discards;
        if (score > best) {
            best = score;
            worst = ss[k];
        }
    }
    free(ss);
    if (best >= 0) {
        wpid = worst.pid;
        wsess = worst.session;
    } else {
        /* nothing went wrong anywhere: the first session of the first run with attempts */
        for (size_t i = 0; i < n && wpid < 0; i++) {
            const json_t *e = json_array_get(ev, i);
            const char *cat = json_string_value(json_object_get(e, "cat"));
            if (cat && strcmp(cat, "attempt") == 0) {
                wpid = iget(e, "pid", 0);
                wsess = iget(json_object_get(e, "args"), "session", 0);
            }
        }
    }
    if (wpid < 0) {
        json_decref(root);
        return 1;
    }
    /* 2. The window with the most trouble of that session. */
    tl_trouble *tt = sim_xcalloc(n ? n : 1, sizeof *tt);
    size_t nt = 0;
    double first_attempt = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ev, i);
        const json_t *args = json_object_get(e, "args");
        if (iget(e, "pid", -1) != wpid || iget(args, "session", -1) != wsess)
            continue;
        const char *ph = json_string_value(json_object_get(e, "ph"));
        const char *name = json_string_value(json_object_get(e, "name"));
        double ts = json_number_value(json_object_get(e, "ts")) / 1e6;
        const char *cat = json_string_value(json_object_get(e, "cat"));
        if (ph && strcmp(ph, "X") == 0 && cat && strcmp(cat, "attempt") == 0 && ts < first_attempt)
            first_attempt = ts;
        if (ph && name && strcmp(ph, "i") == 0 && is_trouble(name)) {
            tt[nt++] = (tl_trouble){ts, trouble_weight(name)};
        }
    }
    qsort(tt, nt, sizeof *tt, cmp_trouble);
    const double W = SIM_PLOT_TIMELINE_WINDOW_S, lead = 0.15 * W;
    double from = isfinite(first_attempt) ? first_attempt : 0;
    long most = 0, sum = 0;
    for (size_t a = 0, b = 0; a < nt; a++) {
        while (b < nt && tt[b].t <= tt[a].t + W - lead)
            sum += tt[b++].w;
        if (sum > most) {
            most = sum;
            from = tt[a].t - lead;
        }
        sum -= tt[a].w;
    }
    free(tt);
    if (from < 0)
        from = 0;
    double to = from + W;
    /* 3. Names: the run and every thread of it. */
    const char *run_name = "", *scen_name = "";
    json_int_t sched_tid = -1, sess_tid = -1;
    tl_sort *sorts = sim_xcalloc(n ? n : 1, sizeof *sorts);
    size_t nsorts = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ev, i);
        const char *ph = json_string_value(json_object_get(e, "ph"));
        if (!ph || strcmp(ph, "M") != 0 || iget(e, "pid", -1) != wpid)
            continue;
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *val = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
        const char *labels =
            json_string_value(json_object_get(json_object_get(e, "args"), "labels"));
        if (name && labels && strcmp(name, "process_labels") == 0)
            scen_name = labels;
        json_int_t sort = iget(json_object_get(e, "args"), "sort_index", -1);
        if (name && strcmp(name, "thread_sort_index") == 0 && sort >= 0) {
            sorts[nsorts++] = (tl_sort){iget(e, "tid", -1), sort};
        }
        if (!name || !val)
            continue;
        if (strcmp(name, "process_name") == 0)
            run_name = val;
        if (strcmp(name, "thread_name") == 0) {
            char want[64];
            snprintf(want, sizeof want, "session %lld", (long long)wsess);
            if (strcmp(val, "scheduler") == 0)
                sched_tid = iget(e, "tid", -1);
            if (strcmp(val, want) == 0)
                sess_tid = iget(e, "tid", -1);
        }
    }
    qsort(sorts, nsorts, sizeof *sorts, cmp_pair);
    /* The lost utterances of the session. */
    json_int_t *lost = sim_xcalloc(n ? n : 1, sizeof *lost);
    size_t nl = 0;
    json_int_t *tids = sim_xcalloc(n ? n : 1, sizeof *tids);
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ev, i);
        const json_t *args = json_object_get(e, "args");
        if (iget(e, "pid", -1) != wpid || iget(args, "session", -1) != wsess)
            continue;
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *cat = json_string_value(json_object_get(e, "cat"));
        if (name && strcmp(name, "never_delivered") == 0)
            lost[nl++] = iget(args, "utterance_index", -1);
        double ts = json_number_value(json_object_get(e, "ts")) / 1e6;
        double dur = json_number_value(json_object_get(e, "dur")) / 1e6;
        if (cat && strcmp(cat, "attempt") == 0 && ts <= to && ts + dur >= from)
            tids[nw++] = row_key(sorts, nsorts, iget(e, "tid", -1));
    }
    qsort(tids, nw, sizeof *tids, cmp_int);
    size_t nrow = 0;
    for (size_t i = 0; i < nw; i++)
        if (i == 0 || tids[i] != tids[i - 1])
            tids[nrow++] = tids[i];
    /* rows: the client on top, the scheduler, then the workers (y from the top) */
    char path[4096];
    sim_outfile bars = {0}, marks = {0}, meta = {0};
    int rc = 0;
    snprintf(path, sizeof path, "%s.bars.tsv", prefix);
    rc = sim_outfile_open(&bars, path, err);
    snprintf(path, sizeof path, "%s.marks.tsv", prefix);
    if (rc == 0)
        rc = sim_outfile_open(&marks, path, err);
    snprintf(path, sizeof path, "%s.meta.gp", prefix);
    if (rc == 0)
        rc = sim_outfile_open(&meta, path, err);
    if (rc != 0) {
        sim_outfile_abort(&bars);
        sim_outfile_abort(&marks);
        json_decref(root);
        free(lost);
        free(tids);
        free(sorts);
        return -1;
    }
    long y_client = (long)nrow + 2, y_sched = (long)nrow + 1;
    size_t nbars = 0, nlost = 0, ndup = 0, ndisc = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(ev, i);
            const json_t *args = json_object_get(e, "args");
            if (iget(e, "pid", -1) != wpid || iget(args, "session", -1) != wsess)
                continue;
            const char *ph = json_string_value(json_object_get(e, "ph"));
            const char *name = json_string_value(json_object_get(e, "name"));
            const char *cat = json_string_value(json_object_get(e, "cat"));
            double ts = json_number_value(json_object_get(e, "ts")) / 1e6;
            double dur = json_number_value(json_object_get(e, "dur")) / 1e6;
            if (!ph || !name)
                continue;
            if (pass == 0 && strcmp(ph, "X") == 0 && cat && strcmp(cat, "attempt") == 0 &&
                ts <= to && ts + dur >= from) {
                json_int_t tid = row_key(sorts, nsorts, iget(e, "tid", -1));
                const json_int_t *row = bsearch(&tid, tids, nrow, sizeof *tids, cmp_int);
                json_int_t u = iget(args, "utterance_index", -1);
                bool was_lost = false;
                for (size_t k = 0; k < nl; k++)
                    was_lost |= lost[k] == u;
                const char *o = json_string_value(json_object_get(args, "outcome"));
                int cls = outcome_class(o);
                fprintf(bars.f, "%ld\t%.9f\t%.9f\t%d\t%s%s\n", (long)(nrow - (size_t)(row - tids)),
                        ts < from ? from : ts, ts + dur > to ? to : ts + dur, cls, name,
                        was_lost ? " LOST" : "");
                nbars++;
                nlost += was_lost && cls != 1;
            }
            if (pass == 1 && strcmp(ph, "i") == 0 && ts >= from && ts <= to) {
                int k = mark_kind(name);
                json_int_t tid = iget(e, "tid", -1);
                if (k == 0 || (tid != sched_tid && tid != sess_tid))
                    continue;
                fprintf(marks.f, "%ld\t%.9f\t%d\n", tid == sess_tid ? y_client : y_sched, ts, k);
                ndup += k == 2;
                ndisc += k == 3;
            }
        }
    }
    fprintf(meta.f, "# the worst session window of %s\n", timeline_json);
    fprintf(meta.f, "tl_run = ");
    gp_string(meta.f, run_name);
    fprintf(meta.f, "\ntl_scenario = ");
    gp_string(meta.f, scen_name);
    fprintf(meta.f, "\ntl_session = %lld\ntl_from = %.9f\ntl_to = %.9f\ntl_rows = %ld\n",
            (long long)wsess, from, to, y_client);
    fprintf(meta.f, "tl_lost = %ld\ntl_dups = %ld\ntl_discards = %ld\n", worst.lost, worst.dups,
            worst.discards);
    fprintf(meta.f, "tl_window_dups = %zu\ntl_window_discards = %zu\ntl_bars = %zu\n", ndup, ndisc,
            nbars);
    fprintf(meta.f, "set ytics (");
    char client[64];
    snprintf(client, sizeof client, "client (session %lld)", (long long)wsess);
    gp_string(meta.f, client);
    fprintf(meta.f, " %ld, \"scheduler\" %ld", y_client, y_sched);
    for (size_t r = 0; r < nrow; r++) {
        const char *tn = "";
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(ev, i);
            const char *ph = json_string_value(json_object_get(e, "ph"));
            const char *name = json_string_value(json_object_get(e, "name"));
            if (ph && strcmp(ph, "M") == 0 && name && strcmp(name, "thread_name") == 0 &&
                iget(e, "pid", -1) == wpid && iget(e, "tid", -1) == tids[r]) {
                tn = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
                break;
            }
        }
        fputs(", ", meta.f);
        gp_string(meta.f, tn ? tn : "");
        fprintf(meta.f, " %ld", (long)(nrow - r));
    }
    fprintf(meta.f, ")\n");
    (void)nlost;
    json_decref(root);
    free(lost);
    free(tids);
    free(sorts);
    rc = sim_outfile_commit(&bars, err);
    if (rc == 0)
        rc = sim_outfile_commit(&marks, err);
    else
        sim_outfile_abort(&marks);
    if (rc == 0)
        rc = sim_outfile_commit(&meta, err);
    else
        sim_outfile_abort(&meta);
    return rc;
}
