"""Load balancer collection (regional): application/network/gateway (ELBv2) and classic load balancers."""

from __future__ import annotations

from typing import Any

from ..shapes_network import ElbRegion, Elbv2Region
from ._common import Scope, paginate, plain


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
            }
        )
    return plain({"load_balancers": balancers})


def collect_elb(scope: Scope) -> ElbRegion:
    elb = scope.client("elb")
    balancers: list[dict[str, Any]] = []
    for lb in paginate(elb, "describe_load_balancers", "LoadBalancerDescriptions"):
        name = lb["LoadBalancerName"]
        attributes = elb.describe_load_balancer_attributes(LoadBalancerName=name).get("LoadBalancerAttributes", {})
        balancers.append(
            {
                "name": name,
                "scheme": lb.get("Scheme"),
                "listeners": [d.get("Listener", {}) for d in lb.get("ListenerDescriptions", [])],
                "access_log": attributes.get("AccessLog", {}),
                "region": scope.region,
            }
        )
    return plain({"load_balancers": balancers})
