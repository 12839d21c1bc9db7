#!/usr/bin/env bash
# cli_contract.sh DSIM SOURCE_DIR — dsim's outputs as a versioned data contract
# (README "Outputs: a versioned data contract"):
# 1. results.json (dsim run --out, --format json) and sweep.json (a sweep, its
#    shards, a shard of replication ranges, their merge) of real runs validate
#    against schema/results.schema.json and schema/sweep.schema.json
#    (python3-jsonschema), and mutated copies are refused, so the check can fail;
# 2. every output carries dsim_version and schema_version: the CSVs as their two
#    last columns on every row, dsim's log and trace as a first record, the
#    timeline in otherData, JUnit as suite properties; the lingua log has none;
# 3. results-long.csv holds every value of results.json, one row each;
# 4. `dsim check --junit` validates against the Jenkins xUnit JUnit schema
#    (tests/data/junit-jenkins.xsd, xmllint), a testcase with a file attribute
#    is refused, every suite has a measured time;
# 5. one name, ci95, for the CI half-width in every output;
# 6. README's scenario example loads.
set -u
DSIM=$1
SRC=$2
DATA=$SRC/tests/data
. "$SRC/tests/cli_lib.sh" cli-contract

PY=
for py in /usr/bin/python3 python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then PY=$py; break; fi
done
[ -n "$PY" ] || { echo "FAIL: no python3 with the jsonschema module (apt-get install python3-jsonschema)"; exit 1; }
command -v xmllint >/dev/null || { echo "FAIL: no xmllint (apt-get install libxml2-utils)"; exit 1; }
V=$("$DSIM" --version | cut -d' ' -f2)
validate() { # validate KIND FILE... : valid, or fail with the problems
    "$PY" "$SRC/tests/validate_outputs.py" "$SRC/schema" "$@" >"$TMP/v.out" 2>&1 ||
        { fail "$1 schema: $(head -c 600 "$TMP/v.out")"; }
}
refused() { # refused KIND FILE WHAT : the validator must say no
    "$PY" "$SRC/tests/validate_outputs.py" "$SRC/schema" "$1" "$2" >"$TMP/v.out" 2>&1
    [ $? = 1 ] || fail "$1 schema accepts a mutation ($3): $(head -c 300 "$TMP/v.out")"
}

# --- 1. JSON Schemas, real outputs ------------------------------------------
"$DSIM" run "$DATA/tiny.json" --out "$TMP/run" --log "$TMP/log.jsonl" --trace "$TMP/trace.jsonl" \
    --latencies "$TMP/lat.csv" --timeline "$TMP/tl.json" >/dev/null 2>"$TMP/err" ||
    fail "run --out: exit $?: $(cat "$TMP/err")"
"$DSIM" run "$SRC/scenarios/incident-2025-12-30.json" --replications 2 --format json >"$TMP/incident.json" ||
    fail "run --format json: exit $?"
validate results "$TMP/run/results.json" "$TMP/incident.json"
"$DSIM" run "$DATA/nothing-delivered.json" --replications 1 --format json >"$TMP/nothing.json" 2>/dev/null
validate results "$TMP/nothing.json" # nulls where nothing was measured, n 0

P=policies.fenced.ack_timeout_s
"$DSIM" sweep "$DATA/tiny.json" --param $P=5,10,20 --jobs 1 --out "$TMP/sw" >/dev/null 2>&1 ||
    fail "sweep: exit $?"
for i in 1 2; do
    "$DSIM" sweep "$DATA/tiny.json" --param $P=5,10,20 --jobs 1 --shard $i/2 --out "$TMP/sh" >/dev/null 2>&1 ||
        fail "sweep --shard $i/2: exit $?"
    # one point on two shards: replication ranges ("parts")
    "$DSIM" sweep "$DATA/tiny.json" --param $P=5 --jobs 1 --shard $i/2 --out "$TMP/rg" >/dev/null 2>&1 ||
        fail "sweep (ranges) --shard $i/2: exit $?"
done
"$DSIM" merge "$TMP"/sh/sweep-{1,2}-of-2.csv -o "$TMP/sh/sweep.csv" --json "$TMP/sh/sweep.json" ||
    fail "merge: exit $?"
"$DSIM" merge "$TMP"/rg/sweep-{1,2}-of-2.csv -o "$TMP/rg/sweep.csv" --json "$TMP/rg/sweep.json" ||
    fail "merge (ranges): exit $?"
jq -e '.parts | length > 0' "$TMP/rg/sweep-1-of-2.json" >/dev/null || fail "no shard of replication ranges"
validate sweep "$TMP/sw/sweep.json" "$TMP"/sh/sweep-{1,2}-of-2.json "$TMP/sh/sweep.json" \
    "$TMP"/rg/sweep-{1,2}-of-2.json "$TMP/rg/sweep.json"
cmp -s "$TMP/sw/sweep.json" "$TMP/sh/sweep.json" || fail "merged sweep.json differs from the unsharded one"

# ... and mutations of them are refused
R=$TMP/run/results.json
mutate() { jq "$2" "$1" >"$TMP/m.json"; }
mutate "$R" 'del(.dsim_version)';                      refused results "$TMP/m.json" "no dsim_version"
mutate "$R" '.schema_version = 1';                     refused results "$TMP/m.json" "schema_version 1 (before upper_bound's unit)"
mutate "$R" '.dsim_version = "dev"';                   refused results "$TMP/m.json" "dsim_version not x.y.z"
mutate "$R" '.policies[0].metrics.lost.ci95 = -1';     refused results "$TMP/m.json" "negative ci95"
mutate "$R" '.policies[0].metrics.lost.half_width_95 = 1 | del(.policies[0].metrics.lost.ci95)'
refused results "$TMP/m.json" "ci95 under another name"
mutate "$R" 'del(.policies[0].metrics["latency_s.p99"])'; refused results "$TMP/m.json" "a metric missing"
mutate "$R" '.policies[1].paired_vs_baseline.lots = {"mean": 1, "ci95": 1}'
refused results "$TMP/m.json" "an unknown metric"
# a comparison says over how many pairs (paired) or values a side (unpaired)
mutate "$R" 'del(.policies[1].paired_vs_baseline.lost.n)'; refused results "$TMP/m.json" "a paired difference without n"
mutate "$R" 'del(.policies[1].unpaired_vs_baseline.lost.n_baseline)'
refused results "$TMP/m.json" "an unpaired difference without n_baseline"
jq -e --argjson r "$(jq .replications "$R")" '[.policies[1:][] | (.paired_vs_baseline, .unpaired_vs_baseline)[]
    | .n] | length > 0 and all(. == $r)' "$R" >/dev/null || fail "comparisons of tiny.json: n is not every replication"
mutate "$R" '.policies[0].metrics.lost.values[0] = "7"'; refused results "$TMP/m.json" "a value as a string"
mutate "$R" '.policies = []';                          refused results "$TMP/m.json" "no policies"
mutate "$TMP/sw/sweep.json" 'del(.points[0].policies[0].metrics.lost.n)'
refused sweep "$TMP/m.json" "a point's metric without n"
mutate "$TMP/sw/sweep.json" '.knobs = "x"';            refused sweep "$TMP/m.json" "knobs not a list"
mutate "$TMP/sh/sweep-1-of-2.json" '.shard.fingerprint = "XYZ"'
refused sweep "$TMP/m.json" "a bad shard fingerprint"

# --- 2. versions in every output ----------------------------------------------
# CSVs: the last two columns of every line are dsim_version,schema_version (V,2)
for f in "$TMP/run/results.csv" "$TMP/run/results-long.csv" "$TMP/lat.csv" "$TMP/sw/sweep.csv" \
    "$TMP/sh/sweep.csv"; do
    [ -s "$f" ] || { fail "$f: missing"; continue; }
    head -1 "$f" | grep -q ',dsim_version,schema_version$' || fail "$f: header $(head -c 100 "$f")"
    bad=$(tail -n +2 "$f" | grep -v '^#' | grep -cv ",$V,2\$")
    [ "$bad" = 0 ] || fail "$f: $bad rows without ,$V,2 at the end"
done
head -1 "$TMP/log.jsonl" | jq -e --arg v "$V" '. == {"dsim_version": $v, "schema_version": 2, "stream": "log"}' \
    >/dev/null || fail "log: first line $(head -1 "$TMP/log.jsonl")"
head -1 "$TMP/trace.jsonl" | jq -e --arg v "$V" '. == {"dsim_version": $v, "schema_version": 2, "stream": "trace"}' \
    >/dev/null || fail "trace: first line $(head -1 "$TMP/trace.jsonl")"
[ "$(grep -c dsim_version "$TMP/log.jsonl")" = 1 ] || fail "log: more than one version record"
jq -e --arg v "$V" '.otherData == {"dsim_version": $v, "schema_version": 2}' "$TMP/tl.json" >/dev/null ||
    fail "timeline: otherData $(jq -c .otherData "$TMP/tl.json")"
# the reference's lines stay the reference's: no header record in --log-format lingua
"$DSIM" run "$DATA/tiny.json" --replications 1 --log "$TMP/lingua.jsonl" --log-format lingua >/dev/null
grep -q dsim_version "$TMP/lingua.jsonl" && fail "lingua log: a dsim record among the reference's lines"
head -1 "$TMP/lingua.jsonl" | jq -e 'has("timestamp") and has("level") and has("fields")' >/dev/null ||
    fail "lingua log: first line $(head -1 "$TMP/lingua.jsonl")"
# tune and analyze JSON
"$DSIM" analyze "$TMP/log.jsonl" --format json | jq -e --arg v "$V" '.dsim_version == $v and .schema_version == 2 and .unrecognised == 0' \
    >/dev/null || fail "analyze --format json: no versions, or the version record counted"

# --- 3. the long CSV holds every value of results.json -------------------------
"$PY" - "$TMP/run/results.json" "$TMP/run/results-long.csv" <<'EOF' || fail "results-long.csv: see above"
import csv, json, sys
res = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
want = {}
for p in res["policies"]:
    for m, s in p["metrics"].items():
        for r, v in enumerate(s["values"]):
            want[(p["name"], str(r), m)] = v
got = {(row["policy"], row["replication"], row["metric"]): row["value"] for row in rows}
assert len(rows) == len(want) == len(got), (len(rows), len(want), len(got))
for k, v in want.items():
    g = got[k]
    if v is None:
        assert g == "", (k, g)
    else:
        assert abs(float(g) - v) <= 1e-9 * max(1.0, abs(v)), (k, g, v)
assert list(rows[0]) == ["policy", "replication", "metric", "value", "dsim_version", "schema_version"], list(rows[0])
EOF

# --- 4. JUnit against the Jenkins xUnit schema ---------------------------------
XSD=$DATA/junit-jenkins.xsd
printf '{"name": "x",\n  "seed": }\n' >"$TMP/broken.json"
"$DSIM" check "$DATA/failing.json" "$DATA/tiny.json" "$TMP/broken.json" "$TMP/missing.json" \
    --junit "$TMP/j.xml" >/dev/null 2>&1
[ $? = 2 ] || fail "check: expected exit 2 (errors)"
xmllint --noout --schema "$XSD" "$TMP/j.xml" >"$TMP/x.out" 2>&1 || fail "junit: $(head -c 600 "$TMP/x.out")"
"$DSIM" check "$SRC/scenarios/queueing-mm1k.json" --replications 2 --junit "$TMP/q.xml" >/dev/null 2>&1
xmllint --noout --schema "$XSD" "$TMP/q.xml" >"$TMP/x.out" 2>&1 || fail "junit (scenario): $(head -c 600 "$TMP/x.out")"
"$PY" - "$TMP/j.xml" "$V" <<'EOF' || fail "junit structure: see above"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
assert len(suites) == 4, len(suites)
total = 0.0
for s in suites:
    t = float(s.get("time"))  # measured, seconds
    assert t >= 0, s.attrib
    total += t
    props = {p.get("name"): p.get("value") for p in s.find("properties")}
    assert props == {"dsim_version": sys.argv[2], "schema_version": "2"}, props
    for c in s.findall("testcase"):
        assert "file" not in c.attrib, c.attrib
assert abs(float(root.get("time")) - total) < 0.0025, (root.get("time"), total)
EOF
# the schema can refuse: a testcase with a file attribute, a suite without tests
sed '0,/<testcase /s//<testcase file="x.json" /' "$TMP/j.xml" >"$TMP/bad1.xml"
xmllint --noout --schema "$XSD" "$TMP/bad1.xml" >/dev/null 2>&1 && fail "xsd accepts testcase@file"
sed '0,/<testsuite name="\([^"]*\)" tests="[0-9]*"/s//<testsuite name="\1"/' "$TMP/j.xml" >"$TMP/bad2.xml"
xmllint --noout --schema "$XSD" "$TMP/bad2.xml" >/dev/null 2>&1 && fail "xsd accepts a testsuite without tests"
sed '0,/ time="[0-9.]*"/s// time="soon"/' "$TMP/j.xml" >"$TMP/bad3.xml"
xmllint --noout --schema "$XSD" "$TMP/bad3.xml" >/dev/null 2>&1 && fail "xsd accepts time=\"soon\""

# --- 5. one name for the CI half-width -----------------------------------------
"$DSIM" check --tap "$DATA/failing.json" >"$TMP/tap" 2>&1
grep -q '^  ci95: ' "$TMP/tap" || fail "tap: no ci95 key"
"$DSIM" run "$DATA/tiny.json" >"$TMP/table" 2>&1
grep -q '(mean ± ci95, the 95% CI half-width)' "$TMP/table" || fail "table: header $(head -1 "$TMP/table")"
grep -q 'mean ± ci95 of the per-replication differences' "$TMP/table" || fail "table: paired header"
for f in $(grep -l 'half_width\|_hw\b' "$TMP/tap" "$TMP/j.xml" "$TMP/run/results.json" \
    "$TMP/run/results.csv" "$TMP/sw/sweep.csv" "$TMP/sw/sweep.json"); do
    fail "$f: another name for the half-width"
done
grep -q 'ci95 (95% CI half-width): ' "$TMP/j.xml" || fail "junit: the failure body does not say ci95"

# --- 6. README's scenario example loads ----------------------------------------
awk '/^## Scenario files/ {s = 1} s && /^```json$/ {j = 1; next} j && /^```$/ {exit} j {print}' \
    "$SRC/README.md" >"$TMP/readme-example.json"
[ -s "$TMP/readme-example.json" ] || fail "README: no JSON example under 'Scenario files'"
"$DSIM" validate "$TMP/readme-example.json" >/dev/null 2>"$TMP/err" ||
    fail "README's scenario example does not load: $(cat "$TMP/err")"

cli_finish "PASS: outputs validate against their schemas and carry their versions"
