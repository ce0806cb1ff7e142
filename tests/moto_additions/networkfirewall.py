"""Network Firewall policies, which moto 5.2 does not serve (it has firewalls, not their policies).

Added to moto's own Network Firewall responder: CreateFirewallPolicy, DescribeFirewallPolicy (by ARN or name),
UpdateFirewallPolicy (with the update token, as AWS requires) and ListFirewallPolicies, each policy kept on moto's
backend of the account and region. A firewall created with a policy's ARN names it, as on AWS.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.networkfirewall.responses import NetworkFirewallResponse

from ._responder import add_methods, state_on


def _policies(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.networkfirewall_backend, "firewall_policies", dict)


def _error(kind: str, message: str) -> tuple[str, dict[str, int]]:
    return json.dumps({"__type": kind, "Message": message}), {"status": 400}


def _find(response: Any) -> dict[str, Any] | None:
    arn, name = response._get_param("FirewallPolicyArn"), response._get_param("FirewallPolicyName")
    for kept in _policies(response).values():
        summary = kept["FirewallPolicyResponse"]
        if (arn and summary["FirewallPolicyArn"] == arn) or (not arn and summary["FirewallPolicyName"] == name):
            return kept
    return None


class NetworkFirewallResponses:
    """Methods set on moto's ``NetworkFirewallResponse``."""

    def create_firewall_policy(self: Any) -> str | tuple[str, dict[str, int]]:
        name = self._get_param("FirewallPolicyName")
        if _find(self) is not None:
            return _error("InvalidRequestException", f"A firewall policy named {name} already exists")
        policy_id = str(uuid.uuid4())
        arn = f"arn:aws:network-firewall:{self.region}:{self.current_account}:firewall-policy/{name}"
        kept = {
            "UpdateToken": str(uuid.uuid4()),
            "FirewallPolicyResponse": {
                "FirewallPolicyName": name,
                "FirewallPolicyArn": arn,
                "FirewallPolicyId": policy_id,
                "Description": self._get_param("Description") or "",
                "FirewallPolicyStatus": "ACTIVE",
            },
            "FirewallPolicy": self._get_param("FirewallPolicy") or {},
        }
        _policies(self)[arn] = kept
        return json.dumps(
            {"UpdateToken": kept["UpdateToken"], "FirewallPolicyResponse": kept["FirewallPolicyResponse"]}
        )

    def describe_firewall_policy(self: Any) -> str | tuple[str, dict[str, int]]:
        kept = _find(self)
        if kept is None:
            return _error("ResourceNotFoundException", "The firewall policy does not exist")
        return json.dumps(kept)

    def update_firewall_policy(self: Any) -> str | tuple[str, dict[str, int]]:
        kept = _find(self)
        if kept is None:
            return _error("ResourceNotFoundException", "The firewall policy does not exist")
        if self._get_param("UpdateToken") != kept["UpdateToken"]:
            return _error("InvalidTokenException", "The update token does not match the policy's current one")
        kept["FirewallPolicy"] = self._get_param("FirewallPolicy") or {}
        kept["UpdateToken"] = str(uuid.uuid4())
        return json.dumps(
            {"UpdateToken": kept["UpdateToken"], "FirewallPolicyResponse": kept["FirewallPolicyResponse"]}
        )

    def list_firewall_policies(self: Any) -> str:
        listed = [
            {"Name": k["FirewallPolicyResponse"]["FirewallPolicyName"], "Arn": arn}
            for arn, k in _policies(self).items()
        ]
        return json.dumps({"FirewallPolicies": listed})


def install() -> None:
    add_methods(NetworkFirewallResponses, NetworkFirewallResponse)
