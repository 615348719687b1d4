"""Training script that checkpoints every epoch and resumes from its last checkpoint.

When the tuner pauses this trial and resumes it later (same ``--st_checkpoint_dir``), or
warm-starts another trial from its checkpoint (PBT), training continues after the last saved
epoch: no epoch is trained twice. Each trained epoch prints ``training epoch k`` so that tests
can check exactly that.
"""
import time
from argparse import ArgumentParser

from syne_tune import Reporter
from syne_tune.constants import ST_CHECKPOINT_DIR
from syne_tune.utils import (
    add_checkpointing_to_argparse,
    checkpoint_model_at_rung_level,
    json_load_save_functions,
    resume_from_checkpointed_model,
)

if __name__ == "__main__":
    parser = ArgumentParser()
    parser.add_argument("--num_epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--sleep_time", type=float, default=0.0)
    add_checkpointing_to_argparse(parser)
    args, _ = parser.parse_known_args()
    config = vars(args)

    state = {"weight": 0.0}  # the "model"
    load_model_fn, save_model_fn = json_load_save_functions(state)
    resume_from = resume_from_checkpointed_model(config, load_model_fn)
    if config.get(ST_CHECKPOINT_DIR) is not None:
        print(f"resuming after epoch {resume_from}", flush=True)

    report = Reporter()
    for epoch in range(resume_from + 1, args.num_epochs + 1):
        print(f"training epoch {epoch}", flush=True)
        if args.sleep_time > 0:
            time.sleep(args.sleep_time)
        state["weight"] += args.lr * (1.0 - state["weight"])
        checkpoint_model_at_rung_level(config, save_model_fn, epoch)
        report(epoch=epoch, train_acc=state["weight"])
