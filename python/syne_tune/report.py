"""Reporter: prints one ``[tune-metric]: {json}`` line per report on stdout.

The line format is Syne Tune's (``json.dumps`` with default separators, bare ``NaN`` /
``Infinity`` for non-finite floats), so the same script runs under Syne Tune and synetune.
"""
import json
import re
import sys
from dataclasses import dataclass
from time import perf_counter, time
from typing import Any, Dict, List

from syne_tune.constants import (
    ST_METRIC_TAG,
    ST_WORKER_ITER,
    ST_WORKER_TIME,
    ST_WORKER_TIMESTAMP,
)

_MAX_REPORT_SIZE = 50_000


def _to_builtin(obj: Any) -> Any:
    # numpy scalars (and anything else with .item()) are reported as plain numbers, without
    # importing numpy here.
    item = getattr(obj, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _serialize_report_dict(report_dict: Dict[str, Any]) -> str:
    report_str = json.dumps(report_dict, default=_to_builtin)
    assert sys.getsizeof(report_str) < _MAX_REPORT_SIZE, (
        "The dictionary to be reported is too large (limit 50,000 bytes); report fewer values"
    )
    return report_str


@dataclass
class Reporter:
    """Report metrics from a training script: ``report(epoch=1, loss=0.5)``.

    ``st_worker_timestamp`` (``time.time()``), ``st_worker_time`` (seconds since the
    reporter was created, if ``add_time``) and ``st_worker_iter`` (0, 1, ...) are appended.
    """

    add_time: bool = True

    def __post_init__(self):
        self.start = perf_counter()
        self.iter = 0

    def __call__(self, **kwargs) -> None:
        for key, value in kwargs.items():
            assert not key.startswith("st_"), (
                "The metric prefix 'st_' is used by Syne Tune internals, "
                "please use a metric name that does not start with 'st_'."
            )
            assert value is not None, f"Metric '{key}' is None; report a value"
        kwargs[ST_WORKER_TIMESTAMP] = time()
        if self.add_time:
            kwargs[ST_WORKER_TIME] = perf_counter() - self.start
        kwargs[ST_WORKER_ITER] = self.iter
        self.iter += 1
        print(f"[{ST_METRIC_TAG}]: {_serialize_report_dict(kwargs)}")
        sys.stdout.flush()


def retrieve(log_lines: List[str]) -> List[Dict[str, Any]]:
    """Metrics reported in ``log_lines`` (as the tuner parses them)."""
    regex = r"\[" + re.escape(ST_METRIC_TAG) + r"\]: (\{.*\})"
    return [json.loads(m) for m in re.findall(regex, "\n".join(log_lines))]
