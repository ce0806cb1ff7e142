"""One way to keep secrets out of text shown to users or logged: every connector and service uses it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Shorter values are too likely to occur by chance ("on", "443") to be worth hiding, and hiding them would
# garble the message.
MIN_SECRET_LENGTH = 4
MASK = "***"


def secret_values(value: Any) -> list[str]:
    """Every string (or number) inside a credentials mapping, however nested."""
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in secret_values(v)]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in secret_values(v)]
    return [str(value)] if value not in (None, "", True, False) else []


def redact(text: str, secrets: Iterable[Any]) -> str:
    """``text`` with each secret replaced by ``***``; longest first, so a secret containing another goes whole.

    ``secrets`` may hold plain values or whole credentials mappings.
    """
    for secret in sorted(set(secret_values(list(secrets))), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    return text
