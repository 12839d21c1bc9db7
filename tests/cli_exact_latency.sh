#!/usr/bin/env bash
# cli_exact_latency.sh DSIM SOURCE_DIR — latencies are exact: integer nanoseconds
# until the statistics. tests/data/exact-latency.json (constant times, 1.95 s per
# utterance, utterances ending more than 49.7 days into a session that starts after
# 50 days) passes `equals: 1.95`, as does the same world at ordinary times;
# tests/data/submillisecond-latency.json (0.5 ms latencies, ends off whole
# milliseconds) is not rounded; --latencies prints exact decimal seconds.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-exact
expect_out() { # FILE then the exact expected text
    local want
    want=$(printf '%s\n' "${@:2}")
    [ "$(cat "$1")" = "$want" ] || fail "$1: got
$(cat "$1")
expected
$want"
}

F=$SRC/tests/data/exact-latency.json
"$DSIM" check "$F" >"$TMP/out" 2>&1 || fail "check exact-latency exits $?"
sed 1d "$TMP/out" >"$TMP/lines"
expect_out "$TMP/lines" \
    "PASS exact delivered == 2: 2 ± 0" \
    "PASS exact latency_s.p50 == 1.95: 1.95 ± 0" \
    "PASS exact latency_s.p99 == 1.95: 1.95 ± 0" \
    "PASS exact latency_s.max == 1.95: 1.95 ± 0" \
    "PASS exact latency_s.mean == 1.95: 1.95 ± 0" \
    "5 passed, 0 failed, 0 errors"
"$DSIM" run "$F" --latencies "$TMP/lat.csv" >/dev/null || fail "run --latencies exits $?"
V="$("$DSIM" --version | cut -d' ' -f2),2" # the version columns of every CSV row
expect_out "$TMP/lat.csv" "policy,replication,latency_s,dsim_version,schema_version" \
    "exact,0,1.950000000,$V" "exact,0,1.950000000,$V" "exact,1,1.950000000,$V" "exact,1,1.950000000,$V"
# JSON carries the exact double 1.95, not 1.9500000476837158 (a float) or 1.951
"$DSIM" run "$F" --format json >"$TMP/json" || fail "run --format json exits $?"
got=$(jq -c '.policies[0].metrics["latency_s.p50"].values' "$TMP/json")
[ "$got" = '[1.95,1.95]' ] || fail "json latency_s.p50 values: $got"

# The same world at ordinary times: the session at 0 s, utterances 5 s apart.
jq '.workload.session_start_s.value = 0 | .workload.gap_s.value = 5' "$F" >"$TMP/ordinary.json"
"$DSIM" check "$TMP/ordinary.json" >"$TMP/out" 2>&1 || fail "check ordinary times exits $?: $(cat "$TMP/out")"

F=$SRC/tests/data/submillisecond-latency.json
"$DSIM" check "$F" >"$TMP/out" 2>&1 || fail "check submillisecond-latency exits $?"
sed 1d "$TMP/out" >"$TMP/lines"
expect_out "$TMP/lines" \
    "PASS fast delivered == 6: 6" \
    "PASS fast latency_s.p50 == 0.0005: 0.0005" \
    "PASS fast latency_s.max == 0.0005: 0.0005" \
    "PASS fast latency_s.mean == 0.0005: 0.0005" \
    "4 passed, 0 failed, 0 errors"
"$DSIM" run "$F" --latencies "$TMP/lat.csv" >/dev/null || fail "run --latencies exits $?"
[ "$(sed 1d "$TMP/lat.csv" | sort -u)" = "fast,0,0.000500000,$V" ] || fail "latencies: $(cat "$TMP/lat.csv")"

cli_finish PASS
