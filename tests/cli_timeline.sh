#!/usr/bin/env bash
# cli_timeline.sh DSIM SOURCE_DIR — dsim run/check --timeline (Chrome trace-event JSON).
#
# 1. Structure: the object form; every event has ph, ts, pid, tid; a process per
#    (policy, replication) named "POLICY #REP"; stages nested in their attempt.
#    1b: every tid below 2^31 and named, slices on a track nested or disjoint.
# 2. The timeline agrees with the metrics and the log of the same run: attempt
#    slices = dispatches, delivery / duplicate_delivery / never_delivered instants
#    = delivered / duplicates / lost, ack_timeout_discard instants = the log's
#    records at the same instants (ts in microseconds, exactly the log's ns), and
#    utterances discarded and never delivered = lost_by_cause.ack_discard;
#    wasted_node_s = the busy time of the attempts not "delivered", also when the
#    client hop reorders copies.
# 3. Flows: every "s" has its "f"; a result arrow per delivery.
# 4. Byte-identical for --jobs 1 and 2; the filter keeps what it says (an
#    attempt that overlaps the window is kept whole, with all its stages); a bad
#    filter is exit 2 with a message and no file; a size warning for a huge one.
# 5. SIGINT keeps a valid file: the first K runs of an unstopped run.
# 6. dsim check --timeline.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-timeline

# The incident world under the 12-28 preset (discards, duplicates, pending
# timeouts) and ack-30s (many duplicates); a client hop so deliveries travel.
jq '.policies |= [.[0], (.[] | select(.name == "ack-30s"))] | del(.expect) | .replications = 2
    | .network.client_delay_s = {"dist": "const", "value": 0.05}' \
    "$SRC/scenarios/incident-2025-12-30.json" >"$TMP/w.json" || { echo "FAIL: jq"; exit 1; }

"$DSIM" run "$TMP/w.json" --jobs 2 --format json --timeline "$TMP/t.json" --log "$TMP/l.jsonl" \
    >"$TMP/r.json" 2>"$TMP/err" || fail "run: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run: unexpected stderr: $(cat "$TMP/err")"

python3 - "$TMP/t.json" "$TMP/r.json" "$TMP/l.jsonl" <<'EOF' || fail "structure and agreement: see above"
import json, sys
from collections import Counter, defaultdict
from decimal import Decimal
tl_path, res_path, log_path = sys.argv[1:]
bad = []
def check(cond, msg):
    if not cond:
        bad.append(msg)
doc = json.load(open(tl_path), parse_float=Decimal)
check(isinstance(doc, dict) and list(doc) == ["otherData", "traceEvents"], "not the object form")
check(doc["otherData"].get("schema_version") == 2 and doc["otherData"].get("dsim_version"), "no versions in otherData")
ev = doc["traceEvents"]
for e in ev:
    for k in ("ph", "ts", "pid", "tid"):
        check(k in e, "event without %s: %s" % (k, e))
    check(e.get("ph") in ("M", "X", "i", "s", "f"), "unknown ph: %s" % e)
    if e.get("ph") == "X":
        check(isinstance(e.get("dur"), Decimal) and e["dur"] >= 0, "X without dur >= 0: %s" % e)
res = json.load(open(res_path))
reps = 2
pname = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
want = {1 + p * reps + r: "%s #%d" % (pol["name"], r)
        for p, pol in enumerate(res["policies"]) for r in range(reps)}
want[0] = pname.get(0)
check(pname == want, "process names %s, expected %s" % (pname, want))

# the log's records, per (policy, replication)
logs = defaultdict(list)
for line in open(log_path):
    rec = json.loads(line, parse_float=Decimal)
    if "dsim_version" in rec:  # the log's version record, first
        continue
    logs[(rec["policy"], rec["replication"])].append(rec)

def us(t):  # log seconds (9 decimals) -> trace-event microseconds, exactly
    return t * 1000000

for p, pol in enumerate(res["policies"]):
    m = pol["metrics"]
    for r in range(reps):
        pid = 1 + p * reps + r
        run = [e for e in ev if e["pid"] == pid]
        name = "%s #%d" % (pol["name"], r)
        def metric(k):
            return m[k]["values"][r]
        att = [e for e in run if e["ph"] == "X" and e["cat"] == "attempt"]
        check(len(att) == metric("dispatches"),
              "%s: %d attempt slices, %d dispatches" % (name, len(att), metric("dispatches")))
        n = Counter(e["name"] for e in run if e["ph"] == "i")
        for inst, met in (("delivery", "delivered"), ("duplicate_delivery", "duplicates"),
                          ("never_delivered", "lost")):
            check(n[inst] == metric(met), "%s: %d %s instants, %s = %s"
                  % (name, n[inst], inst, met, metric(met)))
        out = Counter(e["args"]["outcome"] for e in att)
        check(out["duplicate"] == metric("duplicates"),
              "%s: %d attempts with outcome duplicate, duplicates = %s" % (name, out["duplicate"], metric("duplicates")))
        check(out["delivered"] == metric("delivered"),
              "%s: %d attempts with outcome delivered, delivered = %s" % (name, out["delivered"], metric("delivered")))
        disc = [e for e in run if e["ph"] == "i" and e["name"] == "ack_timeout_discard"]
        logged = [x for x in logs[(pol["name"], r)] if x["event"] == "ack_timeout_discard"]
        check(sorted((e["ts"], e["args"]["job_id"], e["args"]["attempt_id"]) for e in disc) ==
              sorted((us(x["t"]), x["job_id"], x["attempt_id"]) for x in logged),
              "%s: ack_timeout_discard instants differ from the log's records" % name)
        check(out["discarded"] == len(disc),
              "%s: %d attempts discarded, %d discard instants" % (name, out["discarded"], len(disc)))
        delivered = {(e["args"]["session"], e["args"]["utterance_index"]) for e in run
                     if e["ph"] == "i" and e["name"] == "delivery"}
        lost_disc = {(e["args"]["session"], e["args"]["utterance_index"]) for e in disc} - delivered
        check(len(lost_disc) == metric("lost_by_cause.ack_discard"),
              "%s: %d utterances discarded and never delivered, lost_by_cause.ack_discard = %s"
              % (name, len(lost_disc), metric("lost_by_cause.ack_discard")))
        if p == 0 and r == 0:
            check(len(disc) > 0 and metric("duplicates") > 0, "%s: no discard or duplicate to check" % name)
        # stages nest in their attempt, on its thread
        spans = defaultdict(list)
        for e in att:
            spans[e["tid"]].append((e["ts"], e["ts"] + e["dur"]))
        for e in run:
            if e["ph"] == "X" and e["cat"] == "stage":
                a, b = e["ts"], e["ts"] + e["dur"]
                check(any(x <= a and b <= y for x, y in spans[e["tid"]]),
                      "%s: stage outside its attempt: %s" % (name, e))
        # flows: pairs, forward in time, one result arrow per delivery
        s = {e["id"]: e for e in run if e["ph"] == "s"}
        f = {e["id"]: e for e in run if e["ph"] == "f"}
        check(set(s) == set(f), "%s: unmatched flow ids" % name)
        check(all(f[i]["ts"] >= s[i]["ts"] for i in s if i in f), "%s: a flow goes back in time" % name)
        results = sum(1 for e in s.values() if e["name"] == "result")
        check(results == n["delivery"] + n["duplicate_delivery"],
              "%s: %d result arrows, %d deliveries" % (name, results, n["delivery"] + n["duplicate_delivery"]))
        assigns = sum(1 for e in s.values() if e["name"] == "assign")
        check(assigns == len(att), "%s: %d assign arrows, %d attempts" % (name, assigns, len(att)))
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF

# 1b. Tracks Perfetto can read: every tid below 2^31 (its JSON importer reads a
#    tid as a uint32 and puts a larger one on the process's own track), named once
#    in its process, every event on a named track; the X slices of one (pid, tid)
#    nest or are disjoint (never partly overlap: queue waits on a node with more
#    attempts than workers overlap, so they take separate queue tracks). On the
#    incident world above and on node-crash (never-ran attempts, crashes).
"$DSIM" run "$SRC/scenarios/node-crash.json" --replications 1 --timeline "$TMP/nc.json" \
    >/dev/null 2>"$TMP/err" || fail "run node-crash: $(cat "$TMP/err")"
python3 - "$TMP/t.json" "$TMP/nc.json" <<'EOF' || fail "tracks: see above"
import json, sys
from collections import defaultdict
bad = []
for path in sys.argv[1:]:
    ev = json.load(open(path))["traceEvents"]
    named = defaultdict(set)
    for e in ev:
        if not (isinstance(e["tid"], int) and 0 <= e["tid"] < 2**31):
            bad.append("%s: tid not in [0, 2^31): %s" % (path, e))
        if e["ph"] == "M" and e["name"] == "thread_name":
            if e["tid"] in named[e["pid"]]:
                bad.append("%s: tid named twice: %s" % (path, e))
            named[e["pid"]].add(e["tid"])
    spans = defaultdict(list)
    queued = 0
    for e in ev:
        if e["ph"] != "M" and e["pid"] != 0 and e["tid"] not in named[e["pid"]]:
            bad.append("%s: event on a track without a name: %s" % (path, e))
        if e["ph"] == "X":  # integer ns, so ends compare exactly
            a = round(e["ts"] * 1000)
            spans[(e["pid"], e["tid"])].append((a, a + round(e["dur"] * 1000), e["cat"], e["name"]))
            queued += e["cat"] == "queue"
    overlaps = 0
    for k, L in spans.items():
        L.sort(key=lambda x: (x[0], -x[1]))
        open_ = []
        for s in L:
            while open_ and open_[-1][1] <= s[0]:
                open_.pop()
            if open_ and s[1] > open_[-1][1]:
                overlaps += 1
                if overlaps <= 3:
                    bad.append("%s: pid %d tid %d: %s partly overlaps %s" % (path, k[0], k[1], s, open_[-1]))
            open_.append(s)
    if overlaps:
        bad.append("%s: %d partial overlaps on one track" % (path, overlaps))
    if queued == 0:
        bad.append("%s: no queue wait to check" % path)
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF

# 2b. wasted_node_s is the busy time of every attempt whose outcome is not
#    "delivered" (the client's first copy), also when the client hop reorders
#    copies (fifo false, a random client delay): the copy the client hears first
#    is the useful one, not the one the core released first. (Replication 2 of
#    node-attempt-check: a stalled attempt released 1 s before its failover's
#    copy, heard 1.5 s after it.)
jq '.workload.utterances_per_session = 40 | .replications = 4 | .network.fifo = false
    | .network.client_delay_s = {"dist": "exponential", "mean": 3}
    | .policies |= map(select(.name == "node-attempt-check" or .name == "fenced")) | del(.expect)' \
    "$SRC/scenarios/incident-2025-12-30.json" >"$TMP/wr.json" || fail "jq"
"$DSIM" run "$TMP/wr.json" --format json --timeline "$TMP/tr.json" >"$TMP/rr.json" 2>"$TMP/err" ||
    fail "run (reordering hop): $(cat "$TMP/err")"
python3 - "$TMP/tr.json" "$TMP/rr.json" "$TMP/t.json" "$TMP/r.json" <<'EOF' || fail "wasted_node_s against the timeline: see above"
import json, sys
from collections import Counter
from decimal import Decimal
bad = []
for tl_path, res_path in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    ev = json.load(open(tl_path), parse_float=Decimal)["traceEvents"]
    res = json.load(open(res_path), parse_float=Decimal)
    reps = len(res["policies"][0]["metrics"]["wasted_node_s"]["values"])
    busy = Counter()
    for e in ev:
        if e.get("cat") == "attempt" and e["args"]["outcome"] != "delivered":
            busy[e["pid"]] += e["args"]["busy_ms"] / 1000
    for p, pol in enumerate(res["policies"]):
        for r, v in enumerate(pol["metrics"]["wasted_node_s"]["values"]):
            if abs(v - busy[1 + p * reps + r]) > Decimal("1e-6"):
                bad.append("%s: %s #%d: wasted_node_s %s, busy of attempts not delivered %s"
                           % (res_path, pol["name"], r, v, busy[1 + p * reps + r]))
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF

# 4. Determinism and the filter.
"$DSIM" run "$TMP/w.json" --jobs 1 --timeline "$TMP/t1.json" >/dev/null 2>&1
cmp -s "$TMP/t.json" "$TMP/t1.json" || fail "--jobs 1 and --jobs 2 timelines differ"
"$DSIM" run "$TMP/w.json" --timeline "$TMP/f.json" \
    --timeline-filter 'policy=ack-30s,replication=1,session=3,from=60,to=240.5' >/dev/null 2>&1 ||
    fail "filtered run failed"
jq -e '[.traceEvents[] | select(.pid != 0)] | (map(.pid) | unique) == [4]
       and (map(select(.args.session != null) | .args.session) | unique) == [3]
       and all(.[] | select(.ph == "X" and .cat != "stage"); .ts + .dur >= 60000000 and .ts <= 240500000)
       and all(.[] | select(.ph == "i" or .ph == "s" or .ph == "f"); .ts >= 60000000 and .ts <= 240500000)
       and (map(select(.cat == "attempt")) | length) > 0' "$TMP/f.json" >/dev/null ||
    fail "the filter kept other runs, sessions or times"
for bad in 'policy=nope' 'replication=2' 'session=5' 'session=x' 'from=2,to=1' 'colour=red' \
    'from=-1' 'session=1,' 'to=1,to=2'; do
    "$DSIM" run "$TMP/w.json" --timeline "$TMP/bad.json" --timeline-filter "$bad" \
        >/dev/null 2>"$TMP/bad.err"
    rc=$?
    [ "$rc" = 2 ] || fail "filter '$bad': exit $rc, expected 2"
    grep -q -- "--timeline-filter" "$TMP/bad.err" || fail "filter '$bad': $(cat "$TMP/bad.err")"
    [ ! -e "$TMP/bad.json" ] || fail "filter '$bad': a file was written"
done
"$DSIM" run "$TMP/w.json" --replications 1000 --max-events 1 --timeline "$TMP/huge.json" \
    >/dev/null 2>"$TMP/huge.err"
grep -q "warning: .*huge.json may reach" "$TMP/huge.err" || fail "no size warning: $(cat "$TMP/huge.err")"

# 5. SIGINT part-way: the kept file is valid JSON and the first K runs.
set -m
jq '.policies |= .[:1] | .replications = 1000' "$TMP/w.json" >"$TMP/one.json"
"$DSIM" run "$TMP/one.json" --jobs 2 --timeline "$TMP/sig.json" >/dev/null 2>"$TMP/sig.err" &
PID=$!
for ((i = 0; i < 3000; i++)); do
    [ -s "$(ls "$TMP"/sig.json.tmp.* 2>/dev/null | head -1)" ] && break
    sleep 0.01
done
sleep 0.5
kill -INT "$PID"
wait "$PID"
rc=$?
PID=
[ "$rc" = 130 ] || fail "SIGINT: exit $rc"
K=$(sed -n 's/^dsim: kept .*sig.json: the first \([0-9]*\) of 1000 runs.*/\1/p' "$TMP/sig.err")
if [ -n "$K" ] && [ "$K" -lt 1000 ]; then
    jq -e '.traceEvents | length > 0' "$TMP/sig.json" >/dev/null || fail "SIGINT: not valid JSON"
    "$DSIM" run "$TMP/one.json" --replications "$K" --jobs 1 --timeline "$TMP/ref.json" >/dev/null 2>&1
    cmp -s "$TMP/sig.json" "$TMP/ref.json" || fail "SIGINT: not the first $K runs"
else
    fail "SIGINT: stderr says no runs were kept: $(cat "$TMP/sig.err")"
fi
[ -z "$(ls "$TMP"/*.tmp.* 2>/dev/null)" ] || fail "SIGINT: temporaries left"

# 6. dsim check --timeline: one file for every scenario checked, valid, the same
#    attempts as dsim run's for that scenario.
"$DSIM" check "$TMP/w.json" "$SRC/tests/data/tiny.json" --timeline "$TMP/c.json" >/dev/null 2>&1
jq -e '.traceEvents | length > 0' "$TMP/c.json" >/dev/null 2>&1 || fail "check --timeline: not valid JSON"
a=$(jq '[.traceEvents[] | select(.cat == "attempt")] | length' "$TMP/t.json")
b=$(jq '[.traceEvents[] | select(.cat == "attempt" and .pid <= 4)] | length' "$TMP/c.json" 2>/dev/null)
c=$(jq '[.traceEvents[] | select(.cat == "attempt" and .pid > 4)] | length' "$TMP/c.json" 2>/dev/null)
[ "$a" = "$b" ] && [ "${c:-0}" -gt 0 ] || fail "check --timeline: $b and $c attempts, run has $a"
"$DSIM" check "$TMP/w.json" --timeline-filter session=x --timeline "$TMP/c2.json" >/dev/null 2>&1
[ $? = 2 ] || fail "check: a bad filter is not exit 2"

cli_finish "cli_timeline: all checks passed"
