#!/bin/bash
# Stops the cluster of scripts/slurm-up.sh by the PIDs in its PID files (never by name).
# Usage: SLURM_WORK=<dir> scripts/slurm-down.sh   (munged too if slurm-up started it)
W=${SLURM_WORK:?set SLURM_WORK}
pids=$(cat "$W/run/slurmd.pid" "$W/run/slurmctld.pid" 2>/dev/null)
if [ -e "$W/run/started-munged" ]; then pids="$pids $(cat /run/munge/munged.pid 2>/dev/null)"; fi
for p in $pids; do kill -TERM "$p" 2>/dev/null; done
for _ in $(seq 1 100); do
  alive=0
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && exit 0
  sleep 0.1
done
for p in $pids; do kill -KILL "$p" 2>/dev/null; done
true
