"""Organizations' DescribeEffectivePolicy for AI services opt-out policies, which moto 5.2 does not serve.

The effective policy of an account is worked out as AWS documents it for management policies: the policies attached
to the root, then to each OU down to the account, then to the account, each ``@@assign`` replacing what a parent set
unless the parent's ``@@operators_allowed_for_child_policies`` is ``["@@none"]``. The answer holds the plain values
(``{"services": {"default": {"opt_out_policy": "optOut"}}}``); a target no policy of the type reaches answers
EffectivePolicyNotFoundException. Other policy types are refused, as moto refuses operations it lacks.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.organizations.responses import OrganizationsResponse

from ._responder import add_methods

AI_POLICY = "AISERVICES_OPT_OUT_POLICY"
ASSIGN = "@@assign"
LOCK = "@@operators_allowed_for_child_policies"


def _chain(backend: Any, target: str) -> list[Any]:
    """The root, the OUs down to the target, and the target (an account or an OU)."""
    node = backend.get_account_by_id(target) if target.isdigit() else backend.get_organizational_unit_by_id(target)
    chain = [node]
    while getattr(node, "parent_id", None):
        node = backend.get_organizational_unit_by_id(node.parent_id)
        chain.append(node)
    return list(reversed(chain))


def _merge(effective: dict[str, dict[str, str]], locked: set[tuple[str, str]], content: dict[str, Any]) -> None:
    for service, settings in (content.get("services") or {}).items():
        for key, value in (settings or {}).items():
            if not isinstance(value, dict) or ASSIGN not in value or (service, key) in locked:
                continue
            effective.setdefault(service, {})[key] = value[ASSIGN]
            if value.get(LOCK) == ["@@none"]:
                locked.add((service, key))


class OrganizationsResponses:
    """Methods set on moto's ``OrganizationsResponse``."""

    def describe_effective_policy(self: Any) -> str:
        kind, target = self._get_param("PolicyType"), self._get_param("TargetId")
        if kind != AI_POLICY:
            raise JsonRESTError("InvalidInputException", f"This addition answers {AI_POLICY} only, not {kind}")
        effective: dict[str, dict[str, str]] = {}
        locked: set[tuple[str, str]] = set()
        reached = False
        for node in _chain(self.organizations_backend, target):
            for policy in node.attached_policies:
                if policy.type == kind:
                    reached = True
                    _merge(effective, locked, json.loads(policy.content))
        if not reached:
            raise JsonRESTError("EffectivePolicyNotFoundException", "No effective policy of this type applies")
        return json.dumps(
            {
                "EffectivePolicy": {
                    "PolicyContent": json.dumps({"services": effective}),
                    "LastUpdatedTimestamp": utcnow().timestamp(),
                    "TargetId": target,
                    "PolicyType": kind,
                }
            }
        )


def install() -> None:
    add_methods(OrganizationsResponses, OrganizationsResponse)
