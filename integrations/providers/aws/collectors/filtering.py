"""Network filtering collection (regional): where each AWS Network Firewall firewall sends its logs, whether it is
protected from deletion, which subnets (hence Availability Zones) it has endpoints in, and what the firewall
policies the firewalls use do with the traffic no rule decides.

WAF Classic (waf, waf-regional) web ACLs are not read: no check judges them (see docs/aws-checks.md).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_network import NetworkFirewallRegion
from ._common import Scope, concurrently, describe_error, error_code, paginate, plain

# What DescribeLoggingConfiguration answers for a firewall deleted since the listing.
_GONE = "ResourceNotFoundException"
# The key of LogDestination that names the target, by destination type.
_TARGET_KEYS = ("logGroup", "bucketName", "deliveryStream")


def collect_networkfirewall(scope: Scope) -> NetworkFirewallRegion:
    client = scope.client("network-firewall")
    listed = paginate(client, "list_firewalls", "Firewalls")
    firewalls = [f for f in concurrently(functools.partial(_firewall, client, scope.region), listed) if f is not None]
    # A policy often serves several firewalls: each is described once.
    used = sorted({str(f["policy_arn"]) for f in firewalls if f.get("policy_arn")})
    policies = concurrently(functools.partial(_policy, client, scope.region), used)
    return plain({"firewalls": firewalls, "policies": [p for p in policies if p is not None]})


def _firewall(client: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The firewall with its log destinations, or with the failure to read them; None when it was deleted since."""
    firewall: dict[str, Any] = {
        "name": listed["FirewallName"],
        "arn": listed["FirewallArn"],
        "log_destinations": [],
        "region": region,
    }
    protection = _protection(client, firewall["arn"])
    if protection is None:
        return None
    firewall.update(protection)
    try:
        answer = client.describe_logging_configuration(FirewallArn=firewall["arn"])
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        firewall["logging_error"] = describe_error(exc)
        return firewall
    configured = (answer.get("LoggingConfiguration") or {}).get("LogDestinationConfigs") or []
    firewall["log_destinations"] = [_destination(d) for d in configured]
    return firewall


def _protection(client: BaseClient, arn: str) -> dict[str, Any] | None:
    """The deletion protection, VPC and subnets DescribeFirewall tells, ``{"protection_error": ...}`` when that read
    fails, None when the firewall was deleted since the listing."""
    try:
        described = client.describe_firewall(FirewallArn=arn).get("Firewall") or {}
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        return {"protection_error": describe_error(exc)}
    return {
        "delete_protection": described.get("DeleteProtection") is True,
        "vpc_id": described.get("VpcId"),
        "subnet_ids": [str(m["SubnetId"]) for m in described.get("SubnetMappings") or [] if m.get("SubnetId")],
        "policy_arn": described.get("FirewallPolicyArn"),
    }


def _policy(client: BaseClient, region: str, arn: str) -> dict[str, Any] | None:
    """What a firewall policy does with packets no stateless rule matched, and how many rule groups it holds."""
    policy: dict[str, Any] = {"arn": arn, "name": arn.rsplit("/", 1)[-1], "region": region}
    try:
        described = client.describe_firewall_policy(FirewallPolicyArn=arn)
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        policy["describe_error"] = describe_error(exc)
        return policy
    rules = described.get("FirewallPolicy") or {}
    policy.update(
        {
            "name": (described.get("FirewallPolicyResponse") or {}).get("FirewallPolicyName") or policy["name"],
            "stateless_default_actions": list(rules.get("StatelessDefaultActions") or []),
            "stateless_fragment_default_actions": list(rules.get("StatelessFragmentDefaultActions") or []),
            "stateless_rule_groups": len(rules.get("StatelessRuleGroupReferences") or []),
            "stateful_rule_groups": len(rules.get("StatefulRuleGroupReferences") or []),
        }
    )
    return policy


def _destination(config: Mapping[str, Any]) -> dict[str, Any]:
    named = config.get("LogDestination") or {}
    target = next((str(named[k]) for k in _TARGET_KEYS if named.get(k)), None)
    return {
        "log_type": str(config.get("LogType")),
        "destination_type": str(config.get("LogDestinationType")),
        "target": target,
    }
