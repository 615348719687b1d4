def parse_bool(val: str) -> bool:
    """``"true"`` / ``"FALSE"`` (any case) to bool, for argparse ``type=``."""
    val = val.upper()
    if val == "TRUE":
        return True
    assert val == "FALSE", f"val = '{val}' is not a boolean value"
    return False
