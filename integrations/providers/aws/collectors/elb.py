"""Load balancer collection (regional): application/network/gateway (ELBv2) and classic load balancers (with the SSL
negotiation policies of those terminating TLS: one DescribeLoadBalancerPolicies call each)."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_network import ElbRegion, Elbv2Region
from ._common import Scope, describe_error, paginate, plain, web_acl_of

# Classic listeners that terminate TLS, and so negotiate it under an SSL negotiation policy.
SECURE_CLASSIC_PROTOCOLS = frozenset({"HTTPS", "SSL"})
NEGOTIATION_POLICY_TYPE = "SSLNegotiationPolicyType"


def _web_acl(scope: Scope, lb: dict[str, Any]) -> dict[str, Any]:
    """The WAFv2 web ACL of an internet-facing application load balancer.

    A failure is kept on the balancer, so only the WAF check reports it and the other load
    balancer checks still judge it.
    """
    # AWS always answers a scheme; internet-facing is its default when none was asked for.
    if lb.get("Type") != "application" or (lb.get("Scheme") or "internet-facing") != "internet-facing":
        return {}
    return web_acl_of(scope, lb["LoadBalancerArn"])


def collect_elbv2(scope: Scope) -> Elbv2Region:
    elbv2 = scope.client("elbv2")
    balancers: list[dict[str, Any]] = []
    for lb in paginate(elbv2, "describe_load_balancers", "LoadBalancers"):
        arn = lb["LoadBalancerArn"]
        listeners = paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn)
        attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn).get("Attributes", [])
        balancers.append(
            {
                "arn": arn,
                "name": lb.get("LoadBalancerName"),
                "type": lb.get("Type"),
                "scheme": lb.get("Scheme"),
                "availability_zones": sorted(
                    {str(z["ZoneName"]) for z in lb.get("AvailabilityZones", []) if z.get("ZoneName")}
                ),
                "listeners": [
                    {
                        "arn": listener.get("ListenerArn"),
                        "port": listener.get("Port"),
                        "protocol": listener.get("Protocol"),
                        "ssl_policy": listener.get("SslPolicy"),
                        "default_actions": listener.get("DefaultActions", []),
                    }
                    for listener in listeners
                ],
                "attributes": {str(a.get("Key")): str(a.get("Value")) for a in attributes if a.get("Key")},
                "region": scope.region,
                **_web_acl(scope, lb),
            }
        )
    return plain({"load_balancers": balancers})


def collect_elb(scope: Scope) -> ElbRegion:
    elb = scope.client("elb")
    balancers: list[dict[str, Any]] = []
    for lb in paginate(elb, "describe_load_balancers", "LoadBalancerDescriptions"):
        name = lb["LoadBalancerName"]
        attributes = elb.describe_load_balancer_attributes(LoadBalancerName=name).get("LoadBalancerAttributes", {})
        secure = {
            f"{listener.get('Protocol')}:{listener.get('LoadBalancerPort')}": [
                str(n) for n in d.get("PolicyNames") or []
            ]
            for d in lb.get("ListenerDescriptions", [])
            if str((listener := d.get("Listener") or {}).get("Protocol")).upper() in SECURE_CLASSIC_PROTOCOLS
        }
        balancers.append(
            {
                "name": name,
                "scheme": lb.get("Scheme"),
                "listeners": [d.get("Listener", {}) for d in lb.get("ListenerDescriptions", [])],
                "secure_listener_policies": secure,
                **(_negotiation_policies(elb, name) if secure else {"negotiation_policies": {}}),
                "connection_draining": bool((attributes.get("ConnectionDraining") or {}).get("Enabled")),
                "availability_zones": sorted(set(lb.get("AvailabilityZones", []))),
                "access_log": attributes.get("AccessLog", {}),
                "cross_zone": bool((attributes.get("CrossZoneLoadBalancing") or {}).get("Enabled")),
                "additional_attributes": {
                    str(a["Key"]): str(a.get("Value"))
                    for a in attributes.get("AdditionalAttributes", [])
                    if a.get("Key")
                },
                "region": scope.region,
            }
        )
    return plain({"load_balancers": balancers})


def _negotiation_policies(elb: BaseClient, name: str) -> dict[str, Any]:
    """The load balancer's SSL negotiation policies: name -> the predefined policy it was made from and the protocols
    it enables (or the error reading them, which only the TLS policy check reports)."""
    try:
        described = elb.describe_load_balancer_policies(LoadBalancerName=name).get("PolicyDescriptions", [])
    except ClientError as exc:
        return {"negotiation_policies_error": describe_error(exc)}
    policies: dict[str, Any] = {}
    for policy in described:
        if policy.get("PolicyTypeName") != NEGOTIATION_POLICY_TYPE:
            continue
        attributes = {
            str(a.get("AttributeName")): str(a.get("AttributeValue"))
            for a in policy.get("PolicyAttributeDescriptions") or []
        }
        policies[str(policy["PolicyName"])] = {
            "reference": attributes.get("Reference-Security-Policy"),
            "protocols": sorted(
                key.removeprefix("Protocol-")
                for key, value in attributes.items()
                if key.startswith("Protocol-") and value.lower() == "true"
            ),
        }
    return {"negotiation_policies": policies}
