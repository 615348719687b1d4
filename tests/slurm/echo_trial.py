"""Latency probe: reports at once, then every --interval seconds, --steps times."""
import argparse
import time

from syne_tune import Reporter

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=10)
p.add_argument("--interval", type=float, default=0.2)
p.add_argument("--x", type=float, default=0.0)
a, _ = p.parse_known_args()
r = Reporter()
for i in range(a.steps):
    r(epoch=i + 1, loss=a.x + 1.0 / (i + 1))
    time.sleep(a.interval)
