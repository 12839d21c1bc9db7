/* logread.c — a log's lines as JSON values (logread.h). */
#include "logread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int sim_logread_open(sim_logread *r, const char *path, sim_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) {
        sim_error_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    r->buf = sim_xmalloc(SIM_LOG_MAX_LINE + 1);
    return 0;
}

void sim_logread_close(sim_logread *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

void sim_logread_rewind(sim_logread *r)
{
    rewind(r->f);
    r->line = 0;
    r->bytes = 0;
}

/* Reads the next line into r->buf (without its newline). Returns its length,
 * -1 at the end, -2 when it is too long, -3 on a read error. */
static long next_line(sim_logread *r)
{
    size_t n = 0;
    int c;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (n >= SIM_LOG_MAX_LINE) {
            r->line++;
            return -2;
        }
        r->buf[n++] = (char)c;
    }
    r->bytes += n + (c == '\n');
    if (ferror(r->f))
        return -3;
    if (c == EOF && n == 0)
        return -1;
    r->line++;
    r->buf[n] = '\0';
    return (long)n;
}

int sim_logread_next(sim_logread *r, json_t **root, sim_error *err)
{
    long n = next_line(r);
    if (n == -1)
        return 0;
    if (n == -2) {
        sim_error_add(err, "%s:%" PRIu64 ": line longer than %u bytes: not a log line", r->path,
                      r->line, SIM_LOG_MAX_LINE);
        return -1;
    }
    if (n == -3) {
        sim_error_add(err, "%s: cannot read: %s", r->path, strerror(errno));
        return -1;
    }
    json_error_t je;
    *root = json_loadb(r->buf, (size_t)n, JSON_DECODE_ANY, &je);
    if (!*root) {
        sim_error_add(err,
                      "%s:%" PRIu64 ":%d: not JSON: %s (a log holds one JSON object per line, "
                      "as a JSON log formatter writes it)",
                      r->path, r->line, je.column, je.text);
        return -1;
    }
    return 1;
}

bool sim_log_is_version_record(const json_t *root)
{
    return json_object_size(root) == 3 && json_is_string(json_object_get(root, "dsim_version")) &&
           json_is_integer(json_object_get(root, "schema_version")) &&
           json_is_string(json_object_get(root, "stream"));
}

const char *sim_log_lingua_message(const json_t *root)
{
    const json_t *fields = json_object_get(root, "fields");
    const json_t *msg = json_object_get(fields, "message");
    if (!json_is_object(fields) || !json_is_string(msg) ||
        !json_is_string(json_object_get(root, "timestamp")))
        return NULL;
    return json_string_value(msg);
}
