#!/usr/bin/env bash
# cli_unmeasured.sh DSIM SOURCE_DIR — nothing is printed that was not measured.
# A world that delivers nothing (tests/data/nothing-delivered.json: network.loss 1)
# has no latency: `dsim run` shows n/a (table), null (JSON), an empty field (CSV);
# `dsim check` fails a latency bound with "no utterance delivered". A run cut by
# max_time_s counts only the utterances spoken by then, and as wasted the work
# of the attempts still running at the cut, up to it. One replication
# gives a mean but no confidence interval: no "±", ci95 null / empty.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-unmeasured
F=$SRC/tests/data/nothing-delivered.json
# The CSV field of column NAME in row 2 (one policy): awk, no quoting in this file.
csv_col() { awk -F, -v n="$2" 'NR==1{for(i=1;i<=NF;i++)c[$i]=i} NR==2{print $c[n]}' "$1"; }

# check: the latency bound fails and says why; delivered == 0 passes.
"$DSIM" check "$F" --junit "$TMP/j.xml" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || fail "check exits $rc, expected 1"
grep -qxF 'FAIL reference latency_s.p99 <= 100: no utterance delivered (in 2 replications)' "$TMP/out" ||
    fail "check line: $(cat "$TMP/out")"
grep -qxF 'PASS reference delivered == 0: 0 ± 0' "$TMP/out" || fail "delivered line: $(cat "$TMP/out")"
grep -qF 'message="reference latency_s.p99 &lt;= 100: no utterance delivered (in 2 replications)"' \
    "$TMP/j.xml" || fail "junit message: $(cat "$TMP/j.xml")"

# run, table: every latency row n/a, no number.
"$DSIM" run "$F" >"$TMP/table" || fail "run exits $?"
for q in p50 p90 p99 p999 max mean; do
    line=$(grep "^latency_s\.$q " "$TMP/table")
    [ "$(echo $line)" = "latency_s.$q n/a" ] || fail "table row: '$line'"
done
# JSON: mean, ci95, min, max, upper_bound null; n 0; values [null, null].
"$DSIM" run "$F" --format json >"$TMP/json" || fail "run --format json exits $?"
got=$(jq -c '.policies[0].metrics["latency_s.p99"] | [.n, .mean, .ci95, .min, .max, .upper_bound, .values]' "$TMP/json")
[ "$got" = '[0,null,null,null,null,null,[null,null]]' ] || fail "json latency_s.p99: $got"
# CSV: the mean and its ci95 are empty fields.
"$DSIM" run "$F" --format csv >"$TMP/csv" || fail "run --format csv exits $?"
for c in latency_s.p99 latency_s.p99_ci95 latency_s.mean; do
    [ -z "$(csv_col "$TMP/csv" "$c")" ] || fail "csv $c: '$(csv_col "$TMP/csv" "$c")'"
done
[ "$(csv_col "$TMP/csv" delivered)" = 0 ] || fail "csv delivered: '$(csv_col "$TMP/csv" delivered)'"
grep -q nan "$TMP/csv" && fail "csv has nan: $(cat "$TMP/csv")"

# A run cut by max_time_s: only utterances spoken by then count (they were jobs);
# one not yet spoken is neither an utterance nor lost. At 3.5 s the first
# utterance of each session has ended (3 s) and is in flight (0.82 s): 2
# utterances, 2 lost as unfinished. At 2.5 s nothing was spoken: no rate, no load
# per utterance, no rule-of-three bound on a rate (no trial). The duplicates'
# upper_bound is a count a replication, 3 / 2 replications, as `dsim check` uses
# (README Metrics), whatever the utterances; a loss's is never more than the
# utterances a replication has (1.5 of 2; 0 when nothing was spoken).
cut() {
    jq ".network.loss = 0 | .max_time_s = $1" "$F" >"$TMP/cut.json"
    "$DSIM" run "$TMP/cut.json" --format json | jq -c '.policies[0].metrics |
        [.utterances.values, .delivered.values, .lost.values, .["lost_by_cause.unfinished"].values,
         .lost_rate.values, .extra_load.values, .duplicates.upper_bound, .["latency_s.p50"].values,
         .["lost_by_cause.no_node"].upper_bound]'
}
got=$(cut 3.5)
[ "$got" = '[[2,2],[0,0],[2,2],[2,2],[1,1],[0,0],1.5,[null,null],1.5]' ] || fail "cut at 3.5 s: $got"
got=$(cut 2.5)
[ "$got" = '[[0,0],[0,0],[0,0],[0,0],[null,null],[null,null],1.5,[null,null],0]' ] || fail "cut at 2.5 s: $got"
"$DSIM" run "$TMP/cut.json" >"$TMP/cut.table"
for m in duplicate_rate lost_rate extra_load; do
    line=$(grep "^$m " "$TMP/cut.table")
    [ "$(echo $line)" = "$m n/a" ] || fail "cut table row: '$line'"
done
line=$(grep "^duplicates " "$TMP/cut.table")
[ "$(echo $line)" = "duplicates 0" ] || fail "cut table duplicates (no bound without a trial): '$line'"

# The worker time of an attempt still running at the cut was spent on output
# never delivered: wasted_node_s counts it up to the cut. One utterance ends at
# 3 s, its only attempt needs 50 s of ASR: cut at 30 s, 27 s were wasted (not 0);
# the same world not cut (a linger_s of 10 s: the result comes after the client
# left) wastes the whole 50 s; cut at 2.5 s, before the assign, nothing.
cat >"$TMP/busy-cut.json" <<'EOF'
{"name": "busy-cut", "seed": 1, "replications": 1, "max_time_s": 30,
 "workload": {"sessions": 1, "session_start_s": {"dist": "const", "value": 0},
              "utterances_per_session": 1, "gap_s": {"dist": "const", "value": 1},
              "audio_s": {"dist": "const", "value": 2}},
 "nodes": [{"name": "n", "count": 1, "slots": 1, "workers": 1,
            "stages": {"asr": {"dist": "const", "value": 50}, "nmt": {"dist": "const", "value": 0},
                       "tts": {"dist": "const", "value": 0}}}],
 "policies": [{"name": "p", "preset": "lingua-2025-12-28", "dispatch_timeout_s": 3600}]}
EOF
busy_cut() {
    jq "$1" "$TMP/busy-cut.json" >"$TMP/busy-cut2.json"
    "$DSIM" run "$TMP/busy-cut2.json" -q --format json | jq -c '.policies[0].metrics |
        [.delivered.values[0], .["lost_by_cause.unfinished"].values[0], .wasted_node_s.values[0]]'
}
got=$(busy_cut .)
[ "$got" = '[0,1,27]' ] || fail "cut at 30 s, 27 s of work on the node: $got"
got=$(busy_cut '.max_time_s = 0 | .workload.linger_s = 10')
[ "$got" = '[0,0,50]' ] || fail "the same world not cut: $got"
got=$(busy_cut '.max_time_s = 2.5')
[ "$got" = '[0,0,0]' ] || fail "cut before the assign: $got"
"$DSIM" run "$TMP/busy-cut.json" -q >"$TMP/busy-cut.table"
line=$(grep "^wasted_node_s " "$TMP/busy-cut.table")
[ "$(echo $line)" = "wasted_node_s 27" ] || fail "cut table wasted_node_s: '$line'"

# A run that drained has nothing unfinished: a result evicted by result_queue_max
# (the queue holds 1) and never delivered is the queue's loss, ack_discard, in the
# metrics and in the timeline's never_delivered causes (it was "unfinished"),
# with or without a log.
jq '.workload.utterances_per_session=40 | .replications=2 | del(.expect)
    | .policies=[{"name":"q1","preset":"lingua-2025-12-28","dispatch_timeout_s":90,"pending":"queue",
                  "pending_timeout_s":0,"result_accept":"first_result_wins","result_queue":"ordered",
                  "ack_timeout_s":120,"result_queue_max":1}]' \
    "$SRC/scenarios/incident-2025-12-30.json" >"$TMP/evict.json"
"$DSIM" run "$TMP/evict.json" -q --format json --log "$TMP/evict.jsonl" --timeline "$TMP/evict-tl.json" \
    >"$TMP/evict-res.json" || fail "evict run exits $?"
ev=$(grep -c '"event":"result_queue_evict"' "$TMP/evict.jsonl")
[ "$ev" -gt 0 ] || fail "the evict world evicts nothing"
got=$(jq -c '.policies[0].metrics | [(.lost.values | add), (."lost_by_cause.ack_discard".values | add),
                                     (."lost_by_cause.unfinished".values | add)]' "$TMP/evict-res.json")
lost=$(echo "$got" | jq '.[0]')
[ "$lost" -gt 0 ] && [ "$got" = "[$lost,$lost,0]" ] ||
    fail "evicted results: [lost, ack_discard, unfinished] = $got ($ev evictions)"
tl=$(jq -c '[.traceEvents[] | select(.name=="never_delivered") | .args.cause] | unique' "$TMP/evict-tl.json")
[ "$tl" = '["ack_discard"]' ] || fail "timeline never_delivered causes: $tl"
# the same figures without a log or a timeline (the core then emits only the
# records the world reads: an eviction must be one of them)
"$DSIM" run "$TMP/evict.json" -q --format json >"$TMP/evict-nolog.json" || fail "evict run exits $?"
cmp -s "$TMP/evict-res.json" "$TMP/evict-nolog.json" ||
    fail "evict world: results differ without --log: $(jq -c '.policies[0].metrics."lost_by_cause.unfinished".values' "$TMP/evict-nolog.json")"

# One replication: a mean without an interval, anywhere.
"$DSIM" run "$SRC/tests/data/tiny.json" --replications 1 >"$TMP/t1" || fail "run tiny exits $?"
grep -q '±' "$TMP/t1" && fail "one replication shows ±: $(grep '±' "$TMP/t1" | head -3)"
"$DSIM" run "$SRC/tests/data/tiny.json" --replications 1 --format csv >"$TMP/c1"
[ -z "$(csv_col "$TMP/c1" utterances_ci95)" ] || fail "csv utterances_ci95 of one replication: '$(csv_col "$TMP/c1" utterances_ci95)'"
[ "$(csv_col "$TMP/c1" utterances)" = 10 ] || fail "csv utterances: '$(csv_col "$TMP/c1" utterances)'"
"$DSIM" run "$SRC/tests/data/tiny.json" --replications 1 --format json >"$TMP/j1"
got=$(jq -c '.policies[1] | [.metrics.utterances.mean, .metrics.utterances.ci95, .paired_vs_baseline.lost.ci95]' "$TMP/j1")
[ "$got" = '[10,null,null]' ] || fail "json of one replication: $got"
"$DSIM" check "$SRC/tests/data/tiny.json" --replications 1 >"$TMP/k1"
grep -qxF 'PASS reference utterances == 10: 10' "$TMP/k1" || fail "check of one replication: $(cat "$TMP/k1")"

# One replication, "on": "ci_upper": an event count that was 0 has the rule-of-three
# bound (3 a replication here), a true bound: it is checked; any other metric has
# no interval and fails (README Metrics).
jq '.expect={"reference":{"lost":{"max":5,"on":"ci_upper"},"utterances":{"max":20,"on":"ci_upper"}}} | .network.loss=0' \
    "$SRC/tests/data/tiny.json" >"$TMP/ci1.json"
"$DSIM" check "$TMP/ci1.json" -q --replications 1 >"$TMP/k2"
grep -qxF 'PASS reference lost (ci_upper) <= 5: 3 (rule of three: 0 in each of 1 replications)' "$TMP/k2" ||
    fail "ci_upper of a zero count, one replication: $(cat "$TMP/k2")"
# results.json's upper_bound of that zero count is the same 3 (a count a
# replication), its rate's 3 / 10 utterances.
"$DSIM" run "$TMP/ci1.json" -q --replications 1 --format json >"$TMP/ci1.out" || fail "ci1: run exits $?"
got=$(jq -c '.policies[0].metrics | [.lost.upper_bound, .duplicates.upper_bound, .lost_rate.upper_bound]' "$TMP/ci1.out")
[ "$got" = '[3,3,0.3]' ] || fail "upper_bound of a zero count, one replication (want check's 3): $got"
grep -q '^FAIL reference utterances (ci_upper) <= 20: .*no confidence interval from 1 replication' "$TMP/k2" ||
    fail "ci_upper of a count, one replication: $(cat "$TMP/k2")"
# One utterance: the rule-of-three bound is at most 1 per utterance, never 3.
jq '.workload.sessions=1 | .workload.utterances_per_session=1 | .replications=1 | .network.loss=0' \
    "$SRC/tests/data/tiny.json" >"$TMP/one.json"
"$DSIM" run "$TMP/one.json" -q --format json >"$TMP/one.out" || fail "one utterance: run exits $?"
got=$(jq -c '.policies[0].metrics | [.lost.upper_bound, .lost_rate.upper_bound]' "$TMP/one.out")
[ "$got" = '[1,1]' ] || fail "rule of three with one utterance: $got"
"$DSIM" run "$TMP/one.json" -q >"$TMP/one.tab"
grep -q '^lost_rate .*0 (≤ 1/utt)' "$TMP/one.tab" || fail "table: $(grep '^lost_rate' "$TMP/one.tab")"
# and check's bound on a loss count is at most the one utterance, not 3
jq '.expect={"reference":{"lost":{"max":2,"on":"ci_upper"}}}' "$TMP/one.json" >"$TMP/one-x.json"
"$DSIM" check "$TMP/one-x.json" -q >"$TMP/k3"
grep -qxF 'PASS reference lost (ci_upper) <= 2: 1 (rule of three: 0 in each of 1 replications)' "$TMP/k3" ||
    fail "check's bound with one utterance: $(cat "$TMP/k3")"

cli_finish PASS
