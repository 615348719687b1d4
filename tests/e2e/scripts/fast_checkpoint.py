"""A fast checkpointing trial for the resume torture test (standard library only: starts in
a few milliseconds). Trains epochs resume_from+1..num_epochs, `--sleep_time` seconds each,
saving its checkpoint atomically after every epoch, then reports the epoch; prints
"training epoch k" and, when it had a checkpoint, "resuming after epoch k".
"""
import argparse
import json
import os
import time

p = argparse.ArgumentParser()
p.add_argument("--num_epochs", type=int, default=9)
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--sleep_time", type=float, default=0.0)
p.add_argument("--st_checkpoint_dir", type=str, default=None)
args, _ = p.parse_known_args()

state = {"epoch": 0, "weight": 0.0}
path = os.path.join(args.st_checkpoint_dir, "state.json") if args.st_checkpoint_dir else None
if path and os.path.exists(path):
    with open(path) as f:
        state = json.load(f)
    print(f"resuming after epoch {state['epoch']}", flush=True)

for epoch in range(state["epoch"] + 1, args.num_epochs + 1):
    print(f"training epoch {epoch}", flush=True)
    if args.sleep_time > 0:
        time.sleep(args.sleep_time)
    state["epoch"] = epoch
    state["weight"] += args.lr * (1.0 - state["weight"])
    if path:
        os.makedirs(args.st_checkpoint_dir, exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(path + ".tmp", path)
    print("[tune-metric]: " + json.dumps({"epoch": epoch, "train_acc": state["weight"]}), flush=True)
