/* outfile.c — atomic output files and what a signal leaves of them (see outfile.h). */
#define _GNU_SOURCE /* O_TMPFILE, where the C library has it */
#include "outfile.h"
#include "progress.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the clean-up list ---------------------------------------------------------
 *
 * A fixed table, so the signal handler reads it without locks or malloc. A slot is
 * claimed (FREE or DONE -> BUSY) by compare-and-swap, filled, then published
 * (DISCARD); the handler acts on DISCARD, KEEP and DONE slots only. Paths are
 * copied in, so a slot never points at memory that another thread frees. An
 * output whose path is too long, or that finds the table full, is simply not
 * cleaned up on a signal (as before this list existed). */

enum { SLOT_FREE, SLOT_BUSY, SLOT_DISCARD, SLOT_KEEP, SLOT_DONE };
#define SLOTS 64
#define SLOT_PATH 4096
#define NOTE_MAX 1024

typedef struct slot {
    atomic_int state;
    bool quiet;                /* a transient file (a sweep point): removed silently */
    int fd;                    /* KEEP: the temporary's descriptor */
    atomic_ullong len, units;  /* KEEP: bytes holding `units` whole units */
    unsigned long long total;
    char unit[64];
    char tail[16];             /* KEEP: written after the cut (closes a JSON file) */
    char path[SLOT_PATH], tmp[SLOT_PATH];
} slot;

static slot slots[SLOTS];
static char note[NOTE_MAX];
static atomic_int have_note;
static atomic_int dying;
static atomic_int creating; /* threads between creating a temporary and listing it */
static const int caught[] = {SIGINT, SIGTERM, SIGPIPE};
#define N_CAUGHT (sizeof caught / sizeof caught[0])

static void say(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void say_num(unsigned long long x)
{
    char buf[24];
    size_t i = sizeof buf - 1;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + x % 10);
        x /= 10;
    } while (x && i > 0);
    say(buf + i);
}

static const char *signal_text(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT (interrupted)";
    case SIGTERM: return "SIGTERM (terminated)";
    case SIGPIPE: return "SIGPIPE (the reader of an output went away)";
    default: return "a signal";
    }
}

/* "dsim: stopped by WHY", once (on a line of its own after a progress line). */
static void stop_head(const char *why, bool *headed)
{
    if (*headed)
        return;
    if (sim_progress_line_open())
        say("\n");
    say("dsim: stopped by ");
    say(why);
    say("\n");
    *headed = true;
}

/* What a stop leaves of the outputs (a signal, or the allocator's refusal):
 * each temporary kept to its checkpoint or removed, said on stderr.
 * Async-signal-safe: write, unlink, rename, ftruncate, nanosleep, pause. */
static void stop_outputs(const char *why, bool always)
{
    if (atomic_exchange(&dying, 1)) /* another thread is cleaning up: let it finish */
        for (;;)
            pause();
    /* A thread that blocked the signals may be creating a temporary that is not
     * listed yet (the signal came to another thread): wait until it is listed, at
     * most a second. No temporary is created after `dying` (create_enter). */
    for (int i = 0; i < 1000 && atomic_load(&creating) > 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    bool headed = false; /* "stopped by": at once for a signal, else before a line */
    if (always)
        stop_head(why, &headed);
    for (size_t i = 0; i < SLOTS; i++) {
        slot *s = &slots[i];
        int st = atomic_load(&s->state);
        if (st == SLOT_KEEP) {
            unsigned long long units = atomic_load(&s->units), len = atomic_load(&s->len);
            size_t tn = 0;
            while (s->tail[tn])
                tn++;
            if (units > 0 && ftruncate(s->fd, (off_t)len) == 0 &&
                (tn == 0 || pwrite(s->fd, s->tail, tn, (off_t)len) == (ssize_t)tn) &&
                rename(s->tmp, s->path) == 0) {
                stop_head(why, &headed);
                say("dsim: kept ");
                say(s->path);
                say(": the first ");
                say_num(units);
                say(" of ");
                say_num(s->total);
                say(" ");
                say(s->unit);
                say(", each whole\n");
            } else {
                unlink(s->tmp);
                stop_head(why, &headed);
                say("dsim: ");
                say(s->path);
                say(": not written (nothing whole yet)\n");
            }
        } else if (st == SLOT_DISCARD) {
            unlink(s->tmp);
            if (!s->quiet) {
                stop_head(why, &headed);
                say("dsim: ");
                say(s->path);
                say(": not written (unfinished; its temporary is removed)\n");
            }
        } else if (st == SLOT_DONE) {
            stop_head(why, &headed);
            say("dsim: ");
            say(s->path);
            say(": complete (written before the signal)\n");
        }
    }
    if (atomic_load(&have_note)) {
        stop_head(why, &headed);
        say(note);
        say("\n");
    }
}

void sim_outfile_stop(const char *why)
{
    stop_outputs(why, false);
}

static void on_signal(int sig)
{
    stop_outputs(signal_text(sig), true);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void install_handlers(void)
{
    for (size_t i = 0; i < N_CAUGHT; i++) {
        struct sigaction old, sa;
        if (sigaction(caught[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* ignored by whoever started dsim: stays ignored */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < N_CAUGHT; k++)
            sigaddset(&sa.sa_mask, caught[k]);
        sigaction(caught[i], &sa, NULL);
    }
}

void sim_signals_block(sigset_t *saved)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_handlers);
    sigset_t set;
    sigemptyset(&set);
    for (size_t k = 0; k < N_CAUGHT; k++)
        sigaddset(&set, caught[k]);
    pthread_sigmask(SIG_BLOCK, &set, saved);
}

void sim_signals_restore(const sigset_t *saved)
{
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* Around creating a file that the list must know of (signals blocked by the
 * caller): the handler waits for the threads inside. Once it runs, no file is
 * created: the thread waits for the handler's exit. */
static void create_enter(void)
{
    atomic_fetch_add(&creating, 1);
    if (atomic_load(&dying)) {
        atomic_fetch_sub(&creating, 1);
        for (;;)
            pause();
    }
}

static void create_exit(void)
{
    atomic_fetch_sub(&creating, 1);
}

/* Publishes o's temporary in the list (signals blocked by the caller). */
static void slot_claim(sim_outfile *o, bool quiet)
{
    size_t lp = strlen(o->path), lt = strlen(o->tmp);
    if (lp >= SLOT_PATH || lt >= SLOT_PATH)
        return;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < SLOTS; i++) {
            int want = pass == 0 ? SLOT_FREE : SLOT_DONE;
            if (!atomic_compare_exchange_strong(&slots[i].state, &want, SLOT_BUSY))
                continue;
            slot *s = &slots[i];
            memcpy(s->path, o->path, lp + 1);
            memcpy(s->tmp, o->tmp, lt + 1);
            s->quiet = quiet;
            s->fd = -1;
            atomic_store(&s->len, 0);
            atomic_store(&s->units, 0);
            s->total = 0;
            s->unit[0] = '\0';
            s->tail[0] = '\0';
            atomic_store(&s->state, SLOT_DISCARD);
            o->slot = (int)i + 1;
            return;
        }
    }
}

/* Takes o out of the list; a kept stream stays listed as DONE when `done`. */
static void slot_release(sim_outfile *o, bool done)
{
    if (!o->slot)
        return;
    slot *s = &slots[o->slot - 1];
    bool keep = atomic_load(&s->state) == SLOT_KEEP;
    atomic_store(&s->state, done && keep ? SLOT_DONE : SLOT_FREE);
    o->slot = 0;
}

void sim_outfile_signal_note(const char *text)
{
    sigset_t saved;
    sim_signals_block(&saved);
    atomic_store(&have_note, 0);
    if (text) {
        snprintf(note, sizeof note, "%s", text);
        atomic_store(&have_note, 1);
    }
    sim_signals_restore(&saved);
}

void sim_outfile_keep_on_signal(sim_outfile *o, const char *unit, size_t total)
{
    if (!o->slot || !o->f)
        return;
    slot *s = &slots[o->slot - 1];
    sigset_t saved;
    sim_signals_block(&saved);
    s->fd = fileno(o->f);
    s->total = total;
    snprintf(s->unit, sizeof s->unit, "%s", unit);
    atomic_store(&s->state, SLOT_KEEP);
    sim_signals_restore(&saved);
}

void sim_outfile_keep_tail(sim_outfile *o, const char *tail)
{
    if (!o->slot)
        return;
    sigset_t saved;
    sim_signals_block(&saved);
    snprintf(slots[o->slot - 1].tail, sizeof slots[o->slot - 1].tail, "%s", tail);
    sim_signals_restore(&saved);
}

int sim_outfile_checkpoint(sim_outfile *o, size_t units)
{
    if (!o->f || fflush(o->f) != 0)
        return -1;
    if (!o->slot)
        return 0;
    off_t at = ftello(o->f);
    if (at < 0)
        return -1;
    slot *s = &slots[o->slot - 1];
    sigset_t saved; /* the handler sees the old pair or the new one */
    sim_signals_block(&saved);
    atomic_store(&s->len, (unsigned long long)at);
    atomic_store(&s->units, units);
    sim_signals_restore(&saved);
    return 0;
}

/* --- atomic files ------------------------------------------------------------- */

static int outfile_open(sim_outfile *o, const char *path, bool quiet, sim_error *err)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device, a FIFO (/dev/stdout, a pipe): written in place, never replaced */
        FILE *f = S_ISDIR(st.st_mode) ? NULL : fopen(path, "wb");
        if (!f) {
            sim_error_add(err, "%s: cannot write: %s", path,
                          S_ISDIR(st.st_mode) ? "it is a directory" : strerror(errno));
            return -1;
        }
        o->f = f;
        o->path = sim_xstrdup(path);
        return 0;
    }
    size_t n = strlen(path) + 64;
    char *tmp = sim_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    sigset_t saved;
    sim_signals_block(&saved); /* no signal between creating and listing it */
    create_enter();
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        create_exit();
        sim_signals_restore(&saved);
        sim_error_add(err, "%s: cannot write: %s", path, strerror(e));
        free(tmp);
        return -1;
    }
    o->f = f;
    o->path = sim_xstrdup(path);
    o->tmp = tmp;
    slot_claim(o, quiet);
    create_exit();
    sim_signals_restore(&saved);
    return 0;
}

int sim_outfile_open(sim_outfile *o, const char *path, sim_error *err)
{
    return outfile_open(o, path, false, err);
}

static void outfile_release(sim_outfile *o)
{
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

int sim_outfile_commit(sim_outfile *o, sim_error *err)
{
    if (!o->f)
        return -1;
    /* Signals wait until the file is in place or gone: a kept stream's descriptor
     * must not be closed under the handler. */
    sigset_t saved;
    sim_signals_block(&saved);
    /* A write that failed earlier set the stream's error, and errno is by now
     * whatever the process's last failing call left (in dsim live a socket's):
     * the data the C library still holds is flushed once more for the reason. */
    int bad = 0, e = 0;
    if (ferror(o->f)) {
        bad = 1;
        clearerr(o->f);
        errno = 0;
        if (fflush(o->f) != 0)
            e = errno;
    } else if (fflush(o->f) != 0) {
        bad = 1;
        e = errno;
    }
    if (!bad && fsync(fileno(o->f)) != 0 && errno != EINVAL && errno != EROFS) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    int rc = 0;
    if (bad) {
        if (e)
            sim_error_add(err, "%s: write failed: %s", o->path, strerror(e));
        else /* the reason is not known any more */
            sim_error_add(err, "%s: write failed", o->path);
        if (o->tmp)
            remove(o->tmp);
        rc = -1;
    } else if (o->tmp && rename(o->tmp, o->path) != 0) {
        sim_error_add(err, "%s: cannot rename into place: %s", o->path, strerror(errno));
        remove(o->tmp);
        rc = -1;
    }
    slot_release(o, rc == 0);
    outfile_release(o);
    sim_signals_restore(&saved);
    return rc;
}

void sim_outfile_abort(sim_outfile *o)
{
    sigset_t saved;
    sim_signals_block(&saved);
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp)
        remove(o->tmp);
    slot_release(o, false);
    outfile_release(o);
    sim_signals_restore(&saved);
}

int sim_outfile_write(const char *path, const void *data, size_t len, sim_error *err)
{
    sim_outfile o;
    if (outfile_open(&o, path, true, err) != 0)
        return -1;
    if (len && fwrite(data, 1, len, o.f) != len) {
        sim_error_add(err, "%s: write failed: %s", path, strerror(errno));
        sim_outfile_abort(&o);
        return -1;
    }
    return sim_outfile_commit(&o, err);
}

/* --- spools -------------------------------------------------------------------- */

FILE *sim_spool_open(const char *dir)
{
    int fd = -1;
    if (dir) {
#ifdef O_TMPFILE
        fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
        if (fd < 0) { /* no O_TMPFILE here: a name that lives for one unlink */
            size_t n = strlen(dir) + 32;
            char *name = sim_xmalloc(n);
            snprintf(name, n, "%s/.dsim-spool-XXXXXX", dir);
            sigset_t saved;
            sim_signals_block(&saved);
            create_enter();
            fd = mkstemp(name);
            if (fd >= 0)
                unlink(name);
            create_exit();
            sim_signals_restore(&saved);
            free(name);
        }
    }
    if (fd < 0)
        return tmpfile();
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

char *sim_path_dir(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
    return buf;
}

const char *sim_path_last(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool sim_path_same(const char *a, const char *b)
{
    struct stat sa, sb;
    char da[SLOT_PATH], db[SLOT_PATH];

    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (strcmp(sim_path_last(a), sim_path_last(b)) != 0)
        return false;
    sim_path_dir(a, da, sizeof da);
    sim_path_dir(b, db, sizeof db);
    if (stat(da, &sa) == 0 && stat(db, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(da, db) == 0;
}

bool sim_outputs_clash(const char *a, const char *b)
{
    struct stat st;
    if (stat(a, &st) == 0 && S_ISCHR(st.st_mode))
        return false;
    return sim_path_same(a, b);
}
