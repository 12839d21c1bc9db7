#!/usr/bin/env bash
# Regenerates every figure the README shows, from the shipped scenarios (all
# deterministic: the same bytes on every machine). Usage: scripts/readme-figures.sh [DSIM]
#   - the incident table (scripts/readme-table.sh)
#   - docs/ack-timeout-sweep.png (the sweep in "Experiments")
#   - the tune example's output
#   - the shoot-out tables (scripts/shootout.sh 20)
set -euo pipefail
dsim=${1:-build/dsim}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== incident table"
scripts/readme-table.sh "$dsim"

echo "== docs/ack-timeout-sweep.png"
"$dsim" sweep scenarios/incident-2025-12-30.json \
    --param policies.lingua-2025-12-28.ack_timeout_s=5,10,20,30,60,120 --replications 10 \
    --out "$out/ack-sweep" --plot --x policies.lingua-2025-12-28.ack_timeout_s > /dev/null
cp "$out/ack-sweep/sweep.png" docs/ack-timeout-sweep.png

echo "== tune"
"$dsim" tune scenarios/incident-2025-12-30.json \
    --knob policies.fenced.dispatch_timeout_s=5:120 --knob policies.fenced.ack_timeout_s=5:120 \
    --minimize 'lost_rate + duplicate_rate' --subject-to 'latency_s.p99 <= 120'

echo "== shoot-out"
scripts/shootout.sh --dsim "$dsim" 20
