"""A training script written for Syne Tune, unmodified: the height example of Syne Tune's
documentation (argparse with parse_known_args, `from syne_tune import Reporter`)."""
import logging
import time
from argparse import ArgumentParser

from syne_tune import Reporter

if __name__ == "__main__":
    root = logging.getLogger()
    root.setLevel(logging.INFO)

    parser = ArgumentParser()
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--width", type=float)
    parser.add_argument("--height", type=float)
    parser.add_argument("--sleep_time", type=float, default=0.01)
    args, _ = parser.parse_known_args()

    report = Reporter()
    for step in range(args.epochs):
        time.sleep(args.sleep_time)
        dummy_score = (0.1 + args.width * step / 100) ** (-1) + args.height * 0.1
        # Feed the score back to Syne Tune.
        report(epoch=step + 1, mean_loss=dummy_score)
