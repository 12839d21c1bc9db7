#!/usr/bin/env bash
# cli_scenarios.sh DSIM SOURCE_DIR — every shipped scenario (scenarios/*.json but
# schema.json) validates, carries a non-empty "expect" block, gives byte-identical
# JSON from two runs (one thread, then two), and conserves utterances (delivered +
# lost = utterances, per policy and replication). scenarios/found/*.json (dsim hunt's
# regression checks) validate, run deterministically and are expected to fail. cli_check.sh runs
# `dsim check scenarios/` (the expectations themselves); this file does not repeat it.
set -u
DSIM=$1
SRC=$2
TMP=$(mktemp -d /tmp/dsim-cli-scenarios.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}

n=0
for f in "$SRC"/scenarios/*.json; do
    base=$(basename "$f")
    n=$((n + 1))

    # 1. It loads, and its summary counts at least one expectation.
    "$DSIM" validate "$f" >"$TMP/validate" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "$base: dsim validate exits $rc: $(head -c 400 "$TMP/err")"
        continue
    fi
    k=$(sed -n 's/^ *expectations: \([0-9][0-9]*\);.*/\1/p' "$TMP/validate")
    if [ -z "$k" ]; then
        fail "$base: no 'expectations: N' line in dsim validate's summary"
    elif [ "$k" -lt 1 ]; then
        fail "$base: empty expect block (every shipped scenario must assert something)"
    fi

    # 2. Determinism: the same JSON whatever the thread count (2 replications keep it quick).
    "$DSIM" run "$f" --format json --replications 2 --jobs 1 >"$TMP/a.json" 2>"$TMP/err" ||
        fail "$base: dsim run --jobs 1 exits $?: $(head -c 400 "$TMP/err")"
    "$DSIM" run "$f" --format json --replications 2 --jobs 2 >"$TMP/b.json" 2>"$TMP/err" ||
        fail "$base: dsim run --jobs 2 exits $?: $(head -c 400 "$TMP/err")"
    cmp -s "$TMP/a.json" "$TMP/b.json" || fail "$base: two runs gave different JSON"
    [ -s "$TMP/a.json" ] || fail "$base: dsim run printed nothing"

    # 3. Conservation, per policy and replication (needs jq; the Makefile installs it).
    if command -v jq >/dev/null 2>&1; then
        bad=$(jq -r '.policies[] | .name as $p | .metrics as $m
            | range(0; $m.utterances.values | length) as $i
            | select($m.delivered.values[$i] + $m.lost.values[$i] != $m.utterances.values[$i])
            | "\($p) replication \($i): \($m.delivered.values[$i]) delivered + \($m.lost.values[$i]) lost != \($m.utterances.values[$i])"' \
            "$TMP/a.json" 2>&1)
        [ -z "$bad" ] || fail "$base: conservation: $bad"
    fi
done

[ "$n" -ge 1 ] || fail "no scenario files in $SRC/scenarios"

# scenarios/found/: worlds `dsim hunt` found where a shipped policy breaks a promise,
# kept as regression checks. Each validates, runs the same on one thread and two, and
# is expected to fail: `dsim check` exits 1 with a FAIL line while the policy is as it
# is. One that passes means the policy was fixed: then move the file into scenarios/
# (its expect block then guards the fix) and say so in the README.
found=0
for f in "$SRC"/scenarios/found/*.json; do
    [ -e "$f" ] || continue
    base=found/$(basename "$f")
    found=$((found + 1))
    "$DSIM" validate "$f" >/dev/null 2>"$TMP/err" ||
        { fail "$base: dsim validate exits $?: $(head -c 400 "$TMP/err")"; continue; }
    "$DSIM" run "$f" --format json --jobs 1 >"$TMP/a.json" 2>"$TMP/err" ||
        fail "$base: dsim run exits $?: $(head -c 400 "$TMP/err")"
    "$DSIM" run "$f" --format json --jobs 2 >"$TMP/b.json" 2>/dev/null
    cmp -s "$TMP/a.json" "$TMP/b.json" || fail "$base: two runs gave different JSON"
    "$DSIM" check "$f" >"$TMP/check" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        fail "$base: dsim check passes now (expected to fail until the policy is fixed): move it into scenarios/"
    elif [ "$rc" -ne 1 ] || ! grep -E '^FAIL ' "$TMP/check" >/dev/null; then
        fail "$base: dsim check exits $rc without a FAIL line, expected 1: $(head -c 400 "$TMP/check")"
    else
        echo "cli_scenarios: $base fails as expected: $(grep -E '^FAIL ' "$TMP/check" | head -1)"
    fi
done
command -v jq >/dev/null 2>&1 || echo "cli_scenarios: jq not found, conservation checks skipped"
if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS checks failed"
    exit 1
fi
echo "cli_scenarios: $n scenarios checked, $found in scenarios/found/ expected to fail"
