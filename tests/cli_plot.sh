#!/usr/bin/env bash
# cli_plot.sh DSIM SOURCE_DIR — the gnuplot scripts and `dsim plot` / `dsim sweep --plot`:
# each script turns a small CSV into a non-empty PNG (and SVG); without gnuplot,
# dsim says which package to install and exits 2.
set -euo pipefail
DSIM=$1
SRC=$2
T=$(mktemp -d /tmp/dsim-cli-plot-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
nonempty() { for f in "$@"; do [ -s "$f" ] || fail "$f missing or empty"; done; }
png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$1 is not a PNG"; }

command -v gnuplot >/dev/null || fail "gnuplot is not installed (apt-get install gnuplot-nox)"

# Small hand-written CSVs: a run (a row per policy) and a sweep (point, two knobs).
cat >"$T/run.csv" <<'EOF'
policy,replications,duplicate_rate,duplicate_rate_ci95,lost_rate,lost_rate_ci95,latency_s.p50,latency_s.p50_ci95,latency_s.p90,latency_s.p90_ci95,latency_s.p99,latency_s.p99_ci95,latency_s.p999,latency_s.p999_ci95
lingua-2025-12-28,10,0.08,0.01,0.02,0.004,2.1,0.1,5.5,0.3,31,2,80,5
timeout-90s,10,0.01,0.003,0.05,0.01,2.1,0.1,5.6,0.3,45,3,95,6
fenced,10,0,0,0.004,0.001,2.2,0.1,5.4,0.2,12,1,30,3
EOF
{
    echo "point,t,n,policy,replications,duplicates,duplicates_ci95,lost,lost_ci95,duplicate_rate,duplicate_rate_ci95,lost_rate,lost_rate_ci95"
    p=0
    for t in 10 30 60; do for n in 2 4; do
        echo "$p,$t,$n,base,5,$((100 / t + n)),1.5,$((t / 10 + n)),0.8,0.0$n,0.005,0.0$((t / 10)),0.002"
        echo "$p,$t,$n,fenced,5,0,0,$((t / 20)),0.5,0,0,0.00$((t / 20 + 1)),0.001"
        p=$((p + 1))
    done; done
} >"$T/sweep.csv"

# 1. Each script by itself.
mkdir "$T/direct"
gnuplot -c "$SRC/plots/sweep.gp" "$T/sweep.csv" "$T/direct" t n
gnuplot -c "$SRC/plots/tradeoff.gp" "$T/run.csv" "$T/direct"
gnuplot -c "$SRC/plots/latency_cdf.gp" "$T/run.csv" "$T/direct"
nonempty "$T"/direct/{sweep,tradeoff,latency_cdf}.{png,svg}
for f in "$T"/direct/*.png; do png "$f"; done
grep -q "<svg" "$T/direct/sweep.svg" || fail "sweep.svg is not SVG"

# 2. dsim plot: a sweep CSV and a run CSV; no temporary folder left behind.
"$DSIM" plot "$T/sweep.csv" --out "$T/viasweep" --x n --scripts "$SRC/plots" >/dev/null
nonempty "$T"/viasweep/{sweep,tradeoff}.{png,svg}
"$DSIM" plot "$T/run.csv" --out "$T/viarun" --scripts "$SRC/plots" >/dev/null
nonempty "$T"/viarun/{tradeoff,latency_cdf}.{png,svg}
[ -z "$(find "$T" -name '.plots.tmp.*')" ] || fail "a temporary plot folder was left behind"

# 3. A real sweep with --plot (the scripts found beside the binary's folder, or by --scripts
#    in dsim plot above); then a real run's CSV.
SCEN=$SRC/scenarios/incident-2025-12-30.json
"$DSIM" sweep "$SCEN" --param policies.fenced.dispatch_timeout_s=10,30,60 --replications 2 \
    --out "$T/real" >/dev/null
"$DSIM" plot "$T/real/sweep.csv" --scripts "$SRC/plots" >/dev/null
nonempty "$T"/real/{sweep,tradeoff}.png
# The knob acts on "fenced" only: sweep.svg draws it and the baseline, not the others.
grep -q ">fenced<" "$T/real/sweep.svg" || fail "sweep.svg lacks the swept policy"
grep -q ">lingua-2025-12-28<" "$T/real/sweep.svg" || fail "sweep.svg lacks the baseline"
if grep -q ">new-job-id<" "$T/real/sweep.svg"; then fail "sweep.svg draws an unswept policy"; fi
"$DSIM" run "$SCEN" --replications 2 --format csv >"$T/real/run.csv"
"$DSIM" plot "$T/real/run.csv" --out "$T/real/run" --scripts "$SRC/plots" >/dev/null
nonempty "$T"/real/run/{tradeoff,latency_cdf}.png

# 4. Bad input and a missing gnuplot: exit 2 with a message a person can act on.
set +e
PATH=/nonexistent "$DSIM" plot "$T/run.csv" --out "$T/nognuplot" --scripts "$SRC/plots" \
    >/dev/null 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "without gnuplot: exit $rc, expected 2"
grep -q "gnuplot not found: apt-get install gnuplot-nox" "$T/err" || fail "message: $(cat "$T/err")"
set +e
"$DSIM" plot "$T/sweep.csv" --x nosuch --out "$T/bad" --scripts "$SRC/plots" >/dev/null 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "'nosuch' is not a knob" "$T/err" || fail "--x nosuch: exit $rc: $(cat "$T/err")"

# 5. sweep --plot checks what it needs before the first point runs: exit 2, and no
#    output folder (nothing ran). A dsim copied where no plots/ is beside it finds no
#    scripts unless --plots says where they are.
TINY=$SRC/tests/data/tiny.json
SW=(sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10,20 --plot)
pre() { # pre WANT OUTDIR CMD...: exit 2 with WANT on stderr, OUTDIR never made
    local want=$1 out=$2; shift 2
    set +e
    "$@" --out "$out" >/dev/null 2>"$T/err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "exit $rc (expected 2) for: $*"
    grep -qF -- "$want" "$T/err" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
    [ ! -e "$out" ] || fail "'$*' ran the sweep before refusing"
}
pre "'nosuch' is not a knob of this sweep" "$T/pre-x" "$DSIM" "${SW[@]}" --x nosuch
pre "--plots $T/noplots: no dsim gnuplot scripts there" "$T/pre-dir" "$DSIM" "${SW[@]}" --plots "$T/noplots"
pre "gnuplot not found: apt-get install gnuplot-nox" "$T/pre-gp" env PATH=/nonexistent "$DSIM" "${SW[@]}"
pre "--x goes with --plot" "$T/pre-alone" "$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10,20 --x n
mkdir -p "$T/elsewhere/bin"
cp "$DSIM" "$T/elsewhere/bin/dsim"
(cd "$T/elsewhere" && pre "cannot find dsim's gnuplot scripts" "$T/pre-none" bin/dsim "${SW[@]}")
(cd "$T/elsewhere" && bin/dsim "${SW[@]}" --plots "$SRC/plots" --x policies.fenced.dispatch_timeout_s \
    --out "$T/elsewhere/out" >/dev/null) || fail "sweep --plot --plots DIR failed"
nonempty "$T"/elsewhere/out/{sweep,tradeoff}.{png,svg}
(cd "$T/elsewhere" && bin/dsim plot "$T/sweep.csv" --out "$T/elsewhere/p" --plots "$SRC/plots" >/dev/null) \
    || fail "dsim plot --plots DIR failed"
nonempty "$T"/elsewhere/p/{sweep,tradeoff}.png
echo "cli_plot: ok"
