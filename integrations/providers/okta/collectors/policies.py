"""Policies and their rules: MFA enrolment, passwords, the global session (Okta sign-on) and app sign-on.

Read for the checks in ``checks.policies``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._rest import RestHttpError
from ..shapes import Policies, Policy, Rule
from ._common import PAGES, Scope, concurrently, segment

POLICY_TYPES: tuple[str, ...] = ("OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL", "ACCESS_POLICY")


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _rule(raw: Mapping[str, Any]) -> Rule:
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "status": raw.get("status"),
        "priority": raw.get("priority"),
        "system": raw.get("system"),
        "conditions": _mapping(raw.get("conditions")),
        "actions": _mapping(raw.get("actions")),
    }


def collect_policies(scope: Scope) -> Policies:
    by_type: dict[str, list[Policy]] = {}
    unsupported: list[str] = []
    for policy_type in POLICY_TYPES:
        try:
            listed = scope.api.get_all("/api/v1/policies", {"type": policy_type}, paging=PAGES)
        except RestHttpError as exc:
            # Okta Classic Engine has no authentication (ACCESS_POLICY) policies and answers 400 for the type.
            if policy_type == "ACCESS_POLICY" and exc.status == 400:
                unsupported.append(policy_type)
                continue
            raise
        raws = [p for p in listed if isinstance(p, Mapping) and p.get("id")]

        def read(raw: Mapping[str, Any]) -> Policy:
            rules = scope.api.get_all(f"/api/v1/policies/{segment(raw['id'])}/rules", paging=PAGES)
            return {
                "id": raw.get("id"),
                "name": raw.get("name"),
                "type": raw.get("type"),
                "status": raw.get("status"),
                "priority": raw.get("priority"),
                "system": raw.get("system"),
                "settings": _mapping(raw.get("settings")),
                "rules": [_rule(r) for r in rules if isinstance(r, Mapping)],
            }

        by_type[policy_type] = concurrently(read, raws, workers=scope.workers)
    return {"by_type": by_type, "unsupported": unsupported}
