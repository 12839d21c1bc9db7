#!/usr/bin/env bash
# cli_slurm.sh DSIM SOURCE_DIR — examples/slurm/*.sbatch on a real, throwaway Slurm:
# starts munged, slurmctld and slurmd on this machine (their own key socket, config,
# ports, state and spool in a scratch folder: /etc/slurm and /run/munge are not
# touched), submits a 4-task array of sweep.sbatch with sbatch --wait, runs
# merge.sbatch after it (--dependency=afterok), and checks sweep.csv and sweep.json
# are byte-identical to the unsharded sweep. Every daemon it started is stopped by
# pid on exit, failure included. Exit 77 (ctest: skipped) only when not root or
# the Slurm/munge programs are missing; CI (make deps, as root) installs them.
set -euo pipefail
DSIM=$(readlink -f "$1")
SRC=$2
SCEN=$SRC/scenarios/incident-2025-12-30.json
LIMIT=60 # seconds any wait may take

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: cli_slurm needs root (to run munged as munge and slurmd)"; exit 77
fi
for p in munged munge slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$p" >/dev/null 2>&1 || {
        echo "SKIP: cli_slurm: '$p' not installed (apt-get install slurmctld slurmd slurm-client munge)"
        exit 77
    }
done

T=$(mktemp -d /tmp/dsim-cli-slurm-XXXXXX)
chmod 755 "$T"
pids=()
show_logs() {
    for f in "$T"/munge/munged.log "$T"/slurmctld.log "$T"/slurmd.log "$T"/job/*.out; do
        [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }
    done
    return 0
}
cleanup() {
    rc=$?
    [ "$rc" = 0 ] || show_logs >&2
    for ((k = ${#pids[@]} - 1; k >= 0; k--)); do kill "${pids[k]}" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [ "$rc" = 0 ] || [ -z "${KEEP:-}" ] || { echo "kept $T" >&2; exit "$rc"; }
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
# wait_for WHAT CMD...: runs CMD until it succeeds, at most LIMIT seconds.
wait_for() {
    local what=$1; shift
    local end=$((SECONDS + LIMIT))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || fail "$what: not ready after $LIMIT s"
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "$what: a daemon (pid $p) died"; done
        sleep 0.2
    done
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# munged on its own socket, as the munge user (it refuses root), with the installed key.
# Without an installed key (a package set-up that made none) the test makes a
# throwaway one of its own: only this munged reads it.
mkdir -p "$T/munge"
chown munge:munge "$T/munge"
chmod 755 "$T/munge"
KEY=/etc/munge/munge.key
if [ ! -s "$KEY" ]; then
    KEY=$T/munge/munge.key
    mungekey --create --keyfile="$KEY" 2>/dev/null ||
        dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
    chown munge:munge "$KEY"
    chmod 400 "$KEY"
fi
SOCK=$T/munge/munge.socket
setpriv --reuid=munge --regid=munge --init-groups munged -F --socket="$SOCK" --key-file="$KEY" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
    --seed-file="$T/munge/munged.seed" 2>>"$T/munge/munged.log" &
pids+=($!)
wait_for "munged" sh -c "munge -S '$SOCK' -n | unmunge -S '$SOCK'"

# Ports nobody listens on (another instance of this test may run at the same time).
base=$((20000 + ($$ % 20000)))
while ! port_free "$base" || ! port_free $((base + 1)); do base=$((base + 2)); done
H=$(hostname -s)
mkdir -p "$T/state" "$T/spool" "$T/job" "$T/out"
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=dsimtest
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
MinJobAge=4
SelectType=select/cons_tres
ReturnToService=2
MpiDefault=none
DependencyParameters=kill_invalid_depend
NodeName=$H NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.log" 2>&1 &
pids+=($!)
wait_for "slurmctld" sh -c "scontrol ping | grep UP >/dev/null"
slurmd -D -f "$SLURM_CONF" -N "$H" >>"$T/slurmd.log" 2>&1 &
pids+=($!)
wait_for "slurmd (node idle)" sh -c "sinfo -h -n '$H' -o %t | grep -x idle >/dev/null"

# The unsharded sweep, then the same as a 4-task array and its merge job.
SWEEP=(--param policies.fenced.dispatch_timeout_s=10,30 --param policies.fenced.ack_timeout_s=5,30
       --replications 2)
"$DSIM" sweep "$SCEN" "${SWEEP[@]}" --jobs 1 --out "$T/whole" >/dev/null
export DSIM
cd "$T/job"
jid=$(timeout "$LIMIT" sbatch --wait --parsable --array=1-4 --output="$T/job/sweep-%A_%a.out" \
    "$SRC/examples/slurm/sweep.sbatch" "$SCEN" "$T/out" "${SWEEP[@]}") \
    || fail "the array job failed or timed out"
jid=${jid%%;*}
timeout "$LIMIT" sbatch --wait --dependency="afterok:$jid" --output="$T/job/merge-%j.out" \
    "$SRC/examples/slurm/merge.sbatch" "$T/out" 4 >/dev/null || fail "merge job failed or timed out"
for i in 1 2 3 4; do
    [ -f "$T/out/sweep-$i-of-4.csv" ] || fail "shard $i of 4 not written"
    grep -q "^# dsim sweep shard $i/4 " "$T/out/sweep-$i-of-4.csv" || fail "shard $i: no shard line"
done
cmp "$T/whole/sweep.csv" "$T/out/sweep.csv" || fail "merged CSV differs from the unsharded sweep"
cmp "$T/whole/sweep.json" "$T/out/sweep.json" || fail "merged JSON differs from the unsharded sweep"
# Each task ran one shard: its log says so (not one task running everything).
n=$(cat "$T"/job/sweep-"$jid"_*.out | grep -c "(shard [1-4]/4 of 4 points)" || true)
[ "$n" -eq 4 ] || fail "expected 4 task logs naming their shard, found $n"
echo "ok: 4-task Slurm array merged equals the unsharded sweep"
