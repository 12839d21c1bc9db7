#!/usr/bin/env bash
# `dsim fit`, round trip: a known world (tests/data/fit-world.json: the whole
# turnaround one lognormal stage, median 10 s, sigma 0.6, no network delay, a
# 30 s dispatch timeout that censors ~3 % of attempts, nodes that abort a
# cancelled job) is run with --log-format lingua, fitted, and the fitted scenario
# run again:
#  - over 10 seeds, the fitted median and sigma lie within 2 standard errors of
#    the truth in at least 8 (nominal 0.95^2 ~ 0.9 of them), lognormal is chosen;
#  - 10 replications of the fitted scenario against 10 of the original:
#    delivered, lost, failovers, latency p50/p90/p99/mean each agree within
#    max(2 x the 95 % half-width of the difference, 2 % of the original);
#  - with --ignore-censoring (the censored attempts dropped) the parameter
#    check holds in at most 3 of 10 seeds and the round trip fails;
#  - dsim's own --log of the same run gives the same fit; with one worker per
#    node, --serial-nodes recovers the service time (not the turnaround) and
#    the fitted world runs like the original;
#  - two node speeds give two classes of 6; the preset, timeouts and on_cancel
#    are read back; stalls (two modes) fall back to the empirical distribution,
#    which runs like the original; bad input exits 2 naming file:line and
#    writes nothing.
set -euo pipefail
dsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
world=$src/tests/data/fit-world.json
fail() { echo "FAIL: $*"; exit 1; }

# --- parameters over seeds ----------------------------------------------------------
for seed in 1 2 3 4 5 6 7 8 9 10; do
  "$dsim" run "$world" --replications 1 --seed "$seed" --log "$tmp/l$seed.jsonl" \
    --log-format lingua > /dev/null
  "$dsim" fit "$tmp/l$seed.jsonl" -o "$tmp/f$seed.json" --report > "$tmp/r$seed.txt"
  "$dsim" fit "$tmp/l$seed.jsonl" -o "$tmp/n$seed.json" --report --ignore-censoring \
    > "$tmp/nr$seed.txt"
done
python3 - "$tmp" <<'PY'
import re, sys
tmp = sys.argv[1]
inside, chosen, cens, naive = 0, 0, [], 0
def within(text, seed):
    m = re.search(r"lognormal median (\S+) \+- (\S+) sigma (\S+) \+- (\S+), AIC", text)
    if not m:
        print("FAIL: seed %d: no lognormal fit in the report:\n%s" % (seed, text)); sys.exit(1)
    med, se_m, sig, se_s = map(float, m.groups())
    return abs(med - 10) <= 2 * se_m and abs(sig - 0.6) <= 2 * se_s
for seed in range(1, 11):
    r = open("%s/r%d.txt" % (tmp, seed), encoding="utf-8").read()
    inside += within(r, seed)
    naive += within(open("%s/nr%d.txt" % (tmp, seed), encoding="utf-8").read(), seed)
    chosen += "[chosen]" in r.split("lognormal", 1)[1].split("\n", 1)[0]
    c = re.search(r"(\d+) censored \((\S+) %\)", r)
    cens.append(float(c.group(2)))
print("fit: median and sigma within 2 se of the truth in %d of 10 seeds (%d with "
      "--ignore-censoring); lognormal chosen in %d; censored %.1f..%.1f %%"
      % (inside, naive, chosen, min(cens), max(cens)))
if inside < 8 or chosen < 8 or naive > 3:
    sys.exit(1)
if not all(1.0 <= c <= 6.0 for c in cens):
    print("FAIL: censoring outside 'a few percent'"); sys.exit(1)
PY

# --- the fitted scenario: what it says, and that it validates -------------------------
f=$tmp/f1.json
"$dsim" validate "$f" > /dev/null || fail "fitted scenario does not validate"
[ -f "$tmp/f1.trace.csv" ] || fail "no trace beside the scenario"
python3 - "$f" "$tmp/f1.trace.csv" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def fail(m):
    print("FAIL:", m); sys.exit(1)
d = s["description"]
for want in ("Network delay cannot be separated", "l1.jsonl", "lines", "right-censored",
             "Not inferred"):
    if want not in d:
        fail("description lacks %r" % want)
p = s["policies"][0]
if p["preset"] != "lingua-2025-12-28" or set(p) != {"name", "preset"}:
    fail("policy: %r (the log shows 98e3526's lines, 30 s, 3 failovers, 5 s ack)" % p)
n = s["nodes"]
if len(n) != 1 or n[0]["count"] != 12 or n[0]["on_cancel"] != "abort_by_job_id":
    fail("nodes: %r" % n)
if n[0]["stages"]["nmt"] != {"dist": "const", "value": 0} or abs(n[0]["heartbeat_s"] - 15) > 0.5:
    fail("stages/heartbeat: %r" % n[0])
if s["workload"]["trace"] != "f1.trace.csv" or s["log_epoch_utc"] != "2025-12-30T00:00:00Z":
    fail("workload/epoch: %r %r" % (s["workload"], s.get("log_epoch_utc")))
rows = [l for l in open(sys.argv[2]) if not l.startswith(('#', 'session,'))]
if len(rows) != 1000:
    fail("trace: %d rows, want the run's 1000 utterances" % len(rows))
PY

# --- round trip: the fitted world runs like the original -------------------------------
"$dsim" run "$world" --format json > "$tmp/orig.json"
"$dsim" run "$f" --format json > "$tmp/fit.json"
"$dsim" run "$tmp/n1.json" --format json > "$tmp/naive.json"
cat > "$tmp/agree.py" <<'PY'
import json, math, sys
o = json.load(open(sys.argv[1]))["policies"][0]["metrics"]
f = json.load(open(sys.argv[2]))["policies"][0]["metrics"]
bad = 0
for k in ("delivered", "lost", "failovers", "latency_s.p50", "latency_s.p90", "latency_s.p99",
          "latency_s.mean"):
    diff = f[k]["mean"] - o[k]["mean"]
    tol = max(2 * math.hypot(o[k]["ci95"], f[k]["ci95"]), 0.02 * abs(o[k]["mean"]))
    ok = abs(diff) <= tol
    bad += not ok
    print("%-15s original %9.3f  fitted %9.3f  diff %+8.3f  tolerance %7.3f %s"
          % (k, o[k]["mean"], f[k]["mean"], diff, tol, "ok" if ok else "FAIL"))
sys.exit(1 if bad else 0)
PY
python3 "$tmp/agree.py" "$tmp/orig.json" "$tmp/fit.json"
# the same check fails when the censored attempts are dropped: fewer slow
# attempts, so too few failovers
echo "with --ignore-censoring:"
if python3 "$tmp/agree.py" "$tmp/orig.json" "$tmp/naive.json"; then
  fail "the round trip passes with the censored attempts dropped: the test cannot tell"
fi

# --- dsim's own log of the same run gives the same fit ----------------------------------
"$dsim" run "$world" --replications 1 --seed 1 --log "$tmp/own.jsonl" > /dev/null
"$dsim" fit "$tmp/own.jsonl" -o "$tmp/own.json" 2> "$tmp/own.err"
grep 'wrote .*own.json (1 node class)' "$tmp/own.err" > /dev/null || fail "summary: $(cat "$tmp/own.err")"
python3 - "$f" "$tmp/own.json" <<'PY'
import json, sys
a, b = (json.load(open(p))["nodes"][0]["stages"]["asr"] for p in sys.argv[1:3])
if a != b:
    print("FAIL: lingua fit %r, dsim-format fit %r" % (a, b)); sys.exit(1)
PY

# --- two speeds, two classes; another preset -----------------------------------------------
python3 - "$world" "$tmp/two.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
fast = dict(s["nodes"][0], name="fast", count=6)
fast["stages"] = dict(fast["stages"], asr={"dist": "lognormal", "median": 5, "sigma": 0.5})
slow = dict(s["nodes"][0], name="slow", count=6, on_cancel="ignore")
slow["stages"] = dict(slow["stages"], asr={"dist": "gamma", "shape": 6, "scale": 2.5})
s["nodes"] = [fast, slow]
s["policies"] = [{"name": "p", "preset": "lingua-2026-01-19", "dispatch_timeout_s": 20}]
json.dump(s, open(sys.argv[2], "w"))
PY
"$dsim" run "$tmp/two.json" --replications 1 --log "$tmp/two.jsonl" --log-format lingua > /dev/null
"$dsim" fit "$tmp/two.jsonl" -o "$tmp/two-fit.json" --report > "$tmp/two.txt"
python3 - "$tmp/two-fit.json" "$tmp/two.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def fail(m):
    print("FAIL:", m, open(sys.argv[2]).read()); sys.exit(1)
counts = sorted(n["count"] for n in s["nodes"])
if counts != [6, 6]:
    fail("classes: %r, want two of 6" % counts)
meds = sorted(n["stages"]["asr"].get("median", 0) for n in s["nodes"])
p = s["policies"][0]
if p["preset"] != "lingua-2026-01-19" or p.get("dispatch_timeout_s") != 20:
    fail("policy %r: the log shows 467aee4's lines and a 20 s timeout" % p)
# the fast nodes abort a cancelled job (its failure is logged), the slow ones
# keep working (their late results are logged)
if [n.get("on_cancel") for n in s["nodes"]] != ["abort_by_job_id", "ignore"]:
    fail("on_cancel: %r" % [n.get("on_cancel") for n in s["nodes"]])
fast, slow = (n["stages"]["asr"] for n in s["nodes"])
if fast["dist"] != "lognormal" or abs(fast["median"] - 5) > 0.5 or abs(fast["sigma"] - 0.5) > 0.05:
    fail("fast class: %r, the truth lognormal(5, 0.5)" % fast)
mean = {"gamma": lambda d: d["shape"] * d["scale"],
        "lognormal": lambda d: d["median"] * 2.718281828 ** (d["sigma"] ** 2 / 2),
        "weibull": lambda d: d["scale"] * 0.9}[slow["dist"]](slow)
if abs(mean - 15) > 1.5:
    fail("slow class: %r, mean %.2f, the truth gamma(6, 2.5), mean 15" % (slow, mean))
print("two speeds:", [(n["count"], n["stages"]["asr"]) for n in s["nodes"]])
PY

# --- serial nodes: service times, not turnarounds -------------------------------------------
# one worker behind 4 slots: a turnaround is a wait plus a lognormal(2, 0.5)
# service; --serial-nodes takes the waits out (S = D - max(A, previous D))
python3 - "$world" "$tmp/ser.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = s["nodes"][0]
n.update(workers=1, count=6)
n["stages"]["asr"] = {"dist": "lognormal", "median": 2, "sigma": 0.5}
json.dump(s, open(sys.argv[2], "w"))
PY
"$dsim" run "$tmp/ser.json" --replications 1 --log "$tmp/ser.jsonl" --log-format lingua > /dev/null
"$dsim" fit "$tmp/ser.jsonl" -o "$tmp/ser-fit.json" --report --serial-nodes > "$tmp/ser.txt"
"$dsim" fit "$tmp/ser.jsonl" -o "$tmp/ser-plain.json" --report > "$tmp/ser-plain.txt"
"$dsim" run "$tmp/ser.json" --format json > "$tmp/ser-o.json"
"$dsim" run "$tmp/ser-fit.json" --format json > "$tmp/ser-f.json"
python3 - "$tmp/ser.txt" "$tmp/ser-plain.txt" "$tmp/ser-fit.json" <<'PY'
import json, re, sys
r, plain = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
s = json.load(open(sys.argv[3]))
def fail(m):
    print("FAIL: serial nodes:", m, r); sys.exit(1)
if "0 results out of FIFO order" not in r:
    fail("a serial node's results came out of order")
m = re.search(r"lognormal median (\S+) \+- (\S+) sigma (\S+) \+- (\S+), AIC", r)
med, se_m, sig, se_s = map(float, m.groups())
if abs(med - 2) > 3 * se_m or abs(sig - 0.5) > 3 * se_s:
    fail("median %g +- %g, sigma %g +- %g: the truth is 2, 0.5" % (med, se_m, sig, se_s))
if [(n["count"], n["workers"]) for n in s["nodes"]] != [(6, 1)]:
    fail("nodes %r: want one class of 6 with 1 worker" % s["nodes"])
pm = float(re.search(r"lognormal median (\S+)", plain).group(1))
print("serial nodes: service median %.3f +- %.3f, sigma %.4f +- %.4f (truth 2, 0.5); "
      "the turnaround's median %.3f" % (med, se_m, sig, se_s, pm))
if pm < 2.5:
    fail("without --serial-nodes the waits are in the fit: its median should be well above 2")
PY
python3 "$tmp/agree.py" "$tmp/ser-o.json" "$tmp/ser-f.json"

# the incident's day (one worker, ignored cancels, failovers back to the same
# node, late results): the reference's lines, which name a late result's node
# but not always its attempt, give the same service times as dsim's records,
# which name the attempt, and no result out of first-come-first-served order
jq '.policies |= map(select(.name == "lingua-2025-12-28")) | del(.expect, .sweep)' \
  "$src/scenarios/incident-2025-12-30.json" > "$tmp/day.json"
"$dsim" run "$tmp/day.json" --replications 1 --log "$tmp/day.jsonl" --log-format lingua > /dev/null
"$dsim" run "$tmp/day.json" --replications 1 --log "$tmp/day-own.jsonl" > /dev/null
"$dsim" fit "$tmp/day.jsonl" -o "$tmp/day-l.json" --serial-nodes --report > "$tmp/day-l.txt"
"$dsim" fit "$tmp/day-own.jsonl" -o "$tmp/day-d.json" --serial-nodes --report > "$tmp/day-d.txt"
grep '0 results out of FIFO order' "$tmp/day-l.txt" > /dev/null || fail "incident day: $(cat "$tmp/day-l.txt")"
python3 - "$tmp/day-l.json" "$tmp/day-d.json" <<'PY'
import json, sys
a, b = ([n["stages"]["asr"] for n in json.load(open(p))["nodes"]] for p in sys.argv[1:3])
if a != b:
    print("FAIL: incident day: service times from the reference's lines %r, from dsim's %r"
          % (a, b)); sys.exit(1)
PY

# --- no family fits: the empirical fallback --------------------------------------------------
# 15 % of attempts stall 14-30 s more: two modes, no unimodal family near the
# Kaplan-Meier estimate; the Kaplan-Meier quantiles run like the original
python3 - "$world" "$tmp/stall.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = s["nodes"][0]
n["stages"]["asr"] = {"dist": "lognormal", "median": 4, "sigma": 0.3}
n["faults"] = {"stall": {"prob": 0.15, "extra_s": {"dist": "uniform", "min": 14, "max": 30}}}
json.dump(s, open(sys.argv[2], "w"))
PY
"$dsim" run "$tmp/stall.json" --replications 1 --log "$tmp/st.jsonl" --log-format lingua > /dev/null
"$dsim" fit "$tmp/st.jsonl" -o "$tmp/st-fit.json" --report > "$tmp/st.txt"
grep 'no family within the bound: the empirical distribution of 200' "$tmp/st.txt" > /dev/null ||
  fail "stalls: $(cat "$tmp/st.txt")"
"$dsim" run "$tmp/stall.json" --format json > "$tmp/so.json"
"$dsim" run "$tmp/st-fit.json" --format json > "$tmp/sf.json"
python3 - "$tmp/st-fit.json" "$tmp/so.json" "$tmp/sf.json" <<'PY'
import json, math, sys
asr = json.load(open(sys.argv[1]))["nodes"][0]["stages"]["asr"]
if asr["dist"] != "empirical" or len(asr["samples"]) != 200:
    print("FAIL: stalls: %r" % asr); sys.exit(1)
o, f = (json.load(open(p))["policies"][0]["metrics"] for p in sys.argv[2:4])
for k in ("delivered", "latency_s.p50", "latency_s.p90", "latency_s.p99"):
    diff = f[k]["mean"] - o[k]["mean"]
    tol = max(2 * math.hypot(o[k]["ci95"], f[k]["ci95"]), 0.02 * abs(o[k]["mean"]))
    print("stalls %-13s original %8.3f  fitted %8.3f  tolerance %6.3f" % (k, o[k]["mean"], f[k]["mean"], tol))
    if abs(diff) > tol:
        sys.exit(1)
PY

# --- bad input --------------------------------------------------------------------------------
set +e
"$dsim" fit "$tmp/l1.jsonl" > /dev/null 2> "$tmp/e1"; rc1=$?
printf '{"timestamp":"2025-12-30T00:00:00Z","fields":{"message":"x"}}\nnot json\n' > "$tmp/bad.jsonl"
"$dsim" fit "$tmp/bad.jsonl" -o "$tmp/bad.json" 2> "$tmp/e2"; rc2=$?
printf '{"timestamp":"2025-12-30T00:00:00Z","level":"INFO","fields":{"message":"hello"}}\n' > "$tmp/empty.jsonl"
"$dsim" fit "$tmp/empty.jsonl" -o "$tmp/empty.json" 2> "$tmp/e3"; rc3=$?
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/no/such/dir/x.json" 2> "$tmp/e4"; rc4=$?
set -e
[ $rc1 = 2 ] && grep 'missing -o' "$tmp/e1" > /dev/null || fail "no -o: rc $rc1 $(cat "$tmp/e1")"
[ $rc2 = 2 ] && grep 'bad.jsonl:2:[0-9]*: not JSON' "$tmp/e2" > /dev/null || fail "bad line: rc $rc2 $(cat "$tmp/e2")"
[ $rc3 = 2 ] && grep 'no utterance' "$tmp/e3" > /dev/null || fail "empty: rc $rc3 $(cat "$tmp/e3")"
[ $rc4 = 2 ] && grep -F "$tmp/no/such/dir/x.json: not written" "$tmp/e4" > /dev/null ||
    fail "unwritable output: rc $rc4, the -o path not named: $(cat "$tmp/e4")"
# a pretty-printed file: the error says a log is one object per line
printf '{\n  "timestamp": "2025-12-30T00:00:00Z"\n}\n' > "$tmp/pretty.json"
set +e
"$dsim" fit "$tmp/pretty.json" -o "$tmp/pretty-out.json" 2> "$tmp/e6"; rc6=$?
set -e
[ $rc6 = 2 ] && grep -F 'pretty.json:1:' "$tmp/e6" | grep -F 'one JSON object per line' > /dev/null ||
    fail "pretty-printed log: rc $rc6 $(cat "$tmp/e6")"
# the scenario cannot be written (a folder has its name), the trace could: neither stays
mkdir "$tmp/taken.json"
set +e
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/taken.json" 2> "$tmp/e5"; rc5=$?
set -e
[ $rc5 = 2 ] && [ ! -e "$tmp/taken.trace.csv" ] || fail "scenario unwritable: rc $rc5, $(ls "$tmp" | grep taken)"
# a session id a trace row cannot carry (a comma) becomes fit-session-N
sid=$(grep -m1 -o '"session_id":"s-[0-9A-F]*"' "$tmp/l1.jsonl" | cut -d'"' -f4)
sed "s/$sid/s,odd/g" "$tmp/l1.jsonl" > "$tmp/odd.jsonl"
"$dsim" fit "$tmp/odd.jsonl" -o "$tmp/odd.json" 2> /dev/null || fail "a comma in a session id"
"$dsim" validate "$tmp/odd.json" > /dev/null || fail "odd session id: the scenario does not load"
grep '^fit-session-[0-9]*,0,' "$tmp/odd.trace.csv" > /dev/null || fail "odd session id not renamed"
# a log whose name is not UTF-8 and a scenario whose name has spaces; a
# scenario whose name is not UTF-8 cannot name its trace in JSON: refused
cp "$tmp/l1.jsonl" "$tmp/l"$'\xff'" 1.jsonl"
"$dsim" fit "$tmp/l"$'\xff'" 1.jsonl" -o "$tmp/f x.json" 2> /dev/null || fail "odd file names"
"$dsim" validate "$tmp/f x.json" > /dev/null || fail "odd file names: the scenario does not load"
set +e
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/f"$'\xfe'".json" 2> "$tmp/e6"; rc6=$?
set -e
[ $rc6 = 2 ] && grep 'expected a file name in UTF-8' "$tmp/e6" > /dev/null || fail "non-UTF-8 -o: rc $rc6"
[ ! -e "$tmp/f"$'\xfe'".trace.csv" ] || fail "non-UTF-8 -o: a trace was written"
for x in bad.json bad.trace.csv empty.json empty.trace.csv; do
  [ ! -e "$tmp/$x" ] || fail "$x written after an error"
done

# --- too few results, and degenerate fits ---------------------------------------------------
# (dsim-format logs made here: one node, each attempt's duration given)
cat > "$tmp/mk.py" <<'PY'
import json, sys
def rec(t, ev, job, idx):
    return json.dumps({"t": t, "policy": "lingua-2025-12-28", "replication": 0, "event": ev,
                       "job_id": "job-%08X" % job, "attempt_id": 1, "session": 0,
                       "utterance_index": idx, "node": 0, "failover_attempts": 0,
                       "elapsed_ms": 0, "ack_timeout_ms": 5000})
name, durs = sys.argv[1], [float(x) for x in sys.argv[2:]]
L = []
for k, d in enumerate(durs):
    t = 1.0 + 4 * k
    L += [rec(t, "job_created", k + 1, k), rec(t, "job_dispatched", k + 1, k),
          rec(t + d, "result_accepted", k + 1, k)]
open(name, "w").write("\n".join(L) + "\n")
PY
# 9 results: below the 10 a fit needs (exit 2, the class named, nothing written);
# 10 are fitted
python3 "$tmp/mk.py" "$tmp/nine.jsonl" 1 2 3 1.5 2.5 1.2 1.7 2.2 0.9
python3 "$tmp/mk.py" "$tmp/ten.jsonl" 1 2 3 1.5 2.5 1.2 1.7 2.2 0.9 1.1
set +e
"$dsim" fit "$tmp/nine.jsonl" -o "$tmp/nine.json" 2> "$tmp/e7"; rc7=$?
set -e
[ $rc7 = 2 ] && grep -F 'nine.jsonl: class-1 (1 node: node 0): 9 attempts with a result, fewer than the 10 a fit needs' "$tmp/e7" > /dev/null ||
    fail "9 results: rc $rc7 $(cat "$tmp/e7")"
[ ! -e "$tmp/nine.json" ] && [ ! -e "$tmp/nine.trace.csv" ] || fail "9 results: a file was written"
"$dsim" fit "$tmp/ten.jsonl" -o "$tmp/ten.json" --report > "$tmp/ten.txt" || fail "10 results: not fitted"
grep -F '[chosen]' "$tmp/ten.txt" > /dev/null || fail "10 results: no family chosen: $(cat "$tmp/ten.txt")"
# 30 tied durations (whole-second timestamps do that): every family's optimum is
# degenerate (a Weibull shape of 1.8e308) or does not converge; none is chosen
# and the class gets the empirical distribution, which loads
python3 "$tmp/mk.py" "$tmp/tie.jsonl" $(printf '1 %.0s' $(seq 30))
"$dsim" fit "$tmp/tie.jsonl" -o "$tmp/tie.json" --report > "$tmp/tie.txt" ||
    fail "tied durations: rc $?: $(cat "$tmp/tie.txt")"
grep -F 'weibull degenerate, not used: shape' "$tmp/tie.txt" > /dev/null || fail "tied: $(cat "$tmp/tie.txt")"
grep -F 'no family converged to a fit that is not degenerate: the empirical distribution' "$tmp/tie.txt" > /dev/null ||
    fail "tied: $(cat "$tmp/tie.txt")"
! grep -F '[chosen]' "$tmp/tie.txt" > /dev/null || fail "tied: a degenerate fit chosen: $(cat "$tmp/tie.txt")"
[ "$(jq -r '.nodes[0].stages.asr.dist' "$tmp/tie.json")" = empirical ] || fail "tied: not empirical"
"$dsim" validate "$tmp/tie.json" > /dev/null || fail "tied: the scenario does not load"

# --- the outputs: never a file that does not load, never a good pair replaced -------------
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/keep.json" 2> /dev/null || fail "keep.json: not fitted"
keep_sums() { md5sum "$tmp/keep.json" "$tmp/keep.trace.csv"; }
keep_sums > "$tmp/keep.md5"
# a logged dispatch timeout of 0, out of a scenario's range: refused (by the log's
# reader, exit 2, or by the load of the fitted scenario before anything is put
# in place, exit 3); the earlier pair stays as it was
python3 - "$tmp/l1.jsonl" "$tmp/dt0.jsonl" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    if "dispatched_timeout_seconds" in line:
        o = json.loads(line); o["fields"]["dispatched_timeout_seconds"] = 0
        line = json.dumps(o, ensure_ascii=False) + "\n"
    out.append(line)
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
grep -q '"dispatched_timeout_seconds":0' <(tr -d ' ' < "$tmp/dt0.jsonl") || fail "dt0.jsonl: no timeout line edited"
set +e
"$dsim" fit "$tmp/dt0.jsonl" -o "$tmp/keep.json" 2> "$tmp/e8"; rc8=$?
set -e
{ [ $rc8 = 2 ] || [ $rc8 = 3 ]; } || fail "dispatch timeout 0: rc $rc8 $(cat "$tmp/e8")"
[ "$(keep_sums)" = "$(cat "$tmp/keep.md5")" ] || fail "dispatch timeout 0: the earlier keep.json/keep.trace.csv replaced"
# two formats in one log (times since 1970 and since a run's start): no trace
# can hold them (or the reader refuses the mix), exit 2 before anything is written
cat "$tmp/l1.jsonl" "$tmp/own.jsonl" > "$tmp/mixed.jsonl"
set +e
"$dsim" fit "$tmp/mixed.jsonl" -o "$tmp/keep.json" 2> "$tmp/e9"; rc9=$?
set -e
[ $rc9 = 2 ] || fail "mixed formats: rc $rc9 $(cat "$tmp/e9")"
[ "$(keep_sums)" = "$(cat "$tmp/keep.md5")" ] || fail "mixed formats: the earlier pair replaced"
# an output that names an input log, the scenario or its trace: exit 2, the log kept
cp "$tmp/l1.jsonl" "$tmp/self.jsonl"
cp "$tmp/l1.jsonl" "$tmp/selft.trace.csv"
set +e
"$dsim" fit "$tmp/self.jsonl" -o "$tmp/self.jsonl" 2> "$tmp/e10"; rc10=$?
"$dsim" fit "$tmp/l1.jsonl" "$tmp/selft.trace.csv" -o "$tmp/selft.json" 2> "$tmp/e11"; rc11=$?
set -e
[ $rc10 = 2 ] && grep -F 'self.jsonl: -o is the input log' "$tmp/e10" > /dev/null ||
    fail "-o LOG: rc $rc10 $(cat "$tmp/e10")"
[ $rc11 = 2 ] && grep -F 'selft.trace.csv: the trace of -o' "$tmp/e11" > /dev/null ||
    fail "trace = LOG: rc $rc11 $(cat "$tmp/e11")"
cmp -s "$tmp/self.jsonl" "$tmp/l1.jsonl" && cmp -s "$tmp/selft.trace.csv" "$tmp/l1.jsonl" ||
    fail "an input log was overwritten"
[ ! -e "$tmp/self.jsonl.trace.csv" ] && [ ! -e "$tmp/selft.json" ] || fail "-o LOG: a file was written"
# a scenario path that is a folder: refused before anything is written, so the
# trace already beside it is kept
mkdir "$tmp/dirout.json"
echo precious > "$tmp/dirout.trace.csv"
set +e
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/dirout.json" 2> "$tmp/e12"; rc12=$?
set -e
[ $rc12 = 2 ] && grep -F 'dirout.json: cannot write -o: it is a directory' "$tmp/e12" > /dev/null ||
    fail "-o DIR: rc $rc12 $(cat "$tmp/e12")"
[ "$(cat "$tmp/dirout.trace.csv")" = precious ] || fail "-o DIR: the trace beside it was removed"
ls "$tmp" | grep -E '\.(tmp|old)\.[0-9]+$' > /dev/null && fail "temporaries left: $(ls "$tmp" | grep -E '\.(tmp|old)\.')"
# heartbeats that do not report running_jobs: n/a, not an average of 0
sed 's/,\\"resource_usage\\":{\\"running_jobs\\":[0-9]*}//' "$tmp/l1.jsonl" > "$tmp/nobeat.jsonl"
cmp -s "$tmp/nobeat.jsonl" "$tmp/l1.jsonl" && fail "no running_jobs: the edit changed nothing"
"$dsim" fit "$tmp/nobeat.jsonl" -o "$tmp/nobeat.json" --report > "$tmp/nobeat.txt"
grep -E 'heartbeats, running_jobs n/a' "$tmp/nobeat.txt" > /dev/null ||
    fail "no running_jobs: $(grep heartbeats "$tmp/nobeat.txt")"
grep -E 'heartbeats, running_jobs [0-9.]+ on average' "$tmp/r1.txt" > /dev/null ||
    fail "running_jobs: $(grep heartbeats "$tmp/r1.txt")"
# --- D F2: a cluster of 120 nodes: the description names a few ids of a class (the
# report all of them), stays within the 4096 bytes a scenario's description holds,
# and the fitted scenario loads
jq '.nodes[0].count = 120 | .workload.sessions = 40 | .name = "fw120"' "$world" > "$tmp/fw120.json"
"$dsim" run "$tmp/fw120.json" --replications 1 --log "$tmp/fw120.jsonl" --log-format lingua -q > /dev/null
"$dsim" fit "$tmp/fw120.jsonl" -o "$tmp/fw120-fit.json" -q || fail "fit of 120 nodes: rc $?"
"$dsim" validate "$tmp/fw120-fit.json" > /dev/null || fail "120 nodes: the fitted scenario does not load"
n_nodes=$(jq '[.nodes[].count] | add' "$tmp/fw120-fit.json")
[ "$n_nodes" = 120 ] || fail "120 nodes: the classes hold $n_nodes"
jq -r .description "$tmp/fw120-fit.json" | grep -qE 'class-1 \([0-9]+ nodes: node-[0-9A-F]{8} node-[0-9A-F]{8} node-[0-9A-F]{8} \.\.\. \([0-9]+ more\)\)' ||
    fail "120 nodes: the description's ids: $(jq -r .description "$tmp/fw120-fit.json" | grep -o 'class-1 ([^)]*)')"
"$dsim" fit "$tmp/fw120.jsonl" -o "$tmp/fw120-fit.json" --report > "$tmp/fw120.txt"
[ "$(grep -o 'node-[0-9A-F]\{8\}' "$tmp/fw120.txt" | sort -u | wc -l)" = 120 ] ||
    fail "120 nodes: the report does not name every node"
# many pieces under long names: the description is cut at 4096 bytes and says so
long=$(printf 'p%.0s' $(seq 200))
split -n l/24 -d "$tmp/fw120.jsonl" "$tmp/$long."
"$dsim" fit "$tmp/$long".* -o "$tmp/pieces.json" -q || fail "fit of 24 pieces with long names"
"$dsim" validate "$tmp/pieces.json" > /dev/null || fail "24 pieces: the fitted scenario does not load"
desc=$(jq -r .description "$tmp/pieces.json")
[ "$(printf '%s' "$desc" | wc -c)" -le 4096 ] && printf '%s' "$desc" | grep -q ' \.\.\. (cut at the 4096 bytes a description holds: dsim fit --report prints every class and the policy)$' ||
    fail "24 pieces: the description ($(printf '%s' "$desc" | wc -c) bytes) not cut: ${desc: -200}"

# --- D F3: --replications at most what a scenario holds without flags ------------------
set +e
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/reps.json" --replications 10001 2> "$tmp/e7"; rc7=$?
set -e
[ $rc7 = 2 ] && grep -qF -- "--replications: expected an integer 1..10000, got '10001'" "$tmp/e7" &&
    [ ! -e "$tmp/reps.json" ] || fail "--replications 10001: rc $rc7 $(cat "$tmp/e7")"
"$dsim" fit "$tmp/l1.jsonl" -o "$tmp/reps.json" --replications 10000 -q || fail "--replications 10000"
[ "$(jq .replications "$tmp/reps.json")" = 10000 ] || fail "--replications 10000 not written"

# --- D F7: 10001 sessions, one of 10001 utterances: the trace would need more than the
# 1e8 default --max-utterances (sessions x the longest): exit 2 naming it, not exit 3
python3 - "$tmp/l1.jsonl" "$tmp/longsess.jsonl" << 'PY'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
msg = lambda d: d.get('fields', {}).get('message', '')
reg = next(d for d in L if msg(d) == 'Node registered successfully')
fin = next(d for d in L if msg(d).startswith('Finalizing'))
jc = next(d for d in L if msg(d).startswith('Job created') and 'Some' in d['fields']['node_id'])
res = next(d for d in L if msg(d).startswith('Received JobResult, adding'))
def ts(t):
    s = int(t); ms = round((t - s) * 1000)
    return '2025-12-30T%02d:%02d:%02d.%03dZ' % (s // 3600, s % 3600 // 60, s % 60, ms)
out = open(sys.argv[2], 'w', encoding='utf-8')
W = lambda d: out.write(json.dumps(d, ensure_ascii=False, separators=(',', ':')) + '\n')
reg = dict(reg); reg['timestamp'] = ts(0.5); W(reg)
events = [('s-LONG0001', i) for i in range(10001)] + [('s-%08X' % (0x20000000 + s), 0) for s in range(10000)]
t = 1.0
for n, (sess, idx) in enumerate(events):
    t += 0.5
    f = json.loads(json.dumps(fin)); f['timestamp'] = ts(t)
    f['fields']['session_id'] = sess; f['fields']['utterance_index'] = idx; W(f)
    if n < 40:
        j = json.loads(json.dumps(jc)); j['timestamp'] = ts(t)
        j['fields']['job_id'] = 'job-%08X' % (0x30000000 + n); W(j)
        r = json.loads(json.dumps(res)); r['timestamp'] = ts(t + 0.1 + 0.005 * n)
        r['fields'].update(job_id=j['fields']['job_id'], session_id=sess, utterance_index=idx); W(r)
PY
set +e
"$dsim" fit "$tmp/longsess.jsonl" -o "$tmp/ls-fit.json" 2> "$tmp/e8"; rc8=$?
set -e
[ $rc8 = 2 ] && grep -qF "longsess.jsonl: 10001 sessions x 10001 utterances of the longest = 100020001, more than the 100000000 a trace may ask for by default (--max-utterances" "$tmp/e8" &&
    ! grep -q '\.tmp' "$tmp/e8" && [ ! -e "$tmp/ls-fit.json" ] && [ ! -e "$tmp/ls-fit.trace.csv" ] ||
    fail "sessions x the longest over the limit: rc $rc8 $(cat "$tmp/e8")"
echo "ok: dsim fit round trip"
