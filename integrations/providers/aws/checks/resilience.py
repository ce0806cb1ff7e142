"""Load balancer resilience checks: balancers span several Availability Zones, classic ones balance across them,
and application load balancers refuse ambiguous (desync) requests."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import LoadBalancerV2
from ._common import aws_check, result
from .elb import CLASSIC_LOAD_BALANCER, LOAD_BALANCER_V2, classic_balancers, desync_verdict, v2_balancers

# A balancer in fewer zones than this goes down with its one zone.
MIN_ZONES = 2
# The ELBv2 attribute holding an application load balancer's desync mitigation mode.
ALB_DESYNC_ATTRIBUTE = "routing.http.desync_mitigation_mode"
_KINDS = {"application": "Application", "network": "Network", "gateway": "Gateway"}


def _zones(zones: list[str]) -> str:
    return ", ".join(zones) if zones else "none reported"


def _label(lb: LoadBalancerV2) -> str:
    kind = _KINDS.get(str(lb.get("type")), "")
    name = str(lb.get("name") or lb.get("arn"))
    return f"{kind} load balancer {name}" if kind else f"Load balancer {name}"


@aws_check(
    id="aws.elbv2.multiple_azs",
    title="Application, network and gateway load balancers span at least two Availability Zones",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="A load balancer has nodes only in the zones it is enabled in: in a single zone, an outage of that "
    "zone takes down everything behind it, whatever the targets' own redundancy. A gateway load balancer is judged "
    "too, as every flow routed through its appliances stops with its one zone.",
    remediation="Enable a subnet in a second (or third) Availability Zone on the load balancer and register "
    "targets there as well.",
)
def elbv2_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        if "availability_zones" not in lb:
            continue  # collected before the zones were kept
        zones = list(lb.get("availability_zones") or [])
        ok = len(zones) >= MIN_ZONES
        label = _label(lb)
        reason = (
            f"{label} spans {len(zones)} Availability Zones ({_zones(zones)})"
            if ok
            else f"{label} is in fewer than {MIN_ZONES} Availability Zones ({_zones(zones)})"
        )
        yield result(
            ok,
            str(lb.get("arn")),
            LOAD_BALANCER_V2,
            reason,
            region=str(lb.get("region", "")),
            name=lb.get("name"),
            type=lb.get("type"),
            availability_zones=zones,
        )


@aws_check(
    id="aws.elb.multiple_azs",
    title="Classic load balancers span at least two Availability Zones",
    severity=Severity.MEDIUM,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="A classic load balancer in a single Availability Zone, and the instances it can route to, go down "
    "together with that zone.",
    remediation="Add a subnet (or, outside a VPC, an Availability Zone) in a second zone to the load balancer and "
    "run instances behind it there, or migrate to an application or network load balancer in several zones.",
)
def elb_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        if "availability_zones" not in lb:
            continue  # collected before the zones were kept
        name = str(lb.get("name"))
        zones = list(lb.get("availability_zones") or [])
        ok = len(zones) >= MIN_ZONES
        reason = (
            f"Classic load balancer {name} spans {len(zones)} Availability Zones ({_zones(zones)})"
            if ok
            else f"Classic load balancer {name} is in fewer than {MIN_ZONES} Availability Zones ({_zones(zones)})"
        )
        yield result(
            ok, name, CLASSIC_LOAD_BALANCER, reason, region=str(lb.get("region", "")), availability_zones=zones
        )


@aws_check(
    id="aws.elbv2.desync_mitigation_mode",
    title="Application load balancers mitigate HTTP desync",
    severity=Severity.MEDIUM,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="Ambiguous requests (conflicting Content-Length and Transfer-Encoding, malformed headers) let an "
    "attacker smuggle a request past the load balancer and poison other users' responses; in monitor mode the "
    "load balancer forwards them all to the targets.",
    remediation=f"Set the load balancer's {ALB_DESYNC_ATTRIBUTE} attribute to defensive or strictest.",
)
def elbv2_desync_mitigation_mode(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        # Only application load balancers parse HTTP; network and gateway ones pass the bytes on.
        if lb.get("type") != "application":
            continue
        name = str(lb.get("name") or lb.get("arn"))
        mode, ok, how = desync_verdict((lb.get("attributes") or {}).get(ALB_DESYNC_ATTRIBUTE))
        reason = (
            f"Application load balancer {name} mitigates HTTP desync in {mode} mode{how}"
            if ok
            else f"Application load balancer {name} only monitors HTTP desync ({mode} mode)"
        )
        yield result(ok, str(lb.get("arn")), LOAD_BALANCER_V2, reason, region=str(lb.get("region", "")), mode=mode)


@aws_check(
    id="aws.elb.cross_zone_load_balancing",
    title="Classic load balancers balance across Availability Zones",
    severity=Severity.LOW,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="Without cross-zone load balancing each zone's node sends its share of traffic only to the instances "
    "in its own zone, so a zone with fewer healthy instances is overloaded while the others idle, and losing "
    "instances in one zone hurts more than it should.",
    remediation="Turn on cross-zone load balancing in the load balancer's attributes (CrossZoneLoadBalancing).",
)
def elb_cross_zone_load_balancing(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        if "cross_zone" not in lb:
            continue  # collected before the attribute was kept
        name = str(lb.get("name"))
        ok = bool(lb.get("cross_zone"))
        reason = (
            f"Classic load balancer {name} has cross-zone load balancing on"
            if ok
            else f"Classic load balancer {name} has cross-zone load balancing off"
        )
        yield result(ok, name, CLASSIC_LOAD_BALANCER, reason, region=str(lb.get("region", "")), cross_zone=ok)


@aws_check(
    id="aws.elb.connection_draining_enabled",
    title="Classic load balancers drain connections from instances leaving service",
    severity=Severity.LOW,
    service="elb",
    resource_type=CLASSIC_LOAD_BALANCER,
    rationale="Without connection draining, an instance deregistered or failing its health check has its open "
    "requests cut at once, so every deployment and scale-in drops requests in flight.",
    remediation="Turn on connection draining in the load balancer's attributes (ConnectionDraining, with a timeout "
    "longer than the slowest expected request, 300 seconds by default).",
)
def elb_connection_draining_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for lb in classic_balancers(inventory):
        if "connection_draining" not in lb:
            continue  # collected before the attribute was kept
        name, ok = str(lb.get("name")), bool(lb.get("connection_draining"))
        reason = f"Classic load balancer {name} has connection draining {'on' if ok else 'off'}"
        yield result(ok, name, CLASSIC_LOAD_BALANCER, reason, region=str(lb.get("region", "")), connection_draining=ok)


# The attribute network and gateway load balancers keep cross-zone balancing in (off unless turned on); application
# load balancers always balance across zones.
CROSS_ZONE_ATTRIBUTE = "load_balancing.cross_zone.enabled"


@aws_check(
    id="aws.elbv2.cross_zone_load_balancing",
    title="Network and Gateway Load Balancers balance across Availability Zones",
    severity=Severity.LOW,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="A network or gateway load balancer sends each zone's traffic only to targets in that zone unless "
    "cross-zone load balancing is on, so a zone with fewer healthy targets is overloaded while the others idle, and "
    "a zone left without healthy targets drops the traffic its clients send there.",
    remediation="Turn on cross-zone load balancing in the load balancer's attributes "
    "(load_balancing.cross_zone.enabled true); traffic between zones is charged.",
)
def elbv2_cross_zone_load_balancing(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        kind = str(lb.get("type") or "")
        if kind not in {"network", "gateway"}:
            continue
        name = str(lb.get("name") or lb.get("arn"))
        value = (lb.get("attributes") or {}).get(CROSS_ZONE_ATTRIBUTE)
        ok = str(value).lower() == "true"
        label = f"{kind.capitalize()} load balancer {name}"
        reason = f"{label} has cross-zone load balancing {'on' if ok else 'off'}"
        yield result(
            ok, str(lb.get("arn")), LOAD_BALANCER_V2, reason, region=str(lb.get("region", "")), cross_zone=value
        )
