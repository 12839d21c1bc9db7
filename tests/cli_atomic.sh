#!/usr/bin/env bash
# cli_atomic.sh DSIM SOURCE_DIR — output files are whole or absent.
#
# 1. dsim killed with SIGKILL part-way through a run leaves no file under a
#    final name (only PATH.tmp.PID temporaries).
# 2. A write that fails (a full disk, simulated with a file size limit of 0 so
#    that it fails for root too) or an unwritable folder gives exit 2 and a
#    message naming the file, and leaves nothing under the final name.
set -u
DSIM=$1
SRC=$2
DATA=$SRC/tests/data
. "$SRC/tests/cli_lib.sh" cli-atomic

# Files under DIR whose name is final (not a temporary): none may exist.
final_files() {
    find "$1" -type f ! -name '*.tmp.*' | sort
}

# A scenario that runs for a while and logs a lot: the tiny world with 1000
# utterances and 30 replications (sed keeps this script independent of dsim's
# own editing). Its log is some tens of MB.
sed -e 's/"sessions": 2/"sessions": 10/' -e 's/"utterances_per_session": 5/"utterances_per_session": 100/' \
    -e 's/"replications": 2/"replications": 30/' -e 's/"equals": 10/"equals": 1000/' \
    -e 's/"max": 10}/"max": 1000}/' "$DATA/tiny.json" >"$TMP/long.json"

# wait_for TEST GLOB SECONDS: until a file matching GLOB passes `test TEST`
# (-e exists, -s non-empty), while $PID runs.
wait_for() {
    local i f
    for ((i = 0; i < $3 * 100; i++)); do
        for f in $2; do
            [ "$1" "$f" ] && return 0
        done
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# kill_now WHAT DIR: SIGKILL $PID, which must still be running, then no file
# under DIR may have a final name.
kill_now() {
    if kill -9 "$PID" 2>/dev/null; then
        wait "$PID" 2>/dev/null
        local left
        left=$(final_files "$2")
        [ -z "$left" ] || fail "$1 killed part-way left final files: $left"
    else
        wait "$PID" 2>/dev/null
        fail "$1 ended before it could be killed part-way (test inconclusive)"
    fi
    PID=
}

# 1a. `dsim run`: killed while it writes its log and trace (their temporaries
#     are non-empty), before anything is renamed into place.
mkdir "$TMP/run"
"$DSIM" run "$TMP/long.json" --jobs 1 --trace "$TMP/run/trace.jsonl" --log "$TMP/run/log.jsonl" \
    --out "$TMP/run/out" >/dev/null 2>"$TMP/run.err" &
PID=$!
if wait_for -s "$TMP/run/log.jsonl.tmp.*" 60; then
    kill_now "run" "$TMP/run"
else
    wait "$PID"
    fail "run: the log's temporary never filled while running (exit $?): $(head -c 400 "$TMP/run.err")"
    PID=
fi

# 1b. `dsim check --junit`: killed while running (the report is opened, empty,
#     before the runs start and written at the end).
mkdir "$TMP/check"
"$DSIM" check "$TMP/long.json" --jobs 1 --replications 3000 --junit "$TMP/check/report.xml" \
    >/dev/null 2>&1 &
PID=$!
if wait_for -e "$TMP/check/report.xml.tmp.*" 30; then
    sleep 0.3
    kill_now "check" "$TMP/check"
else
    kill -9 "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    PID=
    fail "check: the report's temporary never appeared"
fi

# 2a. A full disk while writing the JUnit report. stdout goes through a pipe,
#     which the size limit does not touch.
mkdir "$TMP/full"
(
    trap '' XFSZ
    ulimit -f 0
    exec "$DSIM" check "$DATA/tiny.json" --junit "$TMP/full/report.xml" 2>&1
) | cat >"$TMP/full.out"
rc=${PIPESTATUS[0]}
[ "$rc" = 2 ] || fail "check with a full disk: exit $rc, expected 2"
grep -q "report.xml: write failed: File too large" "$TMP/full.out" ||
    fail "check with a full disk: no clear message in: $(cat "$TMP/full.out")"
[ -z "$(ls -A "$TMP/full")" ] || fail "check with a full disk left: $(ls -A "$TMP/full")"

# 2b. The same for `dsim run --out` (every output file goes through the same path).
mkdir "$TMP/fullrun"
(
    trap '' XFSZ
    ulimit -f 0
    exec "$DSIM" run "$DATA/tiny.json" --format json --out "$TMP/fullrun/out" 2>&1
) | cat >"$TMP/fullrun.out"
rc=${PIPESTATUS[0]}
[ "$rc" = 2 ] || fail "run with a full disk: exit $rc, expected 2: $(head -c 400 "$TMP/fullrun.out")"
grep -q "write failed" "$TMP/fullrun.out" ||
    fail "run with a full disk: no 'write failed' in: $(head -c 400 "$TMP/fullrun.out")"
left=$(final_files "$TMP/fullrun")
[ -z "$left" ] || fail "run with a full disk left: $left"

# 2c. An unwritable folder: a path through a regular file, and a missing folder.
#     The report is opened before anything runs, so this fails at once.
touch "$TMP/plainfile"
"$DSIM" check "$DATA/tiny.json" --junit "$TMP/plainfile/report.xml" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] || fail "junit under a plain file: exit $rc, expected 2"
grep -q "plainfile/report.xml: cannot write: Not a directory" "$TMP/err" ||
    fail "junit under a plain file: message: $(cat "$TMP/err")"
"$DSIM" check "$DATA/tiny.json" --junit "$TMP/no/such/dir/report.xml" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] || fail "junit in a missing folder: exit $rc, expected 2"
grep -q "report.xml: cannot write: No such file or directory" "$TMP/err" ||
    fail "junit in a missing folder: message: $(cat "$TMP/err")"

# 2d. A target that is not a regular file is written in place, never replaced: a
#     device keeps being a device (and /dev/full still fails the write, exit 2);
#     a FIFO gets the report.
if [ -c /dev/full ] && [ -w /dev/full ]; then
    "$DSIM" check "$DATA/tiny.json" --junit /dev/full >/dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" = 2 ] || fail "junit to /dev/full: exit $rc, expected 2"
    grep -q "/dev/full: write failed" "$TMP/err" || fail "junit to /dev/full: $(cat "$TMP/err")"
    [ -c /dev/full ] || fail "/dev/full is no longer a character device"
fi
mkfifo "$TMP/fifo"
cat "$TMP/fifo" > "$TMP/fifo.out" &
"$DSIM" check "$DATA/tiny.json" --junit "$TMP/fifo" >/dev/null 2>"$TMP/err" ||
    fail "junit to a FIFO: $(cat "$TMP/err")"
wait
[ -p "$TMP/fifo" ] || fail "the FIFO was replaced"
grep -q "<testsuites" "$TMP/fifo.out" || fail "junit to a FIFO: no report came through"

# 3. An output that names an input, or another output, is refused before
#    anything runs (exit 2, both options named); the input is left as it was.
mkdir "$TMP/clash"
cp "$DATA/tiny.json" "$TMP/clash/s.json"
# clash WANT-IN-MESSAGE CMD ARGS...: exit 2, the message, s.json unchanged, no file made
clash() {
    local want=$1
    shift
    "$DSIM" "$@" -q >/dev/null 2>"$TMP/clash.err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, expected 2"
    grep -qF -- "$want" "$TMP/clash.err" || fail "$*: message: $(cat "$TMP/clash.err")"
    cmp -s "$DATA/tiny.json" "$TMP/clash/s.json" || fail "$*: the scenario was replaced"
    cp "$DATA/tiny.json" "$TMP/clash/s.json"
}
S=$TMP/clash/s.json
for o in --log --trace --latencies --timeline; do
    clash "$o $S names the scenario being read" run "$S" $o "$S"
done
clash "--log $TMP/clash/x and --trace $TMP/clash/./x name the same file" \
    run "$S" --log "$TMP/clash/x" --trace "$TMP/clash/./x"
clash "--latencies $TMP/clash/y and --timeline $TMP/clash/y name the same file" \
    run "$S" --latencies "$TMP/clash/y" --timeline "$TMP/clash/y"
cp "$DATA/tiny.json" "$TMP/clash/results.json"
clash "--out $TMP/clash would replace $TMP/clash/results.json, the scenario being read" \
    run "$TMP/clash/results.json" --out "$TMP/clash"
cmp -s "$DATA/tiny.json" "$TMP/clash/results.json" || fail "--out replaced the scenario"
clash "--out $TMP/o2 writes $TMP/o2/results.json, which --log $TMP/o2/results.json names too" \
    run "$S" --out "$TMP/o2" --log "$TMP/o2/results.json"
clash "which --latencies $TMP/o2/results.csv names too" \
    run "$S" --out "$TMP/o2" --latencies "$TMP/o2/results.csv"
clash "--junit $S names $S, a scenario being checked" check "$S" --junit "$S"
clash "--timeline $TMP/clash/s.json names $TMP/clash/s.json, a scenario being checked" \
    check "$TMP/clash" --timeline "$TMP/clash/s.json"
clash "--junit $TMP/clash/j and --timeline $TMP/clash/j name the same file" \
    check "$S" --junit "$TMP/clash/j" --timeline "$TMP/clash/j"
clash "--log $TMP/o3 names the folder --out $TMP/o3" run "$S" --out "$TMP/o3" --log "$TMP/o3"
[ ! -e "$TMP/o3" ] || fail "a refused --out made its folder"
# a character device is written in place, never replaced: two streams may share it
"$DSIM" run "$S" -q --log /dev/null --trace /dev/null >/dev/null 2>"$TMP/clash.err" ||
    fail "--log and --trace on /dev/null: $(cat "$TMP/clash.err")"
"$DSIM" check "$S" -q --junit /dev/null --timeline /dev/null >/dev/null 2>"$TMP/clash.err" ||
    fail "--junit and --timeline on /dev/null: $(cat "$TMP/clash.err")"
left=$(ls "$TMP/clash" | grep -v -x -e s.json -e results.json)
[ -z "$left" ] || fail "refused outputs left files: $left"
[ ! -e "$TMP/o2/results.json" ] || fail "a refused --out wrote its files"

cli_finish "cli_atomic: all checks passed"
