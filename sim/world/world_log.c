/* world_log.c — the core's log records and the world's messages as JSON lines. */
#include "simworld.h"

#include <inttypes.h>

#include "escape.h"

/* {"t":SECONDS,"policy":NAME,"replication":R — the head of every record, so the
 * records of several runs in one file can be told apart. */
static void put_head(FILE *f, int64_t t, const char *policy, int rep)
{
    fprintf(f, "{\"t\":%" PRId64 ".%09" PRId64 ",\"policy\":", t / 1000000000, t % 1000000000);
    sim_json_string(f, policy);
    fprintf(f, ",\"replication\":%d", rep);
}

uint32_t sim_job_label(uint64_t job_id, uint64_t job, uint64_t session, uint32_t index,
                       uint32_t per_session, uint64_t utterances)
{
    if (job_id == 0)
        return 0;
    /* unsigned arithmetic wraps: the label is the number mod 2^32 */
    return (uint32_t)(1 + session * per_session + index + (job_id - job) * utterances);
}

void sim_log_cmd(FILE *f, const char *policy, int rep, const disp_cmd *cmd, uint32_t job_label)
{
    put_head(f, cmd->now, policy, rep);
    fprintf(f, ",\"event\":\"%s\"", disp_log_name(cmd->event));
    fprintf(f, ",\"job_id\":\"job-%08" PRIX32 "\",\"attempt_id\":%" PRIu32, job_label,
            cmd->attempt);
    fprintf(f, ",\"session\":%" PRIu64 ",\"utterance_index\":%" PRIu32 ",\"node\":%" PRIu32,
            cmd->session, cmd->index, cmd->node);
    fprintf(f, ",\"failover_attempts\":%d,\"elapsed_ms\":%" PRId64 ",\"ack_timeout_ms\":%" PRId64
               "}\n",
            cmd->failover_attempts, cmd->elapsed_ms, cmd->ack_timeout_ms);
}

void sim_trace_msg(FILE *f, const char *policy, int rep, int64_t t, const char *msg,
                   uint32_t node, uint32_t job_label, uint32_t attempt, uint64_t session,
                   uint32_t index, bool lost)
{
    put_head(f, t, policy, rep);
    fprintf(f,
            ",\"msg\":\"%s\",\"node\":%" PRIu32 ",\"job_id\":\"job-%08" PRIX32
            "\",\"attempt_id\":%" PRIu32 ",\"session\":%" PRIu64 ",\"utterance_index\":%" PRIu32
            ",\"lost\":%s}\n",
            msg, node, job_label, attempt, session, index, lost ? "true" : "false");
}
