/* sweep_param.c — knob parsing, the cross product, hashing, folders and output
 * checks (sweep.h). */
#include "sweep.h"
#include "xalloc.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static char *xstrndup(const char *s, size_t n)
{
    char *p = sim_xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void add_value(sim_sweep_param *p, const char *v, size_t len)
{
    /* capacity is the next power of two >= n: grow geometrically (a range of 1e5
     * values was quadratic) without a capacity field */
    if ((p->n & (p->n - 1)) == 0)
        p->values = sim_xrealloc(p->values, (p->n ? 2 * p->n : 1) * sizeof *p->values);
    p->values[p->n++] = xstrndup(v, len);
}

/* A whole-string finite number. */
static int parse_number(const char *s, size_t len, double *out)
{
    char buf[SIM_SWEEP_VALUE_LEN];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno != 0 || end != buf + len || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Expands "LO:HI:STEP" (item, len) into p's values. */
static int add_range(sim_sweep_param *p, const char *arg, const char *item, size_t len,
                     sim_error *err)
{
    const char *c1 = memchr(item, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - item)) : NULL;
    double lo, hi, step;
    if (!c2 || parse_number(item, (size_t)(c1 - item), &lo) != 0 ||
        parse_number(c1 + 1, (size_t)(c2 - c1 - 1), &hi) != 0 ||
        parse_number(c2 + 1, len - (size_t)(c2 + 1 - item), &step) != 0) {
        sim_error_add(err, "--param '%.200s': '%.*s': a range is LO:HI:STEP (numbers)", arg,
                      (int)(len < 100 ? len : 100), item);
        return -1;
    }
    if (!(step > 0) || hi < lo) {
        sim_error_add(err, "--param '%.200s': '%.*s': expected LO <= HI and STEP > 0", arg,
                      (int)(len < 100 ? len : 100), item);
        return -1;
    }
    double span = (hi - lo) / step;
    double slack = 1e-9 * (span > 1 ? span : 1);
    if (span + slack + 1 > (double)SIM_SWEEP_VALUES_MAX ||
        p->n + (size_t)(span + slack) + 1 > SIM_SWEEP_VALUES_MAX) {
        sim_error_add(err, "--param '%.200s': more than %d values", arg, SIM_SWEEP_VALUES_MAX);
        return -1;
    }
    size_t count = (size_t)floor(span + slack) + 1;
    for (size_t i = 0; i < count; i++) {
        char v[64];
        double x = i + 1 == count && fabs(lo + (double)i * step - hi) <= slack * step
                       ? hi
                       : lo + (double)i * step;
        snprintf(v, sizeof v, "%.10g", x);
        add_value(p, v, strlen(v));
    }
    return 0;
}

int sim_sweep_param_parse(const char *arg, sim_sweep_param *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        sim_error_add(err, "--param '%.200s': expected KEY=V1,V2,... or KEY=LO:HI:STEP", arg);
        return -1;
    }
    size_t klen = (size_t)(eq - arg);
    if (klen >= sizeof out->key || memchr(arg, ',', klen)) {
        sim_error_add(err, "--param '%.200s': the key is too long or holds a comma", arg);
        return -1;
    }
    memcpy(out->key, arg, klen);
    out->key[klen] = '\0';
    const char *item = eq + 1;
    for (;;) {
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);
        if (len == 0 || len >= SIM_SWEEP_VALUE_LEN) {
            sim_error_add(err, "--param '%.200s': %s value", arg, len ? "too long a" : "an empty");
            sim_sweep_param_free(out);
            return -1;
        }
        if (memchr(item, ':', len)) {
            if (add_range(out, arg, item, len, err) != 0) {
                sim_sweep_param_free(out);
                return -1;
            }
        } else {
            if (out->n >= SIM_SWEEP_VALUES_MAX) {
                sim_error_add(err, "--param '%.200s': more than %d values", arg,
                              SIM_SWEEP_VALUES_MAX);
                sim_sweep_param_free(out);
                return -1;
            }
            add_value(out, item, len);
        }
        if (!comma)
            break;
        item = comma + 1;
    }
    return 0;
}

void sim_sweep_param_free(sim_sweep_param *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->values[i]);
    free(p->values);
    memset(p, 0, sizeof *p);
}

void sim_sweep_param_copy(sim_sweep_param *dst, const sim_sweep_param *src)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst->key, src->key, sizeof dst->key);
    for (size_t i = 0; i < src->n; i++)
        add_value(dst, src->values[i], strlen(src->values[i]));
}

size_t sim_sweep_points(const sim_sweep_param *params, size_t n, size_t max, bool *over)
{
    *over = false;
    if (n == 0)
        return 0;
    size_t total = 1;
    for (size_t k = 0; k < n; k++) {
        if (params[k].n == 0)
            return 0;
        if (total > max / params[k].n) {
            *over = true;
            return 0;
        }
        total *= params[k].n;
    }
    return total;
}

void sim_sweep_point_choice(const sim_sweep_param *params, size_t n, size_t i, size_t *choice)
{
    for (size_t k = n; k-- > 0;) {
        assert(params[k].n > 0);
        choice[k] = i % params[k].n;
        i /= params[k].n;
    }
}

int sim_sweep_hash_file(const char *path, uint64_t *h, sim_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sim_error_add(err, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    unsigned char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        *h = sim_hash(*h, buf, k);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sim_error_add(err, "%s: read error", path);
        return -1;
    }
    return 0;
}

int sim_sweep_check_output(const char *path, sim_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* written in place (outfile.h) */
        if (S_ISDIR(st.st_mode)) {
            sim_error_add(err, "%s: cannot write: it is a directory", path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            sim_error_add(err, "%s: cannot write: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    sim_outfile o;
    if (sim_outfile_open(&o, path, err) != 0)
        return -1;
    sim_outfile_abort(&o);
    return 0;
}

int sim_sweep_mkdir(const char *dir, sim_error *err)
{
    size_t n = strlen(dir);
    if (n == 0) {
        sim_error_add(err, "an empty folder name");
        return -1;
    }
    char *buf = xstrndup(dir, n);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            sim_error_add(err, "%s: cannot create folder: %s", buf, strerror(errno));
            free(buf);
            return -1;
        }
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            sim_error_add(err, "%s: not a folder", buf);
            free(buf);
            return -1;
        }
        buf[i] = c;
    }
    free(buf);
    return 0;
}
