"""Passing the config as a JSON file (Syne Tune's ``pass_args_as_json``)."""
import argparse
import json
from typing import Any, Dict

from syne_tune.constants import ST_CONFIG_JSON_FNAME_ARG


def add_config_json_to_argparse(parser: argparse.ArgumentParser):
    """Adds ``--st_config_json_filename`` to the script's argument parser."""
    parser.add_argument(f"--{ST_CONFIG_JSON_FNAME_ARG}", type=str)


def load_config_json(args: Dict[str, Any]) -> Dict[str, Any]:
    """The config from the JSON file, overlaid by the parsed command-line ``args``."""
    with open(args[ST_CONFIG_JSON_FNAME_ARG], "r") as f:
        config = json.load(f)
    config.update(args)
    return config
