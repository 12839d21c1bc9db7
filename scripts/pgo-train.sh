#!/usr/bin/env bash
# pgo-train.sh DSIM PROFILE_DIR STAMP — the training run of the profile-guided
# build (CMakeLists.txt, DSIM_PGO): DSIM is the instrumented dsim; every run
# adds its counts to PROFILE_DIR, which starts empty; STAMP is touched at the
# end. The training is the shipped scenarios that a run's hot path meets — the
# incident world and its variants, the queueing worlds, crashes, overload, the
# policy shoot-out — each as `dsim run` runs it (one thread, every policy and
# replication), plus one run with a log, a trace and a timeline written, so the
# sinks are trained too. The counts are deterministic (the runs are), so the
# optimised build is reproducible.
set -euo pipefail
dsim=$1 prof=$2 stamp=$3
src=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$prof"
mkdir -p "$prof"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in incident-2025-12-30 incident-abort-on-cancel heavy-tail-stalls node-crash overload \
         steady-light policy-shootout queueing-mmc queueing-erlang-b queueing-mm1k queueing-mg1; do
    "$dsim" run "$src/scenarios/$f.json" --jobs 1 --quiet >/dev/null
done
"$dsim" run "$src/scenarios/incident-2025-12-30.json" --jobs 1 --quiet --replications 2 \
    --log "$tmp/log" --trace "$tmp/trace" --timeline "$tmp/tl.json" >/dev/null
touch "$stamp"
