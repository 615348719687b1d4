"""Checkpoint helpers (same API as Syne Tune's ``syne_tune.utils.checkpoint``).

``pytorch_load_save_functions`` needs torch and is only provided when torch is importable;
``json_load_save_functions`` is the stdlib fallback: it saves the resource (epoch) and a
JSON-serialisable state dict to ``<st_checkpoint_dir>/checkpoint.json``, the same file the
C++ helpers in ``synetune/checkpoint.hpp`` use.
"""
import argparse
import json
import os
from typing import Any, Callable, Dict, Optional

from syne_tune.constants import ST_CHECKPOINT_DIR

RESOURCE_NAME = "st_resource"
STATE_NAME = "state"


def add_checkpointing_to_argparse(parser: argparse.ArgumentParser):
    """Adds ``--st_checkpoint_dir`` (optional) to the script's argument parser."""
    parser.add_argument(f"--{ST_CHECKPOINT_DIR}", type=str)


def resume_from_checkpointed_model(
    config: Dict[str, Any], load_model_fn: Callable[[str], int]
) -> int:
    """Calls ``load_model_fn(checkpoint_dir)`` if a checkpoint folder exists; returns the
    resource (epoch) to resume after, 0 if there is nothing to resume from."""
    resume_from = 0
    local_path = config.get(ST_CHECKPOINT_DIR)
    if local_path is not None and os.path.exists(local_path):
        resume_from = load_model_fn(local_path)
        trial_id = config.get("trial_id")
        if trial_id is not None:
            print(
                f"Trial {trial_id}: Loading checkpoint [resume_from = "
                f"{resume_from}, local_path = {local_path}]"
            )
    return resume_from


def checkpoint_model_at_rung_level(
    config: Dict[str, Any], save_model_fn: Callable[[str, int], Any], resource: int
):
    """Calls ``save_model_fn(checkpoint_dir, resource)`` if checkpointing is enabled."""
    local_path = config.get(ST_CHECKPOINT_DIR)
    if local_path is not None:
        save_model_fn(local_path, resource)
        trial_id = config.get("trial_id")
        if trial_id is not None:
            print(
                f"Trial {trial_id}: Saving checkpoint [resource = "
                f"{resource}, local_path = {local_path}]"
            )


def json_load_save_functions(state: Optional[Dict[str, Any]] = None, fname: str = "checkpoint.json"):
    """``load_model_fn, save_model_fn`` for a JSON-serialisable ``state`` dict, which is
    updated in place on load."""
    if state is None:
        state = dict()

    def load_model_fn(local_path: str) -> int:
        try:
            with open(os.path.join(local_path, fname), "r") as f:
                checkpoint = json.load(f)
            resume_from = int(checkpoint[RESOURCE_NAME])
            state.clear()
            state.update(checkpoint.get(STATE_NAME) or {})
        except Exception:
            resume_from = 0  # missing or half-written checkpoint: start from scratch
        return resume_from

    def save_model_fn(local_path: str, resource: int):
        os.makedirs(local_path, exist_ok=True)
        filename = os.path.join(local_path, fname)
        tmp = filename + ".tmp"
        with open(tmp, "w") as f:
            json.dump({RESOURCE_NAME: resource, STATE_NAME: state}, f)
        os.replace(tmp, filename)  # atomic: a kill mid-write keeps the previous checkpoint

    return load_model_fn, save_model_fn


def pytorch_load_save_functions(
    state_dict_objects: Dict[str, Any],
    mutable_state: Optional[dict] = None,
    fname: str = "checkpoint.json",
):
    """Load/save functions for PyTorch objects with ``state_dict`` (requires torch)."""
    import torch  # noqa: F401  (raises ImportError with a clear message when absent)

    mutable_state = mutable_state if mutable_state is not None else dict()

    def load_model_fn(local_path: str) -> int:
        try:
            checkpoint = torch.load(os.path.join(local_path, fname))
            resume_from = int(checkpoint[RESOURCE_NAME])
            for k, v in state_dict_objects.items():
                v.load_state_dict(checkpoint["st_state_dict_" + k])
            for k in mutable_state:
                mutable_state[k] = checkpoint["st_mutable_" + k]
        except Exception:
            resume_from = 0
        return resume_from

    def save_model_fn(local_path: str, resource: int):
        os.makedirs(local_path, exist_ok=True)
        checkpoint = {"st_state_dict_" + k: v.state_dict() for k, v in state_dict_objects.items()}
        checkpoint[RESOURCE_NAME] = resource
        for k, v in mutable_state.items():
            checkpoint["st_mutable_" + k] = v
        torch.save(checkpoint, os.path.join(local_path, fname))

    return load_model_fn, save_model_fn
