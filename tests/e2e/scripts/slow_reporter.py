"""Reports `--n` results, one every `--dt` seconds."""
import argparse
import time

from syne_tune import Reporter

p = argparse.ArgumentParser()
p.add_argument("--x", type=float)
p.add_argument("--n", type=int, default=50)
p.add_argument("--dt", type=float, default=0.02)
args, _ = p.parse_known_args()
r = Reporter()
for e in range(1, args.n + 1):
    time.sleep(args.dt)
    r(epoch=e, loss=args.x + 1.0 / e)
