#!/usr/bin/env bash
# live-agreement.sh SCENARIO SPEED RUNS [POLICY] — dsim run against dsim live.
#
# Runs replication 0 of POLICY (default: the scenario's first) once simulated
# and RUNS times live at --speed SPEED, and prints a Markdown table: each metric
# as dsim run gives it, and live as the median of the runs with their range.
# Used for README "dsim live"; DSIM (default build/dsim) is the binary.
set -eu
SCENARIO=$1
SPEED=$2
RUNS=$3
POLICY=${4:-}
DSIM=${DSIM:-build/dsim}
TMP=$(mktemp -d /tmp/dsim-live-agreement.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
METRICS="delivered duplicates lost failovers dispatches client_errors latency_s.p50 latency_s.p90 latency_s.p99"

pol=()
[ -n "$POLICY" ] && pol=(--policy "$POLICY")
"$DSIM" run "$SCENARIO" --format json >"$TMP/run.json"
name=${POLICY:-$(jq -r '.policies[0].name' "$TMP/run.json")}
for ((i = 0; i < RUNS; i++)); do
    "$DSIM" live "$SCENARIO" "${pol[@]}" --speed "$SPEED" --format json >"$TMP/live$i.json"
done

echo "$(jq -r .scenario "$TMP/run.json"), policy $name, replication 0, --speed $SPEED, $RUNS live runs"
echo
echo "| metric | dsim run | dsim live (median, min–max) |"
echo "|---|---:|---:|"
for m in $METRICS; do
    sim=$(jq -r --arg n "$name" --arg m "$m" \
        '.policies[] | select(.name == $n) | .metrics[$m].values[0]' "$TMP/run.json")
    vals=$(for ((i = 0; i < RUNS; i++)); do
        jq -r --arg m "$m" '.policies[0].metrics[$m].values[0]' "$TMP/live$i.json"
    done | sort -g)
    live=$(echo "$vals" | awk '{ v[NR] = $1 } END {
        med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        if (v[1] == v[NR]) printf "%.4g", med; else printf "%.4g (%.4g–%.4g)", med, v[1], v[NR] }')
    printf '| %s | %.4g | %s |\n' "$m" "$sim" "$live"
done
