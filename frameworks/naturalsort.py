"""Natural ordering of control refs: CC6.2 before CC6.10, AC-2 before AC-2(1) before AC-3."""

import re

_NUMBER = re.compile(r"(\d+)")


def natural_key(ref: str) -> str:
    """A string that sorts like the ref reads; stored so the database can ORDER BY it."""
    return _NUMBER.sub(lambda m: m.group(1).zfill(8), ref.strip().lower())
