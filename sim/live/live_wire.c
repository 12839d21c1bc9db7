/*
 * live_wire.c — the node protocol of dsim live: JSON messages named and shaped
 * as the reference scheduler's (TinoTau/lingua_1,
 * central_server/scheduler/src/messages/node.rs and common.rs at 98e3526):
 *
 *   node -> scheduler  node_register {node_id, version, platform, hardware
 *                      {cpu_cores, memory_gb}, installed_models [],
 *                      capability_by_type [{type, ready}], features_supported {},
 *                      accept_public_jobs}
 *   scheduler -> node  node_register_ack {node_id, message, status}
 *   node -> scheduler  node_heartbeat {node_id, timestamp, resource_usage
 *                      {cpu_percent, mem_percent, running_jobs},
 *                      installed_services [], capability_by_type [...]}
 *   scheduler -> node  job_assign {job_id, attempt_id, session_id,
 *                      utterance_index, src_lang, tgt_lang, pipeline {use_asr,
 *                      use_nmt, use_tts}, audio, audio_format, sample_rate,
 *                      trace_id}
 *   scheduler -> node  job_cancel {job_id, trace_id, reason}
 *   node -> scheduler  job_result {job_id, attempt_id, node_id, session_id,
 *                      utterance_index, success, processing_time_ms, error
 *                      {code, message} (on failure), trace_id,
 *                      node_completed_at_ms}
 *
 * dsim's own fields, not the reference's (README "dsim live"): job_assign's
 * "dsim_audio_ns" (the utterance's audio length; the reference sends the audio
 * itself, base64, here ""), job_cancel's "attempt_id" when the policy's cancel
 * carries one (the reference's never does).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_internal.h"

void live_net_stream(const sim_streams *ks, sim_stream *r, const uint64_t key[4])
{
    if (key[0] == UINT64_MAX) {
        sim_stream_named(r, ks, SIM_KEY_NET_BEAT, key[1], key[2], 0);
        return;
    }
    sim_stream_named(r, ks, SIM_KEY_NET, key[0], key[1], key[2] << 40 | key[3]);
}

void live_job_name(char *out, size_t n, uint64_t job_id)
{
    snprintf(out, n, "job-%08" PRIX64, job_id);
}

bool live_job_parse(const char *s, uint64_t *job_id)
{
    if (!s || strncmp(s, "job-", 4) != 0 || !s[4])
        return false;
    char *end;
    unsigned long long v = strtoull(s + 4, &end, 16);
    if (*end)
        return false;
    *job_id = (uint64_t)v;
    return true;
}

void live_session_name(char *out, size_t n, uint64_t session)
{
    snprintf(out, n, "s%" PRIu64, session);
}

bool live_session_parse(const char *s, uint64_t *session)
{
    if (!s || s[0] != 's' || s[1] < '0' || s[1] > '9')
        return false;
    char *end;
    unsigned long long v = strtoull(s + 1, &end, 10);
    if (*end)
        return false;
    *session = (uint64_t)v;
    return true;
}

void live_node_name(char *out, size_t n, const sim_scenario *s, uint32_t id)
{
    uint32_t first = 0;
    for (size_t c = 0; c < s->n_nodes; c++) {
        uint32_t count = (uint32_t)s->nodes[c].count;
        if (id < first + count) {
            snprintf(out, n, "%s-%" PRIu32, s->nodes[c].name, id - first);
            return;
        }
        first += count;
    }
    snprintf(out, n, "node-%" PRIu32, id);
}

static json_t *capabilities(void)
{
    return json_pack("[{s:s, s:b}, {s:s, s:b}, {s:s, s:b}]", "type", "asr", "ready", 1, "type",
                     "nmt", "ready", 1, "type", "tts", "ready", 1);
}

json_t *live_msg_register(const char *node_id, int slots)
{
    (void)slots; /* the reference's slots come from the scheduler's config */
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:i}, s:[], s:o, s:{}, s:b}", "type",
                     "node_register", "node_id", node_id, "version", "dsim-agent", "platform",
                     "linux", "hardware", "cpu_cores", 1, "memory_gb", 1, "installed_models",
                     "capability_by_type", capabilities(), "features_supported",
                     "accept_public_jobs", 1);
}

json_t *live_msg_register_ack(const char *node_id)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "type", "node_register_ack", "node_id", node_id,
                     "message", "registered", "status", "registering");
}

json_t *live_msg_heartbeat(const char *node_id, int64_t timestamp_ms, int running_jobs)
{
    return json_pack("{s:s, s:s, s:I, s:{s:f, s:f, s:i}, s:[], s:o}", "type", "node_heartbeat",
                     "node_id", node_id, "timestamp", (json_int_t)timestamp_ms, "resource_usage",
                     "cpu_percent", 0.0, "mem_percent", 0.0, "running_jobs", running_jobs,
                     "installed_services", "capability_by_type", capabilities());
}

json_t *live_msg_assign(const disp_cmd *c)
{
    char job[32], sess[32];
    live_job_name(job, sizeof job, c->job_id);
    live_session_name(sess, sizeof sess, c->session);
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:{s:b, s:b, s:b}, s:s, s:s, s:i,"
                     " s:s, s:I}",
                     "type", "job_assign", "job_id", job, "attempt_id", (json_int_t)c->attempt,
                     "session_id", sess, "utterance_index", (json_int_t)c->index, "src_lang",
                     "zh", "tgt_lang", "en", "pipeline", "use_asr", 1, "use_nmt", 1, "use_tts",
                     1, "audio", "", "audio_format", "pcm16", "sample_rate", 16000, "trace_id",
                     job, "dsim_audio_ns", (json_int_t)c->audio);
}

json_t *live_msg_cancel(const disp_cmd *c)
{
    char job[32];
    live_job_name(job, sizeof job, c->job_id);
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "type", "job_cancel", "job_id", job, "trace_id",
                          job, "reason", "dispatch_timeout");
    if (m && c->attempt)
        json_object_set_new(m, "attempt_id", json_integer((json_int_t)c->attempt));
    return m;
}

json_t *live_msg_result(const char *node_id, const node_out *o, int64_t completed_ms)
{
    char job[32], sess[32];
    live_job_name(job, sizeof job, o->job_id);
    live_session_name(sess, sizeof sess, o->session);
    json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:b, s:I, s:s, s:I}", "type",
                          "job_result", "job_id", job, "attempt_id", (json_int_t)o->attempt,
                          "node_id", node_id, "session_id", sess, "utterance_index",
                          (json_int_t)o->index, "success", o->success, "processing_time_ms",
                          (json_int_t)(o->busy_ns / 1000000), "trace_id", job,
                          "node_completed_at_ms", (json_int_t)completed_ms);
    if (m && !o->success)
        json_object_set_new(m, "error", json_pack("{s:s, s:s}", "code", "PROCESSING_ERROR",
                                                  "message", "job cancelled"));
    return m;
}

/* dsim's own (no such message in the reference): an attempt left the node and no
 * job_result will come for it (node_end: no_result, skipped, stale, refused), or
 * its job_result was lost on the network. The simulation records a loss cause at
 * that instant (world_node.c NODE_OUT_END, world_net.c world_send); the agent
 * tells the scheduler so that the client's accounting is the same, and the
 * scheduler stops waiting for that attempt. Not subject to the network model. */
static const char *const end_cause_name[] = {"none", "no_result", "network", "node_crash"};

json_t *live_msg_attempt_end(const char *node_id, const node_out *o, live_end_cause cause)
{
    char job[32], sess[32];
    live_job_name(job, sizeof job, o->job_id);
    live_session_name(sess, sizeof sess, o->session);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s}", "type", LIVE_MSG_ATTEMPT_END,
                     "job_id", job, "attempt_id", (json_int_t)o->attempt, "node_id", node_id,
                     "session_id", sess, "utterance_index", (json_int_t)o->index, "dsim_cause",
                     end_cause_name[cause]);
}

static bool get_uint(const json_t *m, const char *key, uint64_t max, uint64_t *out)
{
    json_t *v = json_object_get(m, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

bool live_read_assign(const json_t *m, node_job *j, uint32_t per_session)
{
    uint64_t attempt, index, audio;
    memset(j, 0, sizeof *j);
    if (!live_job_parse(json_string_value(json_object_get(m, "job_id")), &j->job_id) ||
        !live_session_parse(json_string_value(json_object_get(m, "session_id")), &j->session) ||
        !get_uint(m, "attempt_id", UINT16_MAX, &attempt) ||
        !get_uint(m, "utterance_index", UINT32_MAX, &index) ||
        !get_uint(m, "dsim_audio_ns", INT64_MAX, &audio))
        return false;
    j->attempt = (uint32_t)attempt;
    j->index = (uint32_t)index;
    j->audio = (int64_t)audio;
    /* the stable job of the node model: one per (session, utterance), as a real
     * agent can tell it from the assign */
    j->job = j->session * per_session + j->index;
    return true;
}

/* The fields a node's job_result and dsim_attempt_end both carry: which attempt
 * of which utterance, from which node. */
static bool read_attempt_fields(const json_t *m, live_result *r)
{
    uint64_t attempt, index;
    memset(r, 0, sizeof *r);
    r->node_id = json_string_value(json_object_get(m, "node_id"));
    if (!r->node_id ||
        !live_job_parse(json_string_value(json_object_get(m, "job_id")), &r->job_id) ||
        !live_session_parse(json_string_value(json_object_get(m, "session_id")), &r->session) ||
        !get_uint(m, "attempt_id", UINT32_MAX, &attempt) ||
        !get_uint(m, "utterance_index", UINT32_MAX, &index))
        return false;
    r->attempt = (uint32_t)attempt;
    r->index = (uint32_t)index;
    return true;
}

bool live_read_result(const json_t *m, live_result *r)
{
    json_t *ok = json_object_get(m, "success");
    if (!read_attempt_fields(m, r) || !json_is_boolean(ok))
        return false;
    r->success = json_is_true(ok);
    return true;
}

bool live_read_attempt_end(const json_t *m, live_result *r, live_end_cause *cause)
{
    const char *name = json_string_value(json_object_get(m, "dsim_cause"));
    if (!read_attempt_fields(m, r) || !name)
        return false;
    for (size_t k = 0; k < sizeof end_cause_name / sizeof *end_cause_name; k++)
        if (strcmp(name, end_cause_name[k]) == 0) {
            *cause = (live_end_cause)k;
            return true;
        }
    return false;
}
