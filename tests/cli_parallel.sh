#!/usr/bin/env bash
# cli_parallel.sh DSIM SOURCE_DIR — a sharded sweep through GNU parallel, as README
# shows it: `parallel -j 2 dsim sweep ... --shard {}/N ::: 1..N`, then dsim merge.
# Checks the merged sweep.csv and sweep.json are byte-identical to the unsharded
# sweep, for whole points (4 points, 2 shards) and for a sweep with fewer points
# than shards (2 points, 4 shards: every shard gets a replication range and writes
# rows). Exit 77 (ctest: skipped) only when GNU parallel is not installed.
set -euo pipefail
DSIM=$1
SRC=$2
SCEN=$SRC/scenarios/incident-2025-12-30.json
command -v parallel >/dev/null 2>&1 || { echo "SKIP: cli_parallel: GNU parallel not installed (apt-get install parallel)"; exit 77; }
parallel --version 2>/dev/null | grep "GNU parallel" >/dev/null || { echo "SKIP: cli_parallel: 'parallel' is not GNU parallel"; exit 77; }
T=$(mktemp -d /tmp/dsim-cli-parallel-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check NAME N_SHARDS SWEEP_ARGS...: unsharded vs N shards through parallel, merged.
check() {
    local name=$1 n=$2
    shift 2
    "$DSIM" sweep "$SCEN" "$@" --jobs 2 --out "$T/$name-whole" >/dev/null
    seq 1 "$n" | timeout 120 parallel -j 2 --halt now,fail=1 \
        "$DSIM" sweep "$SCEN" "$@" --shard {}/"$n" --jobs 1 --out "$T/$name" >"$T/$name.log" \
        || fail "$name: parallel failed: $(cat "$T/$name.log")"
    local shards=()
    for ((i = 1; i <= n; i++)); do
        local f=$T/$name/sweep-$i-of-$n.csv
        [ -f "$f" ] || fail "$name: $f not written"
        # every shard did work: more than the header and the shard line
        [ "$(grep -vc '^# dsim sweep shard' "$f")" -ge 2 ] || fail "$name: shard $i of $n has no rows"
        shards+=("$f")
    done
    "$DSIM" merge "${shards[@]}" -o "$T/$name/sweep.csv" --json "$T/$name/sweep.json"
    cmp "$T/$name-whole/sweep.csv" "$T/$name/sweep.csv" || fail "$name: merged CSV differs"
    cmp "$T/$name-whole/sweep.json" "$T/$name/sweep.json" || fail "$name: merged JSON differs"
}

# 4 points on 2 shards: whole points.
check points 2 --param policies.fenced.dispatch_timeout_s=10,30 \
    --param policies.fenced.ack_timeout_s=5,30 --replications 2
grep -q "^0,10,5,fenced,2," "$T/points/sweep-1-of-2.csv" || fail "shard 1 lacks point 0's rows"
if grep -q "^#part," "$T/points/sweep-1-of-2.csv"; then fail "whole points were split"; fi

# 2 points on 4 shards, 3 replications: each point cut into 2 ranges (1 and 2
# replications), one range per shard.
check ranges 4 --param policies.fenced.dispatch_timeout_s=10,30 --replications 3
for i in 1 2 3 4; do
    grep -q "^#part," "$T/ranges/sweep-$i-of-4.csv" || fail "shard $i of 4 holds no replication range"
done
grep -q "^#part,[0-9]*,0,1,.*,0,10,fenced$" "$T/ranges/sweep-1-of-4.csv" || fail "shard 1: not point 0, replication 0"
grep -q "^#part,[0-9]*,1,2,.*,0,10,fenced$" "$T/ranges/sweep-2-of-4.csv" || fail "shard 2: not point 0, replications 1-2"
grep -q "^#part,[0-9]*,1,2,.*,1,30,fenced$" "$T/ranges/sweep-4-of-4.csv" || fail "shard 4: not point 1, replications 1-2"
grep -q "^0,10,fenced,3," "$T/ranges/sweep.csv" || fail "merged: point 0 of fenced over 3 replications missing"

# A shard left out: merge names what is missing and writes nothing.
rm -f "$T/ranges/sweep.csv"
if "$DSIM" merge "$T"/ranges/sweep-{1,2,3}-of-4.csv -o "$T/ranges/sweep.csv" 2>"$T/err"; then
    fail "merge without shard 4 succeeded"
fi
grep -q "shard 4 of 4 missing" "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e "$T/ranges/sweep.csv" ] || fail "a merge that failed wrote its output"
echo "ok: GNU parallel shards merged equal the unsharded sweep"
