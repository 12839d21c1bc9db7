#!/usr/bin/env bash
# shootout.sh — the policy shoot-out (issue 7) at full size: runs the four worlds
# scenarios/policy-shootout{,-stalls,-crash,-overload}.json with `dsim run --format
# json` and prints one markdown table per world: mean ± ci95 (the 95% CI half-width) over the
# replications of duplicates, lost, latency_s.p99 and extra_load, one row per policy; a count
# that is 0 in every replication is "0 (≤ r/utt)", its rule-of-three bound, as in dsim's tables.
#
# usage: scripts/shootout.sh [--dsim PATH] [--jobs N] [REPLICATIONS]
#   REPLICATIONS  replications per policy (default 20; the files carry fewer, for CI)
#   --dsim PATH   the dsim binary (default: build/dsim next to this script's repo)
#   --jobs N      threads for dsim run (default: dsim's own, all cores)
# Needs jq. Same inputs, same output: every figure comes from the scenario seeds.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dsim="$here/build/dsim"
reps=20
jobs=()

usage() {
    sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --dsim) [ $# -ge 2 ] || usage; dsim=$2; shift 2 ;;
    --dsim=*) dsim=${1#--dsim=}; shift ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=(--jobs "$2"); shift 2 ;;
    --jobs=*) jobs=(--jobs "${1#--jobs=}"); shift ;;
    -h | --help) usage ;;
    -*) echo "shootout.sh: unknown option '$1'" >&2; usage ;;
    *) reps=$1; shift ;;
    esac
done

case "$reps" in
'' | *[!0-9]* | 0) echo "shootout.sh: REPLICATIONS must be a positive integer, got '$reps'" >&2; exit 2 ;;
esac
command -v jq >/dev/null 2>&1 || { echo "shootout.sh: needs jq (apt-get install jq)" >&2; exit 2; }
[ -x "$dsim" ] || { echo "shootout.sh: no dsim binary at $dsim (run 'make' or pass --dsim)" >&2; exit 2; }

worlds="policy-shootout policy-shootout-stalls policy-shootout-crash policy-shootout-overload"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsim-shootout.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One table: "mean ± ci" with a fixed number of decimals per column.
table='
def fixed(d):
  (if . < 0 then "-" else "" end) as $sign
  | (fabs * pow(10; d) | round) as $n
  | ($n / pow(10; d) | floor | tostring) as $int
  | if d == 0 then $sign + $int
    else ($n % pow(10; d) | tostring) as $frac
      | $sign + $int + "." + ("0" * (d - ($frac | length))) + $frac
    end
  | if test("^-0(\\.0*)?$") then .[1:] else . end;
# The rule-of-three bound as the dsim table prints it: two significant digits,
# rounded up (a bound rounded down would no longer be one; a value a few ulps
# above a two-digit decimal, as 3/T computes it, stays that decimal).
def sig2up: (1 - (log10 | floor)) as $d | (. * pow(10; $d)) as $s | ($s | round) as $r
  | (if $r < $s * (1 - 1e-12) then $r + 1 else $r end) / pow(10; $d)
  | fixed($d) | sub("0+$"; "") | sub("\\.$"; "");
# A count never seen: its rule-of-three bound per utterance, 3 / (N x U), at most 1
# (upper_bound in results.json is the count per replication, 3 / N).
def cell(m; d): .metrics.utterances.mean as $u | .metrics[m]
  | if .mean == null then "n/a"                      # not measured (nothing delivered)
    elif .rule_of_three then "0 (≤ \([3 / (.n * $u), 1] | min | sig2up)/utt)"   # never seen: no "0 ± 0"
    elif .ci95 == null then (.mean | fixed(d))       # one replication: no interval
    else "\(.mean | fixed(d)) ± \(.ci95 | fixed(d))" end;
"### \(.scenario): \(.replications) replications, seed \(.seed)",
"",
"| policy | duplicates | lost | latency_s.p99 | extra_load |",
"|---|---:|---:|---:|---:|",
(.policies[] | "| \(.name) | \(cell("duplicates"; 1)) | \(cell("lost"; 1)) | \(cell("latency_s.p99"; 1)) | \(cell("extra_load"; 3)) |"),
""'

for w in $worlds; do
    file="$here/scenarios/$w.json"
    if ! "$dsim" run "$file" --format json --replications "$reps" "${jobs[@]}" >"$tmp/$w.json" 2>"$tmp/$w.err"; then
        echo "shootout.sh: dsim run $file failed:" >&2
        cat "$tmp/$w.err" >&2
        exit 1
    fi
    jq -r "$table" "$tmp/$w.json"
done
