#!/bin/bash
# Starts a one-node Slurm cluster (slurmctld + slurmd, munged if needed) for tests and demos.
# Usage: eval "$(SLURM_WORK=<fresh dir> [SLURM_CPUS=N] [SLURM_OVERSUBSCRIBE=FORCE:4] scripts/slurm-up.sh)"
# Prints `export SLURM_CONF=...` on stdout; all chatter goes to stderr. Ports are picked free at
# run time (override with SLURM_CTLD_PORT / SLURM_D_PORT). Needs root and the Debian packages
# slurmctld slurmd slurm-client munge (scripts/install-deps.sh with SYNETUNE_WITH_SLURM=1).
# On failure the daemons it started are stopped again (by PID) and it exits non-zero.
set -eu
W=${SLURM_WORK:?set SLURM_WORK to a fresh directory}
CPUS=${SLURM_CPUS:-$(nproc)}
OVERSUB=${SLURM_OVERSUBSCRIBE:-NO}
HOST=$(hostname -s)
for tool in slurmctld slurmd sbatch munge munged; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "slurm-up: '$tool' not installed" >&2; exit 3; }
done
free_ports() {  # two distinct free TCP ports on 127.0.0.1
  python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
PY
}
read -r P1 P2 <<<"$(free_ports)"
CTLD_PORT=${SLURM_CTLD_PORT:-$P1}
D_PORT=${SLURM_D_PORT:-$P2}
mkdir -p "$W"/{state,spool,log,run}
chmod 755 "$W"
cat > "$W/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$W/log/jobcomp.txt
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST NodeAddr=127.0.0.1 Sockets=1 CoresPerSocket=$CPUS ThreadsPerCore=1 CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=$OVERSUB
CONF
export SLURM_CONF="$W/slurm.conf"
cleanup_on_failure() {
  echo "slurm-up: failed; stopping the daemons it started (logs in $W/log)" >&2
  SLURM_WORK="$W" "$(dirname "$0")/slurm-down.sh" >&2 || true
}
trap cleanup_on_failure ERR
if ! munge -n >/dev/null 2>&1; then
  mkdir -p /run/munge
  chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged
  touch "$W/run/started-munged"  # slurm-down stops munged only if we started it
fi
slurmctld -i
slurmd
sleep 0.3  # a client call before slurmctld listens costs a 1 s retry
s=""
for _ in $(seq 1 100); do
  s=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$s" = idle ] && break
  sleep 0.2
done
[ "$s" = idle ] || { echo "slurm-up: node not idle (state '$s')" >&2; false; }
# The first scheduling pass comes ~3 s after slurmctld starts; also proves munge + slurmd work.
timeout 60 sbatch --wait -Q -o /dev/null -J warmup --wrap true >&2 || { echo "slurm-up: warm-up job failed" >&2; false; }
trap - ERR
echo "export SLURM_CONF=$W/slurm.conf"
