"""Trial that reports once and then fails (exit 1) with a message on stderr."""
import sys

from syne_tune import Reporter

Reporter()(epoch=1, mean_loss=1.0)
print("boom: this trial fails on purpose", file=sys.stderr, flush=True)
sys.exit(1)
