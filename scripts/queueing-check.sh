#!/usr/bin/env bash
# queueing-check.sh [DSIM] — the closed-form scenarios (scenarios/queueing-*.json)
# at 6e5 jobs each (200 replications of 3000), against their formulas within
# 3 %. `make test` checks the same files at 20 replications with bands of about
# five standard errors; this is the tighter check the bands cannot give there.
# Each scenario's description derives its value; they are repeated here:
#   Erlang B   B(5, 4)                                   lost_rate       0.199067
#              mean service                              latency_s.mean  1
#   M/M/c      1/mu + C(4, 3) / (c mu - lambda)          latency_s.mean  1.509434
#              e^-t (1 + C t) = 1/2                      latency_s.p50   1.156284
#   M/M/1/K    (1 - rho) rho^K / (1 - rho^(K+1))         lost_rate       0.126023
#              L / (lambda (1 - P_K))                    latency_s.mean  2.790286
#   M/G/1      E[S] + lambda E[S^2] / (2 (1 - rho))      latency_s.mean  1.908333
# Exit 0 when every figure is within 3 %, 1 otherwise.
set -euo pipefail
dsim=${1:-build/dsim}
cd "$(dirname "$0")/.."
reps=200
fails=0
check() { # FILE METRIC THEORY
    local got
    got=$("$dsim" run "scenarios/$1" --replications "$reps" --format json |
        jq -r --arg m "$2" '.policies[] | select(.name == "reserved") | .metrics[$m] | "\(.mean) \(.ci95)"')
    awk -v f="$1" -v m="$2" -v t="$3" -v got="$got" 'BEGIN {
        split(got, g, " "); d = (g[1] - t) / t;
        ok = (d < 0 ? -d : d) <= 0.03;
        printf "%s %-26s %-15s theory %-9s measured %.6f +- %.6f (%+.2f %%)\n",
               ok ? "PASS" : "FAIL", f, m, t, g[1], g[2], 100 * d;
        exit ok ? 0 : 1 }' || fails=$((fails + 1))
}
check queueing-erlang-b.json lost_rate 0.199067
check queueing-erlang-b.json latency_s.mean 1
check queueing-mmc.json latency_s.mean 1.509434
check queueing-mmc.json latency_s.p50 1.156284
check queueing-mm1k.json lost_rate 0.126023
check queueing-mm1k.json latency_s.mean 2.790286
check queueing-mg1.json latency_s.mean 1.908333
[ "$fails" -eq 0 ] || { echo "queueing-check: $fails figures off by more than 3 %"; exit 1; }
echo "queueing-check: every figure within 3 % at $((reps * 3000)) jobs"
