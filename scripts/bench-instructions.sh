#!/usr/bin/env bash
# bench-instructions.sh [BUILD [UTTERANCES]] — the incident world's instruction
# count, which a shared machine's drift does not blur: bench_run's measured child
# (UTTERANCES, default 200 000) under valgrind's callgrind, counted whole (scenario
# load included, about 0.1 % at this size). The count depends on the binary (the
# compiler, its flags, the PGO profile) and on nothing else: the run is
# deterministic, so the same build gives the same count on any machine, and a
# change that adds or saves instructions shows here when the timings cannot show
# it. Prints one line:
#   run.incident_instructions utterances=N events=E instructions=I per_event=X per_utterance=Y
# Needs valgrind (make deps installs it); without it, prints why and exits 0.
set -euo pipefail
build=${1:-build}
n=${2:-200000}
bench=$build/bench/bench_run
[ -x "$bench" ] || { echo "bench-instructions: $bench not built" >&2; exit 2; }
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    echo "run.incident_instructions skipped: valgrind is not installed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# bench_run forks its measurement: the child is the larger of the two profiles
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$bench" "$n" >"$tmp/out" 2>"$tmp/err" || {
    echo "bench-instructions: valgrind $bench $n failed: $(tail -n 3 "$tmp/err")" >&2
    exit 1
}
child=$(ls -S "$tmp"/cg.* | head -n 1)
ir=$(callgrind_annotate "$child" 2>/dev/null | sed -nE 's/^ *([0-9,]+) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
events=$(sed -nE 's/.* events=([0-9]+) .*/\1/p' "$tmp/out")
utt=$(sed -nE 's/.*utterances=([0-9]+) .*/\1/p' "$tmp/out")
[ -n "$ir" ] && [ -n "$events" ] && [ -n "$utt" ] || {
    echo "bench-instructions: could not read the counts (output: $(head -c 300 "$tmp/out"))" >&2
    exit 1
}
awk -v n="$utt" -v e="$events" -v i="$ir" 'BEGIN {
    printf "run.incident_instructions utterances=%d events=%d instructions=%.0f per_event=%.0f per_utterance=%.0f\n",
           n, e, i, i / e, i / n }'
