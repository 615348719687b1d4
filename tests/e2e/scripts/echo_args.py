"""Writes the argv it received to <checkpoint dir>/argv.json and reports once."""
import json
import os
import sys

from syne_tune import Reporter

ckpt = sys.argv[sys.argv.index("--st_checkpoint_dir") + 1]
os.makedirs(ckpt, exist_ok=True)
with open(os.path.join(ckpt, "argv.json"), "w") as f:
    json.dump(sys.argv[1:], f)
Reporter()(epoch=1, loss=1.0)
