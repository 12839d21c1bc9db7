#!/usr/bin/env bash
# Prints the README's incident table: `dsim run` on the incident scenario, the main
# rows only (the full table has every metric). Usage: scripts/readme-table.sh [DSIM]
set -euo pipefail
dsim=${1:-build/dsim}
cd "$(dirname "$0")/.."
"$dsim" run scenarios/incident-2025-12-30.json |
    grep -E '^(scenario|metric|paired|delivered|duplicates|lost|lost_by_cause\.(no_node|ack_discard)|latency_s\.(p50|p99)|failovers|dispatches|wasted_node_s|out_of_order) ' |
    sed -E 's/  +$//'
