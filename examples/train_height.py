"""Toy training script in the style of Syne Tune's ``train_height.py``.

    synetune tune --entry examples/train_height.py ...

Reports ``epoch`` (1, 2, ...) and ``mean_loss`` once per epoch; no dependency besides the
``syne_tune`` Reporter (the real package or synetune's minimal one).
"""
import logging
import time
from argparse import ArgumentParser

from syne_tune import Reporter


def height_loss(width: float, height: float, step: int) -> float:
    return (0.1 + width * step / 100) ** (-1) + height * 0.1


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    parser = ArgumentParser()
    parser.add_argument("--width", type=float, default=10.0)
    parser.add_argument("--height", type=float, default=0.0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--sleep_time", type=float, default=0.1)
    # The tuner also passes --st_checkpoint_dir and possibly other keys: ignore them.
    args, _ = parser.parse_known_args()

    report = Reporter()
    for step in range(args.epochs):
        if args.sleep_time > 0:
            time.sleep(args.sleep_time)
        report(epoch=step + 1, mean_loss=height_loss(args.width, args.height, step))
