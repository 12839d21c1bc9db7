#!/usr/bin/env bash
# cli_sweep.sh DSIM SOURCE_DIR — dsim sweep and dsim merge, end to end:
# --jobs 1 and --jobs 2 give the same bytes; shards merged equal the unsharded CSV;
# a sweep killed half-way and resumed equals an uninterrupted one; bad input exits 2.
set -euo pipefail
DSIM=$1
SRC=$2
SCEN=$SRC/scenarios/incident-2025-12-30.json
T=$(mktemp -d /tmp/dsim-cli-sweep-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

P1=policies.fenced.dispatch_timeout_s=10,30
P2=policies.fenced.ack_timeout_s=5:30:25

# 1. --jobs 1 and --jobs 2: byte-identical CSV and JSON; nothing on stderr (not a tty).
"$DSIM" sweep "$SCEN" --param "$P1" --param "$P2" --replications 2 --jobs 1 --out "$T/j1" \
    >"$T/j1.out" 2>"$T/j1.err"
"$DSIM" sweep "$SCEN" --param "$P1" --param "$P2" --replications 2 --jobs 2 --out "$T/j2" \
    >/dev/null 2>"$T/j2.err"
cmp "$T/j1/sweep.csv" "$T/j2/sweep.csv" || fail "--jobs 1 and --jobs 2 CSVs differ"
cmp "$T/j1/sweep.json" "$T/j2/sweep.json" || fail "--jobs 1 and --jobs 2 JSONs differ"
[ ! -s "$T/j1.err" ] || fail "stderr not empty without a terminal: $(cat "$T/j1.err")"
grep -Eq "^sweep incident-2025-12-30: 4 points x [0-9]+ policies x 2 replications$" "$T/j1.out" \
    || fail "summary: $(cat "$T/j1.out")"
NP=$(sed -n 's/.* x \([0-9]*\) policies x .*/\1/p' "$T/j1.out")
# 4 points x NP policies + the header; the knob columns come first.
[ "$(wc -l <"$T/j1/sweep.csv")" -eq $((1 + 4 * NP)) ] || fail "expected $((1 + 4 * NP)) lines in sweep.csv"
head -1 "$T/j1/sweep.csv" | grep "^point,policies.fenced.dispatch_timeout_s,policies.fenced.ack_timeout_s,policy,replications,utterances," >/dev/null \
    || fail "header: $(head -1 "$T/j1/sweep.csv" | cut -c1-200)"
grep -q '^3,30,30,fenced,2,500,' "$T/j1/sweep.csv" || fail "row of point 3 missing"

# 2. Shards 1/2 and 2/2, in one folder, merged: the unsharded bytes.
"$DSIM" sweep "$SCEN" --param "$P1" --param "$P2" --replications 2 --shard 2/2 --out "$T/sh" >/dev/null
"$DSIM" sweep "$SCEN" --param "$P1" --param "$P2" --replications 2 --shard 1/2 --out "$T/sh" >/dev/null
"$DSIM" merge "$T/sh/sweep-2-of-2.csv" "$T/sh/sweep-1-of-2.csv" -o "$T/merged.csv"
cmp "$T/j1/sweep.csv" "$T/merged.csv" || fail "merged shards differ from the unsharded CSV"
if cmp -s "$T/j1/sweep.csv" "$T/sh/sweep-1-of-2.csv"; then fail "a shard holds every point"; fi

# 3. Killed half-way (SIGKILL), then --resume: the uninterrupted bytes, finished points reused.
BIG=(--param policies.fenced.dispatch_timeout_s=5:80:5 --param "$P2" --replications 3 --jobs 1)
"$DSIM" sweep "$SCEN" "${BIG[@]}" --out "$T/whole" >/dev/null
"$DSIM" sweep "$SCEN" "${BIG[@]}" --out "$T/cut" >/dev/null &
pid=$!
for _ in $(seq 1 2000); do
    n=$( (ls "$T/cut/points" 2>/dev/null || true) | grep -c '^p[0-9]*\.json$' || true)
    [ "$n" -ge 3 ] && break
    sleep 0.005
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=
[ ! -e "$T/cut/sweep.csv" ] || fail "sweep.csv exists although the sweep was killed (or it finished too fast)"
kept=$(find "$T/cut/points" -name 'p*.json' | wc -l)
[ "$kept" -ge 3 ] || fail "only $kept finished points kept"
"$DSIM" sweep "$SCEN" "${BIG[@]}" --out "$T/cut" --resume >"$T/resume.out"
grep -Eq "[0-9]+ reused" "$T/resume.out" || fail "nothing reused: $(cat "$T/resume.out")"
cmp "$T/whole/sweep.csv" "$T/cut/sweep.csv" || fail "resumed CSV differs"
cmp "$T/whole/sweep.json" "$T/cut/sweep.json" || fail "resumed JSON differs"
[ -z "$(find "$T/cut" -name '*.tmp.*')" ] || fail "temporary files left behind"

# 4. The scenario's "sweep" block is used, and a --param replaces its knob.
sed 's/"replications": [0-9]*,/"replications": 1, "sweep": {"policies.fenced.ack_timeout_s": [5, 30]},/' \
    "$SCEN" >"$T/with-block.json"
grep -q '"sweep"' "$T/with-block.json" || fail "could not add a sweep block"
"$DSIM" sweep "$T/with-block.json" --out "$T/block" >/dev/null
[ "$(wc -l <"$T/block/sweep.csv")" -eq $((1 + 2 * NP)) ] || fail "the sweep block gave $(wc -l <"$T/block/sweep.csv") lines"
"$DSIM" sweep "$T/with-block.json" --param policies.fenced.ack_timeout_s=5,10,30 --out "$T/block" >/dev/null
[ "$(wc -l <"$T/block/sweep.csv")" -eq $((1 + 3 * NP)) ] || fail "--param did not replace the block's knob"

# 4b. --resume after a samples file changed recomputes the points: the fingerprint covers
#     every file the scenario reads, and those a knob value makes it read.
mkdir "$T/emp"
sed 's/"nmt": {"dist": "const", "value": 0.1}/"nmt": {"dist": "empirical", "file": "nmt.txt"}/' \
    "$SRC/tests/data/tiny.json" >"$T/emp/s.json"
grep -q '"file": "nmt.txt"' "$T/emp/s.json" || fail "could not make a scenario with a samples file"
echo "0.1 0.2" >"$T/emp/nmt.txt"
echo "0.5" >"$T/emp/other.txt"
EMP=(sweep "$T/emp/s.json" --param policies.fenced.dispatch_timeout_s=10,20 --out "$T/emp/out")
"$DSIM" "${EMP[@]}" >/dev/null
cp "$T/emp/out/sweep.csv" "$T/emp/before.csv"
"$DSIM" "${EMP[@]}" --resume >"$T/emp/same.out"
grep -q ", 2 reused" "$T/emp/same.out" || fail "unchanged samples: points not reused: $(cat "$T/emp/same.out")"
echo "3 4" >"$T/emp/nmt.txt"
"$DSIM" "${EMP[@]}" --resume >"$T/emp/changed.out"
if grep -q "reused" "$T/emp/changed.out"; then fail "changed samples file: stale points reused"; fi
if cmp -s "$T/emp/before.csv" "$T/emp/out/sweep.csv"; then fail "changed samples file: same figures"; fi
FILEKNOB=(sweep "$T/emp/s.json" --param 'nodes[0].stages.nmt.file=nmt.txt,other.txt' --out "$T/emp/k")
"$DSIM" "${FILEKNOB[@]}" >/dev/null
echo "7" >"$T/emp/other.txt"
"$DSIM" "${FILEKNOB[@]}" --resume >"$T/emp/knob.out"
if grep -q "reused" "$T/emp/knob.out"; then fail "a samples file named by a knob changed: stale points reused"; fi

# 5. Bad input: exit 2 and a message naming the problem.
expect2() {
    local want=$1; shift
    set +e
    "$@" >"$T/bad.out" 2>"$T/bad.err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "exit $rc (expected 2) for: $*"
    grep -q -- "$want" "$T/bad.err" || fail "message for '$*' lacks '$want': $(cat "$T/bad.err")"
}
expect2 "nodes\[0\].count" "$DSIM" sweep "$SCEN" --param 'nodes[0].count=2,2.5' --out "$T/bad"
expect2 "policies.nosuch" "$DSIM" sweep "$SCEN" --param 'policies.nosuch.ack_timeout_s=1' --out "$T/bad"
expect2 "LO:HI:STEP" "$DSIM" sweep "$SCEN" --param 'policies.fenced.ack_timeout_s=1:2' --out "$T/bad"
expect2 "--shard" "$DSIM" sweep "$SCEN" --param "$P1" --shard 3/2
expect2 "nothing to sweep" "$DSIM" sweep "$SCEN" --out "$T/bad"
# a value the loader refuses is the option's error (as hunt's --vary), not the file's
expect2 "^dsim: sweep: --param 'policies.fenced.ack_timeout_s=a,b': $SCEN: policies\[[0-9]*\].ack_timeout_s: expected a number" \
    "$DSIM" sweep "$SCEN" --param 'policies.fenced.ack_timeout_s=a,b' --out "$T/bad"
grep -qx "try 'dsim sweep --help'" "$T/bad.err" || fail "sweep --param: no try line: $(cat "$T/bad.err")"
expect2 "^dsim: sweep: --param 'policies.fenced.nosuch=1,2': $SCEN: policies\[[0-9]*\]: unknown key 'nosuch'" \
    "$DSIM" sweep "$SCEN" --param 'policies.fenced.nosuch=1,2' --out "$T/bad"
expect2 "^dsim: tune: --knob 'policies.fenced.ack_timeout_s=-5:2': $SCEN: policies\[[0-9]*\].ack_timeout_s: expected a number" \
    "$DSIM" tune "$SCEN" -q --knob 'policies.fenced.ack_timeout_s=-5:2' --minimize lost
grep -qx "try 'dsim tune --help'" "$T/bad.err" || fail "tune --knob: no try line: $(cat "$T/bad.err")"
expect2 "^dsim: tune: --knob 'policies.fenced.nosuch=1:2': $SCEN: policies\[[0-9]*\]: unknown key 'nosuch'" \
    "$DSIM" tune "$SCEN" -q --knob 'policies.fenced.nosuch=1:2' --minimize lost
"$DSIM" sweep "$SCEN" --param "$P2" --param "$P1" --replications 2 --shard 2/2 --out "$T/swapped" >/dev/null
expect2 "swapped/sweep-2-of-2.csv: not a shard of the same sweep as .*: fingerprint" \
    "$DSIM" merge "$T/sh/sweep-1-of-2.csv" "$T/swapped/sweep-2-of-2.csv" -o "$T/bad.csv"
expect2 "no shard line" "$DSIM" merge "$T/j1/sweep.csv" "$T/j2/sweep.csv" -o "$T/bad.csv"
# Shards that do not belong together: one missing, one of another seed, one given twice.
expect2 "shard 2 of 2 missing" "$DSIM" merge "$T/sh/sweep-1-of-2.csv" -o "$T/bad.csv"
"$DSIM" sweep "$SCEN" --param "$P1" --param "$P2" --replications 2 --shard 2/2 --seed 5 \
    --out "$T/seed5" >/dev/null
expect2 "seed5/sweep-2-of-2.csv: not a shard of the same sweep as .*: seed 5 here" \
    "$DSIM" merge "$T/sh/sweep-1-of-2.csv" "$T/seed5/sweep-2-of-2.csv" -o "$T/bad.csv"
expect2 "both shard 1 of 2" "$DSIM" merge "$T/sh/sweep-1-of-2.csv" "$T/sh/sweep-1-of-2.csv" \
    -o "$T/bad.csv"
[ ! -e "$T/bad.csv" ] || fail "a failed merge wrote its output"
# 7. merge checks every field of the shards' rows against the sweep (the shards' JSONs),
#    (a knob value with more digits than the JSON keeps still matches its row),
#    reads #part values strictly, and refuses outputs that name an input or each other,
#    or that cannot be written, before it reads anything; a failure writes nothing.
TINY=$SRC/tests/data/tiny.json
MK=(--param policies.fenced.ack_timeout_s=5,10.123456789012 --param 'nodes[0].count=1,2')
"$DSIM" sweep "$TINY" "${MK[@]}" -q --out "$T/mw" >/dev/null
for i in 1 2; do "$DSIM" sweep "$TINY" "${MK[@]}" -q --shard $i/2 --out "$T/ms" >/dev/null; done
for i in 1 2 3; do "$DSIM" sweep "$TINY" --param policies.fenced.ack_timeout_s=5 -q --shard $i/3 --out "$T/mp" >/dev/null; done
"$DSIM" merge "$T"/ms/sweep-{1,2}-of-2.csv -o "$T/ms.csv" --json "$T/ms.json"
cmp "$T/mw/sweep.csv" "$T/ms.csv" || fail "merged CSV differs from the unsharded one"
cmp "$T/mw/sweep.json" "$T/ms.json" || fail "merged JSON differs from the unsharded one"
# Shards of one --baseline merge into the unsharded bytes of that baseline; a shard of
# another baseline (its points' paired differences are against another policy) is
# refused, naming both files and both baselines, in either order, and nothing written.
"$DSIM" sweep "$TINY" "${MK[@]}" -q --baseline fenced --out "$T/bw" >/dev/null
for i in 1 2; do "$DSIM" sweep "$TINY" "${MK[@]}" -q --baseline fenced --shard $i/2 --out "$T/bs" >/dev/null; done
"$DSIM" merge "$T"/bs/sweep-{1,2}-of-2.csv -o "$T/bs.csv" --json "$T/bs.json"
cmp "$T/bw/sweep.csv" "$T/bs.csv" || fail "merged --baseline fenced CSV differs from the unsharded one"
cmp "$T/bw/sweep.json" "$T/bs.json" || fail "merged --baseline fenced JSON differs from the unsharded one"
[ "$(jq -r .baseline "$T/bs.json")" = fenced ] || fail "merged --baseline fenced JSON: baseline $(jq .baseline "$T/bs.json")"
expect2 "bs/sweep-2-of-2.csv: not a shard of the same sweep as $T/ms/sweep-1-of-2.csv: baseline fenced here, reference there" \
    "$DSIM" merge "$T/ms/sweep-1-of-2.csv" "$T/bs/sweep-2-of-2.csv" -o "$T/bmix.csv" --json "$T/bmix.json"
expect2 "ms/sweep-1-of-2.csv: not a shard of the same sweep as $T/bs/sweep-2-of-2.csv: baseline reference here, fenced there" \
    "$DSIM" merge "$T/bs/sweep-2-of-2.csv" "$T/ms/sweep-1-of-2.csv" -o "$T/bmix.csv"
[ ! -e "$T/bmix.csv" ] && [ ! -e "$T/bmix.json" ] || fail "a merge of mixed baselines wrote its output"
# edit LINE of shard 2's CSV with SED, then merge must say WANT and write nothing
bad_row() {
    local want=$1 sedexpr=$2 dir=$3 n=$4
    rm -rf "$T/e"; cp -r "$T/$dir" "$T/e"
    sed -i "$sedexpr" "$T/e/sweep-1-of-$n.csv"
    cmp -s "$T/$dir/sweep-1-of-$n.csv" "$T/e/sweep-1-of-$n.csv" && fail "sed '$sedexpr' changed nothing"
    local files=() i
    for i in $(seq 1 "$n"); do files+=("$T/e/sweep-$i-of-$n.csv"); done
    expect2 "$want" "$DSIM" merge "${files[@]}" -o "$T/e/out.csv" --json "$T/e/out.json"
    [ ! -e "$T/e/out.csv" ] && [ ! -e "$T/e/out.json" ] || fail "a refused merge wrote its output ($want)"
}
bad_row "sweep-1-of-2.csv:2: column utterances: expected a decimal number" '2s/^\(0,5,1,reference,2\),10,/\1,abc,/' ms 2
bad_row "sweep-1-of-2.csv:2: column utterances: expected the figure of the shards' JSON (10), got '9'" '2s/^\(0,5,1,reference,2\),10,/\1,9,/' ms 2
bad_row "sweep-1-of-2.csv:3: column policy: expected a policy of the sweep" '3s/,fenced,/,nobody,/' ms 2
bad_row "sweep-1-of-2.csv:2: column nodes\[0\].count: expected point 0's value" '2s/^0,5,1,/0,5,77,/' ms 2
bad_row "sweep-1-of-2.csv:2: column dsim_version: expected the shards' dsim_version" '2s/,[^,]*,2$/,9.9.9,2/' ms 2
bad_row "sweep-1-of-2.csv:2: more fields than the header's" '2s/$/,extra/' ms 2
bad_row "sweep-1-of-2.csv:2: column replications: expected the sweep's replications, 2" '2s/,reference,2,/,reference,3,/' ms 2
bad_row "sweep-1-of-2.csv:2: point 0: expected the row of policy 'reference'" '2s/,reference,/,fenced,/;3s/,fenced,/,reference,/' ms 2
# #part values: a count must be a decimal number >= 0 (no inf, nan, empty, hex, sign games, overflow)
for v in inf nan '' 0x10 -10 1e999 1e308 ' 10'; do
    bad_row "sweep-1-of-3.csv:2: malformed replication range: replication 0's utterances: expected a count" \
        "2s/^\(#part,0,0,1\),10,/\1,$v,/" mp 3
done
bad_row "sweep-1-of-3.csv:2: malformed replication range: expected the first replication" '2s/^#part,0,0,/#part,0,-0,/' mp 3
bad_row "sweep-1-of-3.csv:2: column policy: expected 'reference'" '2s/,reference$/,fenced/' mp 3
# outputs: an input (CSV or JSON), -o = --json, an unwritable --json: refused first, nothing written
rm -rf "$T/e"; cp -r "$T/ms" "$T/e"
expect2 "-o $T/e/sweep-1-of-2.csv is the input" "$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/sweep-1-of-2.csv"
expect2 "--json $T/e/sweep-2-of-2.json is the input" "$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/o.csv" --json "$T/e/sweep-2-of-2.json"
cmp "$T/ms/sweep-1-of-2.csv" "$T/e/sweep-1-of-2.csv" && cmp "$T/ms/sweep-2-of-2.json" "$T/e/sweep-2-of-2.json" \
    || fail "a merge replaced its input"
expect2 "-o and --json both name" "$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/both" --json "$T/e/both"
expect2 "no/such/out.json: cannot write" "$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/o.csv" --json "$T/e/no/such/out.json"
mkdir "$T/e/dir.json"
expect2 "dir.json: cannot write: it is a directory" "$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/o.csv" --json "$T/e/dir.json"
[ ! -e "$T/e/o.csv" ] && [ ! -e "$T/e/both" ] || fail "a refused merge wrote its CSV"
expect2 "$T/e: a folder: merge takes the shards' CSV files" "$DSIM" merge "$T/e" -o "$T/o.csv"
rm "$T/e/sweep-2-of-2.json"
"$DSIM" merge "$T"/e/sweep-{1,2}-of-2.csv -o "$T/e/o.csv" 2>"$T/bad.err" && fail "merge without a shard's JSON succeeded"
grep -q "sweep-2-of-2.json: unable to open" "$T/bad.err" && ! grep -q -- ':-1:-1:' "$T/bad.err" \
    || fail "missing JSON: $(cat "$T/bad.err")"
# 8. sweep refuses before the first point runs: knobs that are no world or policy
#    parameter, a value given twice, values valid alone but not together (the point
#    and its values named), an output it could not write at the end, --plot with --shard.
K=policies.fenced.ack_timeout_s
expect2 "knob 'replications': every point runs the same replications" "$DSIM" sweep "$TINY" -q --param replications=1,2 --out "$T/k"
expect2 "knob 'seed': every point uses the scenario's seed" "$DSIM" sweep "$TINY" -q --param seed=1,2 --out "$T/k"
expect2 "knob 'policies.fenced.name': a name identifies its entry" "$DSIM" sweep "$TINY" -q --param policies.fenced.name=x --out "$T/k"
expect2 "knob 'log_epoch_utc': not a world or policy parameter" "$DSIM" sweep "$TINY" -q --param log_epoch_utc=1,2 --out "$T/k"
expect2 "knob $K: the value 5 is given twice" "$DSIM" sweep "$TINY" -q --param "$K=5,5" --out "$T/k"
expect2 "knob $K: the value 5 (as '5.0') is given twice" "$DSIM" sweep "$TINY" -q --param "$K=5:10:5,5.0" --out "$T/k"
expect2 "sweep point 2 (workload.gap_s.min=1.5, workload.gap_s.max=1.2): .*workload.gap_s.max: expected a number >= min" \
    "$DSIM" sweep "$TINY" -q --param workload.gap_s.min=1,1.5 --param workload.gap_s.max=1.2,3 --out "$T/k"
# a value bad alone is named, also when a later knob's values are fine (tiny's gap_s.max is 2)
expect2 "workload.gap_s.max: expected a number >= min (3), got 2" \
    "$DSIM" sweep "$TINY" -q --param workload.gap_s.min=1,3 --param "$K=5,10" --out "$T/k"
[ ! -e "$T/k" ] || fail "a refused sweep ran points or made its folder: $(ls -R "$T/k")"
mkdir -p "$T/k2/sweep.json"
expect2 "k2/sweep.json: cannot write: it is a directory" "$DSIM" sweep "$TINY" -q --param "$K=5,10" --out "$T/k2"
mkdir -p "$T/k3/summary.txt"
expect2 "k3/summary.txt: cannot write: it is a directory" "$DSIM" sweep "$TINY" -q --param "$K=5,10" --out "$T/k3"
[ ! -e "$T/k2/sweep.csv" ] && [ -z "$(find "$T/k2" "$T/k3" -name 'p*.json')" ] \
    || fail "a sweep refused for its outputs ran points or wrote sweep.csv"
expect2 "--plot does not go with --shard" "$DSIM" sweep "$TINY" -q --param "$K=5,10" --shard 1/2 --plot --out "$T/k4"
[ ! -e "$T/k4" ] || fail "sweep --plot --shard ran"
# a file the sweep writes that is the scenario it reads (DIR/sweep.json, a shard's
# JSON, summary.txt): refused, the scenario kept
for f in sweep.json sweep-1-of-2.json summary.txt; do
    rm -rf "$T/k5"; mkdir -p "$T/k5"; cp "$TINY" "$T/k5/$f"
    sh=""; [ "$f" = sweep-1-of-2.json ] && sh="--shard 1/2"
    expect2 "--out $T/k5 writes $T/k5/$f, which is the scenario being read" \
        "$DSIM" sweep "$T/k5/$f" -q --param "$K=5,10" $sh --out "$T/k5"
    cmp -s "$TINY" "$T/k5/$f" || fail "sweep --out DIR replaced the scenario DIR/$f"
done
# 6. dsim tune from the command line: a table with the best setting, the runner-up and
#    the fresh-seed confirmation; the same bytes on 1 and 2 threads; bad expressions exit 2.
TUNE=(tune "$SCEN" --knob policies.fenced.dispatch_timeout_s=5:90 --knob policies.fenced.max_failovers=0:3
      --minimize 'lost_rate + 2*duplicate_rate' --subject-to 'latency_s.p99 <= 60'
      --replications 2 --budget 40)
"$DSIM" "${TUNE[@]}" --jobs 1 >"$T/tune1.out"
"$DSIM" "${TUNE[@]}" --jobs 2 >"$T/tune2.out"
cmp "$T/tune1.out" "$T/tune2.out" || fail "tune differs between --jobs 1 and 2"
grep -Eq "^best: .*policies.fenced.max_failovers=[0-3]$" "$T/tune1.out" \
    || fail "tune: no integer best setting: $(cat "$T/tune1.out")"
grep -q "^runner-up: " "$T/tune1.out" || fail "tune: no runner-up"
grep -Eq "on fresh seeds: (holds|BROKEN)" "$T/tune1.out" || fail "tune: no confirmation line"
"$DSIM" "${TUNE[@]}" --format json >"$T/tune.json"
grep -q '"confirm_best"' "$T/tune.json" || fail "tune --format json lacks confirm_best"
expect2 "did you mean 'lost_rate'" "$DSIM" tune "$SCEN" --knob policies.fenced.ack_timeout_s=5:60 --minimize lost_rat
expect2 "expected an integer" "$DSIM" tune "$SCEN" --knob 'nodes[0].count=0:4' --minimize lost
# The same knob twice, and a knob of another policy than the one tuned: refused.
expect2 "--knob policies.fenced.ack_timeout_s given twice" "$DSIM" tune "$SCEN" \
    --knob policies.fenced.ack_timeout_s=5:60 --knob policies.fenced.ack_timeout_s=10:20 --minimize lost
expect2 "--knob policies.timeout-90s.ack_timeout_s: a knob of policy 'timeout-90s', but the policy tuned is 'fenced'" \
    "$DSIM" tune "$SCEN" --knob policies.fenced.ack_timeout_s=5:60 \
    --knob policies.timeout-90s.ack_timeout_s=5:60 --minimize lost
expect2 "a knob of policy 'fenced', but the policy tuned is 'timeout-90s'" "$DSIM" tune "$SCEN" \
    --policy timeout-90s --knob 'nodes[0].count=2:5' --knob policies.fenced.ack_timeout_s=5:60 --minimize lost
# A constraint that holds on the search seeds but breaks on the fresh ones: a
# 'confirmation:' verdict naming it; exit 0, or 1 with --strict. The bound is put
# between the two measured means of one fixed setting.
TINY=$SRC/tests/data/tiny.json
ONE=(tune "$TINY" --knob policies.fenced.dispatch_timeout_s=30 --minimize lost)
"$DSIM" "${ONE[@]}" --format json >"$T/one.json"
read -r SEARCH FRESH < <(jq -r '[.best.metrics["latency_s.p99"].mean, .confirm_best.metrics["latency_s.p99"].mean] | @tsv' "$T/one.json")
[ "$SEARCH" != "$FRESH" ] || fail "tune: the fresh seeds gave the same p99 ($SEARCH)"
CON=$(jq -rn --argjson a "$SEARCH" --argjson b "$FRESH" \
    'if $a > $b then "latency_s.p99 >= \(($a + $b) / 2)" else "latency_s.p99 <= \(($a + $b) / 2)" end')
set +e
"$DSIM" "${ONE[@]}" --subject-to "$CON" >"$T/strict0.out"
rc0=$?
"$DSIM" "${ONE[@]}" --subject-to "$CON" --strict >"$T/strict1.out"
rc1=$?
set -e
[ "$rc0" -eq 0 ] || fail "tune without --strict: exit $rc0 for a constraint broken only on fresh seeds"
[ "$rc1" -eq 1 ] || fail "tune --strict: exit $rc1 for a constraint broken on fresh seeds"
grep -qF "confirmation: constraint '$CON' violated on fresh seeds" "$T/strict1.out" \
    || fail "tune: no verdict line: $(cat "$T/strict1.out")"
cmp -s "$T/strict0.out" "$T/strict1.out" || fail "tune: --strict changed the report"
grep -q "^confirmation: every constraint holds on fresh seeds$" "$T/tune1.out" \
    || grep "^confirmation: constraint" "$T/tune1.out" >/dev/null || fail "tune: no confirmation verdict"
echo "cli_sweep: ok"
