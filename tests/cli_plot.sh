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

# A script that fails on data that passed dsim's check is dsim's own fault: exit 3.
mkdir "$T/badgp"
cp "$SRC"/plots/*.gp "$T/badgp/"
echo 'plot no_such_variable' >>"$T/badgp/tradeoff.gp"
set +e
"$DSIM" plot "$T/run.csv" --out "$T/badgp/out" --plots "$T/badgp" >/dev/null 2>"$T/err"
rc=$?
set -e
[ "$rc" -eq 3 ] && grep -q "dsim's own fault" "$T/err" || fail "a failing script: exit $rc: $(cat "$T/err")"
[ -z "$(ls -A "$T/badgp/out")" ] || fail "a failing script left $(ls -A "$T/badgp/out")"

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
pre "gnuplot not found: apt-get install gnuplot-nox" "$T/pre-gp" env PATH=/nonexistent "$DSIM" "${SW[@]}" --plots "$SRC/plots"
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
# 6. Plots that do not mislead.
# 6a. Counts and rates never below 0 on an axis, even when a CI bar reaches below:
#     no negative tick label in a drawing of counts or rates (gnuplot's autoscale
#     would extend the axis to -0.01 and -1 here).
cat >"$T/low.csv" <<'EOF2'
policy,replications,duplicate_rate,duplicate_rate_ci95,lost_rate,lost_rate_ci95,latency_s.p50,latency_s.p50_ci95,latency_s.p90,latency_s.p90_ci95,latency_s.p99,latency_s.p99_ci95,latency_s.p999,latency_s.p999_ci95
a,3,0.001,0.01,0.002,0.02,2.1,0.1,5.5,0.3,31,2,80,5
b,3,0.003,0.001,0.0005,0.004,2.1,0.1,5.6,0.3,45,3,95,6
EOF2
"$DSIM" plot "$T/low.csv" --out "$T/low" --scripts "$SRC/plots" >/dev/null
nonneg() { # nonneg SVG: no tick label below 0
    python3 - "$1" <<'EOF2' || fail "$1 has an axis below 0"
import re, sys
txt = open(sys.argv[1], encoding="utf-8").read()
labels = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<text[^>]*>(.*?)</text>", txt, re.S)]
neg = [l.strip() for l in labels if re.match(r"^\s*[-\u2212]\s*[0-9.]", l)]
if neg:
    print(sys.argv[1], "negative ticks:", neg)
sys.exit(1 if neg else 0)
EOF2
}
nonneg "$T/low/tradeoff.svg"
nonneg "$T/viasweep/sweep.svg"  # lost 0 ± 0.5 at t=10: the bar is cut at 0
nonneg "$T/real/tradeoff.svg"

# 6b. The latency CDF is over all utterances: its last value is delivered / utterances
#     of the run (from results.json beside the latencies), below 1 for a policy that
#     lost some; without results.json dsim says so and the CDF ends at 1.
"$DSIM" run "$SCEN" --replications 2 --out "$T/cdf" --latencies "$T/cdf/latencies.csv" >/dev/null
"$DSIM" plot "$T/cdf/latencies.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] || fail "dsim plot latencies: unexpected stderr: $(cat "$T/err")"
nonempty "$T"/cdf/latency_cdf.{png,svg,tsv}
python3 - "$T/cdf/latency_cdf.tsv" "$T/cdf/results.json" all <<'EOF2' || fail "latency_cdf.tsv: see above"
import json, sys
tsv, res, mode = sys.argv[1:]
blocks = [b for b in open(tsv).read().split("\n\n\n") if b.strip()]
pols = json.load(open(res))["policies"]
assert len(blocks) == len(pols), (len(blocks), len(pols))
below = 0
for b, p in zip(blocks, pols):
    rows = [r.split("\t") for r in b.strip().split("\n")]
    assert all(r[2] == p["name"] for r in rows), p["name"]
    x = [float(r[0]) for r in rows]; y = [float(r[1]) for r in rows]
    assert x == sorted(x) and y == sorted(y), p["name"] + ": not monotone"
    d = sum(p["metrics"]["delivered"]["values"]); u = sum(p["metrics"]["utterances"]["values"])
    want = d / u if mode == "all" else 1.0
    assert abs(y[-1] - want) < 1e-9, "%s: ends at %r, delivered/utterances = %r" % (p["name"], y[-1], want)
    below += y[-1] < 0.999
assert mode != "all" or below > 0, "no policy lost anything: the check cannot fail"
EOF2
mkdir "$T/cdf2"
cp "$T/cdf/latencies.csv" "$T/cdf2/"
"$DSIM" plot "$T/cdf2/latencies.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err"
grep -q "over delivered utterances only" "$T/err" || fail "no note without results.json: $(cat "$T/err")"
python3 - "$T/cdf2/latency_cdf.tsv" "$T/cdf/results.json" delivered <<'EOF2' || fail "latency_cdf.tsv without results: see above"
import json, sys
blocks = [b for b in open(sys.argv[1]).read().split("\n\n\n") if b.strip()]
for b in blocks:
    assert abs(float(b.strip().split("\n")[-1].split("\t")[1]) - 1) < 1e-12
EOF2

# 6c. Paired differences of a sweep (sweep_paired.csv): the mean and 95% CI of the
#     per-replication differences in sweep.json, against the baseline at the same
#     point (a knob of fenced) or at the knob's first value (a knob of the baseline).
"$DSIM" sweep "$SCEN" --param policies.lingua-2025-12-28.ack_timeout_s=5,30 --replications 3 \
    --out "$T/self" --plot --plots "$SRC/plots" --x policies.lingua-2025-12-28.ack_timeout_s >/dev/null
for d in real self; do
    [ -s "$T/$d/sweep_paired.csv" ] || "$DSIM" plot "$T/$d/sweep.csv" --scripts "$SRC/plots" >/dev/null
    python3 - "$T/$d/sweep_paired.csv" "$T/$d/sweep.json" <<'EOF2' || fail "$d/sweep_paired.csv: see above"
import csv, json, math, statistics, sys
T975 = {1: 12.706204736, 2: 4.302652730}
rows = list(csv.DictReader(open(sys.argv[1])))
sw = json.load(open(sys.argv[2]))
base = sw["baseline"]; knob = sw["knobs"][0]
self_ref = knob.startswith("policies.%s." % base)
assert len(rows) == sum(len(p["policies"]) for p in sw["points"])
nonzero = 0
for r in rows:
    p = int(r["point"])
    q = 0 if self_ref else p
    me = {x["name"]: x for x in sw["points"][p]["policies"]}[r["policy"]]
    ref = {x["name"]: x for x in sw["points"][q]["policies"]}[base]
    for m in ("duplicates", "lost", "lost_rate"):
        d = [a - b for a, b in zip(me["metrics"][m]["values"], ref["metrics"][m]["values"])]
        mean = statistics.mean(d)
        half = T975[len(d) - 1] * statistics.stdev(d) / math.sqrt(len(d))
        assert abs(float(r[m]) - mean) <= 1e-8 * max(1, abs(mean)), (r, m, mean)
        assert abs(float(r[m + "_ci95"]) - half) <= 1e-6 * max(1, half), (r, m, half)
        nonzero += mean != 0
assert nonzero > 0, "every difference is 0: the check cannot fail"
EOF2
done
# 6d. Titles name the scenario; the x axis says what the knob is, in words and unit.
grep -q "incident-2025-12-30" "$T/self/sweep.svg" || fail "sweep.svg: no scenario in the title"
grep -q "ack timeout (s)" "$T/self/sweep.svg" || fail "sweep.svg: the knob not in words"
grep -q "paired difference of lost" "$T/self/sweep.svg" || fail "sweep.svg: no paired panel"
grep -q "incident-2025-12-30" "$T/cdf/latency_cdf.svg" || fail "latency_cdf.svg: no scenario in the title"
# 7. A CSV cut short or malformed is refused before anything is drawn: exit 2, one
#    message naming FILE:LINE and what was expected, and nothing written (the --out
#    folder is not even made).
refused() { # refused WANT FILE: dsim plot FILE exits 2, says WANT, writes nothing
    set +e
    "$DSIM" plot "$2" --out "$T/refused" --scripts "$SRC/plots" >/dev/null 2>"$T/err"
    local rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "plot $2: exit $rc (expected 2): $(cat "$T/err")"
    grep -qF -- "$1" "$T/err" || fail "plot $2: message lacks '$1': $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "plot $2: not one message: $(cat "$T/err")"
    [ ! -e "$T/refused" ] || fail "plot $2 wrote $(ls -A "$T/refused")"
}
mkdir "$T/bad7"
{ head -n 2 "$T/real/sweep.csv"; sed -n 3p "$T/real/sweep.csv" | cut -c1-100 | tr -d '\n'; } >"$T/bad7/cut.csv"
refused "bad7/cut.csv:3: the last line is cut short (no newline at its end)" "$T/bad7/cut.csv"
{ head -n 2 "$T/real/sweep.csv"; sed -n 3p "$T/real/sweep.csv" | cut -d, -f1-20; } >"$T/bad7/short.csv"
refused "bad7/short.csv:3: 20 fields, expected $(head -n1 "$T/real/sweep.csv" | tr ',' '\n' | wc -l) as in the header (a row cut short?)" "$T/bad7/short.csv"
sed '2s/$/,extra/' "$T/real/run.csv" >"$T/bad7/run-long.csv"
refused "bad7/run-long.csv:2: more than $(head -n1 "$T/real/run.csv" | tr ',' '\n' | wc -l) fields, expected" "$T/bad7/run-long.csv"
sed '3s/^\([^,]*,[^,]*\),[^,]*,/\1,abc,/' "$T/real/run.csv" >"$T/bad7/run-abc.csv"
refused "bad7/run-abc.csv:3: column 'utterances' (field 3): expected a decimal number, or an empty field (not measured), got 'abc'" "$T/bad7/run-abc.csv"
for v in 0x10 inf nan 1e999 ' 1' 1e; do   # what C's strtod would read is not a number dsim writes
    sed "2s/^\([^,]*,[^,]*,[^,]*\),[^,]*,/\1,$v,/" "$T/real/run.csv" >"$T/bad7/run-num.csv"
    refused "bad7/run-num.csv:2: column 'utterances_ci95' (field 4): expected a decimal number" "$T/bad7/run-num.csv"
done
sed '2s/^\([^,]*\),[^,]*,/\1,0,/' "$T/real/run.csv" >"$T/bad7/run-reps.csv"
refused "bad7/run-reps.csv:2: column 'replications' (field 2): expected an integer >= 1, got '0'" "$T/bad7/run-reps.csv"
head -n 1 "$T/real/run.csv" >"$T/bad7/header.csv"
refused "bad7/header.csv: no row after the header (expected one per policy)" "$T/bad7/header.csv"
"$DSIM" run "$SCEN" --replications 2 --out "$T/bad7/r" >/dev/null
head -n 3 "$T/bad7/r/results-long.csv" | cut -d, -f1-4 | sed 's/$/,1/' >"$T/bad7/long.csv"
refused "bad7/long.csv:1: no column 'duplicate_rate' (expected the header of a dsim run CSV" "$T/bad7/long.csv"
head -c 150 "$T/cdf/latencies.csv" >"$T/bad7/latencies.csv"
refused "bad7/latencies.csv:" "$T/bad7/latencies.csv"
grep -q "the last line is cut short" "$T/err" || fail "cut latencies: $(cat "$T/err")"
sed '3s/,[^,]*,\([^,]*,[^,]*\)$/,-1,\1/' "$T/cdf/latencies.csv" >"$T/bad7/neg.csv"
refused "bad7/neg.csv:3: column 'latency_s' (field 3): expected a latency in seconds, a decimal number >= 0, got '-1'" "$T/bad7/neg.csv"

# 7b. A shard's CSV is part of a sweep: dsim plot says so and what to plot instead.
"$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10,20,30 --shard 1/2 \
    --out "$T/shard" >/dev/null
"$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10 --replications 3 --shard 1/2 \
    --out "$T/part" >/dev/null
refused "shard 1/2 of a sweep (dsim sweep --shard), only part of it: plot the merged CSV (dsim merge $T/shard/sweep-*-of-2.csv -o $T/shard/sweep.csv --json $T/shard/sweep.json)" "$T/shard/sweep-1-of-2.csv"
refused "shard 1/2 of a sweep" "$T/part/sweep-1-of-2.csv"
# 8. Valid data always plots (exit 0, every picture, nothing on stderr), and says
#    what it drew: one replication (the _ci95 fields are empty: points without bars,
#    "no CI"), and a knob whose values are names (categories on the x axis).
drawn() { # drawn DIR FILE...: each FILE in DIR as PNG and SVG, and no gnuplot message
    local d=$1; shift
    [ ! -s "$T/err" ] || fail "$d: stderr: $(cat "$T/err")"
    for f in "$@"; do nonempty "$d/$f.png" "$d/$f.svg"; done
}
"$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10,20 --replications 1 \
    --out "$T/one" --plot --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "sweep --replications 1 --plot: $(cat "$T/err")"
drawn "$T/one" sweep tradeoff
grep -q "one replication: no CI" "$T/one/sweep.svg" || fail "one/sweep.svg does not say it has no CI"
grep -q "one replication: no CI" "$T/one/tradeoff.svg" || fail "one/tradeoff.svg does not say it has no CI"
"$DSIM" run "$SCEN" --replications 1 --out "$T/one/run" >/dev/null
"$DSIM" plot "$T/one/run/results.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err" || fail "plot of one replication: $(cat "$T/err")"
drawn "$T/one/run" tradeoff latency_cdf loss_causes
grep -q "one replication: no CI" "$T/one/run/tradeoff.svg" || fail "one/run/tradeoff.svg: no 'no CI'"
python3 - "$T/one/run/tradeoff.svg" "$T/one/run/results.csv" <<'EOF2' || fail "one/run/tradeoff.svg: see above"
import csv, sys
svg = open(sys.argv[1], encoding="utf-8").read()
for r in csv.DictReader(open(sys.argv[2])):   # every policy in the key, with a point
    assert ">%s<" % r["policy"] in svg, r["policy"]
assert svg.count("<use xlink:href") >= 2 * len(list(csv.DictReader(open(sys.argv[2])))), "points missing"
EOF2
"$DSIM" sweep "$TINY" --param policies.fenced.pending=fail,queue --out "$T/enum" --plot \
    --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "sweep of an enum knob --plot: $(cat "$T/err")"
drawn "$T/enum" sweep tradeoff
for v in fail queue; do grep -q ">$v<" "$T/enum/sweep.svg" || fail "enum/sweep.svg: no tic '$v'"; done
grep -q "open circle: its first value, fail" "$T/enum/tradeoff.svg" || fail "enum/tradeoff.svg: which value is first"
"$DSIM" sweep "$TINY" --param policies.fenced.pending=fail,queue --replications 1 --out "$T/enum1" --plot \
    --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "enum knob, one replication: $(cat "$T/err")"
drawn "$T/enum1" sweep tradeoff
"$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10 --out "$T/onept" --plot \
    --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "sweep of one point: $(cat "$T/err")"
drawn "$T/onept" sweep tradeoff   # no gnuplot warning of an empty x range either
# a line's other knob of its own policy is named by its key alone (the key's
# entries fit beside the panels: "fenced pending=fail", not "fenced policies.fenced.pending=fail")
"$DSIM" sweep "$TINY" --param policies.fenced.dispatch_timeout_s=10,20 --param policies.fenced.pending=fail,queue \
    --out "$T/two" --plot --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "sweep of two knobs: $(cat "$T/err")"
drawn "$T/two" sweep tradeoff
for f in sweep tradeoff; do
    grep -q ">fenced pending=fail<" "$T/two/$f.svg" || fail "two/$f.svg: no key entry 'fenced pending=fail'"
done
# a policy name may hold '|' (the scripts' lists are tab-separated): drawn under its name
jq '.policies[1].name = "fen|ced"' "$TINY" >"$T/bar.json"
"$DSIM" sweep "$T/bar.json" --param 'policies.fen|ced.dispatch_timeout_s=10,20' --out "$T/bar" --plot \
    --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "sweep of fen|ced: $(cat "$T/err")"
drawn "$T/bar" sweep tradeoff
for f in sweep tradeoff; do grep -q ">fen|ced<" "$T/bar/$f.svg" || fail "bar/$f.svg: no line 'fen|ced'"; done
"$DSIM" report "$T/one" --plots "$SRC/plots" >/dev/null 2>"$T/err" || fail "report of one replication: $(cat "$T/err")"
[ -s "$T/one/report.html" ] || fail "no report of one replication"
# 9. A world that delivers nothing: every figure is drawn and says so. The run CSV's
#    tail is P = 1 for each policy (no quantile), the ECDF over all utterances stays
#    at 0 (latency_cdf.tsv: each policy of results.json at fraction 0), and a
#    latencies file with only its header still gives a figure that says no
#    utterance was delivered.
jq '.network.loss = 1' "$TINY" >"$T/lossall.json"
"$DSIM" run "$T/lossall.json" --out "$T/lossall" --latencies "$T/lossall/latencies.csv" >/dev/null
[ "$(wc -l <"$T/lossall/latencies.csv")" -eq 1 ] || fail "lossall delivered something: the check cannot fail"
"$DSIM" plot "$T/lossall/results.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err" || fail "plot lossall/results.csv: $(cat "$T/err")"
drawn "$T/lossall" tradeoff latency_cdf loss_causes
grep -q "no utterance was delivered" "$T/lossall/latency_cdf.svg" || fail "lossall latency_cdf.svg does not say so"
grep -q "fenced (nothing delivered)" "$T/lossall/latency_cdf.svg" || fail "lossall latency_cdf.svg: no key entry"
"$DSIM" plot "$T/lossall/latencies.csv" --out "$T/lossall/e" --scripts "$SRC/plots" >/dev/null 2>"$T/err" ||
    fail "plot lossall/latencies.csv: $(cat "$T/err")"
drawn "$T/lossall/e" latency_cdf
grep -q "every CDF stays at 0" "$T/lossall/e/latency_cdf.svg" || fail "lossall ECDF does not say so"
[ "$(cut -f2,3 "$T/lossall/e/latency_cdf.tsv" | grep -c .)" -eq 2 ] &&
    [ "$(cut -f2 "$T/lossall/e/latency_cdf.tsv" | sort -u | grep .)" = 0 ] ||
    fail "lossall latency_cdf.tsv is not each policy at 0: $(cat "$T/lossall/e/latency_cdf.tsv")"
mkdir "$T/headonly"
head -n 1 "$T/lossall/latencies.csv" >"$T/headonly/latencies.csv"
"$DSIM" plot "$T/headonly/latencies.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err" || fail "header-only latencies: $(cat "$T/err")"
nonempty "$T"/headonly/latency_cdf.{png,svg}
grep -q "the latencies file has no rows" "$T/headonly/latency_cdf.svg" || fail "header-only ECDF does not say so"
# one policy that delivered nothing next to one that did (the other's rows removed,
# results.json's delivered set to 0): its line at 0 in the ECDF, at P = 1 in the tail
mkdir "$T/mixed"
cp "$T/cdf/results.csv" "$T/cdf/latencies.csv" "$T/mixed/"
python3 - "$T/mixed" "$T/cdf/results.json" <<'EOF2'
import csv, json, sys
d = sys.argv[1]
r = json.load(open(sys.argv[2]))
gone = r["policies"][1]["name"]
m = r["policies"][1]["metrics"]
m["delivered"]["values"] = [0 for _ in m["delivered"]["values"]]
json.dump(r, open(d + "/results.json", "w"))
rows = [l for l in open(d + "/latencies.csv") if not l.startswith(gone + ",")]
open(d + "/latencies.csv", "w").writelines(rows)
rows = list(csv.reader(open(d + "/results.csv")))
for c, h in enumerate(rows[0]):
    if h.startswith("latency_s."):
        rows[2][c] = ""
csv.writer(open(d + "/results.csv", "w"), lineterminator="\n").writerows(rows)
print(gone, file=open(d + "/gone", "w"))
EOF2
gone=$(cat "$T/mixed/gone")
"$DSIM" plot "$T/mixed/latencies.csv" --scripts "$SRC/plots" >/dev/null 2>"$T/err" || fail "mixed ECDF: $(cat "$T/err")"
grep -q "$gone (nothing delivered)" "$T/mixed/latency_cdf.svg" || fail "mixed ECDF: no '$gone (nothing delivered)'"
[ "$(grep -c "	$gone\$" "$T/mixed/latency_cdf.tsv")" -eq 2 ] && ! grep "	$gone\$" "$T/mixed/latency_cdf.tsv" | grep -qv "	0	" ||
    fail "mixed latency_cdf.tsv: $gone is not at 0"
"$DSIM" plot "$T/mixed/results.csv" --out "$T/mixed/q" --scripts "$SRC/plots" >/dev/null 2>"$T/err" || fail "mixed tail: $(cat "$T/err")"
grep -q "$gone (nothing delivered)" "$T/mixed/q/latency_cdf.svg" || fail "mixed tail: no '$gone (nothing delivered)'"

# 10. Names gnuplot's text modes treat specially are drawn exactly: in every picture's
#     legend and tics (read from the SVG's text), a name with a space, ', _, ^, @, &, {},
#     ~, %, and one of 63 bytes, the longest a policy name may be; a sweep of two knobs
#     of such policies draws (its other knob's name holds a space: one column, not two
#     words).
P1="it's a_b^c @d&e {f} ~g %h"
P2="$(printf 'L%.0s' $(seq 1 55))_^@&'{Z}"
[ ${#P2} -eq 63 ] || fail "P2 is ${#P2} bytes"
jq --arg a "$P1" --arg b "$P2" '.policies[0].name = $a | .policies[1].name = $b' "$TINY" >"$T/names.json"
"$DSIM" run "$T/names.json" --out "$T/names" --latencies "$T/names/latencies.csv" >/dev/null
"$DSIM" plot "$T/names/results.csv" --out "$T/names/run" --scripts "$SRC/plots" >/dev/null 2>"$T/err" ||
    fail "names: run plot: $(cat "$T/err")"
"$DSIM" plot "$T/names/latencies.csv" --out "$T/names/lat" --scripts "$SRC/plots" >/dev/null 2>"$T/err" ||
    fail "names: latencies plot: $(cat "$T/err")"
"$DSIM" sweep "$T/names.json" --param "policies.$P2.dispatch_timeout_s=10,20" \
    --param "policies.$P1.pending=fail,queue" --out "$T/names/sw" --plot --plots "$SRC/plots" \
    >/dev/null 2>"$T/err" || fail "names: sweep --plot of two knobs: $(cat "$T/err")"
svg_has() {   # svg_has FILE LABEL...: each LABEL is the whole text of one of FILE's text elements
    python3 - "$@" <<'PY' || fail "$1: labels missing (above)"
import sys, xml.etree.ElementTree as ET
texts = {"".join(t.itertext()) for t in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")}
missing = [l for l in sys.argv[2:] if l not in texts]
for l in missing:
    print("missing %r; near: %r" % (l, sorted(t for t in texts if t[:3] == l[:3])), file=sys.stderr)
sys.exit(1 if missing else 0)
PY
}
for f in tradeoff latency_cdf loss_causes; do svg_has "$T/names/run/$f.svg" "$P1" "$P2"; done
svg_has "$T/names/lat/latency_cdf.svg" "$P1" "$P2"
# ... and the canvas grows for it (the key beside the plot, the name below the bars),
# so the plot and its centred title, which names the scenario, stay on it
viewbox() { sed -n 's/.*viewBox="0 0 \([0-9]*\) \([0-9]*\)".*/\1 \2/p' "$1" | head -1; }
for f in run/tradeoff:1100:700 run/latency_cdf:1000:700 lat/latency_cdf:1150:700 run/loss_causes:1100:600 sw/sweep:1200:900; do
    IFS=: read -r svg w h <<<"$f"
    read -r gw gh <<<"$(viewbox "$T/names/$svg.svg")"
    [ "$gw" -gt "$w" ] || [ "$gh" -gt "$h" ] || fail "names: $svg.svg is ${gw}x$gh, as for short names (${w}x$h)"
done
svg_has "$T/names/sw/tradeoff.svg" "$P1 pending=fail" "$P1 pending=queue" "$P2"
svg_has "$T/names/sw/sweep.svg" "$P1 pending=fail" "$P1 pending=queue" "$P2"
# 11. A name holding '"', ',' or '\' is drawn exactly in every picture, though
#     gnuplot's data reader cuts a text field at '"' or ',' and drops '\' whatever the
#     quoting: the scripts read a copy of the CSV spelled for that reader (\042, \054,
#     \134), and the ECDF table is spelled so (it need not spell ','); the user's CSVs
#     stay as written. So are names the reader would bend otherwise: leading spaces
#     (it skips them), a '#' first (a comment line when the policy starts the row),
#     "NaN" (the scripts' missing value), an octal digit right after an escaped
#     character (the decoder takes every octal digit after a '\').
names_drawn() { # names_drawn DIR NAME0 NAME1: tiny's policies so named, every picture
    local d=$T/$1 a=$2 b=$3
    mkdir -p "$d"
    jq --arg a "$a" --arg b "$b" '.policies[0].name = $a | .policies[1].name = $b' "$TINY" >"$d/s.json"
    "$DSIM" run "$d/s.json" --out "$d/r" --latencies "$d/r/latencies.csv" >/dev/null
    cp "$d/r/results.csv" "$d/results.before"
    "$DSIM" plot "$d/r/results.csv" --out "$d/p" --scripts "$SRC/plots" >/dev/null 2>"$T/err" ||
        fail "$1: run plot: $(cat "$T/err")"
    "$DSIM" plot "$d/r/latencies.csv" --out "$d/l" --scripts "$SRC/plots" >/dev/null 2>"$T/err" ||
        fail "$1: latencies plot: $(cat "$T/err")"
    cmp -s "$d/r/results.csv" "$d/results.before" || fail "$1: dsim plot changed results.csv"
    for f in p/tradeoff p/latency_cdf p/loss_causes l/latency_cdf; do svg_has "$d/$f.svg" "$a" "$b"; done
    # a sweep of two knobs that name them (from the scenario's sweep block: a
    # --param key may not hold a comma), drawn along either knob
    jq --arg a "$a" --arg b "$b" '.sweep = {("policies." + $b + ".dispatch_timeout_s"): [10, 20],
        ("policies." + $a + ".pending"): ["fail", "queue"]}' "$d/s.json" >"$d/sw.json"
    "$DSIM" sweep "$d/sw.json" --out "$d/sw" --plot --plots "$SRC/plots" >/dev/null 2>"$T/err" ||
        fail "$1: sweep --plot: $(cat "$T/err")"
    for f in sweep tradeoff; do svg_has "$d/sw/$f.svg" "$a pending=fail" "$a pending=queue" "$b"; done
    cp "$d/sw/sweep.csv" "$d/sweep.before"
    "$DSIM" plot "$d/sw/sweep.csv" --x "policies.$a.pending" --out "$d/x" --scripts "$SRC/plots" \
        >/dev/null 2>"$T/err" || fail "$1: plot --x policies.$a.pending: $(cat "$T/err")"
    cmp -s "$d/sw/sweep.csv" "$d/sweep.before" || fail "$1: dsim plot changed sweep.csv"
    svg_has "$d/x/sweep.svg" "$b dispatch_timeout_s=10" "$b dispatch_timeout_s=20" "$a" fail queue
    svg_has "$d/x/tradeoff.svg" "$b dispatch_timeout_s=10" "$b dispatch_timeout_s=20" "$a"
}
Q='a"b\c,d'
names_drawn quote "$Q" 'x,y'
names_drawn quote2 'x,y' "$Q"
names_drawn odd '#1"7\0,4' 'NaN'
names_drawn odd2 '  lead' '#'
# the user's files hold the names as CSV (RFC 4180) and the ECDF table as gnuplot reads it
grep -qF '0,10,fail,"a""b\c,d",' "$T/quote/sw/sweep_paired.csv" ||
    fail "sweep_paired.csv does not quote a\"b\\c,d as CSV: $(sed -n 2p "$T/quote/sw/sweep_paired.csv")"
[ -z "$(find "$T" -name 'gnuplot*.csv')" ] || fail "gnuplot's copy of a CSV was left behind"
grep -qF "$(printf '\ta\\042b\\134c,d')" "$T/quote/l/latency_cdf.tsv" ||
    fail "latency_cdf.tsv does not spell a\"b\\c,d for gnuplot: $(head -2 "$T/quote/l/latency_cdf.tsv")"
echo "cli_plot: ok"
