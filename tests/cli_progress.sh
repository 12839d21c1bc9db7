#!/usr/bin/env bash
# cli_progress.sh DSIM SOURCE_DIR — the progress reporter of run, check, sweep,
# tune, hunt, fit and live (sim/base/progress.h): stdout and every --out file are the same
# bytes with progress lines, without them (a short run prints none) and with
# --quiet, on 1 and 2 threads; with DSIM_PROGRESS_INTERVAL_MS=0 (a check every
# millisecond) a non-terminal stderr gets plain lines "LABEL: DONE/TOTAL UNIT (P%)"
# whose counts only grow, then "LABEL: TOTAL/TOTAL UNIT in ...", and --quiet / -q
# none; under script(1) (a terminal) the line is rewritten in place with '\r'.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" progress
INC=$SRC/scenarios/incident-2025-12-30.json
unset DSIM_PROGRESS_INTERVAL_MS

# lines_ok FILE LABEL UNIT TOTAL: FILE has progress lines of LABEL counting UNIT
# up to TOTAL, counts never decreasing and never above TOTAL, and the last line
# says the whole TOTAL was done.
lines_ok() {
    local f=$1 label=$2 unit=$3 total=$4 most=${5:-$4}
    # a progress line's total is $total, or (a search that ends early, whose total falls
    # to the runs started) anything from $total to $most; its count never passes it
    local re="^$label: [0-9]+/[0-9]+ $unit \\([0-9]+%\\), [0-9.]+ s, [0-9.]+/s"
    grep -E "$re" "$f" >/dev/null ||
        fail "$label: no line '$label: N/$total $unit (P%), S s, R/s' in: $(head -c 300 "$f")"
    tail -n 1 "$f" | grep -E "^$label: $total/$total $unit in [0-9.]+ s \\([0-9.]+/s\\)$" >/dev/null ||
        fail "$label: the last line is not '$label: $total/$total $unit in S s (R/s)': $(tail -n 1 "$f")"
    local prev=0 n t bad=0
    while read -r n t; do
        if [ "$n" -lt "$prev" ] || [ "$n" -gt "$t" ] || [ "$t" -lt "$total" ] ||
            [ "$t" -gt "$most" ]; then bad=1; fi
        prev=$n
    done < <(sed -nE "s|^$label: ([0-9]+)/([0-9]+) .*|\\1 \\2|p" "$f")
    [ "$bad" -eq 0 ] || fail "$label: counts decrease, pass their total or totals leave $total..$most: $(head -c 400 "$f")"
    if grep -vE "^$label: " "$f" >/dev/null; then
        fail "$label: stderr holds other lines: $(grep -vE "^$label: " "$f" | head -n 3)"
    fi
}

# same A B WHAT: files A and B are the same bytes.
same() {
    cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"
}

# 1. run: 20 replications x 9 policies x 500 utterances = 90000 utterances.
RUN=("$DSIM" run "$INC" --replications 20)
"${RUN[@]}" --jobs 1 --out "$TMP/r0" >"$TMP/r0.out" 2>"$TMP/r0.err" || fail "run exits $?"
[ -s "$TMP/r0.out" ] || fail "run printed nothing"
[ -s "$TMP/r0.err" ] && fail "a run of well under 2 s printed on stderr: $(head -c 200 "$TMP/r0.err")"
for j in 1 2; do
    DSIM_PROGRESS_INTERVAL_MS=0 "${RUN[@]}" --jobs $j --out "$TMP/r$j" >"$TMP/r$j.out" \
        2>"$TMP/r$j.err" || fail "run --jobs $j exits $?"
    lines_ok "$TMP/r$j.err" run utterances 90000
    same "$TMP/r0.out" "$TMP/r$j.out" "run stdout with progress lines (--jobs $j)"
    for f in results.json results.csv results-long.csv table.txt summary.txt; do
        same "$TMP/r0/$f" "$TMP/r$j/$f" "run --out $f with progress lines (--jobs $j)"
    done
done
for q in --quiet -q; do
    DSIM_PROGRESS_INTERVAL_MS=0 "${RUN[@]}" --jobs 2 $q --out "$TMP/rq" >"$TMP/rq.out" \
        2>"$TMP/rq.err" || fail "run $q exits $?"
    [ -s "$TMP/rq.err" ] && fail "run $q printed on stderr: $(head -c 200 "$TMP/rq.err")"
    same "$TMP/r0.out" "$TMP/rq.out" "run stdout with $q"
    same "$TMP/r0/results.json" "$TMP/rq/results.json" "run --out results.json with $q"
done
"$DSIM" run --help >"$TMP/help" || fail "run --help exits $?"
grep -E -- '--quiet' "$TMP/help" >/dev/null || fail "run --help does not list --quiet"

# 2. check: one file, its "==" line on stdout, the progress on stderr.
CHK=("$DSIM" check "$INC" --replications 20 --jobs 2)
"${CHK[@]}" --quiet >"$TMP/c0.out" 2>"$TMP/c0.err"
c0=$?
DSIM_PROGRESS_INTERVAL_MS=0 "${CHK[@]}" >"$TMP/c1.out" 2>"$TMP/c1.err"
c1=$?
[ "$c0" -eq "$c1" ] || fail "check exits $c0 with --quiet, $c1 with progress"
same "$TMP/c0.out" "$TMP/c1.out" "check stdout with and without progress"
[ -s "$TMP/c0.err" ] && fail "check --quiet printed on stderr: $(head -c 200 "$TMP/c0.err")"
lines_ok "$TMP/c1.err" "check incident-2025-12-30" utterances 90000

# 3. sweep: 3 points x 9 policies x 4 replications = 108 runs.
SW=("$DSIM" sweep "$INC" --param policies.fenced.dispatch_timeout_s=10,20,30 --replications 4)
"${SW[@]}" --jobs 1 --out "$TMP/s0" >"$TMP/s0.out" 2>"$TMP/s0.err" || fail "sweep exits $?"
DSIM_PROGRESS_INTERVAL_MS=0 "${SW[@]}" --jobs 2 --out "$TMP/s1" >"$TMP/s1.out" 2>"$TMP/s1.err" ||
    fail "sweep --jobs 2 exits $?"
DSIM_PROGRESS_INTERVAL_MS=0 "${SW[@]}" --jobs 2 -q --out "$TMP/s2" >"$TMP/s2.out" 2>"$TMP/s2.err" ||
    fail "sweep -q exits $?"
lines_ok "$TMP/s1.err" sweep runs 108
[ -s "$TMP/s2.err" ] && fail "sweep -q printed on stderr: $(head -c 200 "$TMP/s2.err")"
sed "s|$TMP/s[0-9]|DIR|g" "$TMP/s0.out" >"$TMP/s0.o"
for k in 1 2; do
    sed "s|$TMP/s[0-9]|DIR|g" "$TMP/s$k.out" >"$TMP/s$k.o"
    same "$TMP/s0.o" "$TMP/s$k.o" "sweep stdout (run $k)"
    same "$TMP/s0/sweep.csv" "$TMP/s$k/sweep.csv" "sweep.csv (run $k)"
    same "$TMP/s0/sweep.json" "$TMP/s$k/sweep.json" "sweep.json (run $k)"
done
# --resume: the reused points count as done from the start, the total stays
DSIM_PROGRESS_INTERVAL_MS=0 "${SW[@]}" --jobs 2 --resume --out "$TMP/s1" >/dev/null \
    2>"$TMP/s3.err" || fail "sweep --resume exits $?"
if [ -s "$TMP/s3.err" ]; then
    lines_ok "$TMP/s3.err" sweep runs 108
fi

# 4. tune: 10 settings x 2 replications, then the confirmation's 2 x 2.
TU=("$DSIM" tune "$INC" --policy fenced --knob policies.fenced.ack_timeout_s=5:60
    --minimize lost_rate --replications 2 --budget 20)
"${TU[@]}" --jobs 1 >"$TMP/t0.out" 2>"$TMP/t0.err" || fail "tune exits $?"
DSIM_PROGRESS_INTERVAL_MS=0 "${TU[@]}" --jobs 2 >"$TMP/t1.out" 2>"$TMP/t1.err" ||
    fail "tune --jobs 2 exits $?"
DSIM_PROGRESS_INTERVAL_MS=0 "${TU[@]}" --jobs 2 --quiet >"$TMP/t2.out" 2>"$TMP/t2.err" ||
    fail "tune --quiet exits $?"
same "$TMP/t0.out" "$TMP/t1.out" "tune stdout with progress"
same "$TMP/t0.out" "$TMP/t2.out" "tune stdout with --quiet"
[ -s "$TMP/t2.err" ] && fail "tune --quiet printed on stderr: $(head -c 200 "$TMP/t2.err")"
runs=$(sed -nE 's/.* = ([0-9]+) runs \(budget.*/\1/p' "$TMP/t0.out" | head -n 1)
[ -n "$runs" ] || fail "tune: no '= N runs (budget' line: $(head -n 2 "$TMP/t0.out")"
[ -n "$runs" ] && [ -s "$TMP/t1.err" ] && lines_ok "$TMP/t1.err" tune runs $((runs + 4))

# 5. hunt: the search's runs (200 at most; the first broken one ends it). 200, not
# fewer: the runs must outlast the reporter's first five periods (5 ms here) even
# when ctest's other tests hold both cores (20 runs took 10-20 ms, and once printed
# nothing).
HU=("$DSIM" hunt "$INC" --policy fenced --invariant 'duplicates == 0' --budget 200)
(cd "$TMP" && "${HU[@]}" --jobs 1 --out h0.json >h0.out 2>h0.err)
h0=$?
(cd "$TMP" && DSIM_PROGRESS_INTERVAL_MS=0 "${HU[@]}" --jobs 2 --out h1.json >h1.out 2>h1.err)
h1=$?
[ "$h0" -eq 0 ] || fail "hunt of fenced exits $h0, expected 0 (nothing broken in 200 runs): $(head -c 300 "$TMP/h0.err")"
[ "$h0" -eq "$h1" ] || fail "hunt exits $h0 then $h1 with progress"
sed 's/h[01]\.json/H/g' "$TMP/h0.out" >"$TMP/h0.o"
sed 's/h[01]\.json/H/g' "$TMP/h1.out" >"$TMP/h1.o"
same "$TMP/h0.o" "$TMP/h1.o" "hunt stdout with progress"
lines_ok "$TMP/h1.err" hunt runs 200
(cd "$TMP" && DSIM_PROGRESS_INTERVAL_MS=0 "${HU[@]}" --jobs 2 -q --out h2.json >/dev/null 2>h2.err)
[ -s "$TMP/h2.err" ] && fail "hunt -q printed on stderr: $(head -c 200 "$TMP/h2.err")"
# a hunt that breaks: the total falls to the runs started, every one counted once
HB=("$DSIM" hunt "$INC" --policy lingua-2025-12-28 --invariant 'duplicates == 0' --budget 20)
mkdir -p "$TMP/b0" "$TMP/b1" # the same --out name: the kept file quotes the command
(cd "$TMP/b0" && "${HB[@]}" -q --jobs 2 --out b.json >../b0.out 2>../b0.err)
b0=$?
(cd "$TMP/b1" && DSIM_PROGRESS_INTERVAL_MS=0 "${HB[@]}" --jobs 2 --out b.json >../b1.out 2>../b1.err)
b1=$?
[ "$b0" -eq 1 ] && [ "$b1" -eq 1 ] || fail "the breaking hunt exits $b0 and $b1, expected 1"
same "$TMP/b0.out" "$TMP/b1.out" "breaking hunt stdout with progress"
same "$TMP/b0/b.json" "$TMP/b1/b.json" "breaking hunt's kept file with and without -q"
# its stderr: the search's lines, then the shrinking's ("hunt shrink: N runs, ..."),
# each phase's lines only if it lasted long enough to print one
grep -vE '^hunt( shrink)?: ' "$TMP/b1.err" >/dev/null &&
    fail "breaking hunt: stderr holds other lines: $(grep -vE '^hunt( shrink)?: ' "$TMP/b1.err" | head -n 3)"
grep -E '^hunt: ' "$TMP/b1.err" >"$TMP/b1.search" || true
grep -E '^hunt shrink: ' "$TMP/b1.err" >"$TMP/b1.shrink" || true
if [ -s "$TMP/b1.search" ]; then
    t=$(tail -n 1 "$TMP/b1.search" | sed -nE 's|^hunt: ([0-9]+)/([0-9]+) runs in .*|\1 \2|p')
    set -- $t
    [ $# -eq 2 ] && [ "$1" = "$2" ] && [ "$1" -ge 1 ] && [ "$1" -le 20 ] ||
        fail "breaking hunt: the search's last line is not 'hunt: N/N runs in ...' with N <= 20: $(tail -n 1 "$TMP/b1.search")"
    [ $# -eq 2 ] && lines_ok "$TMP/b1.search" hunt runs "$2" 20
    if [ -s "$TMP/b1.shrink" ]; then
        [ "$(grep -n '' "$TMP/b1.err" | grep -E '^[0-9]+:hunt: ' | tail -n 1 | cut -d: -f1)" -lt \
          "$(grep -n '' "$TMP/b1.err" | grep -E '^[0-9]+:hunt shrink: ' | head -n 1 | cut -d: -f1)" ] ||
            fail "breaking hunt: the shrinking's progress lines are not after the search's"
    fi
fi
if [ -s "$TMP/b1.shrink" ]; then
    # counted runs, never decreasing, and the last line's count is stdout's "shrunk in N runs"
    runs=$(sed -nE 's|^shrunk in ([0-9]+) runs.*|\1|p' "$TMP/b1.out")
    [ -n "$runs" ] || fail "breaking hunt: no 'shrunk in N runs' line on stdout"
    tail -n 1 "$TMP/b1.shrink" | grep -E "^hunt shrink: $runs runs in [0-9.]+ s \([0-9.]+/s\)$" >/dev/null ||
        fail "breaking hunt: the shrinking's last line is not 'hunt shrink: $runs runs in S s (R/s)': $(tail -n 1 "$TMP/b1.shrink")"
    prev=0
    while read -r n; do
        [ "$n" -ge "$prev" ] && [ "$n" -le "$runs" ] ||
            fail "breaking hunt: the shrinking's counts decrease or pass $runs: $(cat "$TMP/b1.shrink")"
        prev=$n
    done < <(sed -nE 's|^hunt shrink: ([0-9]+) runs.*|\1|p' "$TMP/b1.shrink")
    grep -vE '^hunt shrink: [0-9]+ runs(, [0-9.]+ s, [0-9.]+/s| in [0-9.]+ s \([0-9.]+/s\))$' "$TMP/b1.shrink" >/dev/null &&
        fail "breaking hunt: a shrinking line is not 'hunt shrink: N runs, S s, R/s': $(head -n 3 "$TMP/b1.shrink")"
fi

# 6. fit: the bytes of its logs, shown in MB; its summary line on stderr after them.
"$DSIM" run "$INC" --replications 1 --log "$TMP/inc.jsonl" --log-format lingua >/dev/null ||
    fail "run --log-format lingua exits $?"
mkdir -p "$TMP/f0" "$TMP/f1"
(cd "$TMP/f0" && "$DSIM" fit ../inc.jsonl --out s.json --report -q >out 2>err) || fail "fit -q exits $?"
(cd "$TMP/f1" && DSIM_PROGRESS_INTERVAL_MS=0 "$DSIM" fit ../inc.jsonl --out s.json --report >out 2>err) ||
    fail "fit exits $?"
for f in out s.json s.trace.csv; do
    same "$TMP/f0/$f" "$TMP/f1/$f" "fit $f with progress lines"
done
grep -v '^fit: ' "$TMP/f1/err" >"$TMP/f1/err.rest"
same "$TMP/f0/err" "$TMP/f1/err.rest" "fit's own stderr lines with progress lines"
grep -E '^fit: [0-9.]+/[0-9.]+ MB \([0-9]+%\), [0-9.]+ s, [0-9.]+ MB/s' "$TMP/f1/err" >/dev/null ||
    fail "fit: no line 'fit: X/Y MB (P%), S s, R MB/s': $(head -c 300 "$TMP/f1/err")"
mb=$(awk '{ printf "%.1f", $5 / 1e6 }' < <(ls -ln "$TMP/inc.jsonl"))
grep -E "^fit: $mb/$mb MB in [0-9.]+ s" "$TMP/f1/err" >/dev/null ||
    fail "fit: no last line 'fit: $mb/$mb MB in ...': $(grep '^fit: ' "$TMP/f1/err" | tail -n 1)"
[ "$(grep -c '^fit: ' "$TMP/f0/err")" -eq 0 ] || fail "fit -q printed progress lines"
# without --report its summary line goes to stderr: after the progress lines
mkdir -p "$TMP/f2"
(cd "$TMP/f2" && DSIM_PROGRESS_INTERVAL_MS=0 "$DSIM" fit ../inc.jsonl --out s.json >out 2>err) ||
    fail "fit without --report exits $?"
grep '^fit: ' "$TMP/f2/err" >/dev/null || fail "fit without --report: no progress line"
[ "$(tail -n 1 "$TMP/f2/err" | grep -c '^dsim: fit: wrote ')" -eq 1 ] ||
    fail "fit: the summary line is not after the progress lines: $(tail -n 2 "$TMP/f2/err")"

# 7. live: the utterances as they end, in real time (steady-light: 60 at --speed 100);
# live's figures come from a real execution, so only stderr is compared
LV=("$DSIM" live "$SRC/scenarios/steady-light.json" --speed 100)
DSIM_PROGRESS_INTERVAL_MS=0 "${LV[@]}" >"$TMP/l1.out" 2>"$TMP/l1.err" || fail "live exits $?"
lines_ok "$TMP/l1.err" live utterances 60
DSIM_PROGRESS_INTERVAL_MS=0 "${LV[@]}" -q >"$TMP/l2.out" 2>"$TMP/l2.err" || fail "live -q exits $?"
[ -s "$TMP/l2.err" ] && fail "live -q printed on stderr: $(head -c 200 "$TMP/l2.err")"
grep -E '^metric ' "$TMP/l1.out" >/dev/null || fail "live printed no report with progress lines"

# 8. A terminal: the line is rewritten in place ('\r'), and ends with a newline.
if command -v script >/dev/null 2>&1 && script -qc true /dev/null </dev/null >/dev/null 2>&1; then
    DSIM_PROGRESS_INTERVAL_MS=1 script -qc "'$DSIM' run '$INC' --replications 20 --jobs 2 \
        --out '$TMP/rt' >'$TMP/rt.out'" "$TMP/tty" </dev/null >/dev/null 2>&1 ||
        fail "run under script(1) exits $?"
    tr '\r' '\n' <"$TMP/tty" | grep -E '^run: [0-9]+/90000 utterances \([0-9]+%\)' >/dev/null ||
        fail "no live line on the terminal: $(head -c 300 "$TMP/tty" | od -c | head -n 5)"
    n=$(tr -cd '\r' <"$TMP/tty" | wc -c)
    [ "$n" -ge 2 ] || fail "the terminal's line was not rewritten ($n carriage returns)"
    tr '\r' '\n' <"$TMP/tty" | grep -E '^run: 90000/90000 utterances in ' >/dev/null ||
        fail "no last line on the terminal"
    same "$TMP/r0.out" "$TMP/rt.out" "run stdout when stderr is a terminal"
    same "$TMP/r0/results.json" "$TMP/rt/results.json" "results.json when stderr is a terminal"
    # a terminal 40 columns wide: no line of more than 39 (a wrapped one is not rewritten)
    DSIM_PROGRESS_INTERVAL_MS=1 script -qc "stty cols 40; '$DSIM' run '$INC' --replications 20 \
        --jobs 2 >/dev/null" "$TMP/tty40" </dev/null >/dev/null 2>&1 || fail "run in 40 columns exits $?"
    long=$(tr '\r' '\n' <"$TMP/tty40" | grep -E '^run: ' | awk 'length($0) > 39' | head -n 1)
    [ -z "$long" ] || fail "a line wider than a 40-column terminal: '$long'"
    tr '\r' '\n' <"$TMP/tty40" | grep -E '^run: [0-9]+/90000 ' >/dev/null || fail "no line in 40 columns"
    # a breaking hunt with stdout and stderr on one terminal: the shrinking's
    # steps (stdout) each start a line of their own, never inside its live line
    mkdir -p "$TMP/ht"
    DSIM_PROGRESS_INTERVAL_MS=1 script -qc "cd '$TMP/ht' && '$DSIM' hunt '$INC' \
        --policy lingua-2025-12-28 --invariant 'duplicates == 0' --budget 20 --jobs 2 \
        --out b.json" "$TMP/htty" </dev/null >/dev/null 2>&1
    # (the shrinking takes about 20 ms: a live line needs the printer on a core by
    # then, which a loaded machine may not give; the steps' check holds either way)
    tr '\r' '\n' <"$TMP/htty" | grep -E '^hunt shrink: [0-9]+ runs' >/dev/null ||
        echo "note: no live line of the shrinking on the terminal this time"
    python3 - "$TMP/htty" <<'EOF' || fail "a shrink step printed inside the live line: $(tr '\r' '\n' <"$TMP/htty" | grep -E '.shrink: (workload|nodes|network)' | grep -vE '^shrink: ' | head -n 2)"
import re, sys
b = open(sys.argv[1], "rb").read()
steps = [m.start() for m in re.finditer(rb"shrink: (workload|nodes|network)", b)]
sys.exit(0 if steps and all(b[i - 1:i] in (b"\r", b"\n") for i in steps) else 1)
EOF
else
    echo "note: script(1) unusable here: the terminal case is not checked"
fi

cli_finish "progress: lines on stderr only, outputs the same bytes, --quiet silent"
