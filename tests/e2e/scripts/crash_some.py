"""Crashes (exit code 3, a traceback on stderr) for x > 0.5; reports 3 epochs otherwise."""
import argparse
import sys

from syne_tune import Reporter

p = argparse.ArgumentParser()
p.add_argument("--x", type=float)
args, _ = p.parse_known_args()
r = Reporter()
if args.x > 0.5:
    print("about to fail", file=sys.stderr)
    raise RuntimeError(f"x={args.x} is too large for this model")
for e in range(1, 4):
    r(epoch=e, loss=args.x / e)
