#!/usr/bin/env bash
# Regenerates every figure the README shows, from the shipped scenarios. Every number is
# deterministic; the PNGs are the same bytes from run to run (gnuplot's and Chromium's
# rendering depends on the fonts installed). Usage: scripts/readme-figures.sh [DSIM]
#   - the incident table (scripts/readme-table.sh), and the incident under dsim's
#     earlier heartbeat rule (heartbeat_count attempts, heartbeat_phase aligned)
#   - docs/ack-timeout-sweep.png (the sweep in "Experiments"; its paired differences printed)
#   - docs/incident-timeline.png (the worst session window of the incident preset,
#     drawn from dsim's own --timeline file), docs/incident-latency-cdf.png and
#     docs/incident-loss-causes.png (the incident's 10 replications), docs/report.png
#     (dsim report of that run, rendered by headless Chromium), docs/shootout-tradeoff.png
#   - the tune example's output
#   - the shoot-out tables (scripts/shootout.sh 20)
set -euo pipefail
dsim=${1:-build/dsim}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== incident table"
scripts/readme-table.sh "$dsim"

echo "== the incident under dsim's earlier heartbeat rule (What it teaches)"
jq '.nodes |= map(.heartbeat_count = "attempts" | .heartbeat_phase = "aligned")' \
    scenarios/incident-2025-12-30.json > "$out/old-heartbeat.json"
"$dsim" run "$out/old-heartbeat.json" | grep -E '^(metric|duplicates|lost|failovers|dispatches) ' |
    sed -E 's/  +$//'

echo "== docs/ack-timeout-sweep.png"
"$dsim" sweep scenarios/incident-2025-12-30.json \
    --param policies.lingua-2025-12-28.ack_timeout_s=5,10,20,30,60,120 --replications 10 \
    --out "$out/ack-sweep" --plot --x policies.lingua-2025-12-28.ack_timeout_s > /dev/null
cp "$out/ack-sweep/sweep.png" docs/ack-timeout-sweep.png
grep -E '^point,|,lingua-2025-12-28,' "$out/ack-sweep/sweep_paired.csv" | cut -d, -f2-7

echo "== docs/incident-timeline.png, incident-latency-cdf.png, incident-loss-causes.png, report.png"
inc=$out/incident
"$dsim" run scenarios/incident-2025-12-30.json --out "$inc" --latencies "$inc/latencies.csv" \
    --timeline "$inc/timeline.json" --timeline-filter policy=lingua-2025-12-28,replication=0,session=3 > /dev/null
"$dsim" plot "$inc/timeline.json" --out "$out/tl" > /dev/null
cp "$out/tl/timeline.png" docs/incident-timeline.png
"$dsim" plot "$inc/latencies.csv" --out "$out/lat" > /dev/null
cp "$out/lat/latency_cdf.png" docs/incident-latency-cdf.png
"$dsim" plot "$inc/results.csv" --out "$out/res" > /dev/null
cp "$out/res/loss_causes.png" docs/incident-loss-causes.png
dsim_abs=$(cd "$(dirname "$dsim")" && pwd)/$(basename "$dsim")
(cd "$out" && "$dsim_abs" report incident > /dev/null)   # the page names the folder: keep it short
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --no-default-browser-check --disable-extensions --disable-background-networking \
    --disable-sync --disable-dev-shm-usage --user-data-dir="$out/chromium" \
    --force-device-scale-factor=0.75 --window-size=1280,2300 \
    --screenshot="$PWD/docs/report.png" "file://$inc/report.html" > /dev/null 2>&1

echo "== docs/shootout-tradeoff.png"
"$dsim" run scenarios/policy-shootout.json --out "$out/shoot" > /dev/null
"$dsim" plot "$out/shoot/results.csv" > /dev/null
cp "$out/shoot/tradeoff.png" docs/shootout-tradeoff.png

echo "== tune"
"$dsim" tune scenarios/incident-2025-12-30.json \
    --knob policies.fenced.dispatch_timeout_s=5:120 --knob policies.fenced.ack_timeout_s=5:120 \
    --minimize 'lost_rate + duplicate_rate' --subject-to 'latency_s.p99 <= 120'

echo "== shoot-out"
scripts/shootout.sh --dsim "$dsim" 20
