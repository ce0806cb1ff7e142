"""Whether a resource policy (bucket, key, queue, topic) lets anyone in, or refuses plain HTTP (no AWS calls happen
here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._common import as_list, principal_is_anyone, statements

# Condition keys that tie a statement to known accounts, organisations, networks or callers; a
# statement for Principal "*" that tests one of them with a concrete value is not open to everyone.
RESTRICTING_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceip",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:userid",
        "kms:calleraccount",
    }
)


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in as_list(principal.get(kind)) for kind in ("AWS", "CanonicalUser"))
    return False


def pins_key(condition: Any, keys: frozenset[str]) -> bool:
    """Whether a statement's condition tests one of ``keys`` (lower case) against a concrete value."""
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        # "...IfExists" passes when the key is absent, and a Null test does not pin a value.
        if not isinstance(tests, Mapping) or str(operator).endswith("IfExists") or operator == "Null":
            continue
        for key, value in tests.items():
            values = [str(v) for v in as_list(value)]
            if str(key).lower() in keys and values and "*" not in values:
                return True
    return False


def _restricted(condition: Any) -> bool:
    return pins_key(condition, RESTRICTING_KEYS)


def public_statements(document: Any) -> list[Mapping[str, Any]]:
    """The Allow statements that grant any principal access without a condition narrowing who or from where."""
    return [
        s
        for s in statements(document)
        if s.get("Effect") == "Allow" and _anyone(s.get("Principal")) and not _restricted(s.get("Condition"))
    ]


def public_actions(document: Any) -> list[str]:
    """The actions those statements grant, for the outcome's evidence."""
    return sorted({str(a) for s in public_statements(document) for a in as_list(s.get("Action"))})


def denies_plain_http(statement: Mapping[str, Any], service: str) -> bool:
    """Whether ``statement`` denies every principal all of ``service``'s actions (``s3``, ``sqs``) over plain HTTP."""
    if statement.get("Effect") != "Deny" or not principal_is_anyone(statement.get("Principal")):
        return False
    actions = as_list(statement.get("Action"))
    if not any(a in ("*", f"{service}:*") for a in actions):
        return False
    condition = statement.get("Condition") or {}
    for operator, tests in condition.items():
        if not str(operator).startswith("Bool") or not isinstance(tests, Mapping):
            continue
        for key, value in tests.items():
            if key.lower() == "aws:securetransport" and [str(v).lower() for v in as_list(value)] == ["false"]:
                return True
    return False


def plain_http_verdict(policy: Any, service: str, label: str, kind: str) -> tuple[bool, str]:
    """Whether a resource's ``policy`` refuses plain HTTP for all of ``service``, and why, for "<label>" (a ``kind``
    of resource: bucket, queue)."""
    if any(denies_plain_http(s, service) for s in statements(policy)):
        return True, f"{label}'s policy denies requests without TLS"
    if policy:
        return False, f"{label}'s policy does not deny requests without TLS"
    return False, f"{label} has no {kind} policy, so plain HTTP requests are allowed"
