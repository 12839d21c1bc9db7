/*
 * scenario.c — loading a scenario file: the top level, limits, free and copy.
 * The parts live in load_world.c, load_dist.c, load_policy.c, load_expect.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load_internal.h"
#include "outfile.h"

/* ---- limits ------------------------------------------------------------------ */

void sim_limits_default(sim_limits *l)
{

    l->max_utterances = SIM_LIMIT_UTTERANCES_DEFAULT;
    l->max_nodes = SIM_LIMIT_NODES_DEFAULT;
    l->max_replications = SIM_LIMIT_REPLICATIONS_DEFAULT;
    l->max_policies = 64;
    l->max_sweep_points = 100000;
}

const char *const sim_limits_flags_help[] = {
    "--max-utterances N",
    "sessions x utterances a scenario may ask for (100000000; at most 1e12)",
    "--max-nodes N",
    "nodes a scenario may ask for (100000; at most 1000000)",
    "--max-replications N",
    "replications a scenario may ask for (10000; at most 100000)",
    "--max-policies N",
    "policies a scenario may hold (64; at most 1024)",
    "--max-sweep-points N",
    "points a sweep may have (100000; at most 10000000)",
    NULL,
};

/* Each limit flag, its field and its ceiling. */
static const struct {
    const char *flag;
    size_t off;
    uint64_t ceil;
} LIMITS[] = {
    {"--max-utterances", offsetof(sim_limits, max_utterances), SIM_LIMIT_UTTERANCES_CEIL},
    {"--max-nodes", offsetof(sim_limits, max_nodes), SIM_LIMIT_NODES_CEIL},
    {"--max-replications", offsetof(sim_limits, max_replications), SIM_LIMIT_REPLICATIONS_CEIL},
    {"--max-policies", offsetof(sim_limits, max_policies), SIM_LIMIT_POLICIES_CEIL},
    {"--max-sweep-points", offsetof(sim_limits, max_sweep_points), SIM_LIMIT_SWEEP_POINTS_CEIL},
};
#define N_LIMITS (sizeof LIMITS / sizeof LIMITS[0])

/* The limit field a flag names and its ceiling; NULL when arg is no limit flag. */
static uint64_t *limit_field(sim_limits *l, const char *arg, uint64_t *ceil)
{
    for (size_t i = 0; i < N_LIMITS; i++)
        if (strcmp(arg, LIMITS[i].flag) == 0) {
            *ceil = LIMITS[i].ceil;
            return (uint64_t *)((char *)l + LIMITS[i].off);
        }
    return NULL;
}

uint64_t sim_limits_ceil(const char *arg)
{
    sim_limits l;
    uint64_t ceil = 0;
    return limit_field(&l, arg, &ceil) ? ceil : 0;
}

const char *sim_limits_hint(const char *flag, uint64_t value, char *buf, size_t cap)
{
    if (value < sim_limits_ceil(flag))
        snprintf(buf, cap, "raise it with %s", flag);
    else
        snprintf(buf, cap, "the most %s allows", flag);
    return buf;
}

int sim_limits_flag(sim_limits *l, const char *arg, const char *value)
{
    uint64_t ceil = 0;
    uint64_t *field = limit_field(l, arg, &ceil);
    if (!field)
        return 1;
    char *end = NULL;
    unsigned long long v = 0;
    errno = 0;
    if (value && value[0] >= '0' && value[0] <= '9')
        v = strtoull(value, &end, 10);
    char safe[64];
    sim_safe_text(value ? value : "", safe, sizeof safe);
    if (!value || !end || *end || errno == ERANGE || v == 0) {
        fprintf(stderr, "dsim: %s: expected a positive integer, got '%s'\n", arg, safe);
        return -1;
    }
    if (v > ceil) {
        fprintf(stderr, "dsim: %s: expected an integer 1..%" PRIu64 ", got '%s'\n", arg, ceil,
                safe);
        return -1;
    }
    *field = (uint64_t)v;
    return 0;
}

int sim_limits_check(const sim_limits *l, sim_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < N_LIMITS; i++) {
        uint64_t value = *(const uint64_t *)((const char *)l + LIMITS[i].off);
        if (value > LIMITS[i].ceil) {
            sim_error_add(err,
                          "%s: expected an integer 1..%" PRIu64 " (more cannot fit in memory), "
                          "got %" PRIu64,
                          LIMITS[i].flag, LIMITS[i].ceil, value);
            rc = -1;
        }
    }
    return rc;
}

/* ---- free and copy --------------------------------------------------------------- */

void sim_scenario_free(sim_scenario *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->name);
    free(s->description);
    wl_config_free(&s->workload);
    for (size_t i = 0; i < s->n_nodes; i++)
        node_config_free(&s->nodes[i]);
    free(s->nodes);
    net_config_free(&s->network);
    free(s->policies);
    free(s->expects);
    for (size_t i = 0; i < s->n_sweep; i++) {
        for (size_t j = 0; j < s->sweep[i].n; j++)
            free(s->sweep[i].values[j]);
        free(s->sweep[i].values);
    }
    free(s->sweep);
    for (size_t i = 0; i < s->n_hunt; i++)
        free(s->hunt[i]);
    free(s->hunt);
    free(s->json_text);
    for (size_t i = 0; i < s->n_inputs; i++) {
        free(s->inputs[i].key);
        free(s->inputs[i].file);
    }
    free(s->inputs);
    memset(s, 0, sizeof *s);
}

const sim_input *sim_scenario_input_at(const sim_scenario *s, const char *path)
{
    for (size_t i = 0; i < s->n_inputs; i++)
        if (sim_path_same(path, s->inputs[i].file))
            return &s->inputs[i];
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? sim_xstrdup(s) : NULL;
}

void sim_scenario_copy(sim_scenario *dst, const sim_scenario *src)
{
    *dst = *src;
    dst->path = dup_or_null(src->path);
    dst->name = dup_or_null(src->name);
    dst->description = dup_or_null(src->description);
    wl_config_copy(&dst->workload, &src->workload);
    dst->nodes = src->n_nodes ? sim_xcalloc(src->n_nodes, sizeof *dst->nodes) : NULL;
    for (size_t i = 0; i < src->n_nodes; i++)
        node_config_copy(&dst->nodes[i], &src->nodes[i]);
    net_config_copy(&dst->network, &src->network);
    dst->policies = NULL;
    if (src->n_policies) {
        dst->policies = sim_xcalloc(src->n_policies, sizeof *dst->policies);
        memcpy(dst->policies, src->policies, src->n_policies * sizeof *dst->policies);
    }
    dst->expects = NULL;
    if (src->n_expects) {
        dst->expects = sim_xcalloc(src->n_expects, sizeof *dst->expects);
        memcpy(dst->expects, src->expects, src->n_expects * sizeof *dst->expects);
    }
    dst->sweep = NULL;
    if (src->n_sweep) {
        dst->sweep = sim_xcalloc(src->n_sweep, sizeof *dst->sweep);
        for (size_t i = 0; i < src->n_sweep; i++) {
            dst->sweep[i] = src->sweep[i];
            dst->sweep[i].values = sim_xcalloc(src->sweep[i].n, sizeof(char *));
            for (size_t j = 0; j < src->sweep[i].n; j++)
                dst->sweep[i].values[j] = sim_xstrdup(src->sweep[i].values[j]);
        }
    }
    dst->hunt = src->n_hunt ? sim_xcalloc(src->n_hunt, sizeof *dst->hunt) : NULL;
    for (size_t i = 0; i < src->n_hunt; i++)
        dst->hunt[i] = sim_xstrdup(src->hunt[i]);
    dst->inputs = src->n_inputs ? sim_xcalloc(src->n_inputs, sizeof *dst->inputs) : NULL;
    for (size_t i = 0; i < src->n_inputs; i++)
        dst->inputs[i] = (sim_input){sim_xstrdup(src->inputs[i].key),
                                     sim_xstrdup(src->inputs[i].file)};
    dst->json_text = NULL;
    if (src->json_text) {
        dst->json_text = sim_xmalloc(src->json_len + 1);
        memcpy(dst->json_text, src->json_text, src->json_len + 1);
    }
}

/* ---- loading ------------------------------------------------------------------ */

/* "log_epoch_utc": "YYYY-MM-DDTHH:MM:SSZ" -> Unix seconds (days from civil,
 * Howard Hinnant's algorithm). */
static void load_log_epoch(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const char *str;
    s->log_epoch_s = SIM_LOG_EPOCH_DEFAULT;
    if (sim__str(ld, root, "log_epoch_utc", false, 64, &str) != SIM__SET)
        return;
    int y, mo, d, h, mi, se, n = 0;
    if (strlen(str) != 20 ||
        sscanf(str, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        n != 20 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 ||
        y < 1970 || h < 0 || mi < 0 || se < 0) {
        sim__push_key(ld, "log_epoch_utc");
        sim__err(ld, "expected a UTC time \"YYYY-MM-DDTHH:MM:SSZ\" from 1970 on, got \"%s\"", str);
        sim__pop(ld);
        return;
    }
    int64_t yy = y - (mo <= 2), era = yy / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    s->log_epoch_s = days * 86400 + h * 3600 + mi * 60 + se;
}

static void load_top(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    sim__check_keys(ld, root, sim__keys_scenario);
    const char *str;
    /* "$schema" names the JSON Schema for editors (schema/scenario.schema.json);
     * the loader checks it is a string and ignores it. */
    sim__str(ld, root, "$schema", false, 4096, &str);
    if (sim__name(ld, root, "name", true, 255, &str) == SIM__SET)
        s->name = sim_xstrdup(str);
    if (sim__str(ld, root, "description", false, SIM_DESCRIPTION_MAX, &str) == SIM__SET)
        s->description = sim_xstrdup(str);
    int64_t v;
    if (sim__int(ld, root, "seed", true, 0, INT64_MAX, &v) == SIM__SET)
        s->seed = (uint64_t)v;
    if (sim__int(ld, root, "replications", false, 1, INT64_MAX, &v) == SIM__SET) {
        if ((uint64_t)v > ld->lim.max_replications || v > INT_MAX) {
            sim__push_key(ld, "replications");
            char hint[SIM_LIMITS_HINT_CAP];
            sim__err(ld, "%" PRId64 " replications, more than the limit of %" PRIu64 " (%s)", v,
                     ld->lim.max_replications < INT_MAX ? ld->lim.max_replications
                                                        : (uint64_t)INT_MAX,
                     sim_limits_hint("--max-replications", ld->lim.max_replications, hint,
                                     sizeof hint));
            sim__pop(ld);
        } else {
            s->replications = (int)v;
        }
    }
    sim__num(ld, root, "max_time_s", false, SIM__SECONDS, &s->max_time_s);
    load_log_epoch(ld, root, s);
    sim__load_workload(ld, root, s);
    sim__load_nodes(ld, root, s);
    sim__load_network(ld, root, s);
    sim__load_policies(ld, root, s);
    sim__load_expect(ld, root, s);
    sim__load_sweep(ld, root, s);
    sim__load_hunt(ld, root, s);
}

/* The LINE:COL of a stored message "FILE:LINE:COL: ...", as one sortable number;
 * messages without a position sort first (they concern the whole file). */
static long long msg_pos(const char *msg, const char *file)
{
    size_t fl = strlen(file);
    if (strncmp(msg, file, fl) != 0 || msg[fl] != ':')
        return -1;
    char *end;
    long line = strtol(msg + fl + 1, &end, 10);
    if (end == msg + fl + 1 || *end != ':')
        return -1;
    char *end2;
    long col = strtol(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2 != ':')
        return -1;
    return (long long)line * 1000000LL + col;
}

/* Orders the stored messages from index `from` on by position in the file (a
 * stable insertion sort over at most SIM_ERR_MAX messages), so that they read
 * top to bottom and the headline is the first problem in the file. */
static void sort_by_position(sim_error *err, const char *file, int from)
{
    int n = err->count < SIM_ERR_MAX ? err->count : SIM_ERR_MAX;
    char tmp[sizeof err->msg[0]];
    for (int i = from + 1; i < n; i++) {
        long long key = msg_pos(err->msg[i], file);
        int j = i;
        while (j > from && msg_pos(err->msg[j - 1], file) > key)
            j--;
        if (j == i)
            continue;
        memcpy(tmp, err->msg[i], sizeof tmp);
        memmove(err->msg[j + 1], err->msg[j], (size_t)(i - j) * sizeof tmp);
        memcpy(err->msg[j], tmp, sizeof tmp);
    }
}

/* The token jansson quotes in "... near 'TOKEN'", cut to fit buf. */
static void near_token(const char *msg, char *buf, size_t cap)
{
    const char *a = strstr(msg, " near '");
    const char *b = a ? strrchr(msg, '\'') : NULL;
    buf[0] = '\0';
    if (a && b > a + 7) {
        char raw[128];
        size_t n = (size_t)(b - (a + 7));
        if (n >= sizeof raw)
            n = sizeof raw - 1;
        memcpy(raw, a + 7, n);
        raw[n] = '\0';
        sim_safe_text(raw, buf, cap);
    }
}

/* The token that ends at byte pos of text, where jansson stops after it: a
 * string with its quotes, or a number; through sim_safe_text (a long one cut,
 * "..."). jansson's own "near '...'" is left out past 20 bytes. "" when pos
 * ends neither. */
static void token_before(const char *text, size_t len, size_t pos, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (pos == 0 || pos > len)
        return;
    size_t start = pos;
    if (text[pos - 1] == '"') {
        start = pos - 1;
        for (;;) { /* the opening quote: one not escaped (an even run of \ before it) */
            if (start == 0)
                return;
            start--;
            if (text[start] != '"')
                continue;
            size_t bs = 0;
            while (bs < start && text[start - 1 - bs] == '\\')
                bs++;
            if (bs % 2 == 0)
                break;
        }
    } else {
        while (start > 0 && text[start - 1] && strchr("0123456789+-.eE", text[start - 1]))
            start--;
    }
    if (start == pos)
        return;
    char raw[64];
    size_t n = pos - start < sizeof raw - 1 ? pos - start : sizeof raw - 1;
    memcpy(raw, text + start, n);
    raw[n] = '\0';
    sim_safe_text(raw, buf, cap);
}

/* jansson's message for a text it could not parse, in dsim's words where the
 * cause is one of the loader's own rules (a repeated key, an integer out of
 * range, a NUL character), with the JSON path the parser was at; else its own
 * words (a syntax error: line:column say where). */
static void parse_error_text(const char *text, size_t len, const json_error_t *je, char *buf,
                             size_t cap)
{
    char container[256], key[64], path[330], tok[64];
    size_t pos = je->position > 0 ? (size_t)je->position : 0;
    sim__path_at(text, len, pos, container, sizeof container, key, sizeof key);
    snprintf(path, sizeof path, "%s%s%s", container, container[0] && key[0] ? "." : "", key);
    token_before(text, len, pos, tok, sizeof tok);
    if (!tok[0])
        near_token(je->text, tok, sizeof tok);
    if (!tok[0])
        snprintf(tok, sizeof tok, "(a value too long to show)");
    if (strncmp(je->text, "duplicate object key", 20) == 0)
        snprintf(buf, cap, "duplicate key '%s' in %s", key,
                 container[0] ? container : "the scenario object");
    else if (strncmp(je->text, "too big negative integer", 24) == 0)
        snprintf(buf, cap, "%s%sexpected an integer >= -9223372036854775808 (-2^63), got %s", path,
                 path[0] ? ": " : "", tok);
    else if (strstr(je->text, "NUL byte in object key"))
        snprintf(buf, cap, "%s%sa key may not hold \\u0000 (a NUL character), got %s",
                 container, container[0] ? ": " : "", tok);
    else if (strncmp(je->text, "too big integer", 15) == 0)
        snprintf(buf, cap, "%s%sexpected an integer <= 9223372036854775807 (2^63-1), got %s",
                 path, path[0] ? ": " : "", tok);
    else if (strstr(je->text, "\\u0000 is not allowed"))
        snprintf(buf, cap, "%s%sexpected a string without \\u0000 (a NUL character), got %s",
                 path, path[0] ? ": " : "", tok);
    else
        snprintf(buf, cap, "%s", je->text);
}

int sim__load_text(sim__ld *ld, const char *text, size_t len, sim_scenario *out)
{
    memset(out, 0, sizeof *out);
    wl_config_init(&out->workload);
    net_config_init(&out->network);
    out->replications = 1;
    out->limits = ld->lim;
    ld->files_hash = SIM_HASH_INIT;
    ld->inputs = NULL;
    ld->n_inputs = ld->cap_inputs = 0;
    int before = ld->err->count;
    const char *prefix = ld->bare ? "" : ld->file;
    const char *sep = ld->bare ? "" : ":";

    if (sim_limits_check(&ld->lim, ld->err) != 0)
        return -1;
    if (len > SIM_SCENARIO_MAX_BYTES) {
        sim_error_add(ld->err, "%s%s%s%zu bytes, more than the %u a scenario may have", prefix, sep,
                      ld->bare ? "" : " ", len, SIM_SCENARIO_MAX_BYTES);
        return -1;
    }
    size_t blank = 0; /* text need not be NUL-terminated */
    while (blank < len && (text[blank] == ' ' || text[blank] == '\t' || text[blank] == '\r' ||
                           text[blank] == '\n'))
        blank++;
    if (blank == len) {
        sim_error_add(ld->err, "%s%s%sthe file is empty (expected a scenario object)", prefix, sep,
                      ld->bare ? "" : " ");
        return -1;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char what[400];
        parse_error_text(text, len, &je, what, sizeof what);
        /* jansson counts a position before a line's first character as column 0 */
        if (je.line > 0)
            sim_error_add(ld->err, "%s%s%d:%d: %s", prefix, sep, je.line,
                          je.column > 0 ? je.column : 1, what);
        else
            sim_error_add(ld->err, "%s%s%s%s", prefix, sep, ld->bare ? "" : " ", je.text);
        return -1;
    }
    ld->depth = 0;
    if (sim__want_object(ld, root, "a scenario object {\"name\": ..., \"seed\": ...}"))
        load_top(ld, root, out);
    if (!out->description && ld->err->count == before)
        out->description = sim_xstrdup("");
    if (ld->err->count == before && ld->check_sweep && (out->n_sweep > 0 || out->n_hunt > 0))
        sim__check_sweep_values(ld, text, len, out);
    json_decref(root);
    out->inputs = ld->inputs;
    out->n_inputs = ld->n_inputs;
    ld->inputs = NULL;
    if (ld->err->count != before) {
        if (!ld->bare && before < SIM_ERR_MAX)
            sort_by_position(ld->err, ld->file, before);
        sim_scenario_free(out);
        return -1;
    }
    out->json_text = sim_xmalloc(len + 1);
    memcpy(out->json_text, text, len);
    out->json_text[len] = '\0';
    out->json_len = len;
    out->files_hash = ld->files_hash;
    return 0;
}

/* The directory part of path ("." when none), in buf. */
static void dir_of(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, cap, ".");
    else if (slash == path)
        snprintf(buf, cap, "/");
    else
        snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

int sim_scenario_load_string(const char *text, size_t len, const char *path,
                             const sim_limits *limits, sim_scenario *out, sim_error *err)
{
    char dir[4096];
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    /* A UTF-8 byte order mark (an editor's, invisible) is accepted and skipped,
     * as RFC 8259 allows: line:column are then counted as the editor shows them.
     * A UTF-16 or UTF-32 one is named: jansson would only see invalid UTF-8. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    } else if (len >= 4 && ((memcmp(text, "\xFF\xFE", 2) == 0 && text[3] == '\0') ||
                            (memcmp(text, "\xFE\xFF", 2) == 0 && text[2] == '\0') ||
                            memcmp(text, "\0\0\xFE\xFF", 4) == 0)) {
        /* a mark followed by UTF-16 or UTF-32 text ("{" as 7B 00 or 00 7B) */
        sim_error_add(err, "%s:1:1: the file starts with a UTF-16 or UTF-32 byte order mark; a "
                      "scenario is UTF-8 text (save it as UTF-8)", path);
        return -1;
    }
    sim__ld ld;
    memset(&ld, 0, sizeof ld);
    dir_of(path, dir, sizeof dir);
    ld.file = path;
    ld.text = text;
    ld.len = len;
    ld.dir = dir;
    if (limits)
        ld.lim = *limits;
    else
        sim_limits_default(&ld.lim);
    ld.err = err;
    ld.check_sweep = true;
    if (sim__load_text(&ld, text, len, out) != 0)
        return -1;
    out->path = sim_xstrdup(path);
    return 0;
}

int sim_scenario_load(const char *path, const sim_limits *limits, sim_scenario *out, sim_error *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    /* O_NONBLOCK: a FIFO must not hang the loader; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        sim_error_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "rb"))) {
        sim_error_add(err, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if ((unsigned long long)st.st_size > SIM_SCENARIO_MAX_BYTES) {
        sim_error_add(err, "%s: %lld bytes, more than the %u a scenario may have", path,
                      (long long)st.st_size, SIM_SCENARIO_MAX_BYTES);
        fclose(f);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1;
    char *text = sim_xmalloc(cap);
    size_t len = fread(text, 1, cap, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || len >= cap) {
        sim_error_add(err, "%s: %s", path, rerr ? "read error" : "file changed while reading");
        free(text);
        return -1;
    }
    int rc = sim_scenario_load_string(text, len, path, limits, out, err);
    free(text);
    return rc;
}
