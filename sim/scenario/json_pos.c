/*
 * json_pos.c — line:column of a JSON path in the text it was parsed from.
 *
 * jansson keeps no positions per value, so when the loader reports an error it
 * walks the (already validated) text along the path: members are matched by
 * their decoded names, array elements counted, everything else skipped. Only
 * errors pay for this, one linear pass each. The walk never reads outside the
 * text, whatever the text holds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "load_internal.h"

typedef struct scan {
    const char *s;
    size_t len, i;
} scan;

static void ws(scan *c)
{
    while (c->i < c->len) {
        char ch = c->s[c->i];
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            break;
        c->i++;
    }
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = p[k];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (unsigned)(ch - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string at c->i (which is '"'); decodes it into buf when it fits (then
 * *fits is true). Returns false on a malformed or unterminated string. */
static bool read_string(scan *c, char *buf, size_t cap, bool *fits)
{
    size_t o = 0;
    *fits = true;
    c->i++; /* opening quote */
    while (c->i < c->len) {
        char ch = c->s[c->i];
        char tmp[8];
        size_t n = 0;
        if (ch == '"') {
            c->i++;
            if (o < cap)
                buf[o] = '\0';
            else
                *fits = false;
            return true;
        }
        if (ch == '\\') {
            if (c->i + 1 >= c->len)
                return false;
            char e = c->s[c->i + 1];
            c->i += 2;
            switch (e) {
            case 'b':
                tmp[n++] = '\b';
                break;
            case 'f':
                tmp[n++] = '\f';
                break;
            case 'n':
                tmp[n++] = '\n';
                break;
            case 'r':
                tmp[n++] = '\r';
                break;
            case 't':
                tmp[n++] = '\t';
                break;
            case 'u': {
                unsigned cp, lo;
                if (c->i + 4 > c->len || hex4(c->s + c->i, &cp) != 0)
                    return false;
                c->i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && c->i + 6 <= c->len && c->s[c->i] == '\\' &&
                    c->s[c->i + 1] == 'u' && hex4(c->s + c->i + 2, &lo) == 0 && lo >= 0xDC00 &&
                    lo < 0xE000) {
                    c->i += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                n = put_utf8(cp, tmp);
                break;
            }
            default:
                tmp[n++] = e;
                break;
            }
        } else {
            tmp[n++] = ch;
            c->i++;
        }
        if (o + n < cap) {
            memcpy(buf + o, tmp, n);
            o += n;
        } else {
            *fits = false;
            o = cap; /* keep scanning to the closing quote */
        }
    }
    return false;
}

/* Skips one value of any kind. Returns false on malformed text. */
static bool skip_value(scan *c)
{
    ws(c);
    if (c->i >= c->len)
        return false;
    char ch = c->s[c->i];
    if (ch == '"') {
        bool fits;
        char dummy[1];
        return read_string(c, dummy, 0, &fits);
    }
    if (ch == '{' || ch == '[') {
        size_t depth = 0;
        while (c->i < c->len) {
            ch = c->s[c->i];
            if (ch == '"') {
                bool fits;
                char dummy[1];
                if (!read_string(c, dummy, 0, &fits))
                    return false;
                continue;
            }
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']') {
                if (depth == 0)
                    return false;
                depth--;
                if (depth == 0) {
                    c->i++;
                    return true;
                }
            }
            c->i++;
        }
        return false;
    }
    while (c->i < c->len) { /* number, true, false, null */
        ch = c->s[c->i];
        if (ch == ',' || ch == '}' || ch == ']' || ch == ' ' || ch == '\t' || ch == '\r' ||
            ch == '\n')
            break;
        c->i++;
    }
    return true;
}

/* After a member or element: true and past the ',' when another follows. */
static bool next_item(scan *c)
{
    ws(c);
    if (c->i < c->len && c->s[c->i] == ',') {
        c->i++;
        return true;
    }
    return false;
}

static void line_col(const char *text, size_t off, int *line, int *col)
{
    int l = 1, k = 0;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            k = 0;
        } else if ((ch & 0xC0) != 0x80) {
            k++;
        }
    }
    *line = l;
    *col = k + 1;
}

int sim__locate(const char *text, size_t len, const sim__seg *segs, size_t n, bool want_key,
                int *line, int *col)
{
    if (!text)
        return -1;
    scan c = {text, len, 0};
    for (size_t k = 0; k < n; k++) {
        ws(&c);
        if (c.i >= c.len)
            return -1;
        if (segs[k].key) {
            if (c.s[c.i] != '{')
                return -1;
            c.i++;
            bool found = false;
            ws(&c);
            if (c.i < c.len && c.s[c.i] == '}')
                return -1;
            for (;;) {
                ws(&c);
                if (c.i >= c.len || c.s[c.i] != '"')
                    return -1;
                size_t key_at = c.i;
                char name[256];
                bool fits;
                if (!read_string(&c, name, sizeof name, &fits))
                    return -1;
                ws(&c);
                if (c.i >= c.len || c.s[c.i] != ':')
                    return -1;
                c.i++;
                if (fits && strcmp(name, segs[k].key) == 0) {
                    if (k + 1 == n && want_key) {
                        line_col(text, key_at, line, col);
                        return 0;
                    }
                    found = true;
                    break;
                }
                if (!skip_value(&c) || !next_item(&c))
                    return -1;
            }
            if (!found)
                return -1;
        } else {
            if (c.s[c.i] != '[')
                return -1;
            c.i++;
            for (size_t j = 0; j < segs[k].index; j++)
                if (!skip_value(&c) || !next_item(&c))
                    return -1;
            ws(&c);
            if (c.i >= c.len || c.s[c.i] == ']')
                return -1;
        }
    }
    ws(&c);
    if (c.i > c.len)
        return -1;
    line_col(text, c.i, line, col);
    return 0;
}

/* ---- the path being read at a byte position (for jansson's own errors) ----- */

#define AT_DEPTH_MAX 64 /* deeper paths are cut: the message still has line:column */

typedef struct at_frame {
    bool object;
    bool in_value; /* object: after the ':' of `key` */
    char key[64];  /* object: the last key read (raw, escapes as written) */
    size_t index;  /* array: the element being read */
} at_frame;

/* Appends frame f's part of a path ("workload", ".linger_s", "[2]") to buf. */
static void at_append(char *buf, size_t cap, const at_frame *f, bool first)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    if (f->object)
        snprintf(buf + n, cap - n, "%s%s", first ? "" : ".", f->key);
    else
        snprintf(buf + n, cap - n, "[%zu]", f->index);
}

void sim__path_at(const char *text, size_t len, size_t pos, char *container, size_t ccap,
                  char *key, size_t kcap)
{
    at_frame st[AT_DEPTH_MAX];
    int depth = 0, over = 0; /* frames past AT_DEPTH_MAX are counted, not kept */
    bool key_last = false;   /* the last token was a key of the innermost object */
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos;) {
        char ch = text[i];
        if (ch == '"') {
            size_t j = i + 1;
            while (j < len && text[j] != '"')
                j += text[j] == '\\' ? 2 : 1;
            if (j > len)
                j = len;
            at_frame *f = depth > 0 && !over ? &st[depth - 1] : NULL;
            if (f && f->object && !f->in_value) {
                /* a longer key is cut at a UTF-8 character's start and marked */
                size_t n = j - i - 1;
                bool cut = n > sizeof f->key - 1;
                if (cut) {
                    n = sizeof f->key - 4;
                    while (n > 0 && ((unsigned char)text[i + 1 + n] & 0xC0) == 0x80)
                        n--;
                }
                memcpy(f->key, text + i + 1, n);
                memcpy(f->key + n, cut ? "..." : "", cut ? 4 : 1);
                key_last = true;
            } else {
                key_last = false;
            }
            i = j + 1;
            continue;
        }
        if (ch == '{' || ch == '[') {
            if (depth < AT_DEPTH_MAX && !over) {
                memset(&st[depth], 0, sizeof st[depth]);
                st[depth].object = ch == '{';
                depth++;
            } else {
                over++;
            }
            key_last = false;
        } else if (ch == '}' || ch == ']') {
            if (over)
                over--;
            else if (depth > 0)
                depth--;
            key_last = false;
        } else if (ch == ':' && depth > 0 && !over) {
            st[depth - 1].in_value = true;
            key_last = false;
        } else if (ch == ',' && depth > 0 && !over) {
            st[depth - 1].in_value = false;
            st[depth - 1].index++;
            key_last = false;
        }
        i++;
    }
    /* the container: every frame but the innermost; the innermost gives the key
     * (or index) being read, or, after a bare key (a duplicate), that key */
    container[0] = '\0';
    key[0] = '\0';
    for (int d = 0; d < depth; d++) {
        const at_frame *f = &st[d];
        bool inner = d == depth - 1;
        if (inner && f->object && (key_last || f->in_value)) {
            snprintf(key, kcap, "%s", f->key);
            break;
        }
        if (inner && !f->object) {
            at_append(container, ccap, f, container[0] == '\0');
            break;
        }
        if (!inner)
            at_append(container, ccap, f, container[0] == '\0');
    }
}
