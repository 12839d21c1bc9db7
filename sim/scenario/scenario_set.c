/*
 * scenario_set.c — setting a knob by path: edit the JSON, then load it again.
 *
 * Paths: "workload.sessions", "seed", "nodes[0].count", "nodes.home-gpu.slots",
 * "policies.fenced.dispatch_timeout_s", "nodes[0].stages.asr.median". Array
 * elements are picked by index or by their "name" (names may contain dots: the
 * longest name that matches wins).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "suggest.h"
#include "xalloc.h"

#define KEY_MAX 1024

/* The value a textual knob setting stands for. NULL only for invalid UTF-8. */
static json_t *parse_value(const char *v)
{
    if (v[0] == '{' || v[0] == '[' || v[0] == '"') {
        json_error_t e;
        json_t *j = json_loads(v, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
        if (j)
            return j;
    }
    if (strcmp(v, "true") == 0)
        return json_true();
    if (strcmp(v, "false") == 0)
        return json_false();
    if (strcmp(v, "null") == 0)
        return json_null();
    if (v[0] && strspn(v, "0123456789+-.eE") == strlen(v)) {
        char *end;
        errno = 0;
        long long i = strtoll(v, &end, 10);
        if (*end == '\0' && errno == 0)
            return json_integer(i);
        errno = 0;
        double d = strtod(v, &end);
        if (*end == '\0' && errno == 0 && isfinite(d))
            return json_real(d);
    }
    return json_string(v);
}

/* The element of array a named by the start of rest; *used = bytes of the name. */
static json_t *by_name(json_t *a, const char *rest, size_t *used)
{
    json_t *best = NULL;
    size_t best_len = 0;
    size_t i;
    json_t *el;
    json_array_foreach(a, i, el)
    {
        const char *name = json_string_value(json_object_get(el, "name"));
        if (!name)
            continue;
        size_t n = strlen(name);
        if (n > best_len && strncmp(rest, name, n) == 0 &&
            (rest[n] == '\0' || rest[n] == '.' || rest[n] == '['))
            best = el, best_len = n;
    }
    *used = best_len;
    return best;
}

static void names_hint(json_t *a, const char *word, char *buf, size_t cap)
{
    const char *names[64];
    size_t n = 0, i;
    json_t *el;
    json_array_foreach(a, i, el)
    {
        if (n < 64)
            names[n++] = json_string_value(json_object_get(el, "name"));
    }
    const char *near = sim_suggest(word, names, n);
    if (near)
        snprintf(buf, cap, "; did you mean '%s'?", near);
    else
        buf[0] = '\0';
}

/* Walks root along key and sets the value (borrowed: the tree takes its own
 * reference). Returns 0 or -1 with why filled. */
static int set_path(json_t *root, const char *key, json_t *val, char *why, size_t cap)
{
    json_t *cur = root;
    const char *p = key;
    char safe_key[80];
    sim_safe_text(key, safe_key, sizeof safe_key);
    while (*p) {
        char name[256];
        bool is_index = false;
        size_t index = 0;
        json_t *child = NULL;
        int at = (int)(p - key);
        if (*p == '[') {
            char *end;
            errno = 0;
            unsigned long long u = strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno || p[1] == '-' || p[1] == '+') {
                snprintf(why, cap, "%s: expected [INDEX] after '%.*s'", safe_key, at, key);
                return -1;
            }
            if (!json_is_array(cur)) {
                snprintf(why, cap, "%s: '%.*s' is not an array", safe_key, at, key);
                return -1;
            }
            if (u >= json_array_size(cur)) {
                snprintf(why, cap, "%s: '%.*s' has %zu entries, no [%llu]", safe_key, at, key,
                         json_array_size(cur), u);
                return -1;
            }
            is_index = true;
            index = (size_t)u;
            child = json_array_get(cur, index);
            p = end + 1;
        } else if (json_is_array(cur)) {
            size_t used;
            child = by_name(cur, p, &used);
            if (!child) {
                size_t n = strcspn(p, ".[");
                snprintf(name, sizeof name, "%.*s", (int)(n < 200 ? n : 200), p);
                char hint[120], safe[80];
                names_hint(cur, name, hint, sizeof hint);
                sim_safe_text(name, safe, sizeof safe);
                snprintf(why, cap, "%s: no entry named '%s' in '%.*s'%s", safe_key, safe,
                         at > 0 ? at - 1 : 0, key, hint);
                return -1;
            }
            p += used;
        } else {
            size_t n = strcspn(p, ".[");
            if (n == 0 || n >= sizeof name) {
                snprintf(why, cap, "%s: empty or overlong name at offset %d", safe_key, at);
                return -1;
            }
            memcpy(name, p, n);
            name[n] = '\0';
            if (!json_is_object(cur)) {
                snprintf(why, cap, "%s: '%.*s' is not an object", safe_key, at > 0 ? at - 1 : 0,
                         key);
                return -1;
            }
            p += n;
            child = json_object_get(cur, name);
            if (*p == '\0') {
                if (json_object_set(cur, name, val) != 0) {
                    snprintf(why, cap, "%s: not valid UTF-8", safe_key);
                    return -1;
                }
                return 0;
            }
            if (!child) {
                child = *p == '[' ? json_array() : json_object();
                if (json_object_set_new(cur, name, child) != 0) {
                    snprintf(why, cap, "%s: not valid UTF-8", safe_key);
                    return -1;
                }
            }
        }
        if (*p == '\0') {
            if (is_index) {
                json_array_set(cur, index, val);
                return 0;
            }
            snprintf(why, cap, "%s: names a whole entry; name one of its keys", safe_key);
            return -1;
        }
        if (*p == '.')
            p++;
        if (*p == '\0') {
            snprintf(why, cap, "%s: ends with '.'", safe_key);
            return -1;
        }
        cur = child;
    }
    snprintf(why, cap, "empty knob path");
    return -1;
}

int sim__set_text(const char *text, size_t len, const char *key, const char *value, char **out,
                  size_t *out_len, char *why, size_t whycap)
{
    *out = NULL;
    *out_len = 0;
    if (!key[0] || strlen(key) > KEY_MAX) {
        snprintf(why, whycap, "expected a knob path of 1..%d bytes", KEY_MAX);
        return -1;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(why, whycap, "%d:%d: %s", je.line, je.column, je.text);
        return -1;
    }
    json_t *val = parse_value(value);
    if (!val) {
        snprintf(why, whycap, "value is not valid UTF-8");
        json_decref(root);
        return -1;
    }
    int rc = set_path(root, key, val, why, whycap); /* borrows val */
    json_decref(val);
    if (rc == 0) {
        char *dumped = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
        if (!dumped)
            sim_oom("json_dumps");
        *out_len = strlen(dumped);
        *out = sim_xmalloc(*out_len + 1);
        memcpy(*out, dumped, *out_len + 1);
        free(dumped);
    }
    json_decref(root);
    return rc;
}

int sim_scenario_set(sim_scenario *s, const char *key, const char *value, sim_error *err)
{
    memset(err, 0, sizeof *err);
    const char *file = s->path ? s->path : "scenario";
    if (!s->json_text) {
        sim_error_add(err, "%s: no JSON text to set '%s' in", file, key);
        return -1;
    }
    char why[400];
    char *text;
    size_t len;
    if (sim__set_text(s->json_text, s->json_len, key, value, &text, &len, why, sizeof why)) {
        sim_error_add(err, "%s: %s", file, why);
        return -1;
    }
    char dir[4096];
    const char *slash = strrchr(file, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == file ? 1 : (int)(slash - file), file);
    sim__ld ld;
    memset(&ld, 0, sizeof ld);
    ld.file = file;
    ld.dir = dir;
    ld.lim = s->limits;
    ld.err = err;
    sim_scenario fresh;
    int rc = sim__load_text(&ld, text, len, &fresh);
    free(text);
    if (rc != 0)
        return -1;
    fresh.path = s->path ? sim_xstrdup(s->path) : NULL;
    sim_scenario_free(s);
    *s = fresh;
    return 0;
}

/* The value at key (a path as set_path takes it, never creating anything), or NULL. */
static json_t *get_path(json_t *root, const char *key)
{
    json_t *cur = root;
    const char *p = key;
    while (cur && *p) {
        if (*p == '[') {
            char *end;
            unsigned long long u = strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || !json_is_array(cur))
                return NULL;
            cur = json_array_get(cur, (size_t)u);
            p = end + 1;
        } else if (json_is_array(cur)) {
            size_t used;
            cur = by_name(cur, p, &used);
            p += used;
        } else {
            size_t n = strcspn(p, ".[");
            char name[256];
            if (n == 0 || n >= sizeof name || !json_is_object(cur))
                return NULL;
            memcpy(name, p, n);
            name[n] = '\0';
            cur = json_object_get(cur, name);
            p += n;
        }
        if (*p == '.')
            p++;
    }
    return cur;
}

char *sim_scenario_get(const sim_scenario *s, const char *key)
{
    if (!s->json_text)
        return NULL;
    json_t *root = json_loadb(s->json_text, s->json_len, 0, NULL);
    if (!root)
        return NULL;
    json_t *v = get_path(root, key);
    char *out = NULL;
    if (v) {
        char *dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        if (dumped) {
            out = sim_xstrdup(dumped);
            free(dumped);
        }
    }
    json_decref(root);
    return out;
}

int sim_scenario_override(sim_scenario *s, unsigned long long replications, bool has_seed,
                          unsigned long long seed, sim_error *err)
{
    char num[32];
    if (replications > 0) {
        snprintf(num, sizeof num, "%llu", replications);
        if (sim_scenario_set(s, "replications", num, err) != 0)
            return -1;
    }
    if (has_seed) {
        snprintf(num, sizeof num, "%llu", seed);
        if (sim_scenario_set(s, "seed", num, err) != 0)
            return -1;
    }
    return 0;
}
