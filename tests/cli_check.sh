#!/usr/bin/env bash
# cli_check.sh DSIM SOURCE_DIR — `dsim check` as CI sees it: lines, summary,
# exit codes, folders, JUnit XML, TAP, bad input.
set -u
DSIM=$1
SRC=$2
DATA=$SRC/tests/data
TMP=$(mktemp -d /tmp/dsim-cli-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}
# expect_rc WANT GOT WHAT
expect_rc() {
    [ "$2" = "$1" ] || fail "$3: exit $2, expected $1"
}
# has FILE TEXT WHAT: FILE contains the line TEXT exactly
has_line() {
    grep -qxF -- "$2" "$1" || { fail "$3: no line '$2' in:"; sed 's/^/    /' "$1"; }
}
# has_text FILE TEXT WHAT: FILE contains TEXT, once JUnit's measured time
# attributes (wall-clock, tests/cli_contract.sh checks them) are left out
has_text() {
    sed -E 's/ time="[0-9]+\.[0-9]{3}"//g' "$1" | grep -qF -- "$2" ||
        { fail "$3: no '$2' in:"; sed 's/^/    /' "$1"; }
}

# 1. A deliberately failing expectation: 2 sessions x 5 utterances = 10 per
#    replication, the file asks for at most 5 ("*": both policies) and for
#    exactly 10 (reference). Every replication has 10, so the CI is 0.
"$DSIM" check "$DATA/failing.json" >"$TMP/out" 2>"$TMP/err"
expect_rc 1 $? "failing.json"
has_line "$TMP/out" "FAIL reference utterances <= 5: 10 ± 0" "failing.json"
has_line "$TMP/out" "FAIL timeout-90s utterances <= 5: 10 ± 0" "failing.json"
has_line "$TMP/out" "PASS reference utterances == 10: 10 ± 0" "failing.json"
[ "$(tail -n 1 "$TMP/out")" = "1 passed, 2 failed, 0 errors" ] || fail "failing.json: last line is '$(tail -n 1 "$TMP/out")'"
[ "$(grep -c '^PASS \|^FAIL ' "$TMP/out")" = 3 ] || fail "failing.json: expected 3 PASS/FAIL lines"
[ -s "$TMP/err" ] && fail "failing.json: unexpected stderr: $(cat "$TMP/err")"

# 2. A passing scenario with a JUnit report: "*" x 2 metrics x 2 policies = 4.
"$DSIM" check "$DATA/tiny.json" --junit "$TMP/tiny.xml" >"$TMP/out" 2>"$TMP/err"
expect_rc 0 $? "tiny.json"
has_line "$TMP/out" "4 passed, 0 failed, 0 errors" "tiny.json"
has_line "$TMP/out" "PASS fenced utterances == 10: 10 ± 0" "tiny.json"
[ -f "$TMP/tiny.xml" ] || fail "tiny.json: no JUnit file"
has_text "$TMP/tiny.xml" '<testsuites name="dsim check" tests="4" failures="0" errors="0">' "tiny.xml"
has_text "$TMP/tiny.xml" "<testsuite name=\"tiny\" tests=\"4\" failures=\"0\" errors=\"0\" skipped=\"0\" file=\"$DATA/tiny.json\">" "tiny.xml"
[ "$(ls "$TMP")" = "$(printf 'err\nout\ntiny.xml')" ] || fail "tiny.json: stray files: $(ls "$TMP")"

# 3. The failures in JUnit carry the figures, escaped.
"$DSIM" check "$DATA/failing.json" --junit="$TMP/failing.xml" >/dev/null 2>&1
expect_rc 1 $? "failing.json --junit"
has_text "$TMP/failing.xml" '<testsuites name="dsim check" tests="3" failures="2" errors="0">' "failing.xml"
has_text "$TMP/failing.xml" '<failure message="timeout-90s utterances &lt;= 5: measured 10 ± 0 over 3 replications" type="expectation">' "failing.xml"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$TMP/failing.xml" <<'EOF' || fail "failing.xml: not well-formed or wrong structure"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites"
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["failing"], suites
cases = suites[0].findall("testcase")
assert len(cases) == 3
failed = [c.get("name") for c in cases if c.find("failure") is not None]
assert failed == ["reference utterances <= 5", "timeout-90s utterances <= 5"], failed
EOF
fi

# 4. TAP instead of the lines.
"$DSIM" check --tap "$DATA/failing.json" >"$TMP/tap" 2>&1
expect_rc 1 $? "--tap"
has_line "$TMP/tap" "TAP version 13" "--tap"
has_line "$TMP/tap" "not ok 1 - reference utterances <= 5: 10 ± 0" "--tap"
has_line "$TMP/tap" "ok 3 - reference utterances == 10: 10 ± 0" "--tap"
has_line "$TMP/tap" "1..3" "--tap"
has_line "$TMP/tap" '  expected: "<= 5"' "--tap"
grep -q '^PASS \|^FAIL ' "$TMP/tap" && fail "--tap: PASS/FAIL lines in TAP output"

# 5. A folder: every *.json but schema.json, sorted (failing before tiny).
mkdir "$TMP/dir"
cp "$DATA/tiny.json" "$DATA/failing.json" "$TMP/dir/"
echo 'not a scenario' >"$TMP/dir/schema.json"
echo 'not json either' >"$TMP/dir/notes.txt"
"$DSIM" check "$TMP/dir/" >"$TMP/out" 2>"$TMP/err"
expect_rc 1 $? "folder"
has_line "$TMP/out" "5 passed, 2 failed, 0 errors" "folder"
[ "$(grep -o '^== [a-z]*' "$TMP/out" | tr '\n' ' ')" = "== failing == tiny " ] || fail "folder: order $(grep '^==' "$TMP/out")"

# 6. Same figures whatever the thread count.
"$DSIM" check "$TMP/dir" --jobs 1 >"$TMP/j1" 2>&1
"$DSIM" check "$TMP/dir" --jobs 2 >"$TMP/j2" 2>&1
cmp -s "$TMP/j1" "$TMP/j2" || fail "--jobs 1 and --jobs 2 differ"

# 7. Bad input: exit 2, the loader's message naming the file; the good files
#    still run and the report still lists them, with an error for the bad one.
printf '{"name": "x",\n  "seed": }\n' >"$TMP/broken.json"
"$DSIM" check "$TMP/broken.json" "$DATA/tiny.json" --junit "$TMP/bad.xml" >"$TMP/out" 2>"$TMP/err"
expect_rc 2 $? "broken.json"
has_text "$TMP/err" "dsim: $TMP/broken.json:" "broken.json"
has_line "$TMP/out" "4 passed, 0 failed, 1 errors" "broken.json"
has_text "$TMP/bad.xml" '<testsuites name="dsim check" tests="5" failures="0" errors="1">' "bad.xml"
[ "$(grep -c "<testsuite .*file=\"$TMP/broken.json\"" "$TMP/bad.xml")" = 1 ] || fail "bad.xml: not one suite for broken.json"
msg=$(grep -o '<error message="[^"]*"' "$TMP/bad.xml")
[ "$(grep -o -F "$TMP/broken.json" <<<"$msg" | wc -l)" = 1 ] || fail "bad.xml: the path not named once: $msg"
"$DSIM" check "$TMP/missing.json" >"$TMP/out" 2>"$TMP/err"
expect_rc 2 $? "missing file"
has_text "$TMP/err" "missing.json" "missing file"
mkdir "$TMP/empty"
"$DSIM" check "$TMP/empty" >/dev/null 2>"$TMP/err"
expect_rc 2 $? "empty folder"
has_text "$TMP/err" "no scenario files" "empty folder"

# 8. Usage errors: exit 2 and a hint.
for args in "" "--jobs 0 $DATA/tiny.json" "--jobs x $DATA/tiny.json" "--replications -1 $DATA/tiny.json" \
    "--bogus $DATA/tiny.json" "--junit" "$DATA/tiny.json --max-nodes 0"; do
    # shellcheck disable=SC2086
    "$DSIM" check $args >"$TMP/out" 2>"$TMP/err"
    expect_rc 2 $? "check $args"
    has_text "$TMP/err" "try 'dsim check --help'" "check $args"
done
# A --max-* value above its ceiling is a bad command line (review 2, 3): said
# once with the try line, before any scenario is read or the JUnit file made.
rm -f "$TMP/ceil.xml"
"$DSIM" check --max-nodes 2000000 "$DATA/tiny.json" "$DATA/tiny.json" --junit "$TMP/ceil.xml" \
    >"$TMP/out" 2>"$TMP/err"
expect_rc 2 $? "check --max-nodes above its ceiling"
[ "$(cat "$TMP/err")" = "dsim: check: --max-nodes: expected an integer 1..1000000, got '2000000'
try 'dsim check --help'" ] || fail "check --max-nodes above its ceiling: $(cat "$TMP/err")"
[ ! -e "$TMP/ceil.xml" ] || fail "check --max-nodes above its ceiling wrote --junit"
"$DSIM" check --help >"$TMP/out" 2>&1
expect_rc 0 $? "--help"
has_text "$TMP/out" "usage: dsim check" "--help"

# 9. --replications overrides the file: 5 replications of failing.json.
"$DSIM" check "$DATA/failing.json" --replications 5 --junit "$TMP/r5.xml" >/dev/null 2>&1
has_text "$TMP/r5.xml" "over 5 replications" "--replications 5"

# 10. The shipped scenarios pass their own expectations, with a JUnit report.
"$DSIM" check "$SRC/scenarios/" --junit "$TMP/scenarios.xml" >"$TMP/out" 2>"$TMP/err"
expect_rc 0 $? "check scenarios/ ($(tail -n 1 "$TMP/out"); $(head -c 300 "$TMP/err"))"
grep -q 'failures="0" errors="0"' "$TMP/scenarios.xml" || fail "scenarios.xml: failures or errors"
grep -q "^FAIL " "$TMP/out" && fail "check scenarios/: $(grep '^FAIL ' "$TMP/out")"

# 11. A file without "expect" is run: one test that passes if it runs, an error if
#     it cannot (here: --max-events is below what its heartbeats need). A file that loads
#     but cannot run is one testsuite with one error naming the path once; the
#     summary, TAP and JUnit count the errors.
jq 'del(.expect)' "$DATA/tiny.json" >"$TMP/noexpect.json"
grep -q '"expect"' "$TMP/noexpect.json" && fail "could not remove the expect block"
"$DSIM" validate "$TMP/noexpect.json" >/dev/null 2>&1 || fail "noexpect.json does not validate"
"$DSIM" check "$TMP/noexpect.json" --junit "$TMP/ne.xml" >"$TMP/out" 2>"$TMP/err"
expect_rc 0 $? "no expect"
has_line "$TMP/out" "PASS tiny runs (no expectations): 2 policies x 2 replications" "no expect"
has_line "$TMP/out" "1 passed, 0 failed, 0 errors" "no expect"
has_text "$TMP/ne.xml" '<testcase classname="tiny" name="runs (no expectations)"' "ne.xml"
"$DSIM" check "$TMP/noexpect.json" --max-events 10 >"$TMP/out" 2>"$TMP/err"
expect_rc 2 $? "no expect, cannot run"
has_line "$TMP/out" "0 passed, 0 failed, 1 errors" "no expect, cannot run"
has_text "$TMP/err" "$TMP/noexpect.json: nodes[0].heartbeat_s:" "no expect, cannot run"
has_text "$TMP/err" "more than the budget of 10 per replication" "no expect, cannot run"
"$DSIM" check "$DATA/failing.json" "$DATA/tiny.json" --max-events 10 --junit "$TMP/run.xml" >"$TMP/out" 2>"$TMP/err"
expect_rc 2 $? "cannot run"
has_line "$TMP/out" "0 passed, 0 failed, 2 errors" "cannot run"
has_text "$TMP/run.xml" '<testsuites name="dsim check" tests="2" failures="0" errors="2">' "run.xml"
has_text "$TMP/run.xml" "<testsuite name=\"tiny\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" file=\"$DATA/tiny.json\">" "run.xml"
[ "$(grep -c '<testsuite ' "$TMP/run.xml")" = 2 ] || fail "run.xml: not one suite per file"
msg=$(grep -o '<error message="[^"]*"' "$TMP/run.xml" | tail -n 1)
[ "$(grep -o -F "$DATA/tiny.json" <<<"$msg" | wc -l)" = 1 ] || fail "run.xml: the path not named once: $msg"
"$DSIM" check --tap "$DATA/failing.json" "$TMP/noexpect.json" "$TMP/missing.json" >"$TMP/tap" 2>/dev/null
expect_rc 2 $? "--tap with an error"
has_line "$TMP/tap" "ok 4 - tiny runs (no expectations): 2 policies x 2 replications" "--tap no expect"
has_line "$TMP/tap" "not ok 5 - $TMP/missing.json: no scenario" "--tap error"
has_line "$TMP/tap" "1..5" "--tap plan"
has_line "$TMP/tap" "# 2 passed, 2 failed, 1 errors" "--tap summary"

# A run stopped by its event budget: the hint names check, and a --timeline that
# keeps the cut-off run says so on stderr.
"$DSIM" check "$DATA/tiny.json" -q --jobs 1 --max-events 100 --timeline "$TMP/cut.tl" \
    >/dev/null 2>"$TMP/err"
expect_rc 2 $? "--max-events 100"
grep -qF "raise the budget with dsim check --max-events N" "$TMP/err" ||
    fail "budget hint: $(cat "$TMP/err")"
grep -qF "dsim: keeping $TMP/cut.tl: tiny's runs before its failed run whole, then the failed run's records up to its error (partial)" \
    "$TMP/err" || fail "timeline kept without a word: $(cat "$TMP/err")"

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS checks failed"
    exit 1
fi
echo "cli_check: all checks passed"
