from syne_tune.utils.checkpoint import (  # noqa: F401
    add_checkpointing_to_argparse,
    checkpoint_model_at_rung_level,
    json_load_save_functions,
    resume_from_checkpointed_model,
)
from syne_tune.utils.config_as_json import (  # noqa: F401
    add_config_json_to_argparse,
    load_config_json,
)
from syne_tune.utils.parse_bool import parse_bool  # noqa: F401

__all__ = [
    "add_checkpointing_to_argparse",
    "resume_from_checkpointed_model",
    "checkpoint_model_at_rung_level",
    "json_load_save_functions",
    "parse_bool",
    "add_config_json_to_argparse",
    "load_config_json",
]
