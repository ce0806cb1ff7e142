"""Whether a setting's name says it holds a credential (no AWS calls happen here).

Shared by the checks that judge plain environment variables (ECS task definitions, CodeBuild projects): their
collectors keep the names and never the values, which may be the very secrets looked for, only the kinds of credential
a value looks like.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Words in an environment variable's name that say it holds a credential (matched in the name upper-cased, with
# "-" and "." read as "_"). ACCESS_KEY catches AWS_ACCESS_KEY_ID, half of an access key pair, beside
# AWS_SECRET_ACCESS_KEY, which SECRET already catches.
SECRET_NAME_MARKERS = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
)
_SEPARATORS = re.compile(r"[-.]")


def looks_secret(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential (see SECRET_NAME_MARKERS)."""
    normalised = _SEPARATORS.sub("_", name.upper())
    return any(marker in normalised for marker in SECRET_NAME_MARKERS)


def secret_variables(names: Mapping[str, str], value_kinds: Mapping[str, list[str]]) -> tuple[list[str], str]:
    """The variables named like a credential or whose value holds one, sorted, and how a reason lists them.

    ``names`` maps how a variable is shown (``container/NAME`` for ECS) to its own name, which ``looks_secret``
    reads; ``value_kinds`` maps how it is shown to the kinds of credential its value holds."""
    found = sorted({shown for shown, name in names.items() if looks_secret(name)} | set(value_kinds))
    listed = (f"{v} (its value holds {', '.join(value_kinds[v])})" if value_kinds.get(v) else v for v in found)
    return found, ", ".join(listed)
