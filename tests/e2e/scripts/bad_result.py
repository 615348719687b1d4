"""Reports 3 epochs of loss, better for later trials (so that ASHA lets them go on). Trial 1
reports its epoch 2 as the string "two"; trial 2 leaves the metric out of its epoch-2 result."""
import os
import sys

from syne_tune import Reporter

ckpt = sys.argv[sys.argv.index("--st_checkpoint_dir") + 1]
trial_id = int(os.path.basename(os.path.dirname(ckpt)))
r = Reporter()
for e in range(1, 4):
    loss = 1.0 / (e * (1 + trial_id))
    if trial_id == 1 and e == 2:
        r(epoch="two", loss=loss)
    elif trial_id == 2 and e == 2:
        r(epoch=e)
    else:
        r(epoch=e, loss=loss)
