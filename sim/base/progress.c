/*
 * progress.c — the progress reporter (progress.h): an atomic counter that
 * workers add to, and one thread that reads it and the clock every period and
 * prints on stderr.
 */
#include "progress.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum {
    TTY_PERIOD_MS = 250,     /* a live line's redraw */
    PLAIN_PERIOD_MS = 2000,  /* a plain line's check */
    PLAIN_FIRST_PERIODS = 5, /* no plain line in the first 10 s (tests' stderr stays) */
    PLAIN_QUIET_PERIODS = 15, /* a plain line at least this often (30 s) */
    LINE_MAX_COLS = 79,      /* a live line's most characters (less on a narrower terminal) */
};

struct sim_progress {
    atomic_uint_least64_t done, total;
    char label[64], unit[32];
    bool tty;
    bool bytes;           /* units are bytes, shown in MB */
    size_t cols;          /* a live line's most characters: the terminal's width - 1 */
    long period_ms;
    struct timespec t0;

    pthread_t th;
    bool started;
    pthread_mutex_t mu; /* guards stop */
    pthread_cond_t cv;
    bool stop;
    pthread_mutex_t out; /* one writer at a time: the printer's tick, sim_progress_print */

    /* the printer's (its thread's, then sim_progress_end's after the join) */
    bool shown;           /* a line was printed */
    size_t shown_len;     /* the live line's length, to blank what is left of it */
    unsigned long ticks;  /* periods so far */
    unsigned long since_line; /* periods since the last plain line */
    uint64_t decile;      /* the last plain line's tenth */
};

/* A live line is on the terminal: a signal's message starts on a new line. */
static atomic_int line_open;

int sim_progress_line_open(void)
{
    return atomic_load(&line_open);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* "12.3 s", "4 min 05 s", "2 h 07 min". */
static void duration(char *buf, size_t size, double s, bool tenths)
{
    if (s < 60)
        snprintf(buf, size, tenths ? "%.1f s" : "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, size, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}

static void rate_text(char *buf, size_t size, double per_s, bool bytes)
{
    if (bytes)
        snprintf(buf, size, "%.1f MB/s", per_s / 1e6);
    else
        snprintf(buf, size, per_s >= 100 ? "%.0f/s" : per_s >= 1 ? "%.1f/s" : "%.2f/s", per_s);
}

/* "1234/5000 utterances", "12.3/45.6 MB", or without a total "1234 utterances". */
static void count_text(const sim_progress *p, char *buf, size_t size, uint64_t done,
                       uint64_t total)
{
    if (p->bytes && total)
        snprintf(buf, size, "%.1f/%.1f MB", (double)done / 1e6, (double)total / 1e6);
    else if (p->bytes)
        snprintf(buf, size, "%.1f MB", (double)done / 1e6);
    else if (total)
        snprintf(buf, size, "%llu/%llu %s", (unsigned long long)done, (unsigned long long)total,
                 p->unit);
    else
        snprintf(buf, size, "%llu %s", (unsigned long long)done, p->unit);
}

/* The line (no "\r", no newline): while running, or the last one. */
static void line(const sim_progress *p, bool last, char *buf, size_t size)
{
    uint64_t done = atomic_load(&p->done), total = atomic_load(&p->total);
    double el = seconds_since(&p->t0);
    char el_s[32], rate[32], eta[32], count[96], share[16] = "";
    duration(el_s, sizeof el_s, el, true);
    rate_text(rate, sizeof rate, el > 0 ? (double)done / el : 0, p->bytes);
    count_text(p, count, sizeof count, done, total);
    if (total)
        snprintf(share, sizeof share, " (%d%%)",
                 (int)(done >= total ? 100 : 100 * (double)done / (double)total));
    int n;
    if (last && (total == 0 || done >= total))
        n = snprintf(buf, size, "%s: %s in %s (%s)", p->label, count, el_s, rate);
    else if (last)
        n = snprintf(buf, size, "%s: stopped at %s after %s", p->label, count, el_s);
    else
        n = snprintf(buf, size, "%s: %s%s, %s, %s", p->label, count, share, el_s, rate);
    if (!last && done > 0 && total > done && n > 0 && (size_t)n < size) {
        double left = el / (double)done * (double)(total - done);
        duration(eta, sizeof eta, left < 1 ? 1 : left + 0.5, false); /* whole seconds, up */
        snprintf(buf + n, size - (size_t)n, ", ETA %s", eta);
    }
}

static void emit(const char *s, size_t n)
{
    fwrite(s, 1, n, stderr);
    fflush(stderr);
}

/* The live line, over the one before it. */
static void draw(sim_progress *p, const char *text)
{
    char buf[2 * LINE_MAX_COLS + 4];
    size_t n = strlen(text);
    if (n > p->cols) /* a wrapped line would not be rewritten in place */
        n = p->cols;
    size_t w = 0;
    buf[w++] = '\r';
    memcpy(buf + w, text, n);
    w += n;
    for (size_t k = n; k < p->shown_len; k++)
        buf[w++] = ' ';
    p->shown_len = n;
    atomic_store(&line_open, 1);
    emit(buf, w);
    p->shown = true;
}

/* One period's look at the counter. */
static void tick(sim_progress *p)
{
    char text[256];
    p->ticks++;
    if (p->tty) {
        if (p->ticks >= 2) { /* a run over within half a second shows nothing */
            line(p, false, text, sizeof text);
            draw(p, text);
        }
        return;
    }
    uint64_t done = atomic_load(&p->done), total = atomic_load(&p->total);
    uint64_t decile = total ? (done >= total ? 10 : done * 10 / total) : 0;
    bool over = total > 0 && done >= total; /* the last line says it */
    p->since_line++;
    if (p->ticks < PLAIN_FIRST_PERIODS || over)
        return;
    if (decile > p->decile || p->since_line >= PLAIN_QUIET_PERIODS) {
        p->decile = decile;
        p->since_line = 0;
        line(p, false, text, sizeof text);
        size_t n = strlen(text);
        text[n++] = '\n';
        emit(text, n);
        p->shown = true;
    }
}

static void *printer(void *arg)
{
    sim_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    while (!p->stop) {
        at.tv_nsec += (p->period_ms % 1000) * 1000000L;
        at.tv_sec += p->period_ms / 1000 + at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        int rc = 0;
        while (!p->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->cv, &p->mu, &at);
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_lock(&p->out);
        tick(p);
        pthread_mutex_unlock(&p->out);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* DSIM_PROGRESS_INTERVAL_MS, when it is a whole number (0: 1 ms), else -1. */
static long period_from_env(void)
{
    const char *v = getenv("DSIM_PROGRESS_INTERVAL_MS");
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno || *end || ms < 0 || ms > 3600000)
        return -1;
    return ms > 0 ? ms : 1;
}

static bool stderr_is_terminal(void)
{
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

sim_progress *sim_progress_start(const char *label, const char *unit, uint64_t total, bool quiet)
{
    if (quiet)
        return NULL;
    sim_progress *p = sim_xcalloc(1, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit);
    p->bytes = strcmp(unit, "bytes") == 0;
    atomic_init(&p->done, 0);
    atomic_init(&p->total, total);
    p->tty = stderr_is_terminal();
    p->cols = LINE_MAX_COLS;
    struct winsize ws;
    if (p->tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
        (size_t)ws.ws_col - 1 < p->cols)
        p->cols = (size_t)ws.ws_col - 1;
    long env = period_from_env();
    p->period_ms = env > 0 ? env : p->tty ? TTY_PERIOD_MS : PLAIN_PERIOD_MS;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->out, NULL);
    /* Every signal blocked in the printer: they go to the command's own threads
     * and handlers (outfile.c's, dsim live's), whatever those are. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    p->started = pthread_create(&p->th, NULL, printer, p) == 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return p; /* no thread: counts, prints nothing */
}

void sim_progress_add(sim_progress *p, uint64_t n)
{
    if (p)
        atomic_fetch_add_explicit(&p->done, n, memory_order_relaxed);
}

void sim_progress_set_total(sim_progress *p, uint64_t total)
{
    if (p)
        atomic_store(&p->total, total);
}

void sim_progress_end(sim_progress *p)
{
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    if (p->shown) {
        char text[256];
        line(p, true, text, sizeof text);
        if (p->tty) {
            draw(p, text);
            emit("\n", 1);
            atomic_store(&line_open, 0);
        } else {
            size_t n = strlen(text);
            text[n++] = '\n';
            emit(text, n);
        }
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->out);
    free(p);
}

void sim_progress_print(sim_progress *p, FILE *f, const char *text)
{
    if (p)
        pthread_mutex_lock(&p->out);
    if (p && p->tty && p->shown_len > 0) {
        /* blank the live line and go back to its start: the text takes the
         * line, and the next period draws the live line again below it */
        char buf[LINE_MAX_COLS + 2];
        size_t w = 0;
        buf[w++] = '\r';
        for (size_t k = 0; k < p->shown_len; k++)
            buf[w++] = ' ';
        buf[w++] = '\r';
        emit(buf, w);
        p->shown_len = 0;
        atomic_store(&line_open, 0);
    }
    fputs(text, f);
    fflush(f);
    if (p)
        pthread_mutex_unlock(&p->out);
}

void sim_progress_batch_flush(sim_progress_batch *b, uint64_t expected)
{
    if (!b->p)
        return;
    b->counted += b->pending;
    uint64_t n = b->pending + (expected > b->counted ? expected - b->counted : 0);
    if (expected > b->counted)
        b->counted = expected;
    b->pending = 0;
    sim_progress_add(b->p, n);
}
