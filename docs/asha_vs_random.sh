#!/bin/sh
# ASHA vs RandomSearch on the bundled example (4 workers, 30 s each, seeds 1-5 or $SEEDS): the
# time ASHA needs to reach the best value random search found, relative to random search's
# time, per seed and its median. Run it on an otherwise idle machine: ASHA's many short
# trials pay a process start each, which load inflates.
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/synetune-asha-vs-rs}
export OUT
rm -rf "$OUT"
mkdir -p "$OUT"
sed 's/sleep_time=0.05/sleep_time=0.1/' examples/default.json > "$OUT/config.json"
SEEDS=${SEEDS:-1 2 3 4 5}
export SEEDS
for seed in $SEEDS; do for m in RandomSearch ASHA; do
  SYNETUNE_FOLDER="$OUT" ./build/synetune tune --config "$OUT/config.json" \
    --method $m --seed $seed --tuner-name cmp-$m-$seed --max-wallclock-time 30 --quiet >/dev/null 2>&1
done; done
/usr/bin/python3 - <<'P'
import os
import pandas as pd
out = os.environ["OUT"]
ratios = []
for seed in os.environ["SEEDS"].split():
    rs = pd.read_csv(f"{out}/cmp-RandomSearch-{seed}/results.csv.zip")
    asha = pd.read_csv(f"{out}/cmp-ASHA-{seed}/results.csv.zip")
    target = rs.mean_loss.min()
    t_rs = rs[rs.mean_loss <= target].st_tuner_time.min()
    hit = asha[asha.mean_loss <= target]
    t_asha = hit.st_tuner_time.min() if len(hit) else float("nan")
    print(f"seed {seed}: RS best {target:.4f} at {t_rs:.1f}s ({rs.trial_id.nunique()} trials); "
          f"ASHA reached it at {t_asha:.1f}s ({asha.trial_id.nunique()} trials); ratio {t_asha / t_rs:.2f}")
    ratios.append(t_asha / t_rs)
ratios.sort()
print(f"median ratio {ratios[len(ratios) // 2]:.2f} over {len(ratios)} seeds")
P
