#!/usr/bin/env bash
# cli_names.sh DSIM SOURCE_DIR — a policy name with a quote, a backslash and a
# comma (a"b\c,d) keeps every output valid: each JSON line parses and carries the
# name back, each CSV reads with a CSV parser into the right columns, JUnit is
# XML, TAP names it escaped. And every --trace record says which policy and
# replication it belongs to, with time going forward within each run.
set -u
DSIM=$1
SRC=$2
DATA=$SRC/tests/data
. "$SRC/tests/cli_lib.sh" cli-names
NAME='a"b\c,d'

# tiny.json with its first policy renamed to a"b\c,d (JSON: "a\"b\\c,d").
sed 's/"name": "reference"/"name": "a\\"b\\\\c,d"/' "$DATA/tiny.json" >"$TMP/names.json"
grep -qF '"name": "a\"b\\c,d"' "$TMP/names.json" || { echo "FAIL: sed did not rename"; exit 1; }

"$DSIM" run "$TMP/names.json" --format csv --log "$TMP/log.jsonl" --trace "$TMP/trace.jsonl" \
    --latencies "$TMP/lat.csv" --out "$TMP/out" >"$TMP/run.csv" 2>"$TMP/err" ||
    fail "run: exit $?: $(cat "$TMP/err")"

# jsonl_check FILE WHAT: the first line is dsim's version record, every other
# line a JSON object with the policy and the replication; both policies appear;
# the renamed one has its name intact.
jsonl_check() {
    head -1 "$1" | jq -e 'keys == ["dsim_version", "schema_version", "stream"]' >/dev/null ||
        fail "$2: no version record first: $(head -c 300 "$1")"
    tail -n +2 "$1" >"$TMP/records"
    jq -c 'select((.policy|type) != "string" or (.replication|type) != "number")' "$TMP/records" \
        >"$TMP/bad" 2>&1 || fail "$2: not JSON lines: $(head -c 300 "$TMP/bad")"
    [ -s "$TMP/bad" ] && fail "$2: a record without policy and replication: $(head -c 300 "$TMP/bad")"
    jq -e -s --arg n "$NAME" 'map(.policy) | unique == ([$n, "fenced"] | sort)' "$TMP/records" >/dev/null ||
        fail "$2: policies are $(jq -s -c 'map(.policy) | unique' "$TMP/records" 2>&1 | head -c 300)"
    [ "$(wc -l <"$1")" -gt 10 ] || fail "$2: only $(wc -l <"$1") lines"
}
jsonl_check "$TMP/log.jsonl" "--log"
jsonl_check "$TMP/trace.jsonl" "--trace"

# Trace: both replications of both policies; time never goes backwards in a run.
jq -e -s 'map(select(.policy)) | map([.policy, .replication]) | unique | length == 4' "$TMP/trace.jsonl" >/dev/null ||
    fail "--trace: expected 2 policies x 2 replications"
jq -e -s 'map(select(.policy)) | group_by([.policy, .replication]) | all(map(.t) as $t | $t == ($t | sort))' \
    "$TMP/trace.jsonl" >/dev/null || fail "--trace: time goes backwards within a run"

# CSVs, read by Python's csv module: the name comes back in the first column and
# every row has as many fields as the header.
csv_check() {
    python3 - "$1" "$NAME" "$2" <<'EOF' || fail "$3"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
assert head[0] == "policy" or sys.argv[3] == "sweep", head
assert all(len(r) == len(head) for r in body), [r for r in body if len(r) != len(head)][:1]
col = head.index("policy")
names = {r[col] for r in body}
assert names == {sys.argv[2], "fenced"}, names
EOF
}
csv_check "$TMP/lat.csv" run "--latencies: not a CSV with the name intact"
csv_check "$TMP/run.csv" run "--format csv: not a CSV with the name intact"
csv_check "$TMP/out/results.csv" run "--out results.csv: not a CSV with the name intact"
jq -e --arg n "$NAME" '[.policies[].name] == [$n, "fenced"] and .baseline == $n' \
    "$TMP/out/results.json" >/dev/null || fail "--out results.json: names not intact"
grep -qF "$NAME" "$TMP/out/table.txt" || fail "--out table.txt: the name is missing"

# Sweep CSV and JSON.
"$DSIM" sweep "$TMP/names.json" --param 'nodes[0].count=1,2' --replications 1 --out "$TMP/sweep" \
    >/dev/null 2>"$TMP/err" || fail "sweep: exit $?: $(cat "$TMP/err")"
csv_check "$TMP/sweep/sweep.csv" sweep "sweep.csv: not a CSV with the name intact"
jq -e --arg n "$NAME" '.baseline == $n' "$TMP/sweep/sweep.json" >/dev/null ||
    fail "sweep.json: the name is not intact"

# check: JUnit is XML naming the policy; TAP carries it (its description escapes \).
"$DSIM" check "$TMP/names.json" --junit "$TMP/report.xml" --tap >"$TMP/tap" 2>"$TMP/err" ||
    fail "check: exit $?: $(cat "$TMP/err")"
python3 - "$TMP/report.xml" "$NAME" <<'EOF' || fail "junit: not XML with the name intact"
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
assert any(sys.argv[2] in c.get("name") for c in cases)
EOF
grep -qF 'a"b\\c,d' "$TMP/tap" || fail "tap: the name (backslash escaped) is missing: $(head -5 "$TMP/tap")"

# A name with a control character (newline, tab) is refused at load time, with the
# JSON path named: every output then shows a name on one line (table, check lines).
sed 's/"name": "reference"/"name": "x\\ny\\tz"/' "$DATA/tiny.json" >"$TMP/ctl.json"
rc=0; "$DSIM" run "$TMP/ctl.json" >"$TMP/ctl.txt" 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] || fail "a name with a newline: exit $rc, expected 2"
grep -q 'policies\[0\]\.name: expected a name without control characters' "$TMP/err" ||
    fail "a name with a newline: message does not name the field: $(cat "$TMP/err")"
[ ! -s "$TMP/ctl.txt" ] || fail "a refused scenario printed a table"

cli_finish "cli_names: all checks passed"
