#!/bin/bash
# Latency of the Slurm backend on a one-node Slurm started here (needs root + Slurm packages):
#  - metric line written by a running job -> seen by the tuner (inotify + 0.2 s poll)
#  - trial start: sbatch -> first metric line written (scheduling tick + process start)
# Usage: bench/slurm_latency.sh path/to/synetune [n_trials=16]
set -eu
CLI=$(realpath "${1:?usage: slurm_latency.sh path/to/synetune [n_trials]}")
N=${2:-16}
SRC=$(cd "$(dirname "$0")/.." && pwd)
export SLURM_WORK=$(mktemp -d)
EXP=$(mktemp -d)
trap 'SLURM_WORK=$SLURM_WORK "$SRC/scripts/slurm-down.sh"; rm -rf "$EXP"' EXIT
eval "$(SLURM_CPUS=2 SLURM_OVERSUBSCRIBE=FORCE:4 "$SRC/scripts/slurm-up.sh")"
cd "$SRC"
SYNETUNE_SLURM_TRACE=$EXP/trace.txt SYNETUNE_FOLDER=$EXP "$CLI" tune --backend slurm \
  --entry-point tests/slurm/echo_trial.py --param 'x=uniform(0,1)' --param steps=15 --param interval=0.2 \
  --metric loss --n-workers 4 --max-num-trials-started $((N - 1)) --tuner-name latency --quiet >/dev/null
python3 tests/slurm/latency.py "$EXP/trace.txt"
