#!/usr/bin/env bash
# The incident of 2025-12-30, measured from a run of the lingua-2025-12-28 preset
# (what incident-analysis.zh.md saw in production):
#   - jobs dispatched 4 times (first dispatch + 3 failovers), never more;
#   - one job_id recurring across many log records (the report counted up to 8);
#   - results discarded after the ack timeout with elapsed_ms above 5000;
#   - duplicates and lost results in the same replication.
set -euo pipefail
dsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$dsim" run "$src/scenarios/incident-2025-12-30.json" --log "$tmp/log.jsonl" \
    --format csv > "$tmp/run.csv"
grep '"policy":"lingua-2025-12-28"' "$tmp/log.jsonl" > "$tmp/ref.jsonl"

field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }

# dispatches per (replication, job_id)
max_dispatch=$(grep -E '"event":"(job_dispatched|failover_dispatched)"' "$tmp/ref.jsonl" |
    awk -F'"replication":|,"event".*"job_id":"|","attempt_id"' '{print $2, $3}' |
    sort | uniq -c | sort -rn | awk 'NR==1{print $1}')
echo "most dispatches of one job: $max_dispatch"
[ "$max_dispatch" -eq 4 ] || { echo "FAIL: expected a job dispatched exactly 4 times at most"; exit 1; }

max_records=$(awk -F'"replication":|,"event".*"job_id":"|","attempt_id"' '{print $2, $3}' \
    "$tmp/ref.jsonl" | sort | uniq -c | sort -rn | awk 'NR==1{print $1}')
echo "most log records of one job_id: $max_records"
[ "$max_records" -ge 8 ] || { echo "FAIL: expected a job_id in at least 8 records"; exit 1; }

late=$(grep '"event":"ack_timeout_discard"' "$tmp/ref.jsonl" | field elapsed_ms |
    awk '$1 > 5000 {n++} END {print n+0}')
echo "results discarded after the 5 s ack timeout with elapsed_ms > 5000: $late"
[ "$late" -ge 1 ] || { echo "FAIL: expected ack-timeout discards"; exit 1; }
grep -q '"event":"ack_timeout_discard".*"ack_timeout_ms":5000}' "$tmp/ref.jsonl" ||
    { echo "FAIL: discards should name ack_timeout_ms 5000"; exit 1; }

# duplicates and lost > 0 for the preset in one run (CSV columns by name)
"$dsim" run "$src/scenarios/incident-2025-12-30.json" --replications 1 --format csv > "$tmp/run.csv"
read -r dup lost < <(awk -F, 'NR==1{for(i=1;i<=NF;i++) c[$i]=i}
    $1=="lingua-2025-12-28"{print $c["duplicates"], $c["lost"]}' "$tmp/run.csv")
echo "lingua-2025-12-28: duplicates $dup, lost $lost (one replication)"
awk -v d="$dup" -v l="$lost" 'BEGIN{exit !(d > 0 && l > 0)}' ||
    { echo "FAIL: expected duplicates and lost results together"; exit 1; }
echo "PASS"
