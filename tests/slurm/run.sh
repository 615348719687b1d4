#!/bin/bash
# Slurm test suite: starts a one-node Slurm (scripts/slurm-up.sh), runs the real CLI against it,
# stops the daemons (also on failure). Usage: tests/slurm/run.sh path/to/synetune
# Installs nothing (scripts/install-deps.sh with SYNETUNE_WITH_SLURM=1 does). Exits 0 with a loud
# SKIP only when the Slurm daemons cannot start here (not installed, not root).
set -u
CLI=$(realpath "${1:?usage: run.sh path/to/synetune}")
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
skip() {
  echo "################################################################" >&2
  echo "### SKIP: Slurm tests NOT RUN: $*" >&2
  echo "################################################################" >&2
  exit 0
}
[ "$(id -u)" = 0 ] || skip "the Slurm daemons need root"
command -v slurmctld >/dev/null || skip "Slurm is not installed (SYNETUNE_WITH_SLURM=1 scripts/install-deps.sh)"
export SLURM_WORK=$(mktemp -d)
EXP=$(mktemp -d)
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
  SLURM_WORK=$SLURM_WORK "$SRC/scripts/slurm-down.sh"
  rm -rf "$EXP"
}
trap cleanup EXIT
t_start=$(date +%s.%N)
if ! up=$(SLURM_CPUS=2 SLURM_OVERSUBSCRIBE=FORCE:4 "$SRC/scripts/slurm-up.sh"); then
  skip "the Slurm daemons did not start (logs: $SLURM_WORK/log)"
fi
eval "$up"
cd "$SRC"
export PYTHONUNBUFFERED=1 SYNETUNE_FOLDER=$EXP
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
csv_header() { python3 -c "import sys,zipfile;print(zipfile.ZipFile(sys.argv[1]).read('results.csv').decode().splitlines()[0])" "$1"; }
HEIGHT=(--entry-point examples/train_height.py --param 'width=uniform(0,20)' --param 'height=uniform(-100,100)'
        --param sleep_time=0.2 --metric mean_loss --seed 3
        --results-update-interval 1 --quiet)

# --- 1. ASHA with 4 workers: stopped trials are cancelled, never more than 4 jobs in Slurm ------
( max=0; while :; do n=$(squeue -h -t PENDING,RUNNING,COMPLETING,CONFIGURING -o %i 2>/dev/null | wc -l)
  [ "$n" -gt "$max" ] && max=$n && echo "$max" > "$EXP/max_jobs"; sleep 0.05; done ) &
SAMPLER=$!
SYNETUNE_SLURM_TRACE=$EXP/trace.txt "$CLI" tune "${HEIGHT[@]}" --backend slurm --method ASHA \
  --param epochs=9 --n-workers 4 --max-num-trials-started 11 --tuner-name asha >"$EXP/asha.log" 2>&1 || fail "ASHA run exited $? ($(tail -5 "$EXP/asha.log"))"
kill $SAMPLER; SAMPLER=""
max=$(cat "$EXP/max_jobs" 2>/dev/null || echo 0)
[ "$max" -le 4 ] && ok "at most 4 jobs in Slurm at once (saw $max)" || fail "$max jobs in Slurm at once (> 4 workers)"
live=$(squeue -h -t PENDING,RUNNING,COMPLETING,CONFIGURING -o %i | wc -l)
[ "$live" = 0 ] && ok "no job left in Slurm after tuning" || fail "$live jobs still in Slurm after tuning"
stopped=0
for d in "$EXP"/asha/*/; do
  [ -e "$d/stop" ] || continue
  t=$(basename "$d")
  [ -e "$d/std.out" ] || continue  # stopped at the end while still waiting for a free slot
  st=$(squeue -h -t all -n "synetune-$t" -o %T | head -1)
  case "$st" in CANCELLED*) stopped=$((stopped + 1)) ;; COMPLETED) ;; *) fail "stopped trial $t has Slurm state '$st'";; esac
done
[ "$stopped" -ge 1 ] && ok "$stopped ASHA-stopped trials were cancelled in Slurm" || fail "no trial was cancelled in Slurm"
"$CLI" tune "${HEIGHT[@]}" --backend local --method ASHA --param epochs=9 --n-workers 4 --max-num-trials-started 11 --tuner-name asha-local \
  >"$EXP/asha-local.log" 2>&1 || fail "local ASHA run failed"
hs=$(csv_header "$EXP/asha/results.csv.zip"); hl=$(csv_header "$EXP/asha-local/results.csv.zip")
[ -n "$hs" ] && [ "$hs" = "$hl" ] && ok "results.csv.zip columns equal the local run's" || fail "columns differ: '$hs' vs '$hl'"
python3 "$HERE/latency.py" "$EXP/trace.txt" 1.0 || fail "metric latency"

# --- 2. a failing trial is Failed with its reason ---------------------------------------------
"$CLI" tune --entry-point tests/slurm/fail_trial.py --param 'x=uniform(0,1)' --metric mean_loss --n-workers 1 \
  --backend slurm --max-num-trials-finished 0 --max-failures 0 --tuner-name failing --quiet >"$EXP/fail.log" 2>&1
rc=$?
[ $rc != 0 ] && ok "tuning with a failing trial exits $rc" || fail "failing trial: tuner exited 0"
grep -q "exit code 1" "$EXP/fail.log" && grep -q "boom" "$EXP/fail.log" && ok "failure reason reported (exit code + std.err)" \
  || fail "failure reason missing: $(tail -5 "$EXP/fail.log")"

# --- 3. --launcher slurm: the whole tuning runs as a job --------------------------------------
out=$("$CLI" tune --launcher slurm "${HEIGHT[@]}" --backend slurm --n-workers 2 --max-num-trials-started 2 \
  --param epochs=3 --tuner-name launched 2>&1) || fail "launcher: $out"
job=$(sed -n 's/^job_id: //p' <<<"$out")
grep -q "^experiment: launched" <<<"$out" && [ -n "$job" ] && ok "launcher printed job $job and the experiment" || fail "launcher output: $out"
for _ in $(seq 1 300); do
  st=$(squeue -h -t all -j "$job" -o %T 2>/dev/null); case "$st" in PENDING|RUNNING|COMPLETING|CONFIGURING) sleep 0.2;; *) break;; esac
done
[ "$st" = COMPLETED ] && ok "tuner job $job completed" || fail "tuner job $job state '$st': $(tail -5 "$EXP/launched/tuner.slurm.out")"
[ -s "$EXP/launched/results.csv.zip" ] && [ -s "$EXP/launched/metadata.json" ] && ok "experiment folder written by the job" \
  || fail "launched experiment folder incomplete: $(ls "$EXP/launched")"
out=$("$CLI" tune --launcher slurm "${HEIGHT[@]}" --backend slurm --n-workers 2 --max-num-trials-started 2 \
  --param epochs=3 --tuner-name launched 2>&1); rc=$?
[ $rc = 2 ] && grep -q "synetune resume launched" <<<"$out" && ! grep -q "^job_id:" <<<"$out" \
  && ok "launcher refuses an existing experiment before submitting (exit 2)" || fail "launcher on an existing experiment: rc $rc: $out"

# --- 4. slurmd killed and restarted while trials run ------------------------------------------
"$CLI" tune "${HEIGHT[@]}" --backend slurm --param epochs=15 --n-workers 4 --max-num-trials-started 5 --tuner-name fault \
  >"$EXP/fault.log" 2>&1 &
tuner=$!
sleep 3
dpid=$(cat "$SLURM_WORK/run/slurmd.pid")
kill -KILL "$dpid"; sleep 2; slurmd; sleep 0.5
wait $tuner; rc=$?
if [ $rc = 0 ]; then ok "tuning survived a slurmd restart"
else grep -q "Slurm job" "$EXP/fault.log" && ok "affected trials failed with a Slurm reason" || fail "fault run exited $rc: $(tail -5 "$EXP/fault.log")"; fi
python3 - "$EXP/fault" <<'PY' && ok "no reported result lost across the slurmd restart" || fail "results lost in fault test"
import csv, io, os, sys, zipfile
root = sys.argv[1]
rows = list(csv.DictReader(io.StringIO(zipfile.ZipFile(f"{root}/results.csv.zip").read("results.csv").decode())))
bad = 0
for t in sorted(d for d in os.listdir(root) if d.isdigit()):
    if os.path.exists(f"{root}/{t}/stop"):
        continue  # stopped at the end: lines printed after the stop are dropped on purpose
    lines = sum("[tune-metric]" in l for l in open(f"{root}/{t}/std.out"))
    got = sum(r["trial_id"] == t for r in rows)
    if lines != got:
        print(f"trial {t}: {lines} metric lines, {got} rows", file=sys.stderr); bad += 1
sys.exit(bad)
PY

# --- 5. tuner killed, `synetune resume` re-attaches to the jobs that kept running ------------
"$CLI" tune "${HEIGHT[@]}" --backend slurm --param epochs=12 --n-workers 2 --max-num-trials-completed 1 \
  --tuner-name reattach >"$EXP/re1.log" 2>&1 &
tuner=$!
sleep 3.5; kill -KILL $tuner; wait $tuner 2>/dev/null
"$CLI" resume reattach >"$EXP/re2.log" 2>&1 || fail "resume exited $?: $(tail -5 "$EXP/re2.log")"
python3 - "$EXP/reattach" <<'PY' && ok "re-attached jobs: every trial has its 12 results exactly once" || fail "re-attach: $(tail -8 "$EXP/re2.log")"
import collections, csv, io, sys, zipfile
rows = list(csv.DictReader(io.StringIO(zipfile.ZipFile(f"{sys.argv[1]}/results.csv.zip").read("results.csv").decode())))
n = collections.Counter(r["trial_id"] for r in rows)
sys.exit(0 if n and all(v == 12 for v in n.values()) and len(n) == 2 else f"rows per trial: {dict(n)}")
PY

echo "slurm suite: $(python3 -c "import time;print(round(time.time()-$t_start,1))") s"
[ $FAILS = 0 ] || { echo "slurm suite: $FAILS failure(s)" >&2; exit 1; }
echo "slurm suite: all passed"
