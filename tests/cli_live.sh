#!/usr/bin/env bash
# cli_live.sh DSIM SOURCE_DIR — dsim live agrees with dsim run, and leaves nothing.
#
# 1. steady-light at --speed 20 (policy lingua-2025-12-28, replication 0): the
#    same counts as the simulation (utterances, delivered, duplicates, lost,
#    dispatches, failovers) and latency p50 within P50_TOL simulated seconds of
#    dsim run's (README "dsim live": the tolerance and the measurements behind it).
# 2. live-failover at --speed 10: every job outlives a 2 s dispatch timeout on
#    nodes that ignore cancel; failovers, dispatches, duplicates, deliveries,
#    client errors and losses equal the simulation's, p50 within P50_TOL.
# 3. live-crash (tests/data) at --speed 10: nodes crash; each crash is a real
#    SIGKILL of the agent and a restart after the downtime; the same failovers,
#    dispatches, deliveries and losses as the simulation (the core hears of the
#    first registrations in id order, as the simulation brings its nodes up).
#    Exact agreement holds only while live delays stay below the world's races
#    (scripts/live-margins.jq): the test first checks that the simulated run keeps
#    CRASH_MARGIN simulated seconds at every race, and on a difference names the
#    first dispatch that went elsewhere and how late live results were by then.
# 4. SIGINT part-way: exit 130, no agent survives, the port is closed.
# 5. An agent that dies (SIGKILL, not a crash fault of the scenario): exit 3
#    naming the node, no agent survives.
# 6. Small worlds at a high --speed, each against dsim run: a client hop with a
#    delay (the timeline names each copy's job and attempt), no_result losses
#    (their cause), max_time_s (the cut), --replication K (named in the report),
#    a crash whose downtime ends before the scheduler sees the agent die, nodes
#    registered at time 0 at --speed 1e5; what dsim run refuses (event budget),
#    an output naming workload.trace, a --log that cannot be written (ENOSPC), an
#    agent whose scenario's files changed; SIGTERM: 143.
# Every run's agents carry this test's scratch path in their arguments: no
# process with it may be left at the end.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-live
set -m
# live p50 - simulated p50, in simulated seconds: at most P50_TOL (measured
# +0.025 .. +0.184 at --speed 20 on 2 loaded cores, README), and never below
# -P50_EARLY: a live message is never earlier than the simulated one (every
# delay only adds), so a live run clearly faster than the simulation is a bug.
P50_TOL=0.25
P50_EARLY=0.005

cp "$SRC/scenarios/steady-light.json" "$SRC/scenarios/live-failover.json" \
    "$SRC/tests/data/live-crash.json" "$TMP/"

# --- 0. an output that names the scenario (or the other output) is refused ----------
cp "$TMP/steady-light.json" "$TMP/self.json"
for args in "--log self.json" "--timeline ./self.json" "--log $TMP/self.json" \
            "--log both.out --timeline both.out"; do
    (cd "$TMP" && timeout 60 "$DSIM" live self.json --speed 40 -q $args >self.out 2>self.err)
    rc=$?
    [ "$rc" = 2 ] || fail "live $args: exit $rc, expected 2"
    grep -E '^dsim: live: --(log|timeline) .*(is the scenario|are the same file)' "$TMP/self.err" >/dev/null ||
        fail "live $args: message '$(head -c 300 "$TMP/self.err")'"
    [ ! -s "$TMP/self.out" ] || fail "live $args: ran: $(head -c 200 "$TMP/self.out")"
done
cmp -s "$TMP/steady-light.json" "$TMP/self.json" || fail "live --log SCENARIO changed the scenario"
# ... or a file the scenario names (workload.trace), in live and in run
printf 'session,utterance_index,end_s,audio_s\na,0,2,1.5\na,1,6,2\nb,0,3,1\n' >"$TMP/tr.csv"
cp "$TMP/tr.csv" "$TMP/tr.orig"
jq 'del(.workload) | .workload={"trace":"tr.csv","linger_s":5}' "$TMP/steady-light.json" >"$TMP/tr.json"
for cmd in "live --speed 40" run; do
    for out in "--log tr.csv" "--timeline ./tr.csv"; do
        (cd "$TMP" && timeout 60 "$DSIM" $cmd tr.json -q $out >self.out 2>self.err)
        rc=$?
        [ "$rc" = 2 ] || fail "$cmd $out (the trace): exit $rc, expected 2"
        grep -E "^dsim: ${cmd%% *}: ${out% *} \S*tr.csv .*workload.trace's file" "$TMP/self.err" >/dev/null ||
            fail "$cmd $out (the trace): message '$(head -c 300 "$TMP/self.err")'"
        cmp -s "$TMP/tr.csv" "$TMP/tr.orig" || fail "$cmd $out replaced the trace"
    done
done
[ ! -e "$TMP/both.out" ] || fail "live --log F --timeline F wrote F"
# two outputs may share a character device: it is written in place, never replaced
timeout 60 "$DSIM" live "$TMP/steady-light.json" --speed 40 -q --log /dev/null \
    --timeline /dev/null >"$TMP/null.out" 2>"$TMP/null.err" ||
    fail "live --log /dev/null --timeline /dev/null: $(head -c 300 "$TMP/null.err")"

# agents: the pids of processes whose arguments name this test's folder
agents() {
    local pid args
    for pid in /proc/[0-9]*; do
        { args=$(tr '\0' ' ' <"$pid/cmdline"); } 2>/dev/null || continue
        case "$args" in *" agent $TMP/"*) echo "${pid#/proc/}" ;; esac
    done
}

# metric FILE NAME: the first replication's value of a metric in a results JSON
metric() {
    jq -r --arg m "$2" '.policies[0].metrics[$m].values[0]' "$1"
}

# agree NAME SIM LIVE EXACT...: the counts equal, p50 within -P50_EARLY .. +P50_TOL
agree() {
    local name=$1 sim=$2 live=$3 m a b
    shift 3
    for m in "$@"; do
        a=$(metric "$sim" "$m")
        b=$(metric "$live" "$m")
        [ "$a" = "$b" ] || fail "$name: $m: dsim run $a, dsim live $b"
    done
    a=$(metric "$sim" latency_s.p50)
    b=$(metric "$live" latency_s.p50)
    awk -v a="$a" -v b="$b" -v t="$P50_TOL" -v e="$P50_EARLY" 'BEGIN { d = b - a; exit !(d <= t && d >= -e) }' ||
        fail "$name: latency_s.p50: dsim run $a, dsim live $b: not within -$P50_EARLY .. +$P50_TOL s"
    echo "$name: p50 run $a live $b"
}

COUNTS="utterances delivered duplicates lost dispatches failovers client_errors"

# --- 1. steady-light at --speed 20 ----------------------------------------------
"$DSIM" run "$TMP/steady-light.json" --format json >"$TMP/sl-run.json" ||
    fail "steady-light: dsim run failed"
jq '.policies |= .[:1]' "$TMP/sl-run.json" >"$TMP/sl-run1.json"
"$DSIM" live "$TMP/steady-light.json" --speed 20 --format json --log "$TMP/sl.log" \
    >"$TMP/sl-live.json" 2>"$TMP/sl.err" || { fail "steady-light: dsim live failed"; cat "$TMP/sl.err"; }
agree steady-light "$TMP/sl-run1.json" "$TMP/sl-live.json" $COUNTS
[ "$(metric "$TMP/sl-live.json" delivered)" = 60 ] || fail "steady-light: not every utterance delivered"
# the log: dsim's records of the live core (a dispatch per job)
[ "$(grep -c '"event":"job_dispatched"' "$TMP/sl.log")" = 60 ] ||
    fail "steady-light: --log does not hold the 60 dispatches"
[ -z "$(agents)" ] || fail "steady-light: agents left: $(agents)"

# --- 2. the failover world at --speed 10 -------------------------------------------
"$DSIM" run "$TMP/live-failover.json" --format json >"$TMP/fo-run.json" ||
    fail "live-failover: dsim run failed"
"$DSIM" live "$TMP/live-failover.json" --speed 10 --format json --timeline "$TMP/fo-live.tl" \
    >"$TMP/fo-live.json" 2>"$TMP/fo.err" || { fail "live-failover: dsim live failed"; cat "$TMP/fo.err"; }
# --timeline: the core's and the client's events, as many as in the simulation's
"$DSIM" run "$TMP/live-failover.json" --replications 1 --format csv --timeline "$TMP/fo-run.tl" \
    >/dev/null || fail "live-failover: dsim run --timeline failed"
tl_counts() {
    jq -r '[.traceEvents[] | select(.name == "delivery" or .name == "duplicate_delivery" or
             .name == "failover_dispatched" or .name == "job_cancel")] | group_by(.name) |
           map("\(.[0].name)=\(length)") | join(" ")' "$1"
}
[ "$(tl_counts "$TMP/fo-live.tl")" = "$(tl_counts "$TMP/fo-run.tl")" ] && [ -n "$(tl_counts "$TMP/fo-run.tl")" ] ||
    fail "live-failover: timeline events: live '$(tl_counts "$TMP/fo-live.tl")', run '$(tl_counts "$TMP/fo-run.tl")'"
agree live-failover "$TMP/fo-run.json" "$TMP/fo-live.json" $COUNTS
[ "$(metric "$TMP/fo-live.json" failovers)" -gt 0 ] && [ "$(metric "$TMP/fo-live.json" duplicates)" -gt 0 ] ||
    fail "live-failover: no failovers or no duplicates live"
[ -z "$(agents)" ] || fail "live-failover: agents left: $(agents)"

# --- 3. crashes: real SIGKILLs, restarts, the same failovers --------------------------
"$DSIM" run "$TMP/live-crash.json" --format json --log "$TMP/cr-run.log" \
    --timeline "$TMP/cr-run.tl" --trace "$TMP/cr-run.trace" >"$TMP/cr-run.json" ||
    fail "live-crash: dsim run failed"
# the world's races, in simulated seconds: at --speed 10, 0.05 s is 5 ms of wall
# time, above the live delays measured on 2 loaded cores (README "dsim live")
CRASH_MARGIN=0.05
margins=$(jq -c -f "$SRC/scripts/live-margins.jq" "$TMP/cr-run.tl")
jq -e --argjson m "$CRASH_MARGIN" 'min >= $m' <<<"$margins" >/dev/null ||
    fail "live-crash: the simulated run's races [crash, decide] = $margins s: below $CRASH_MARGIN s, too close for a live run to agree exactly"
# run on a copy that is replaced part-way (an editor's save): the agents started
# at each crash run the scenario as loaded, not the edit (every count below)
cp "$TMP/live-crash.json" "$TMP/cr-edit.json"
"$DSIM" live "$TMP/cr-edit.json" --speed 10 --verbose --format json --log "$TMP/cr-live.log" \
    >"$TMP/cr-live.json" 2>"$TMP/cr.err" &
PID=$!
for ((i = 0; i < 500; i++)); do
    grep -q 'registered at' "$TMP/cr.err" 2>/dev/null && break
    sleep 0.02
done
jq '.nodes[0].stages.asr.median=3 | .nodes[0].faults.crash.downtime_s={"dist":"const","value":1}' \
    "$TMP/live-crash.json" >"$TMP/cr-edit.tmp" && mv "$TMP/cr-edit.tmp" "$TMP/cr-edit.json"
wait "$PID" || { fail "live-crash: dsim live failed"; cat "$TMP/cr.err"; }
PID=
# a restarted agent numbers its heartbeats from the node's whole life, as the
# simulation keys them: from the count of node N's heartbeats before it came up
while read -r node up from; do
    want=$(jq -rs --argjson n "$node" --argjson t "$up" \
        '[.[] | select(.msg == "heartbeat" and .node == $n and .t < $t)] | length' "$TMP/cr-run.trace")
    [ "$from" = "$want" ] ||
        fail "live-crash: node $node restarted at t=$up numbers its heartbeats from $from, the simulation from $want"
done < <(sed -n 's/.*: node \([0-9]*\) restarted, up at t=\([0-9.]*\) s, its heartbeats numbered from \([0-9]*\)$/\1 \2 \3/p' "$TMP/cr.err")
grep -q 'heartbeats numbered from [1-9]' "$TMP/cr.err" || fail "live-crash: no restart after a heartbeat"
differs=0
for m in utterances delivered lost dispatches failovers; do
    a=$(metric "$TMP/cr-run.json" "$m")
    b=$(metric "$TMP/cr-live.json" "$m")
    [ "$a" = "$b" ] || { fail "live-crash: $m: dsim run $a, dsim live $b"; differs=1; }
done
if [ "$differs" = 1 ]; then
    # where the two parted: the first dispatch (in simulated order) to another
    # node, and the latest live result before it against its simulated time
    jq -rn --slurpfile sim "$TMP/cr-run.log" --slurpfile live "$TMP/cr-live.log" 'def d: map(select(.event == "job_dispatched" or .event == "failover_dispatched")
                        | {k: "\(.job_id)/\(.attempt_id)", n: .node, t: .t});
            def r: map(select(.event == "result_accepted") | {key: "\(.job_id)/\(.attempt_id)", value: .t})
                   | from_entries;
            ($sim | d) as $s | ($live | d | map({key: .k, value: .n}) | from_entries) as $l
            | ($sim | r) as $rs | ($live | r) as $rl
            | ([$s[] | select($l[.k] != .n)] | first) as $x
            | if $x == null then "every dispatch went to the simulated node"
              else ([$rs | to_entries[] | select(.value < $x.t and $rl[.key] != null)
                     | $rl[.key] - .value] | max) as $lag
              | "first dispatch elsewhere: \($x.k) at t=\($x.t) (simulated node \($x.n), live \($l[$x.k]));" +
                " live results before it late by up to \($lag) s; the races: '"$margins"'"
              end' 2>&1 | sed 's/^/  /'
fi
[ "$(metric "$TMP/cr-live.json" failovers)" -gt 0 ] || fail "live-crash: no failover"
kills=$(grep -c 'exited (status 0, signal 9)' "$TMP/cr.err")
starts=$(grep -c 'started (pid' "$TMP/cr.err")
[ "$kills" -gt 0 ] && [ "$starts" = $((4 + kills)) ] ||
    fail "live-crash: $kills agents died of SIGKILL, $starts started: expected a restart each"
echo "live-crash: failovers $(metric "$TMP/cr-live.json" failovers), $kills crashes (SIGKILL, restarted)"
[ -z "$(agents)" ] || fail "live-crash: agents left: $(agents)"

# --- 4. SIGINT part-way ---------------------------------------------------------
# wait_listen ERRFILE: the port once the run has said it listens, and its agents run
wait_listen() {
    local i port
    for ((i = 0; i < 500; i++)); do
        port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$1" 2>/dev/null)
        if [ -n "$port" ] && [ "$(agents | wc -l)" -ge 4 ]; then
            echo "$port"
            return 0
        fi
        sleep 0.02
    done
    return 1
}
"$DSIM" live "$TMP/steady-light.json" --speed 20 --verbose >/dev/null 2>"$TMP/int.err" &
PID=$!
PORT=$(wait_listen "$TMP/int.err") || fail "SIGINT: the run never listened with its agents up"
sleep 1
kill -INT "$PID"
wait "$PID"
rc=$?
PID=
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, expected 130"
grep 'interrupted' "$TMP/int.err" >/dev/null || fail "SIGINT: stderr does not say interrupted"
[ -z "$(agents)" ] || fail "SIGINT: agents left: $(agents)"
if [ -n "${PORT:-}" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    fail "SIGINT: port $PORT still accepts connections"
fi

# --- 5. an agent dies -------------------------------------------------------------
"$DSIM" live "$TMP/steady-light.json" --speed 20 --verbose >/dev/null 2>"$TMP/die.err" &
PID=$!
wait_listen "$TMP/die.err" >/dev/null || fail "agent death: the run never listened with its agents up"
sleep 0.5
victim=$(agents | head -1)
[ -n "$victim" ] && kill -KILL "$victim"
wait "$PID"
rc=$?
PID=
[ "$rc" = 3 ] || fail "agent death: exit $rc, expected 3"
grep 'the agent of node gpu-[0-3] exited' "$TMP/die.err" >/dev/null ||
    { fail "agent death: stderr does not name the node"; cat "$TMP/die.err"; }
[ -z "$(agents)" ] || fail "agent death: agents left: $(agents)"

# --- 6. small worlds at a high --speed, each against dsim run ------------------------
# m2 FILE [REP]: the counts that must agree, and the loss causes, of one replication
m2() {
    jq -c --argjson r "${2:-0}" '.policies[0].metrics | {u: .utterances.values[$r],
        d: .delivered.values[$r], l: .lost.values[$r], dup: .duplicates.values[$r],
        f: .failovers.values[$r], n: .dispatches.values[$r],
        causes: (to_entries | map(select(.key | startswith("lost_by_cause.")) |
                                  {(.key): .value.values[$r]}) | add)}' "$1"
}
# a client hop with a delay: each delivery names the job and attempt of its copy
jq '.network.client_delay_s={"dist":"const","value":0.05}' "$TMP/live-failover.json" >"$TMP/fo-cd.json"
"$DSIM" run "$TMP/fo-cd.json" --replications 1 --timeline "$TMP/fo-cd-run.tl" -q >/dev/null ||
    fail "client delay: dsim run failed"
"$DSIM" live "$TMP/fo-cd.json" --speed 50 --timeline "$TMP/fo-cd.tl" -q >/dev/null ||
    fail "client delay: dsim live failed"
copies() {
    jq -c '[.traceEvents[] | select(.name == "delivery" or .name == "duplicate_delivery") |
            [.name, .args.job_id, .args.attempt_id]] | sort' "$1"
}
[ "$(copies "$TMP/fo-cd.tl")" = "$(copies "$TMP/fo-cd-run.tl")" ] ||
    fail "client delay: deliveries live $(copies "$TMP/fo-cd.tl" | head -c 200), simulated $(copies "$TMP/fo-cd-run.tl" | head -c 200)"
# no_result losses: their cause is no_result, as simulated, not a crash
jq '.nodes[0].faults={"no_result":{"prob":0.3}} | .policies=[{"name":"nofo","preset":"lingua-2025-12-28",
    "max_failovers":0,"ack_timeout_s":1000,"result_queue":"immediate"}]' "$TMP/steady-light.json" >"$TMP/nr.json"
"$DSIM" run "$TMP/nr.json" --format json >"$TMP/nr-run.json" || fail "no_result: dsim run failed"
"$DSIM" live "$TMP/nr.json" --speed 100 --format json >"$TMP/nr-live.json" || fail "no_result: dsim live failed"
[ "$(m2 "$TMP/nr-live.json")" = "$(m2 "$TMP/nr-run.json")" ] && [ "$(metric "$TMP/nr-run.json" lost_by_cause.no_result)" -gt 0 ] ||
    fail "no_result: live $(m2 "$TMP/nr-live.json"), simulated $(m2 "$TMP/nr-run.json")"
# max_time_s cuts the run, and --replication K is the report's (named in it)
jq '.max_time_s=30 | .replications=2' "$TMP/steady-light.json" >"$TMP/mt.json"
"$DSIM" run "$TMP/mt.json" --format json >"$TMP/mt-run.json" || fail "max_time_s: dsim run failed"
"$DSIM" live "$TMP/mt.json" --speed 100 --replication 1 --format json >"$TMP/mt-live.json" ||
    fail "max_time_s: dsim live failed"
[ "$(m2 "$TMP/mt-live.json")" = "$(m2 "$TMP/mt-run.json" 1)" ] && [ "$(metric "$TMP/mt-live.json" utterances)" -lt 60 ] ||
    fail "max_time_s: live $(m2 "$TMP/mt-live.json"), simulated replication 1 $(m2 "$TMP/mt-run.json" 1)"
[ "$(jq -c .live "$TMP/mt-live.json")" = '{"replication":1,"speed":100}' ] ||
    fail "--replication 1: the report says $(jq -c 'del(.policies)' "$TMP/mt-live.json")"
"$DSIM" live "$TMP/mt.json" --speed 100 --replication 1 --format csv >"$TMP/mt-live.csv" &&
    [ "$(cut -d, -f1 "$TMP/mt-live.csv" | tr '\n' ' ')" = "replication 1 " ] ||
    fail "--replication 1 --format csv: $(cut -c1-60 "$TMP/mt-live.csv")"
# a crash whose downtime (2 ms) is over before the scheduler sees the agent die
jq '.nodes[0].faults.crash.downtime_s={"dist":"const","value":0.002}' "$TMP/live-crash.json" >"$TMP/sd.json"
"$DSIM" live "$TMP/sd.json" --speed 40 --verbose --format json >"$TMP/sd-live.json" 2>"$TMP/sd.err" ||
    fail "short downtime: exit $?: $(grep -v ' live: \(agent\|node\)' "$TMP/sd.err" | head -c 300)"
kills=$(grep -c 'exited (status 0, signal 9)' "$TMP/sd.err")
[ "$kills" -gt 0 ] && [ "$(grep -c 'started (pid' "$TMP/sd.err")" = $((4 + kills)) ] &&
    [ "$(metric "$TMP/sd-live.json" delivered)" = 60 ] ||
    fail "short downtime: $kills crashes, $(grep -c 'started (pid' "$TMP/sd.err") starts, $(metric "$TMP/sd-live.json" delivered) delivered"
# at --speed 1e5 every node is registered at time 0, as the simulation's are up
"$DSIM" live "$TMP/steady-light.json" --speed 100000 --verbose -q >/dev/null 2>"$TMP/fast.err" ||
    fail "--speed 1e5: dsim live failed: $(head -c 300 "$TMP/fast.err")"
[ "$(grep -c 'registered at t=0.000 s' "$TMP/fast.err")" = 4 ] ||
    fail "--speed 1e5: registrations $(grep registered "$TMP/fast.err" | tr '\n' ' ')"
# what dsim run refuses before running (a microsecond heartbeat), live refuses alike
jq '.nodes[0].heartbeat_s=1e-6' "$TMP/steady-light.json" >"$TMP/hb.json"
"$DSIM" run "$TMP/hb.json" -q >/dev/null 2>"$TMP/hb-run.err"
rc=$?
timeout 60 "$DSIM" live "$TMP/hb.json" --speed 40 -q >"$TMP/hb.out" 2>"$TMP/hb-live.err"
rc2=$?
[ "$rc" = 2 ] && [ "$rc2" = 2 ] && [ ! -s "$TMP/hb.out" ] && cmp -s "$TMP/hb-run.err" "$TMP/hb-live.err" ||
    fail "heartbeat 1e-6: run exit $rc, live exit $rc2: '$(head -c 300 "$TMP/hb-live.err")'"
# a --log that cannot be written: the write's own reason
"$DSIM" live "$TMP/steady-light.json" --speed 200 -q --log /dev/full >/dev/null 2>"$TMP/full.err"
rc=$?
[ "$rc" = 2 ] && grep -q '^dsim: /dev/full: write failed: No space left on device$' "$TMP/full.err" ||
    fail "--log /dev/full: exit $rc, '$(head -c 300 "$TMP/full.err")'"
# an agent whose scenario's files are not the ones dsim live read: refused, exit 2
(cd "$TMP" && "$DSIM" agent tr.json --policy lingua-2025-12-28 --node 0 --port 1 --time-zero 0 \
    --files-hash 1 </dev/null >/dev/null 2>"$TMP/agent.err")
rc=$?
[ "$rc" = 2 ] && grep -q "^dsim: agent: tr.json: a file it names (workload.trace tr.csv) changed" "$TMP/agent.err" ||
    fail "agent --files-hash: exit $rc, '$(head -c 300 "$TMP/agent.err")'"
# SIGTERM: everything stopped, then dies of it (143), as dsim run
"$DSIM" live "$TMP/steady-light.json" --speed 20 --verbose >/dev/null 2>"$TMP/term.err" &
PID=$!
wait_listen "$TMP/term.err" >/dev/null || fail "SIGTERM: the run never listened with its agents up"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
[ "$rc" = 143 ] || fail "SIGTERM: exit $rc, expected 143"
[ -z "$(agents)" ] || fail "SIGTERM: agents left: $(agents)"

cli_finish "dsim live agrees with dsim run (p50 within $P50_TOL s); nothing is left running"
