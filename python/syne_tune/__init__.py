"""Minimal, dependency-free subset of Syne Tune used by training scripts run by synetune.

Compatible with the real package for what runs *inside* a trial: ``Reporter`` and the
helpers in ``syne_tune.utils``. When the real Syne Tune is installed, synetune leaves it in
charge (this folder is only put on PYTHONPATH when ``import syne_tune`` fails otherwise).
"""
from syne_tune.report import Reporter  # noqa: F401

__version__ = "0.15.0+synetune"
__all__ = ["Reporter"]
