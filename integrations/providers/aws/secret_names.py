"""Whether a setting's name says it holds a credential (no AWS calls happen here).

Shared by the checks that judge plain environment variables (ECS task definitions, CodeBuild projects): their
collectors keep the names and never the values, which may be the very secrets looked for, only the kinds of credential
a value looks like.
"""

from __future__ import annotations

import re

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


def credential_variable(name: str, kinds: list[str] | None) -> str:
    """How a reason names a variable: its name, and what its value was found to hold, if anything."""
    return f"{name} (its value holds {', '.join(kinds)})" if kinds else name
