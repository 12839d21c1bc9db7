#!/usr/bin/env bash
# `dsim run --log FILE --log-format lingua`: the core's records as the reference
# scheduler's tracing-subscriber JSON lines. Every line has the formatter's keys in
# its order and the reference's id shapes; the counts of the reference's lines agree
# with the run's metrics and with the dsim-format log of the same run; the bytes do
# not depend on --jobs; the epoch comes from the scenario.
set -euo pipefail
dsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scen=$src/scenarios/incident-2025-12-30.json

"$dsim" run "$scen" --replications 2 --jobs 1 --log "$tmp/l1.jsonl" --log-format lingua \
    --format json > "$tmp/run.json"
"$dsim" run "$scen" --replications 2 --jobs 2 --log "$tmp/l2.jsonl" --log-format lingua > /dev/null
cmp "$tmp/l1.jsonl" "$tmp/l2.jsonl" || { echo "FAIL: lingua log differs with --jobs"; exit 1; }
"$dsim" run "$scen" --replications 2 --log "$tmp/d.jsonl" > /dev/null
python3 - "$tmp/l1.jsonl" "$tmp/d.jsonl" "$tmp/run.json" <<'PY'
import json, re, sys, collections
lingua = [json.loads(l, object_pairs_hook=list) for l in open(sys.argv[1], encoding="utf-8")]
dsim = [json.loads(l) for l in open(sys.argv[2])]
run = json.load(open(sys.argv[3]))
def fail(m):
    print("FAIL:", m); sys.exit(1)
msgs = collections.Counter()
for n, rec in enumerate(lingua, 1):
    keys = [k for k, _ in rec]
    if keys != ["timestamp", "level", "fields", "target", "filename", "line_number", "threadId"]:
        fail(f"line {n}: keys {keys}")
    r = dict(rec); f = dict(r["fields"])
    if r["fields"][0][0] != "message": fail(f"line {n}: message is not the first field")
    if not re.fullmatch(r"2025-12-30T\d\d:\d\d:\d\d(\.\d*[1-9])?Z", r["timestamp"]): fail(f"line {n}: timestamp {r['timestamp']}")
    if r["level"] not in ("INFO", "WARN", "ERROR"): fail(f"line {n}: level")
    if not r["target"].startswith("scheduler::") or not r["filename"].startswith("src/"): fail(f"line {n}: target/filename")
    for k, pat in (("job_id", r"job-[0-9A-F]{8}"), ("session_id", r"s-[0-9A-F]{8}"), ("node_id", r"node-[0-9A-F]{8}|Some\(\"node-[0-9A-F]{8}\"\)|None")):
        if k in f and not re.fullmatch(pat, f[k]): fail(f"line {n}: {k} {f[k]}")
    for k in ("utterance_index", "failover_attempts", "failover_max_attempts", "ack_timeout_ms"):
        if k in f and not isinstance(f[k], int): fail(f"line {n}: {k} not an integer")
    msgs[f["message"]] += 1
    if f["message"] == "Job created (from session actor)": msgs[("created", f["node_id"] != "None")] += 1
    msgs[("exhausted",)] += f["message"].startswith("Job dispatched") and f["failover_attempts"] >= f["failover_max_attempts"]
ev = collections.Counter(d.get("event") for d in dsim)
failovers = sum(sum(p["metrics"]["failovers"]["values"]) for p in run["policies"])
checks = [
    ("dispatch timeouts", msgs["Job dispatched 超时，尝试 cancel + failover"], ev["dispatch_timeout"]),
    ("failover lines vs failovers metric", msgs["Job failover 重派成功下发"], failovers),
    ("exhausted timeouts", msgs[("exhausted",)], ev["failover_exhausted"]),
    ("ack discards", msgs["Result arrived after acknowledgment timeout, discarding (will not be sent)"], ev["ack_timeout_discard"]),
    ("pending timeouts", msgs["Job pending 超时，标记失败"], ev["pending_timeout"]),
    ("releases", msgs["Successfully sent translation result to session"], ev["result_released"]),
    # "Job created" with None when a job goes Pending at its creation; with its
    # node at its first dispatch, also one from the pending queue (pending: queue)
    ("jobs created Pending", msgs[("created", False)], sum(1 for d in dsim if d.get("event") == "job_pending" and d["attempt_id"] == 0)),
    ("jobs dispatched first", msgs[("created", True)], ev["job_dispatched"]),
]
for name, got, want in checks:
    print(f"{name}: lingua {got}, dsim {want}")
    if got != want: fail(name)
if ev["ack_timeout_discard"] == 0 or ev["dispatch_timeout"] == 0: fail("the incident run should show both")
# "Received JobResult" carries elapsed_ms since the job's creation, and so do the
# dsim records it is written for
got = sorted(int(dict(dict(r)["fields"])["elapsed_ms"][:-2]) for r in lingua
             if dict(dict(r)["fields"])["message"] == "Received JobResult, adding to result queue")
want = sorted(d["elapsed_ms"] for d in dsim if d.get("event") in ("result_accepted", "result_stale_queued"))
print("result elapsed_ms: %d lines, %d records, equal %s" % (len(got), len(want), got == want))
if got != want or not got: fail("Received JobResult elapsed_ms differs from the records'")
ids = {dict(dict(r)["fields"]).get("job_id") for r in lingua} - {None}
wire = {(d["policy"], d["replication"], d["job_id"]) for d in dsim if d.get("event") in ("job_dispatched", "job_pending", "failover_dispatched")}
print("distinct job ids", len(ids), "wire job ids", len(wire))
if len(ids) != len(wire): fail("job ids not one per wire job_id")
PY
# a job dispatched from the pending queue (pending: queue, dsim only) gets the
# reference's dispatch line, "Job created (from session actor)" with its node,
# after the one with None: analyze counts one dispatch for it, and fit still
# takes the utterance's end from the first (the log without its finalize lines
# gives the trace the finalize lines give)
python3 -c "
import json, sys
s = json.load(open(sys.argv[1])); s['policies'] = [p for p in s['policies'] if p['name'] == 'pending-queue']
s['replications'] = 1; s.pop('expect', None); json.dump(s, open(sys.argv[2], 'w'))" "$src/scenarios/overload.json" "$tmp/q.json"
"$dsim" run "$tmp/q.json" --format json --log "$tmp/q.jsonl" --log-format lingua > "$tmp/q-run.json"
python3 - "$tmp/q.jsonl" "$tmp/q-run.json" <<'PY'
import json, sys, collections
lines = [json.loads(l)["fields"] for l in open(sys.argv[1], encoding="utf-8")]
run = json.load(open(sys.argv[2]))["policies"][0]["metrics"]
created = collections.defaultdict(list)
for f in lines:
    if f["message"] == "Job created (from session actor)": created[f["job_id"]].append(f["node_id"])
later = sum(1 for v in created.values() if v[0] == "None" and len(v) == 2 and v[1].startswith("Some("))
some = sum(1 for v in created.values() for n in v if n.startswith("Some("))
print("pending queue: %d jobs dispatched from the queue, %d dispatch lines, %s dispatches" % (later, some, run["dispatches"]["values"]))
if later == 0 or some != sum(run["dispatches"]["values"]) or any(len(v) > 2 for v in created.values()):
    print("FAIL: a dispatch from the pending queue"); sys.exit(1)
PY
grep -v '"Finalizing audio utterance' "$tmp/q.jsonl" > "$tmp/q-nofin.jsonl"
"$dsim" fit "$tmp/q.jsonl" -o "$tmp/qf.json" 2> /dev/null
"$dsim" fit "$tmp/q-nofin.jsonl" -o "$tmp/qn.json" 2> /dev/null
cmp <(cut -d, -f1-3 "$tmp/qf.trace.csv" | sort) <(cut -d, -f1-3 "$tmp/qn.trace.csv" | sort) ||
    { echo "FAIL: fit: utterance ends from the first 'Job created' line"; exit 1; }
# the epoch is the scenario's
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); s['log_epoch_utc']='2026-03-01T12:00:00Z'; s['replications']=1; json.dump(s,open(sys.argv[2],'w'))" "$scen" "$tmp/e.json"
"$dsim" run "$tmp/e.json" --log "$tmp/e.jsonl" --log-format lingua > /dev/null
head -1 "$tmp/e.jsonl" | grep '"timestamp":"2026-03-01T12:00:' >/dev/null || { echo "FAIL: epoch not used"; head -1 "$tmp/e.jsonl"; exit 1; }
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); s['log_epoch_utc']='2026-13-01T00:00:00Z'; json.dump(s,open(sys.argv[2],'w'))" "$scen" "$tmp/bad.json"
rc=0; "$dsim" run "$tmp/bad.json" 2> "$tmp/err" > /dev/null || rc=$?
[ "$rc" -eq 2 ] && grep -q "log_epoch_utc" "$tmp/err" || { echo "FAIL: bad epoch rc=$rc"; cat "$tmp/err"; exit 1; }
rc=0; "$dsim" run "$scen" --log "$tmp/x" --log-format json 2> "$tmp/err" > /dev/null || rc=$?
[ "$rc" -eq 2 ] && grep -q "expected dsim or lingua" "$tmp/err" || { echo "FAIL: --log-format json rc=$rc"; exit 1; }
rc=0; "$dsim" run "$scen" --log-format lingua 2> "$tmp/err" > /dev/null || rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: --log-format without --log rc=$rc"; exit 1; }
echo PASS
