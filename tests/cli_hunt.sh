#!/usr/bin/env bash
# cli_hunt.sh DSIM SOURCE_DIR — `dsim hunt`: the incident preset breaks
# 'duplicates == 0' on the incident world and the hunt finds it, shrinks it to a
# fraction of its utterances and keeps a scenario that validates and fails `dsim check`;
# the fenced policy on the same world breaks nothing in a small budget (exit 0, the
# rule-of-three bound); the same command writes the same bytes twice and on 1 or 2
# threads; the README's hunt writes the committed scenarios/found/ file again, on 1
# and 2 threads, as the README prints, and scripts/hunt-shootout.sh agrees with it;
# a file's hunt block is used without --vary; bad arguments exit 2.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" hunt
INC=$SRC/scenarios/incident-2025-12-30.json
HUNT=("$DSIM" hunt "$INC" --policy lingua-2025-12-28 --invariant 'duplicates == 0' --budget 20)

# 1. Found, shrunk, kept.
(cd "$TMP" && "${HUNT[@]}" --jobs 2 >out1 2>err1)
rc=$?
[ "$rc" -eq 1 ] || fail "the incident preset's hunt exits $rc, expected 1: $(head -c 400 "$TMP/err1")"
KEPT=$TMP/hunt-lingua-2025-12-28.json
[ -s "$KEPT" ] || fail "no hunt-lingua-2025-12-28.json written (the default --out)"
grep -E '^broken in run [0-9]+ of 20: seed [0-9]+' "$TMP/out1" >/dev/null ||
    fail "no 'broken in run N of 20: seed S' line: $(head -c 600 "$TMP/out1")"
grep -E '^shrink: workload\.sessions [0-9]+ -> [0-9]+' "$TMP/out1" >/dev/null ||
    fail "no accepted shrink step on workload.sessions reported"
grep -E '^shrunk in [0-9]+ runs, [0-9]+ steps: [0-9]+ sessions? x [0-9]+ utterances? \([0-9]+ of 500\)' \
    "$TMP/out1" >/dev/null || fail "no 'shrunk in N runs, ... (U of 500)' line: $(grep shrunk "$TMP/out1")"
grep -E '^wrote .*hunt-lingua-2025-12-28.json' "$TMP/out1" >/dev/null || fail "no 'wrote FILE' line"
if [ -s "$KEPT" ]; then
    "$DSIM" validate "$KEPT" >/dev/null 2>"$TMP/err" || fail "the kept file does not validate: $(cat "$TMP/err")"
    "$DSIM" check "$KEPT" >"$TMP/check" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] || fail "dsim check on the kept file exits $rc, expected 1: $(cat "$TMP/check")"
    grep -E '^FAIL lingua-2025-12-28 duplicates == 0: [1-9]' "$TMP/check" >/dev/null ||
        fail "dsim check does not fail the invariant: $(cat "$TMP/check")"
    python3 - "$KEPT" <<'EOF' || fail "the kept scenario's contents"
import json, sys
s = json.load(open(sys.argv[1]))
w = s["workload"]
utt = w.get("sessions", 1) * w.get("utterances_per_session", 1)
# a few dozen at most: cutting sessions first leaves this seed's duplicate at
# 2 sessions x 70 utterances (of 5 x 100); the smallest product sessions x
# utterances that breaks (tried in increasing product) is far smaller
assert utt <= 24, f"{utt} utterances, expected at most 24 (of 500)"
assert s["replications"] == 1, s["replications"]
assert [p["name"] for p in s["policies"]] == ["lingua-2025-12-28"], s["policies"]
assert s["expect"] == {"lingua-2025-12-28": {"duplicates": {"equals": 0}}}, s["expect"]
assert "sweep" not in s
d = s["description"]
for words in ("breaks duplicates == 0", "Found with: dsim hunt", "--invariant 'duplicates == 0'",
              "Shrunk in", "workload.sessions"):
    assert words in d, (words, d)
assert "--jobs" not in d, d
nodes = sum(n.get("count", 1) for n in s["nodes"])
assert nodes <= 2, f"{nodes} nodes"
EOF
fi

# 2. The same command twice: the same bytes; and on one thread: the same world.
cp "$KEPT" "$TMP/first.json" 2>/dev/null
(cd "$TMP" && "${HUNT[@]}" --jobs 2 >out2 2>/dev/null)
cmp -s "$TMP/first.json" "$KEPT" || fail "the same command wrote different files"
cmp -s "$TMP/out1" "$TMP/out2" || fail "the same command printed different reports"
(cd "$TMP" && "${HUNT[@]}" --jobs 1 >out3 2>/dev/null)
cmp -s "$TMP/first.json" "$KEPT" || fail "--jobs 1 and --jobs 2 found different worlds"
cmp -s "$TMP/out1" "$TMP/out3" || fail "--jobs 1 and --jobs 2 printed different reports"

# 3. The fenced policy keeps the promise in a small budget: exit 0, the bound, no file.
"$DSIM" hunt "$INC" --policy fenced --invariant 'duplicates == 0' --budget 10 \
    --out "$TMP/fenced.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || fail "fenced's hunt exits $rc, expected 0: $(cat "$TMP/out" "$TMP/err" | head -c 600)"
grep -F 'nothing broken in 10 runs: violation rate <= 0.3 per run (rule of three' "$TMP/out" >/dev/null ||
    fail "no rule-of-three line: $(cat "$TMP/out")"
[ ! -e "$TMP/fenced.json" ] || fail "a hunt that found nothing wrote a file"
# fewer than 3 runs: the bound on a probability is at most 1, not 3/2
"$DSIM" hunt "$INC" --policy fenced --invariant 'duplicates == 0' --budget 2 \
    >"$TMP/out2" 2>"$TMP/err" || fail "fenced's hunt of 2 runs: $(cat "$TMP/err")"
grep -F 'nothing broken in 2 runs: violation rate <= 1 per run (rule of three, 95% upper bound 3/2, at most 1)' \
    "$TMP/out2" >/dev/null || fail "2 runs: $(grep 'nothing broken' "$TMP/out2")"

# 3b. The README's hunt over the shoot-out's stalls world: the command in the kept
# file's description, run again from a copy of the tree's layout, writes the committed
# scenarios/found/ file byte for byte, on one thread and on two (it breaks in run 9, so
# two threads judge runs out of order).
FOUND=scenarios/found/stalls-fenced-phi-lost.json
mkdir -p "$TMP/tree/scenarios/found"
cp "$SRC/scenarios/policy-shootout-stalls.json" "$TMP/tree/scenarios/"
cmdline=$(jq -r .description "$SRC/$FOUND" | sed -n 's/.* Found with: dsim hunt \(.*\)\. Shrunk in .*/\1/p')
[ -n "$cmdline" ] || fail "$FOUND: no 'Found with: dsim hunt ...' in its description"
for j in 1 2; do
    rm -f "$TMP/tree/$FOUND"
    (cd "$TMP/tree" && eval "\"\$DSIM\" hunt $cmdline --jobs $j" >"$TMP/out-found" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || fail "the command of $FOUND exits $rc with --jobs $j: $(head -c 400 "$TMP/out-found")"
    cmp -s "$SRC/$FOUND" "$TMP/tree/$FOUND" ||
        fail "--jobs $j: the command in $FOUND's description does not write it again (regenerate it and the README hunt section: $cmdline)"
done
# the README's "Hunting for a broken promise" pastes that command's report
sed -n '/^hunt policy-shootout-stalls, policy fenced-phi,/,/^wrote scenarios\/found\/stalls-fenced-phi-lost.json/p' \
    "$SRC/README.md" >"$TMP/readme-hunt"
cmp -s "$TMP/readme-hunt" "$TMP/out-found" ||
    fail "README's hunt report is not what the command prints today: $(diff "$TMP/readme-hunt" "$TMP/out-found" | head -c 600)"
run=$(jq -r .description "$SRC/$FOUND" | sed -n 's/.* in run \([0-9]*\) of the hunt .*/\1/p')
# scripts/hunt-shootout.sh agrees: fenced holds in the stalls world, fenced-phi breaks
# 'lost == 0' in that run with the kept world's size
"$SRC/scripts/hunt-shootout.sh" --dsim "$DSIM" --jobs 2 --world policy-shootout-stalls 10 >"$TMP/table" 2>&1 ||
    fail "scripts/hunt-shootout.sh exits $?: $(head -c 400 "$TMP/table")"
size=$(jq '.workload.sessions * .workload.utterances_per_session' "$SRC/$FOUND")
[ "$(grep -c '^| fenced | holds in 10 runs (rate ≤ 0.3) |$' "$TMP/table")" -eq 2 ] ||
    fail "hunt-shootout.sh: fenced does not hold both invariants in the stalls world: $(cat "$TMP/table")"
grep -F "| fenced-phi | breaks in run $run: $size of 480 utt., 1 node, fenced |" "$TMP/table" >/dev/null ||
    fail "hunt-shootout.sh: no fenced-phi cell 'breaks in run $run: $size of 480 utt., 1 node, fenced': $(cat "$TMP/table")"

# 4. A hunt block in the file is used without --vary, and validated by the loader.
jq '.hunt = {"policies.fenced.dispatch_timeout_s": "20:120", "nodes[0].count": [3, 5]}' "$INC" >"$TMP/block.json"
"$DSIM" hunt "$TMP/block.json" --policy fenced --invariant 'duplicates == 0' --budget 4 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || fail "the hunt-block hunt exits $rc: $(cat "$TMP/err")"
grep -F 'up to 4 runs, 2 knobs varied' "$TMP/out" >/dev/null || fail "the hunt block's knobs were not used: $(cat "$TMP/out")"
grep -F 'vary policies.fenced.dispatch_timeout_s=20:120' "$TMP/out" >/dev/null || fail "no 'vary' line for the block's knob"
jq '.hunt = {"policies.fenced.dispatch_timeout_s": "120:20"}' "$INC" >"$TMP/bad-block.json"
"$DSIM" validate "$TMP/bad-block.json" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a bad hunt block validates with exit $rc"
grep -F 'hunt.policies.fenced.dispatch_timeout_s: expected LO < HI in "120:20"' "$TMP/err" >/dev/null ||
    fail "the bad hunt block's message: $(cat "$TMP/err")"
jq '.hunt = {"policies.fenced.dispatch_timeout_s": "0:120"}' "$INC" >"$TMP/bad-value.json"
"$DSIM" validate "$TMP/bad-value.json" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a hunt block with an out-of-range end validates with exit $rc"
grep -F 'hunt.policies.fenced.dispatch_timeout_s: value 0:' "$TMP/err" >/dev/null ||
    fail "the out-of-range end's message: $(cat "$TMP/err")"

# 5. Bad arguments: exit 2 with a message that names what is wrong; nothing written.
bad() { # bad WORDS ARGS...
    local words=$1
    shift
    (cd "$TMP" && "$DSIM" hunt "$@" >/dev/null 2>err)
    local rc=$?
    [ "$rc" -eq 2 ] || fail "dsim hunt $* exits $rc, expected 2"
    grep -F -- "$words" "$TMP/err" >/dev/null || fail "dsim hunt $*: message '$(head -c 300 "$TMP/err")' lacks '$words'"
}
bad 'missing --policy NAME' "$INC" --invariant 'duplicates == 0'
bad 'give at least one --invariant' "$INC" --policy fenced
bad 'missing SCENARIO' --policy fenced --invariant 'duplicates == 0'
bad "--policy 'nope': no such policy" "$INC" --policy nope --invariant 'duplicates == 0'
bad "the file has lingua-2025-12-28, lingua-2025-12-31, lingua-2026-01-19, timeout-90s" "$INC" --policy nope \
    --invariant 'duplicates == 0'
bad "node-attempt-check, ack-30s, fenced)" "$INC" --policy nope --invariant 'duplicates == 0'
bad "unknown metric 'dupes'" "$INC" --policy fenced --invariant 'dupes == 0'
bad "expected EXPR <= EXPR" "$INC" --policy fenced --invariant 'duplicates < 1'
bad "names several" "$INC" --policy fenced --invariant 'duplicates + lost <= 1'
bad "--vary 'x': expected KEY=LO:HI" "$INC" --policy fenced --invariant 'lost == 0' --vary x
bad "hunt: --vary 'policies.fenced.dispatch_timeout_s=0:10'" "$INC" --policy fenced --invariant 'lost == 0' \
    --vary policies.fenced.dispatch_timeout_s=0:10
bad "--vary nodes[0].count given twice" "$INC" --policy fenced --invariant 'lost == 0' \
    --vary 'nodes[0].count=1:3' --vary 'nodes[0].count=2,3'
bad "--budget: expected a number of runs" "$INC" --policy fenced --invariant 'lost == 0' --budget 0
bad "--jobs: expected an integer 1..1024" "$INC" --policy fenced --invariant 'lost == 0' --jobs x
bad "unknown option '--frobnicate'" "$INC" --policy fenced --invariant 'lost == 0' --frobnicate 1
bad "nope.json" "$TMP/nope.json" --policy fenced --invariant 'lost == 0'
bad "cannot" "$INC" --policy lingua-2025-12-28 --invariant 'duplicates == 0' --budget 5 --out "$TMP/no/such/dir/x.json"
[ ! -e "$TMP/hunt-fenced.json" ] || fail "a refused hunt wrote a file"
# --out is checked before any run: a folder, or the scenario itself, is refused
# with nothing printed on stdout (no run started) and the scenario left as it was
mkdir -p "$TMP/adir"
cp "$INC" "$TMP/inc.json"
for out in "$TMP/adir" "$TMP/inc.json" "$TMP/../$(basename "$TMP")/inc.json"; do
    (cd "$TMP" && "$DSIM" hunt inc.json --policy lingua-2025-12-28 --invariant 'duplicates == 0' \
        --budget 5 --out "$out" >out-o 2>err-o)
    rc=$?
    [ "$rc" -eq 2 ] || fail "hunt --out $out exits $rc, expected 2"
    [ ! -s "$TMP/out-o" ] || fail "hunt --out $out: ran before refusing it: $(head -c 200 "$TMP/out-o")"
    grep -E 'hunt: --out(: it is a folder| is the scenario hunted)' "$TMP/err-o" >/dev/null ||
        fail "hunt --out $out: message '$(head -c 300 "$TMP/err-o")'"
done
cmp -s "$INC" "$TMP/inc.json" || fail "hunt --out SCENARIO changed the scenario"

# 6. Knobs valid alone, not together (gap_s.min drawn above gap_s.max): such a draw
# is skipped and counted, named with its run and draws; the bound is over the runs
# judged; the same on 1 and 2 threads. A box of nothing but such draws: exit 2.
TINY=$SRC/tests/data/tiny.json
SKIP=(hunt "$TINY" --policy fenced --invariant 'utterances == 10' --budget 40 --seed 5
      --vary 'workload.gap_s.min=1:1.9' --vary 'workload.gap_s.max=1.1:2' --out "$TMP/skip.json")
for j in 1 2; do
    "$DSIM" "${SKIP[@]}" -q -j $j >"$TMP/skip$j.out" 2>"$TMP/skip$j.err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "a hunt with refused draws exits $rc (-j $j): $(head -c 300 "$TMP/skip$j.err")"
done
cmp -s "$TMP/skip1.out" "$TMP/skip2.out" || fail "refused draws: -j 1 and -j 2 differ"
line=$(grep '^skipped ' "$TMP/skip1.out")
echo "$line" | grep -E '^skipped [1-9][0-9]* of 40 runs: their drawn values make a world the loader refuses, which is not judged \(the first: run [0-9]+ \(workload\.gap_s\.min=[0-9.]+, workload\.gap_s\.max=[0-9.]+\): .*workload\.gap_s\.max: expected a number >= min' >/dev/null ||
    fail "refused draws: '$line'"
k=$(echo "$line" | sed -E 's/^skipped ([0-9]+) .*/\1/')
grep -Fx "nothing broken in $((40 - k)) runs: violation rate <= $(awk -v n=$((40 - k)) 'BEGIN { printf "%.3g", 3 / n }') per run (rule of three, 95% upper bound 3/$((40 - k)))" \
    "$TMP/skip1.out" >/dev/null || fail "refused draws: the bound is not over the runs judged: $(tail -1 "$TMP/skip1.out")"
# A box of nothing but such draws (seed 9 draws min above max in each of its 3 runs): exit 2.
"$DSIM" hunt "$TINY" --policy fenced --invariant 'utterances == 10' --budget 3 -q --seed 9 \
    --vary 'workload.gap_s.min=1:1.3' --vary 'workload.gap_s.max=1:1.3' --out "$TMP/none.json" \
    >/dev/null 2>"$TMP/none.err"
rc=$?
[ "$rc" -eq 2 ] || fail "a hunt whose every draw is refused exits $rc, expected 2"
grep -F 'dsim: hunt: every one of the 3 runs drew values that make a world the loader refuses (the first: run 1 (' \
    "$TMP/none.err" >/dev/null || fail "every draw refused: '$(head -c 300 "$TMP/none.err")'"
[ ! -e "$TMP/none.json" ] || fail "a hunt whose every draw is refused wrote its --out"

# 7. The boxes are checked together, each beside the others' ends, not each alone
# beside the file (tiny's gap_s is min 1, max 2). min 2.5:3 beside max 4:5 is valid
# only together (min 2.5 over the file's max 2 is not): accepted, and every draw
# makes a world (min set after max, whatever the order given): no run skipped.
for order in min-first max-first; do
    if [ $order = min-first ]; then
        boxes=(--vary 'workload.gap_s.min=2.5:3' --vary 'workload.gap_s.max=4:5')
    else
        boxes=(--vary 'workload.gap_s.max=4:5' --vary 'workload.gap_s.min=2.5:3')
    fi
    "$DSIM" hunt "$TINY" --policy fenced --invariant 'utterances == 10' --budget 6 -q "${boxes[@]}" \
        --out "$TMP/joint.json" >"$TMP/joint.out" 2>"$TMP/joint.err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "a box valid together ($order) exits $rc: $(head -c 300 "$TMP/joint.err")"
    grep -Fx 'nothing broken in 6 runs: violation rate <= 0.5 per run (rule of three, 95% upper bound 3/6)' \
        "$TMP/joint.out" >/dev/null || fail "a box valid together ($order): $(tail -2 "$TMP/joint.out")"
    ! grep '^skipped' "$TMP/joint.out" >/dev/null || fail "a box valid together ($order) skipped draws"
done
# A box with no world at all (min 8:9 beside max 5:6), and one whose min 4.5 has no
# max of its box beside it (min 2.5:4.5 beside max 3:4): refused before any run,
# naming both options and the loader's message; nothing on stdout, nothing written.
joint_bad() {
    local words=$1; shift
    "$DSIM" hunt "$TINY" --policy fenced --invariant 'utterances == 10' --budget 6 -q "$@" \
        --out "$TMP/jbad.json" >"$TMP/jbad.out" 2>"$TMP/jbad.err"
    local rc=$?
    [ "$rc" -eq 2 ] || fail "hunt $*: exits $rc, expected 2"
    [ ! -s "$TMP/jbad.out" ] || fail "hunt $*: ran before refusing: $(head -c 200 "$TMP/jbad.out")"
    [ ! -e "$TMP/jbad.json" ] || fail "hunt $*: wrote its --out"
    grep -Fx -- "$words" "$TMP/jbad.err" >/dev/null || fail "hunt $*: message '$(cat "$TMP/jbad.err")', expected '$words'"
}
joint_bad "dsim: hunt: --vary 'workload.gap_s.min=8:9' with --vary 'workload.gap_s.max=5:6': no combination of their ends makes a world the loader accepts: the boxes hold none ($TINY: workload.gap_s.max: expected a number >= min (8), got 5)" \
    --vary 'workload.gap_s.min=8:9' --vary 'workload.gap_s.max=5:6'
joint_bad "dsim: hunt: --vary 'workload.gap_s.min=2.5:4.5': its end 4.5 makes no world the loader accepts beside any end of --vary 'workload.gap_s.max=3:4': narrow the box to values that make a world together ($TINY: workload.gap_s.max: expected a number >= min (4.5), got 4)" \
    --vary 'workload.gap_s.min=2.5:4.5' --vary 'workload.gap_s.max=3:4'
# an end refused whatever the other boxes are: the loader's message alone, as for one box
joint_bad "dsim: hunt: --vary 'nodes[0].count=0:3': $TINY: nodes[0].count: expected an integer >= 1, got 0" \
    --vary 'nodes[0].count=0:3' --vary 'workload.gap_s.min=1:1.5'
# 8. A --vary knob that is also a count the shrink lowers (nodes[0].count, the file's
# 5): the shrink takes it to 1 node and the knob step does not take it back up
# (it undid that step every pass, to the 3000-run cap); it ends at a fixpoint well
# under the cap, no step raises a count, and the kept world still breaks.
jq '.policies |= map(select(.name=="lingua-2025-12-28" or .name=="ack-30s" or .name=="fenced")) | del(.expect,.sweep)
    | .workload.utterances_per_session=40 | .replications=4' "$INC" >"$TMP/fight.json"
"$DSIM" hunt "$TMP/fight.json" --policy fenced --invariant 'latency_s.p99 <= 60' \
    --vary 'nodes[0].count=3:6' --vary 'policies.fenced.dispatch_timeout_s=20:120' \
    --budget 200 --out "$TMP/fight-kept.json" --quiet >"$TMP/fight.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "the count-knob hunt exits $rc, expected 1: $(tail -c 400 "$TMP/fight.out")"
runs=$(sed -n 's/^shrunk in \([0-9]*\) runs, .*/\1/p' "$TMP/fight.out")
[ -n "$runs" ] && [ "$runs" -lt 500 ] ||
    fail "the count-knob shrink took '$runs' runs (the cap is 3000): $(grep shrunk "$TMP/fight.out")"
up=$(awk '$1 == "shrink:" && $2 ~ /^(nodes\[[0-9]+\]\.count|workload\.sessions|workload\.utterances_per_session)$/ &&
          $4 == "->" && $5 + 0 > $3 + 0' "$TMP/fight.out")
[ -z "$up" ] || fail "a shrink step raises a count: $up"
grep -E '^shrink: policies\.fenced\.dispatch_timeout_s [0-9.]+ -> 90 ' "$TMP/fight.out" >/dev/null ||
    fail "the non-count knob is not taken back to the file's 90: $(grep '^shrink' "$TMP/fight.out")"
[ "$(jq '.nodes[0].count' "$TMP/fight-kept.json")" = 1 ] || fail "the kept world has not 1 node"
"$DSIM" check "$TMP/fight-kept.json" >"$TMP/fight.check" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -E '^FAIL fenced latency_s\.p99 <= 60: ' "$TMP/fight.check" >/dev/null ||
    fail "the count-knob hunt's kept world does not break (dsim check exits $rc): $(cat "$TMP/fight.check")"

"$DSIM" hunt --help | grep -F 'usage: dsim hunt SCENARIO --policy NAME --invariant EXPR' >/dev/null ||
    fail "dsim hunt --help"

cli_finish "cli_hunt: found, shrunk, kept, reproducible; fenced holds; bad input refused"
