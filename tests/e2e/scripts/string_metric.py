"""Reports 3 epochs of loss; odd trial ids report loss as the string "abc" at epoch 2."""
import os
import sys

from syne_tune import Reporter

ckpt = sys.argv[sys.argv.index("--st_checkpoint_dir") + 1]
trial_id = int(os.path.basename(os.path.dirname(ckpt)))
r = Reporter()
for e in range(1, 4):
    r(epoch=e, loss="abc" if trial_id % 2 == 1 and e == 2 else 1.0 / e)
