#!/usr/bin/env bash
# `dsim run --latencies FILE`: one row per first delivery, ascending within each
# (policy, replication), as many rows as the run delivered; `dsim plot` draws their
# empirical CDF.
set -euo pipefail
dsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scen=$src/scenarios/incident-2025-12-30.json

"$dsim" run "$scen" --replications 2 --latencies "$tmp/lat.csv" --format csv > "$tmp/run.csv"
[ "$(head -1 "$tmp/lat.csv")" = "policy,replication,latency_s,dsim_version,schema_version" ] || { echo "FAIL: header"; exit 1; }
# rows = sum over policies of delivered (a mean over 2 replications) x 2
want=$(awk -F, 'NR==1{for(i=1;i<=NF;i++)c[$i]=i} NR>1{s+=$c["delivered"]*$c["replications"]} END{printf "%d", s+0.5}' "$tmp/run.csv")
got=$(($(wc -l < "$tmp/lat.csv") - 1))
echo "latency rows $got, deliveries $want"
[ "$got" -eq "$want" ] || { echo "FAIL: one row per first delivery expected"; exit 1; }
awk -F, 'NR>1 { k=$1","$2; if (k==prev && $3+0 < last+0) { print "FAIL: not ascending at line " NR; exit 1 }
               if ($3+0 < 0) { print "FAIL: negative latency"; exit 1 } prev=k; last=$3 }' "$tmp/lat.csv"
# the same bytes on one thread and on two
"$dsim" run "$scen" --replications 2 --latencies "$tmp/lat1.csv" --jobs 1 > /dev/null
"$dsim" run "$scen" --replications 2 --latencies "$tmp/lat2.csv" --jobs 2 > /dev/null
cmp "$tmp/lat1.csv" "$tmp/lat2.csv" || { echo "FAIL: latencies differ with --jobs"; exit 1; }
if command -v gnuplot > /dev/null; then
    "$dsim" plot "$tmp/lat.csv" --out "$tmp/plot" > /dev/null
    [ -s "$tmp/plot/latency_cdf.png" ] || { echo "FAIL: no latency_cdf.png"; exit 1; }
fi
echo PASS
