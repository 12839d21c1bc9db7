#!/usr/bin/env bash
# Reading a log (sim/report/logread.c), for `dsim analyze` and `dsim fit`: a value out
# of range or of the wrong type, a timestamp that is not strict RFC 3339, a line out
# of time order, a log in both formats, a name over its bound and an exact copy of a
# line are each exit 2 naming LOG:LINE and the field, before fit writes anything;
# several logs given to fit are the pieces of one log; analyze prints n/a / null
# where the log holds nothing, and its deliveries.
set -uo pipefail
dsim=$1
src=$2
. "$src/tests/cli_lib.sh" logread
cd "$TMP" || exit 1
jq '.policies |= map(select(.name == "lingua-2025-12-28")) | del(.expect, .sweep)' \
    "$src/scenarios/incident-2025-12-30.json" > day.json
"$dsim" run day.json --replications 1 --log day.jsonl --log-format lingua -q > /dev/null
"$dsim" run day.json --replications 1 --log dayd.jsonl -q > /dev/null
"$dsim" run "$src/scenarios/steady-light.json" --replications 1 --log sl.jsonl -q > /dev/null
"$dsim" run "$src/scenarios/steady-light.json" --replications 1 --log sll.jsonl \
    --log-format lingua -q > /dev/null
"$dsim" fit day.jsonl -o keep.json -q 2> /dev/null || fail "fit of the day's log"
md5sum keep.json keep.trace.csv > keep.md5

# edit SRC DST MATCH KEY VALUE [all]: KEY (dots nest; DEL deletes) set to the JSON VALUE
# on the first line holding MATCH (every such line with "all")
edit() {
    python3 - "$@" << 'EOF'
import sys, json
src, dst, match, key, val = sys.argv[1:6]; every = len(sys.argv) > 6; out = []; done = False
for line in open(src, encoding='utf-8'):
    line = line.rstrip('\n')
    if (every or not done) and match in line:
        o = json.loads(line); d = o; parts = key.split('.')
        for p in parts[:-1]: d = d[p]
        if val == 'DEL': del d[parts[-1]]
        else: d[parts[-1]] = json.loads(val)
        line = json.dumps(o, ensure_ascii=False, separators=(',', ':')); done = True
    out.append(line)
open(dst, 'w', encoding='utf-8').write('\n'.join(out) + '\n')
EOF
}

# refused LOG TEXT: analyze and fit -o keep.json both exit 2 with TEXT on stderr, print
# nothing, and keep.json (a good fit) is left as it was
refused() {
    local rc=0
    "$dsim" analyze "$1" > out.txt 2> err.txt || rc=$?
    { [ "$rc" -eq 2 ] && grep -qF -- "$2" err.txt && [ ! -s out.txt ]; } ||
        fail "analyze $1: rc=$rc, want 2 and '$2': $(head -c 300 err.txt)"
    rc=0
    "$dsim" fit "$1" -o keep.json -q > /dev/null 2> err.txt || rc=$?
    { [ "$rc" -eq 2 ] && grep -qF -- "$2" err.txt; } ||
        fail "fit $1: rc=$rc, want 2 and '$2': $(head -c 300 err.txt)"
    md5sum -c --quiet keep.md5 > /dev/null 2>&1 || fail "fit $1 replaced keep.json"
}

# --- C1: values a scenario cannot hold, refused at the log's line --------------------
edit day.jsonl v1.jsonl '超时，尝试' fields.dispatched_timeout_seconds 0 all
refused v1.jsonl "v1.jsonl:664: fields.dispatched_timeout_seconds: expected a number in [1e-09, 86400], got 0"
edit day.jsonl v2.jsonl '超时，尝试' fields.dispatched_timeout_seconds 1e300 all
refused v2.jsonl "v2.jsonl:664: fields.dispatched_timeout_seconds: expected a number in [1e-09, 86400], got 1e300"
edit day.jsonl v3.jsonl '超时，尝试' fields.failover_max_attempts 100000 all
refused v3.jsonl "v3.jsonl:664: fields.failover_max_attempts: expected an integer in [0, 1000], got 100000"
edit day.jsonl v4.jsonl discarding fields.ack_timeout_ms 9223372036854775807 all
refused v4.jsonl "v4.jsonl:671: fields.ack_timeout_ms: expected an integer in [0, 86400000]"
edit day.jsonl v5.jsonl '超时，标记失败' fields.pending_timeout_seconds -3 all
refused v5.jsonl ": fields.pending_timeout_seconds: expected a number in [1e-09, 86400], got -3"
# below a nanosecond: a scenario's positive duration rounds it to 0 (recheck of C1)
edit day.jsonl v1b.jsonl '超时，尝试' fields.dispatched_timeout_seconds 1e-12 all
refused v1b.jsonl "v1b.jsonl:664: fields.dispatched_timeout_seconds: expected a number in [1e-09, 86400], got 1e-12"
edit day.jsonl v5b.jsonl '超时，标记失败' fields.pending_timeout_seconds 0 all
refused v5b.jsonl ": fields.pending_timeout_seconds: expected a number in [1e-09, 86400], got 0"
edit day.jsonl v6.jsonl Finalizing fields.audio_size_bytes -32000
refused v6.jsonl "v6.jsonl:8: fields.audio_size_bytes: expected an integer in [0, 115200000], got -32000"
edit day.jsonl v7.jsonl Finalizing fields.audio_size_bytes 9223372036854775807
refused v7.jsonl "v7.jsonl:8: fields.audio_size_bytes: expected an integer in [0, 115200000]"
for v in -0.5 1e12 1e300; do
    edit sl.jsonl t.jsonl job_dispatched t "$v"
    refused t.jsonl "t.jsonl:3: t: expected a number of seconds in [0, 2.31e+09] (the ~73 years"
done
# a run past 1e7 s of simulated time is read (any run dsim can make); fit, whose trace
# holds 1e7 s, refuses it naming that
python3 - << 'EOF'
import json
out = []
for line in open('sl.jsonl'):
    o = json.loads(line)
    if 't' in o:
        o['t'] += 2e7
    out.append(json.dumps(o))
open('late.jsonl', 'w').write('\n'.join(out) + '\n')
EOF
"$dsim" analyze late.jsonl > late.txt 2> err.txt || fail "analyze of a run past 1e7 s: $(cat err.txt)"
"$dsim" fit late.jsonl -o late.json 2> err.txt; rc=$?
[ "$rc" = 2 ] && grep -qF "not in the [0, 1e7] s" err.txt && [ ! -e late.json ] ||
    fail "fit of a run past 1e7 s: rc=$rc $(cat err.txt)"
cat day.jsonl dayd.jsonl > mixed.jsonl
refused mixed.jsonl "mixed.jsonl:2862: a line in dsim's format in a log in the reference's (from line 1): a log is in one format"

# --- C4: a timestamp that is not strict RFC 3339 -------------------------------------
for ts in garbage 2025-13-45T99:99:99Z "2025-12-30 00:00:16Z" 2025-12-30T00:00:16 \
    9999-12-30T00:00:00Z; do
    edit day.jsonl ts.jsonl 'Job created' timestamp "\"$ts\""
    refused ts.jsonl "ts.jsonl:9: timestamp: expected an RFC 3339 time"
done
# a valid offset is read as what it says: 5 hours east is 5 hours earlier, out of order
edit day.jsonl ts.jsonl 'Job created' timestamp '"2025-12-30T05:00:16.1+05:00"'
refused ts.jsonl "ts.jsonl:10: timestamp:"

# --- C5: a line out of time order is an error; another run is named on stderr --------
python3 -c "L=open('day.jsonl').read().splitlines(); L.insert(1500, L[19]); open('ooo.jsonl','w').write('\n'.join(L)+'\n')"
refused ooo.jsonl "ooo.jsonl:1501: timestamp: 2025-12-30T00:00:14"
refused ooo.jsonl "a line out of time order"
edit sl.jsonl tb.jsonl result_accepted t 1.0
refused tb.jsonl "tb.jsonl:4: t: goes back"
# two replications in one reference log: the first is fitted, the second named
"$dsim" run day.json --replications 2 --log two.jsonl --log-format lingua -q > /dev/null
"$dsim" fit two.jsonl -o tworuns.json -q 2> err.txt || fail "fit of two runs: $(cat err.txt)"
n1=$(wc -l < day.jsonl)
grep -qF "two.jsonl:$((n1 + 1)): another run starts here" err.txt &&
    grep -qE "its [0-9]+ lines from there on are not used" err.txt ||
    fail "fit of two runs says nothing of the second: $(cat err.txt)"
"$dsim" analyze two.jsonl > /dev/null 2> err.txt || fail "analyze of two runs: $(cat err.txt)"

# --- C6: fields of the wrong type or range --------------------------------------------
check_dsim() { # KEY VALUE TEXT: on sl.jsonl's line 4
    python3 -c "
import json,sys; L=open('sl.jsonl').read().splitlines(); o=json.loads(L[3]); o[sys.argv[1]]=json.loads(sys.argv[2]); L[3]=json.dumps(o)
open('f.jsonl','w').write('\n'.join(L)+'\n')" "$1" "$2"
    refused f.jsonl "f.jsonl:4: $1: expected $3"
}
check_dsim job_id 1 'a string "job-XXXXXXXX"'
check_dsim node '"x"' "an integer in [0, 4294967295]"
check_dsim elapsed_ms '"x"' "an integer in [0, 10000000000]"
check_dsim replication -1 "an integer in [0, 99999]"
check_dsim session 1e30 "an integer in [0, 9223372036854775807], got 1e30"
check_dsim utterance_index -3 "an integer in [0, 4294967295], got -3"
check_dsim policy 5 "a string of 1 to 63 bytes, got 5"
check_dsim event '"bogus_event"' "one of dsim's event names"
edit day.jsonl f.jsonl 'Job created' fields.job_id 7
refused f.jsonl "f.jsonl:9: fields.job_id: expected a string of 1 to 79 bytes, got 7"
edit day.jsonl f.jsonl 'Job created' fields.node_id '"x"' && "$dsim" analyze f.jsonl > /dev/null ||
    fail "a plain node id is a node id"
edit day.jsonl f.jsonl 'JobResult, adding' fields.elapsed_ms '"12s"'
refused f.jsonl ": fields.elapsed_ms: expected an integer in [0, 10000000000] (or \"Nms\"), got \"12s\""

# --- C7: names over their bound, never cut into one key ------------------------------
P=$(python3 -c "print('p'*330)")
sed -e "s/\"lingua-2025-12-28\"/\"${P}A\"/" sl.jsonl > lp.jsonl
refused lp.jsonl "lp.jsonl:2: policy: expected a string of 1 to 63 bytes"
J=$(python3 -c "print('j'*80)")
edit day.jsonl lj.jsonl 'Job created' fields.job_id "\"$J\""
refused lj.jsonl "lj.jsonl:9: fields.job_id: expected a string of 1 to 79 bytes"
# 63 and 79 bytes are read, and keep their runs and jobs apart
P=$(python3 -c "print('p'*62)")
sed -e "s/\"lingua-2025-12-28\"/\"${P}A\"/; s/\"lingua-2025-12-31\"/\"${P}B\"/" sl.jsonl |
    grep -v 2026-01-19 > lp.jsonl
"$dsim" analyze lp.jsonl --format json > lp.json || fail "analyze of 63-byte policies"
[ "$(jq '.job_id_occurrences | length' lp.json)" = 120 ] || fail "63-byte policies: jobs merged"

# --- C9: an exact copy of a line --------------------------------------------------------
sed p day.jsonl > dup.jsonl
refused dup.jsonl "dup.jsonl:2: the same line as line 1"
python3 -c "L=open('day.jsonl').read().splitlines(); L.insert(101, L[100]); open('dup.jsonl','w').write('\n'.join(L)+'\n')"
refused dup.jsonl "dup.jsonl:102: the same line as line 101"
# the reference's delivery line names no job: several results released at one instant
# to one session repeat it; they are counted, and said
python3 - << 'EOF'
L = open('day.jsonl').read().splitlines()
i = next(i for i, l in enumerate(L) if 'Successfully sent translation result' in l)
L.insert(i + 1, L[i]); open('sent.jsonl', 'w').write('\n'.join(L) + '\n')
EOF
"$dsim" analyze sent.jsonl > sent.txt 2> err.txt || fail "analyze of a repeated delivery line: $(cat err.txt)"
d0=$("$dsim" analyze day.jsonl --format json | jq .deliveries)
grep -qE "^deliveries: $((d0 + 1)) \(1 of them lines exactly like an earlier one" sent.txt ||
    fail "repeated delivery line not counted and said: $(grep deliveries sent.txt)"
[ "$("$dsim" analyze sent.jsonl --format json | jq .delivery_line_copies)" = 1 ] ||
    fail "delivery_line_copies"
"$dsim" fit sent.jsonl -o sent.json -q 2> /dev/null || fail "fit of a repeated delivery line"

# --- C10: several logs to fit are the pieces of one log --------------------------------
rc=0; "$dsim" fit day.jsonl day.jsonl -o twice.json -q 2> err.txt || rc=$?
[ "$rc" = 2 ] && grep -qF "day.jsonl:1: timestamp: 2025-12-30T00:00:00Z is " err.txt &&
    grep -qF "before the end of day.jsonl: several logs are the pieces of one log, given in time order" err.txt ||
    fail "the same log twice: rc=$rc $(cat err.txt)"
[ ! -e twice.json ] && [ ! -e twice.trace.csv ] || fail "the same log twice left files"
jq '.log_epoch_utc="2026-06-30T00:00:00Z"' day.json > day2.json
"$dsim" run day2.json --replications 1 --log day2.jsonl --log-format lingua -q > /dev/null
rc=0; "$dsim" fit day.jsonl day2.jsonl -o days.json -q 2> err.txt || rc=$?
[ "$rc" = 2 ] && grep -qF "day2.jsonl:1: timestamp: 2026-06-30T00:00:00Z is 15724800 s after the first line of day.jsonl: the logs together span at most 9990000 s" err.txt ||
    fail "two days half a year apart: rc=$rc $(cat err.txt)"
rc=0; "$dsim" fit day.jsonl dayd.jsonl -o fmt.json -q 2> err.txt || rc=$?
[ "$rc" = 2 ] && grep -qF "dayd.jsonl:2: a log in dsim's format after the reference's in day.jsonl" err.txt ||
    fail "two formats: rc=$rc $(cat err.txt)"
rc=0; "$dsim" fit dayd.jsonl dayd.jsonl -o fmt.json -q 2> err.txt || rc=$?
[ "$rc" = 2 ] && grep -qF "dayd.jsonl: a second log in dsim's format" err.txt ||
    fail "two dsim logs: rc=$rc $(cat err.txt)"
# one log cut in two (a rotated scheduler.log) is the same log: the same fit
n=$(wc -l < day.jsonl)
head -n $((n / 2)) day.jsonl > part1.jsonl; tail -n +$((n / 2 + 1)) day.jsonl > part2.jsonl
"$dsim" fit part1.jsonl part2.jsonl -o parts.json --report > parts.txt 2> err.txt ||
    fail "a log in two pieces: $(cat err.txt)"
"$dsim" fit day.jsonl -o whole.json --report > whole.txt
[ "$(jq -c '[.nodes[].heartbeat_s]' parts.json)" = "$(jq -c '[.nodes[].heartbeat_s]' whole.json)" ] ||
    fail "heartbeat_s of the pieces $(jq -c '[.nodes[].heartbeat_s]' parts.json)"
cmp -s parts.trace.csv whole.trace.csv || fail "the pieces' workload differs from the whole log's"

# --- C11: n/a where nothing was measured; no format is exit 2 --------------------------
edit day.jsonl noack.jsonl discarding fields.ack_timeout_ms DEL all
"$dsim" analyze noack.jsonl | grep -qF "ack-timeout discards: 69, elapsed_ms 7169..88528 (ack_timeout_ms n/a)" ||
    fail "ack_timeout_ms not logged: $("$dsim" analyze noack.jsonl | grep ack-timeout)"
[ "$("$dsim" analyze noack.jsonl --format json | jq -c '[.ack_discards,.ack_timeout_ms]')" = "[69,null]" ] ||
    fail "ack_timeout_ms null in JSON"
edit day.jsonl nomax.jsonl '超时，尝试' fields.failover_max_attempts DEL all
"$dsim" analyze nomax.jsonl | grep -qF "failovers exhausted: n/a (85 timeout lines lacking failover_attempts or failover_max_attempts)" ||
    fail "failovers exhausted not visible: $("$dsim" analyze nomax.jsonl | grep exhausted)"
[ "$("$dsim" analyze nomax.jsonl --format json | jq .failovers_exhausted)" = null ] ||
    fail "failovers_exhausted null in JSON"
: > empty.jsonl
printf '{"a":1}\n' > other.jsonl
for f in empty other; do
    rc=0; "$dsim" analyze $f.jsonl --format json > out.txt 2> err.txt || rc=$?
    [ "$rc" = 2 ] && grep -qF "$f.jsonl: " err.txt && grep -qF "a log in no known format" err.txt &&
        [ ! -s out.txt ] || fail "$f.jsonl: rc=$rc $(cat err.txt)"
done

# --- C15: the table shows the deliveries -----------------------------------------------
[ "$("$dsim" analyze sl.jsonl | grep -c '^deliveries: 180$')" = 1 ] || fail "no deliveries line"

# --- D F5: a recognised line lacking a field it carries is exit 2, not dropped ------------
# first LOG MATCH: the number of the first line of LOG holding MATCH (the one edit() edits)
first() { grep -nF -m1 -- "$2" "$1" | cut -d: -f1; }
for m in 'Finalizing audio utterance:utterance_index' 'Finalizing audio utterance:session_id' \
         'Received JobResult, adding:job_id' '超时，尝试:job_id' '重派成功下发:new_node_id' \
         'Job created (from session actor):node_id' 'Node registered successfully:node_id'; do
    msg=${m%%:*} key=${m##*:}
    edit day.jsonl need.jsonl "$msg" "fields.$key" DEL
    refused need.jsonl "need.jsonl:$(first day.jsonl "$msg"): fields.$key: expected "
    grep -qF "got nothing (a '" err.txt || fail "$msg without $key: $(cat err.txt)"
done
edit day.jsonl nofields.jsonl 'Finalizing audio utterance' fields DEL
refused nofields.jsonl "nofields.jsonl:$(first day.jsonl 'Finalizing audio utterance'): fields: expected an object"
for key in session node attempt_id job_id policy; do
    edit dayd.jsonl needd.jsonl '"job_dispatched"' "$key" DEL
    refused needd.jsonl "needd.jsonl:$(first dayd.jsonl '"job_dispatched"'): $key: expected "
done

# --- D F6: a trace, or another schema's log, is not read as a log ------------------------
"$dsim" run day.json --replications 1 --trace tr.jsonl -q > /dev/null
refused tr.jsonl 'tr.jsonl:1: stream: expected "log", got "trace": a trace (dsim run --trace) is not a log'
edit dayd.jsonl schema.jsonl '"dsim_version"' schema_version 99
refused schema.jsonl 'schema.jsonl:1: schema_version: expected 2'
edit dayd.jsonl stream.jsonl '"dsim_version"' stream '"x"'
refused stream.jsonl 'stream.jsonl:1: stream: expected "log"'

cli_finish "ok: reading logs"
