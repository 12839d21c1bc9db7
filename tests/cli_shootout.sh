#!/usr/bin/env bash
# cli_shootout.sh DSIM SOURCE_DIR — scripts/shootout.sh at a tiny size (2
# replications): one markdown table per world, in order, with a row per policy of
# that world's file and a "mean ± ci" cell per metric that matches dsim's own JSON;
# the four files hold the same policy list; same tables whatever the thread count;
# bad arguments exit 2.
set -u
DSIM=$1
SRC=$2
SCRIPT=$SRC/scripts/shootout.sh
TMP=$(mktemp -d /tmp/dsim-cli-shootout.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}
if ! command -v jq >/dev/null 2>&1; then
    # shootout.sh needs jq (the Makefile installs it); without it, it must say so.
    bash "$SCRIPT" --dsim "$DSIM" 2 >/dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" = 2 ] && grep -q "needs jq" "$TMP/err" || { echo "FAIL: without jq: exit $rc, $(cat "$TMP/err")"; exit 1; }
    echo "cli_shootout: jq not found; only the missing-jq message was checked"
    exit 0
fi

WORLDS="policy-shootout policy-shootout-stalls policy-shootout-crash policy-shootout-overload"

# 1. The four worlds hold one policy list (same names, same knobs, same order).
jq -c .policies "$SRC/scenarios/policy-shootout.json" >"$TMP/policies.ref"
[ "$(jq ".policies | length" "$SRC/scenarios/policy-shootout.json")" -gt 0 ] || fail "policy-shootout.json: no policies"
for w in $WORLDS; do
    jq -c .policies "$SRC/scenarios/$w.json" >"$TMP/policies.$w" || fail "$w.json: not JSON"
    cmp -s "$TMP/policies.ref" "$TMP/policies.$w" || fail "$w.json: policy list differs from policy-shootout.json"
done

# 2. The tables: exit 0, nothing on stderr, one header per world in order.
bash "$SCRIPT" --dsim "$DSIM" --jobs 1 2 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 0 ] || fail "shootout.sh 2: exit $rc: $(head -c 400 "$TMP/err")"
[ -s "$TMP/err" ] && fail "shootout.sh 2: stderr: $(head -c 400 "$TMP/err")"
got=$(grep '^### ' "$TMP/out" | cut -d: -f1 | tr '\n' ' ')
want=$(for w in $WORLDS; do printf '### %s ' "$w"; done)
[ "$got" = "$want" ] || fail "headers: got '$got', want '$want'"
[ "$(grep -c '^### .*: 2 replications, seed [0-9]*$' "$TMP/out")" = 4 ] || fail "headers do not say 2 replications"

# 3. Per world: a row per policy of its file, in the file's order, each with 4 cells
#    "MEAN ± CI" or, for a count never seen, "0 (≤ BOUND/utt)"; the lost cell of each
#    policy agrees with `dsim run` JSON (to 0.05), the bound form exactly where the JSON
#    says rule_of_three.
for w in $WORLDS; do
    awk -v h="### $w:" 'index($0, h) == 1 {on = 1; next} /^### / {on = 0} on && /^\| / && !/^\| policy / && !/^\|---/' \
        "$TMP/out" >"$TMP/rows.$w"
    jq -r '.policies[].name' "$SRC/scenarios/$w.json" >"$TMP/names.want"
    cut -d'|' -f2 "$TMP/rows.$w" | sed 's/^ //; s/ $//' >"$TMP/names.got"
    cmp -s "$TMP/names.want" "$TMP/names.got" ||
        fail "$w: rows $(tr '\n' ' ' <"$TMP/names.got"), want $(tr '\n' ' ' <"$TMP/names.want")"
    bad=$(awk -F'|' 'NF != 7 {print; next}
        {for (i = 3; i <= 6; i++) if ($i !~ /^ -?[0-9]+(\.[0-9]+)? ± [0-9]+(\.[0-9]+)? $/ &&
                                    $i !~ /^ 0 \(≤ [0-9]+(\.[0-9]+)?\/utt\) $/) {print; next}}' "$TMP/rows.$w")
    [ -z "$bad" ] || fail "$w: malformed rows: $bad"

    "$DSIM" run "$SRC/scenarios/$w.json" --format json --replications 2 >"$TMP/$w.json" 2>/dev/null ||
        fail "$w: dsim run failed"
    jq -r '.policies[] | .metrics.lost as $l | "\(.name) \($l.mean) \($l.ci95) \($l.rule_of_three)"' \
        "$TMP/$w.json" >"$TMP/lost.want"
    awk -F'|' '{gsub(/ /, "", $2); b = ($4 ~ /≤/) ? "true" : "false"; split($4, c, " ± ");
        print $2, c[1] + 0, c[2] + 0, b}' "$TMP/rows.$w" >"$TMP/lost.got"
    mism=$(paste -d' ' "$TMP/lost.want" "$TMP/lost.got" | awk '
        $1 != $5 || ($2 - $6 > 0.0501 || $6 - $2 > 0.0501) || ($3 - $7 > 0.0501 || $7 - $3 > 0.0501) ||
        $4 != $8 {print}')
    [ -z "$mism" ] || fail "$w: lost cells differ from dsim's JSON (want mean ci, got mean ci): $mism"
done

# 4. Same tables on two threads.
bash "$SCRIPT" --dsim "$DSIM" --jobs 2 2 >"$TMP/out2" 2>/dev/null
cmp -s "$TMP/out" "$TMP/out2" || fail "--jobs 1 and --jobs 2 give different tables"

# 5. Bad arguments: exit 2 and a message.
for args in "0" "x" "--bogus 2" "--dsim"; do
    # shellcheck disable=SC2086
    bash "$SCRIPT" --dsim "$DSIM" $args >/dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" = 2 ] || fail "shootout.sh $args: exit $rc, expected 2"
    [ -s "$TMP/err" ] || fail "shootout.sh $args: no message"
done
bash "$SCRIPT" --dsim "$TMP/no-such-dsim" 2 >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] && grep -q "no dsim binary" "$TMP/err" || fail "missing binary: exit $rc, $(cat "$TMP/err")"

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS checks failed"
    exit 1
fi
echo "cli_shootout: all checks passed"
