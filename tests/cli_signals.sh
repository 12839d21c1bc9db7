#!/usr/bin/env bash
# cli_signals.sh DSIM SOURCE_DIR — what a stopped run leaves behind.
#
# 1. SIGINT / SIGTERM part-way through `dsim run`: dsim dies of the signal
#    (exit 130 / 143), no temporary is left, and --log / --latencies / --trace
#    hold the first K runs whole — byte for byte the first K runs of a run that
#    was not stopped — as stderr says.
# 2. A standard output that closes (`| head -1`, a reader gone: SIGPIPE; or
#    EPIPE when SIGPIPE is ignored) costs nothing: the log is whole.
# 3. An event budget that trips (exit 2) keeps the log and trace written so far.
# 4. SIGINT part-way through a sweep: no temporary left, stderr says --resume
#    continues, and it does.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-signals
# Background jobs of a script ignore SIGINT unless job control is on.
set -m

# The incident world with its first policy only and 1000 replications: about 10
# ms a run, so a run is still going long after it starts; the replication
# prefix of any run is the same as a shorter run's (seeds depend on the index).
jq '.policies |= .[:1] | del(.expect) | .replications = 1000' \
    "$SRC/scenarios/incident-2025-12-30.json" >"$TMP/one.json" || { echo "FAIL: jq"; exit 1; }

litter() {
    find "$TMP" -name '*.tmp.*' -o -name '.dsim-spool-*' | sort
}

# wait_for GLOB: until a file matching GLOB is non-empty, while $PID runs.
wait_for() {
    local i f
    for ((i = 0; i < 3000; i++)); do
        for f in $1; do
            [ -s "$f" ] && return 0
        done
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# stop_run SIG CODE OPTS...: starts a long run with OPTS in $TMP/SIG, sends SIG
# once its log has a whole run, checks the exit code and the litter, and sets K
# to the runs that stderr says were kept.
stop_run() {
    local sig=$1 code=$2
    shift 2
    local d=$TMP/$sig
    mkdir -p "$d"
    "$DSIM" run "$TMP/one.json" --jobs 2 "$@" >"$d/stdout" 2>"$d/err" &
    PID=$!
    if ! wait_for "$d/*.tmp.*"; then
        fail "$sig: the run ended before it could be stopped: $(cat "$d/err")"
        PID=
        K=
        return
    fi
    sleep 0.3
    kill -"$sig" "$PID"
    wait "$PID"
    local rc=$?
    PID=
    [ "$rc" = "$code" ] || fail "$sig: exit $rc, expected $code: $(cat "$d/err")"
    grep -q "^dsim: stopped by SIG$sig" "$d/err" || fail "$sig: stderr does not say so: $(cat "$d/err")"
    local left
    left=$(litter)
    [ -z "$left" ] || fail "$sig: left temporaries: $left"
    K=$(sed -n 's/^dsim: kept .*: the first \([0-9]*\) of 1000 runs.*/\1/p' "$d/err" | sort -u)
    [ -n "$K" ] && [ "$(echo "$K" | wc -l)" = 1 ] ||
        fail "$sig: expected one 'kept ...: the first K of 1000 runs' for every stream: $(cat "$d/err")"
}

# same_prefix SIG K FILE...: each FILE equals the one of a run of K replications.
same_prefix() {
    local sig=$1 k=$2 f
    shift 2
    [ -n "$k" ] || return
    [ "$k" -lt 1000 ] || { fail "$sig: kept all runs (test inconclusive)"; return; }
    local r=$TMP/$sig-ref
    mkdir -p "$r"
    "$DSIM" run "$TMP/one.json" --replications "$k" --jobs 1 --log "$r/run.jsonl" \
        --trace "$r/trace.jsonl" --latencies "$r/lat.csv" >/dev/null 2>&1 ||
        fail "$sig: the reference run failed"
    for f in "$@"; do
        cmp -s "$TMP/$sig/$f" "$r/$f" || fail "$sig: $f is not the first $k runs, whole"
    done
}

# 1a. SIGINT: --log and --latencies kept, whole runs only.
stop_run INT 130 --log "$TMP/INT/run.jsonl" --latencies "$TMP/INT/lat.csv" --out "$TMP/INT/out"
grep -q "kept $TMP/INT/run.jsonl: the first" "$TMP/INT/err" || fail "INT: no word on the log"
grep -q "kept $TMP/INT/lat.csv: the first" "$TMP/INT/err" || fail "INT: no word on the latencies"
[ -z "$(ls -A "$TMP/INT/out" 2>/dev/null)" ] || fail "INT: --out has files: $(ls -A "$TMP/INT/out")"
same_prefix INT "$K" run.jsonl lat.csv

# 1b. SIGTERM: --trace kept the same way.
stop_run TERM 143 --trace "$TMP/TERM/trace.jsonl"
same_prefix TERM "$K" trace.jsonl

# 2a. `| head -1`: the log is whole (the same bytes as without the pipe), whether
#     or not dsim was still writing when head left.
mkdir "$TMP/pipe"
"$DSIM" run "$TMP/one.json" --replications 3 --log "$TMP/pipe/ref.jsonl" >/dev/null 2>&1
"$DSIM" run "$TMP/one.json" --replications 3 --format json --log "$TMP/pipe/run.jsonl" \
    2>"$TMP/pipe/err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || [ "$rc" = 141 ] || fail "| head -1: exit $rc: $(cat "$TMP/pipe/err")"
cmp -s "$TMP/pipe/run.jsonl" "$TMP/pipe/ref.jsonl" || fail "| head -1: the log is not whole"
left=$(litter)
[ -z "$left" ] || fail "| head -1: left temporaries: $left"

# 2b. A reader that is gone before dsim writes (deterministic SIGPIPE), then the
#     same with SIGPIPE ignored (EPIPE): the log is whole either way.
python3 - "$DSIM" "$TMP/one.json" "$TMP/pipe" <<'EOF' || fail "closed standard output: see above"
import os, signal, subprocess, sys
dsim, scen, d = sys.argv[1:]
ref = open(d + "/ref.jsonl", "rb").read()
for ignore in (False, True):
    log = d + "/closed-%d.jsonl" % ignore
    r, w = os.pipe()
    os.close(r)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN if ignore else signal.SIG_DFL)
    p = subprocess.run([dsim, "run", scen, "--replications", "3", "--log", log],
                       stdout=w, stderr=subprocess.PIPE, restore_signals=False)
    os.close(w)
    err = p.stderr.decode()
    want = 2 if ignore else -signal.SIGPIPE
    if p.returncode != want:
        sys.exit("exit %d, expected %d: %s" % (p.returncode, want, err))
    what = "cannot write standard output" if ignore else "stopped by SIGPIPE"
    if what not in err:
        sys.exit("stderr does not say '%s': %s" % (what, err))
    if not ignore and ("%s: complete" % log) not in err:
        sys.exit("stderr does not say the log is complete: " + err)
    if open(log, "rb").read() != ref:
        sys.exit("the log is not whole (SIGPIPE %s)" % ("ignored" if ignore else "default"))
EOF
left=$(litter)
[ -z "$left" ] || fail "closed standard output: left temporaries: $left"

# 3. The event budget trips in the first run: exit 2, and the log and trace hold
#    that run's records up to the budget (a prefix of its full records).
mkdir "$TMP/budget"
"$DSIM" run "$TMP/one.json" --replications 2 --max-events 2000 --log "$TMP/budget/run.jsonl" \
    --trace "$TMP/budget/trace.jsonl" >/dev/null 2>"$TMP/budget/err"
rc=$?
[ "$rc" = 2 ] || fail "budget: exit $rc, expected 2"
grep -q "more than 2000 events" "$TMP/budget/err" || fail "budget: $(cat "$TMP/budget/err")"
grep -q "keeping $TMP/budget/run.jsonl" "$TMP/budget/err" || fail "budget: no word on the log"
"$DSIM" run "$TMP/one.json" --replications 1 --log "$TMP/budget/ref.jsonl" \
    --trace "$TMP/budget/reftrace.jsonl" >/dev/null 2>&1
for f in run:ref trace:reftrace; do
    got=$TMP/budget/${f%%:*}.jsonl ref=$TMP/budget/${f##*:}.jsonl
    n=$(stat -c %s "$got" 2>/dev/null || echo 0)
    [ "$n" -gt 1000 ] && [ "$n" -lt "$(stat -c %s "$ref")" ] ||
        fail "budget: ${f%%:*}.jsonl has $n bytes: expected part of the first run's"
    cmp -s -n "$n" "$got" "$ref" || fail "budget: ${f%%:*}.jsonl is not the first run's start"
    [ "$(tail -c 1 "$got" | od -An -c | tr -d ' ')" = '\n' ] || fail "budget: ${f%%:*}.jsonl ends mid-line"
done
left=$(litter)
[ -z "$left" ] || fail "budget: left temporaries: $left"

# 4. A sweep stopped part-way: no temporaries, the note on --resume, which reuses
#    the finished points.
jq '.replications = 10' "$TMP/one.json" >"$TMP/sweep.json"
SWEEP=(sweep "$TMP/sweep.json" --param 'nodes[0].count=3:12:1' --jobs 1 --out "$TMP/sw")
"$DSIM" "${SWEEP[@]}" >/dev/null 2>"$TMP/sw.err" &
PID=$!
if wait_for "$TMP/sw/points/p0.json"; then
    kill -INT "$PID"
    wait "$PID"
    rc=$?
    PID=
    [ "$rc" = 130 ] || fail "sweep: exit $rc, expected 130"
    grep -q -- "--resume continues" "$TMP/sw.err" || fail "sweep: no word on --resume: $(cat "$TMP/sw.err")"
    left=$(litter)
    [ -z "$left" ] || fail "sweep: left temporaries: $left"
    "$DSIM" "${SWEEP[@]}" --resume >"$TMP/sw.out" 2>&1 || fail "sweep --resume: $(cat "$TMP/sw.out")"
    grep -q "reused" "$TMP/sw.out" || fail "sweep --resume reused nothing: $(cat "$TMP/sw.out")"
else
    fail "sweep: no point finished: $(cat "$TMP/sw.err")"
    PID=
fi

cli_finish "cli_signals: all checks passed"
