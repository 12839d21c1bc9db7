#!/usr/bin/env bash
# hunt-shootout.sh — `dsim hunt` over the shoot-out's worlds: every fenced policy of
# scenarios/policy-shootout{,-stalls,-crash,-overload}.json (the fenced baseline and
# the ones beyond the reference) hunted for a run that breaks 'duplicates == 0', then
# 'lost == 0', and one markdown table per invariant: a row per policy, a column per
# world, each cell either the rule-of-three bound (nothing broken in BUDGET runs) or
# the breaking run and the shrunk world (utterances, nodes, the leading cause of loss).
#
# usage: scripts/hunt-shootout.sh [--dsim PATH] [--jobs N] [--world NAME]... [BUDGET]
#   BUDGET        runs per hunt (default 1000)
#   --dsim PATH   the dsim binary (default: build/dsim next to this script's repo)
#   --jobs N      threads for dsim hunt (default: dsim's own, all cores)
#   --world NAME  only this world (policy-shootout-stalls, ...; repeatable)
# Needs jq. The kept files go to a temporary folder, removed at exit: rerun one
# cell's command with --out to keep its world. Same inputs, same output.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dsim="$here/build/dsim"
budget=1000
jobs=()
worlds=()

usage() {
    sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --dsim) [ $# -ge 2 ] || usage; dsim=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=(--jobs "$2"); shift 2 ;;
    --world) [ $# -ge 2 ] || usage; worlds+=("$2"); shift 2 ;;
    -h | --help) usage ;;
    -*) echo "hunt-shootout.sh: unknown option '$1'" >&2; usage ;;
    *) budget=$1; shift ;;
    esac
done
case "$budget" in '' | *[!0-9]*) echo "hunt-shootout.sh: BUDGET: expected a number of runs, got '$budget'" >&2; exit 2 ;; esac
[ ${#worlds[@]} -gt 0 ] || worlds=(policy-shootout policy-shootout-stalls policy-shootout-crash policy-shootout-overload)
for w in "${worlds[@]}"; do
    [ -f "$here/scenarios/$w.json" ] || { echo "hunt-shootout.sh: no scenarios/$w.json" >&2; exit 2; }
done
[ -x "$dsim" ] || { echo "hunt-shootout.sh: no dsim at $dsim (make build, or --dsim PATH)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/dsim-hunt-shootout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# One hunt, summarized as a table cell.
cell() { # cell WORLD POLICY INVARIANT
    local out rc
    out=$(cd "$tmp" && "$dsim" hunt "$here/scenarios/$1.json" --policy "$2" --invariant "$3" \
        --budget "$budget" "${jobs[@]}" --out "$tmp/kept.json" 2>"$tmp/err") && rc=0 || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "$out" | sed -n 's/^nothing broken in \([0-9]*\) runs: violation rate <= \([^ ]*\) per run.*/holds in \1 runs (rate ≤ \2)/p'
    elif [ "$rc" -eq 1 ]; then
        local run size nodes cause
        run=$(echo "$out" | sed -n 's/^broken in run \([0-9]*\) of.*/\1/p')
        size=$(echo "$out" | sed -n 's/^shrunk in .*(\([0-9]*\) of \([0-9]*\)), \([0-9]*\) nodes\{0,1\}$/\1 of \2 utt., \3/p')
        nodes=$(echo "$size" | sed 's/.*, //')
        size=${size%, *}
        cause=$(echo "$out" | sed -n '/^shrunk in/{n;s/.*(most by cause \([a-z_]*\):.*/, \1/p}')
        echo "breaks in run $run: $size, $nodes node$([ "$nodes" = 1 ] || echo s)$cause"
    else
        echo "hunt-shootout.sh: dsim hunt $1 --policy $2 exits $rc: $(head -c 300 "$tmp/err")" >&2
        exit 3
    fi
}

for inv in 'duplicates == 0' 'lost == 0'; do
    echo "\`$inv\`, up to $budget runs per hunt:"
    echo
    printf '| policy |'
    for w in "${worlds[@]}"; do printf ' %s |' "$w"; done
    printf '\n|---|'
    for w in "${worlds[@]}"; do printf -- '---|'; done
    printf '\n'
    for p in $(jq -r '.policies[].name | select(startswith("fenced"))' "$here/scenarios/${worlds[0]}.json"); do
        printf '| %s |' "$p"
        for w in "${worlds[@]}"; do printf ' %s |' "$(cell "$w" "$p" "$inv")"; done
        printf '\n'
    done
    echo
done
