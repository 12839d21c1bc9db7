#!/usr/bin/env bash
# `dsim analyze`: the same run logged in the reference's format and in dsim's gives
# the counts the run measured (dispatch timeouts, failovers, exhausted, ack-timeout
# discards and their largest elapsed_ms, dispatches per job); malformed input is an
# error naming file:line (exit 2), unrecognised JSON is counted and named.
set -euo pipefail
dsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the incident world under the reference's own presets: dsim-only mechanisms (hedges,
# new job ids per attempt) have no line in the reference's format
python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
s['policies'] = [p for p in s['policies'] if set(p) == {'name', 'preset'}]
for k in ('expect', 'sweep'): s.pop(k, None)
json.dump(s, open(sys.argv[2], 'w'))" "$src/scenarios/incident-2025-12-30.json" "$tmp/scen.json"
scen=$tmp/scen.json

"$dsim" run "$scen" --replications 1 --log "$tmp/l.jsonl" --log-format lingua --format json > "$tmp/run.json"
"$dsim" run "$scen" --replications 1 --log "$tmp/d.jsonl" > /dev/null
"$dsim" analyze "$tmp/l.jsonl" --format json > "$tmp/al.json"
"$dsim" analyze "$tmp/d.jsonl" --format json > "$tmp/ad.json"
"$dsim" analyze "$tmp/l.jsonl" "$tmp/d.jsonl" > "$tmp/table.txt"
python3 - "$tmp/al.json" "$tmp/ad.json" "$tmp/run.json" "$tmp/d.jsonl" "$tmp/l.jsonl" <<'PY'
import json, sys, collections
al, ad, run = (json.load(open(p)) for p in sys.argv[1:4])
dsim = [json.loads(l) for l in open(sys.argv[4])]
lingua = [json.loads(l) for l in open(sys.argv[5], encoding="utf-8")]
def fail(m):
    print("FAIL:", m); sys.exit(1)
# dsim's log starts with its version record, which analyze does not count as
# unrecognised; the reference's lines have none
head = dsim.pop(0)
if set(head) != {"dsim_version", "schema_version", "stream"} or head["stream"] != "log":
    fail("dsim log: first line is not the version record: %r" % head)
if ad["unrecognised"] != 0:
    fail("analyze: %d unrecognised lines in dsim's log" % ad["unrecognised"])
if any("dsim_version" in d for d in lingua):
    fail("lingua log: a dsim version record among the reference's lines")
ev = collections.Counter(d["event"] for d in dsim)
metric = lambda m: sum(sum(p["metrics"][m]["values"]) for p in run["policies"])
ack_max = max(d["elapsed_ms"] for d in dsim if d["event"] == "ack_timeout_discard")
checks = [
    ("dispatch_timeouts", al["dispatch_timeouts"], ad["dispatch_timeouts"], ev["dispatch_timeout"]),
    ("failovers", al["failovers"], ad["failovers"], metric("failovers")),
    ("failovers_exhausted", al["failovers_exhausted"], ad["failovers_exhausted"], ev["failover_exhausted"]),
    ("ack_discards", al["ack_discards"], ad["ack_discards"], ev["ack_timeout_discard"]),
    ("ack_discard_elapsed_ms_max", al["ack_discard_elapsed_ms_max"], ad["ack_discard_elapsed_ms_max"], ack_max),
    ("pending_timeouts", al["pending_timeouts"], ad["pending_timeouts"], ev["pending_timeout"]),
    ("deliveries", al["deliveries"], ad["deliveries"], ev["result_released"]),
]
for name, a, b, want in checks:
    print(f"{name}: lingua {a}, dsim {b}, run {want}")
    if not (a == b == want): fail(name)
# under the reference a timeout ends in a failover, an exhausted job or no node for it
if ad["dispatch_timeouts"] != ad["failovers"] + ad["failovers_exhausted"] + ad["failover_no_node"]: fail("timeouts != failovers + exhausted + no node")
if al["dispatch_timeouts"] == 0 or al["ack_discards"] == 0: fail("the incident run should show timeouts and discards")
# every line naming a job counted once
named = collections.Counter(r["fields"]["job_id"] for r in lingua if "job_id" in r["fields"])
if dict(named) != al["job_id_occurrences"]: fail("job_id_occurrences != lines naming each job")
hist = collections.Counter(named.values())
if {str(k): v for k, v in hist.items()} != al["job_id_occurrence_histogram"]: fail("occurrence histogram")
# dispatches per job: the same in both formats (dsim's keys are per wire job_id too)
if al["dispatches_per_job_histogram"] != ad["dispatches_per_job_histogram"]:
    print(al["dispatches_per_job_histogram"], ad["dispatches_per_job_histogram"]); fail("dispatches per job differ")
w = al["worst_job"]
if w["lines"] != max(named.values()) or len(w["timeline"]) != min(w["lines"], 200): fail("worst job")
if al["repeated_deliveries"] is not None: fail("lingua lines show no utterance_index: not visible")
rel = collections.Counter((d["policy"], d["replication"], d["session"], d["utterance_index"]) for d in dsim if d["event"] == "result_released")
if ad["repeated_deliveries"] != {"pairs": sum(1 for v in rel.values() if v > 1), "extra_copies": sum(v - 1 for v in rel.values() if v > 1)}: fail("repeated deliveries")
if al["unrecognised"] != 0 or ad["unrecognised"] != 0: fail("unrecognised lines in dsim's own logs")
# the discards of several policies carry several ack timeouts: their range, one value only when one
tmo = sorted({d["ack_timeout_ms"] for d in dsim if d["event"] == "ack_timeout_discard"})
print("ack timeouts of the discards:", tmo)
if len(tmo) < 2: fail("the presets' discards should carry several ack timeouts")
for a in (al, ad):
    if (a["ack_timeout_ms_min"], a["ack_timeout_ms_max"], a["ack_timeout_ms"]) != (tmo[0], tmo[-1], None):
        fail("ack_timeout_ms %r..%r (%r), want %r..%r (null)" % (a["ack_timeout_ms_min"], a["ack_timeout_ms_max"], a["ack_timeout_ms"], tmo[0], tmo[-1]))
PY
grep -q "lingua format" "$tmp/table.txt" && grep -q "dsim format" "$tmp/table.txt" || { echo "FAIL: table"; exit 1; }
[ "$(grep -c "(ack_timeout_ms 5000\.\.30000)" "$tmp/table.txt")" -eq 2 ] ||
    { echo "FAIL: table: the discards' ack_timeout_ms range"; grep 'ack-timeout' "$tmp/table.txt"; exit 1; }
# one policy's log: its one ack timeout
python3 -c "
import json, sys
s = json.load(open(sys.argv[1])); s['policies'] = s['policies'][:1]; json.dump(s, open(sys.argv[2], 'w'))" "$scen" "$tmp/one.json"
"$dsim" run "$tmp/one.json" --replications 1 --log "$tmp/one.jsonl" > /dev/null
"$dsim" analyze "$tmp/one.jsonl" | grep -q "elapsed_ms [0-9]*\.\.[0-9]* (ack_timeout_ms 5000)$" ||
    { echo "FAIL: one policy's ack_timeout_ms"; "$dsim" analyze "$tmp/one.jsonl" | grep ack-timeout; exit 1; }
"$dsim" analyze "$tmp/one.jsonl" --format json | python3 -c "
import json, sys; a = json.load(sys.stdin)
assert (a['ack_timeout_ms'], a['ack_timeout_ms_min'], a['ack_timeout_ms_max']) == (5000, 5000, 5000), a"

# dsim-only mechanisms with a job's dispatches in both formats: new job ids per
# attempt (the records before the first dispatch name the id it carries: failed
# over in the incident, never dispatched in overload) and the pending queue (a
# job dispatched from it gets the reference's dispatch line)
python3 -c "
import json, sys
src, out = sys.argv[1], sys.argv[2]
nj = {'name': 'new-job-id', 'preset': 'lingua-2025-12-28', 'failover': 'new_job_id'}
for case, scen, pols in (('failover', 'incident-2025-12-30', ['new-job-id']),
                         ('pending', 'overload', [nj]), ('queue', 'overload', ['pending-queue-20s'])):
    s = json.load(open(src + '/scenarios/' + scen + '.json'))
    s['policies'] = [p if isinstance(p, dict) else next(q for q in s['policies'] if q['name'] == p) for p in pols]
    for k in ('expect', 'sweep'): s.pop(k, None)
    json.dump(s, open(out + '/' + case + '.json', 'w'))" "$src" "$tmp"
for case in failover pending queue; do
    "$dsim" run "$tmp/$case.json" --replications 1 --format json --log "$tmp/$case-d.jsonl" > "$tmp/$case-run.json"
    "$dsim" run "$tmp/$case.json" --replications 1 --log "$tmp/$case-l.jsonl" --log-format lingua > /dev/null
    "$dsim" analyze "$tmp/$case-d.jsonl" --format json > "$tmp/$case-ad.json"
    "$dsim" analyze "$tmp/$case-l.jsonl" --format json > "$tmp/$case-al.json"
    python3 - "$case" "$tmp/$case-run.json" "$tmp/$case-d.jsonl" "$tmp/$case-ad.json" "$tmp/$case-al.json" <<'PY'
import json, sys
case = sys.argv[1]
run = json.load(open(sys.argv[2]))["policies"][0]["metrics"]
dsim = [json.loads(l) for l in open(sys.argv[3])][1:]
ad, al = (json.load(open(p)) for p in sys.argv[4:6])
def fail(m):
    print("FAIL:", case, m); sys.exit(1)
dispatches = sum(run["dispatches"]["values"])
# a job never dispatched: one whose pending timed out before its first dispatch
never = sum(1 for d in dsim if d["event"] == "pending_timeout" and d["attempt_id"] == 0)
queued = {(d["session"], d["utterance_index"]) for d in dsim if d["event"] == "job_pending"}
later = sum(1 for d in dsim if d["event"] == "job_dispatched" and (d["session"], d["utterance_index"]) in queued)
wire = {d["job_id"] for d in dsim if d["job_id"] != "job-00000000"}
# each case must show its mechanism, or it tests nothing
if case == "failover" and not sum(run["failovers"]["values"]): fail("no failover")
if case == "pending" and not never: fail("no job left undispatched")
if case == "queue" and not later: fail("no job dispatched from the pending queue")
for name, a in (("dsim", ad), ("lingua", al)):
    h = {int(k): v for k, v in a["dispatches_per_job_histogram"].items()}
    print(f"{case} {name}: jobs named {len(a['job_id_occurrences'])}, dispatches per job {h}; "
          f"run: {dispatches} dispatches, {len(wire)} wire ids, {never} never dispatched, "
          f"{later} dispatched from the queue")
    if sum(k * v for k, v in h.items()) != dispatches: fail(name + ": dispatches")
    if h.get(0, 0) != never: fail(name + ": jobs with no dispatch")
    if len(a["job_id_occurrences"]) != len(wire): fail(name + ": jobs named")
PY
done

# malformed input: an error with file:line, exit 2, nothing on stdout
expect_error() { # file, what stderr must hold
    local rc=0
    "$dsim" analyze "$1" > "$tmp/out" 2> "$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] && grep -qF "$2" "$tmp/err" && [ ! -s "$tmp/out" ] ||
        { echo "FAIL: $1: rc=$rc, want 2 and '$2'"; cat "$tmp/err"; exit 1; }
}
head -2 "$tmp/l.jsonl" > "$tmp/bad.jsonl"; echo '{"timestamp": oops' >> "$tmp/bad.jsonl"
expect_error "$tmp/bad.jsonl" "$tmp/bad.jsonl:3:"
{ head -1 "$tmp/l.jsonl"; python3 -c "print('\"' + 'x' * (1 << 21) + '\"')"; } > "$tmp/long.jsonl"
expect_error "$tmp/long.jsonl" "$tmp/long.jsonl:2: line longer than"
printf 'not json at all\n' > "$tmp/text.log"
expect_error "$tmp/text.log" "$tmp/text.log:1:"
expect_error "$tmp/missing.jsonl" "$tmp/missing.jsonl: cannot open"
# JSON that is neither format: counted and named, not skipped
{ head -1 "$tmp/l.jsonl"; echo '{"a":1}'; sed -n 2p "$tmp/l.jsonl"; echo '[1,2]'; } > "$tmp/odd.jsonl"
"$dsim" analyze "$tmp/odd.jsonl" --format json > "$tmp/odd.json"
python3 -c "
import json,sys; a=json.load(open(sys.argv[1]))
assert a['unrecognised'] == 2 and a['unrecognised_at'] == [2, 4] and a['format'] == 'lingua' and a['lines'] == 4, a" "$tmp/odd.json"
# a log in both formats is refused at the first line of the other (line 1 of d.jsonl: its version record)
{ head -1 "$tmp/l.jsonl"; echo '{"a":1}'; sed -n 2p "$tmp/d.jsonl"; } > "$tmp/mixed.jsonl"
expect_error "$tmp/mixed.jsonl" "$tmp/mixed.jsonl:3: a line in dsim's format in a log in the reference's (from line 1)"
"$dsim" analyze "$tmp/odd.jsonl" | grep -F "$tmp/odd.jsonl:2 $tmp/odd.jsonl:4" >/dev/null || { echo "FAIL: table names lines"; exit 1; }
rc=0; "$dsim" analyze "$tmp/l.jsonl" --format xml 2> /dev/null > /dev/null || rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: --format xml rc=$rc"; exit 1; }
echo PASS
