"""EC2 and VPC layout checks the network hygiene batches left open: a Network Firewall has endpoints in more than one
Availability Zone, and the account's own VPCs are spread over more than one region; and what is left idle: load
balancers without a listener, instances stopped for over a month.

The rest of that batch was already judged under other ids (see docs/aws-checks.md, "EC2 and VPC hygiene").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Instance, Vpc
from ._common import ACCOUNT, aws_check, error, regions, result, scan_time
from .elb import LOAD_BALANCER_V2, v2_balancers
from .filtering import firewalls
from .vpc_resilience import INSTANCE, subnets

FIREWALL = "AWS::NetworkFirewall::Firewall"
# A stopped instance gets no patches; past this, it is taken as abandoned (as Prowler's default).
INSTANCE_MAX_STOPPED = timedelta(days=30)


# --- Network Firewall endpoints across Availability Zones -----------------------------------------------------------


@aws_check(
    id="aws.networkfirewall.multiple_azs",
    title="Network Firewall firewalls have endpoints in at least two Availability Zones",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    requires=("networkfirewall", "subnets"),
    resource_type=FIREWALL,
    rationale="A firewall places one endpoint in each subnet it is mapped to, and traffic is routed through the "
    "endpoint of its own zone; with every endpoint in one Availability Zone, an outage of that zone stops the "
    "inspected traffic of the whole VPC, or forces routes around the firewall to keep it flowing.",
    remediation="Map the firewall to a dedicated firewall subnet in each Availability Zone the VPC's workloads use "
    "(AssociateSubnets), and route each zone's traffic through the endpoint of the same zone.",
)
def networkfirewall_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    zones = {s["id"]: s.get("availability_zone") for s in subnets(inventory)}
    for firewall in firewalls(inventory):
        name, arn, region = firewall.get("name"), str(firewall.get("arn")), str(firewall.get("region", ""))
        if firewall.get("protection_error"):
            reason = f"Could not describe Network Firewall {name}: {firewall['protection_error']}"
            yield error(arn, FIREWALL, reason, region=region)
            continue
        if "subnet_ids" not in firewall:
            yield error(arn, FIREWALL, "The inventory predates firewall subnet collection", region=region)
            continue
        subnet_ids = list(firewall["subnet_ids"])
        found = sorted({str(zones[s]) for s in subnet_ids if zones.get(s)})
        unknown = sorted(s for s in subnet_ids if not zones.get(s))
        if len(found) < 2 and unknown:
            reason = f"Could not tell the Availability Zones of Network Firewall {name}: subnets {unknown} not found"
            yield error(arn, FIREWALL, reason, region=region, subnet_ids=subnet_ids)
            continue
        ok = len(found) >= 2
        spread = ", ".join(found) or "no subnet"
        reason = (
            f"Network Firewall {name} has endpoints in {len(found)} Availability Zones ({spread})"
            if ok
            else f"Network Firewall {name} has endpoints in only {len(found)} Availability Zone ({spread})"
        )
        yield result(
            ok,
            arn,
            FIREWALL,
            reason,
            region=region,
            vpc_id=firewall.get("vpc_id"),
            availability_zones=found,
            subnet_ids=subnet_ids,
        )


# --- the account's own VPCs across regions --------------------------------------------------------------------------


def _own_vpcs(inventory: Inventory) -> dict[str, list[str]]:
    """Per collected region, the ids of the VPCs the account made (default VPCs left out: AWS makes one per region)."""
    own: dict[str, list[str]] = {}
    for region, data in regions(inventory, "vpc"):
        vpcs: list[Vpc] = data.get("vpcs", [])
        own[region] = sorted(str(v.get("id")) for v in vpcs if not v.get("is_default"))
    return own


@aws_check(
    id="aws.vpc.vpcs_in_multiple_regions",
    title="The account's own VPCs are spread over more than one region",
    severity=Severity.LOW,
    service="vpc",
    resource_type=ACCOUNT,
    rationale="Networks built in one region only leave nowhere prepared to run workloads when that region is "
    "impaired: recovering elsewhere then starts with building the VPC, its subnets, routes and security groups, "
    "while a second region's network, kept ready, turns a regional outage into a failover.",
    remediation="Build the network the workloads need (VPC, subnets, routes, security groups, endpoints) in a second "
    "region, preferably from the same infrastructure-as-code templates, and keep it in the recovery plan and tests.",
)
def vpc_vpcs_in_multiple_regions(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    own = _own_vpcs(inventory)
    unread = sorted(inventory.region_errors.get("vpc", {}))
    with_vpcs = sorted(region for region, ids in own.items() if ids)
    if not with_vpcs:
        return  # only default VPCs: the account has built no network of its own to judge
    placed = {region: own[region] for region in with_vpcs}
    if len(with_vpcs) >= 2:
        reason = f"The account's own VPCs are in {len(with_vpcs)} regions ({', '.join(with_vpcs)})"
        yield result(True, account, ACCOUNT, reason, vpcs_by_region=placed)
        return
    home = with_vpcs[0]
    if len(own) + len(unread) < 2:
        reason = f"Only {home} was scanned, so VPCs the account may have in other regions cannot be seen"
        yield error(account, ACCOUNT, reason, vpcs_by_region=placed)
    elif unread:
        reason = f"The account's own VPCs seen are all in {home}, but the VPCs of {', '.join(unread)} could not be read"
        yield error(account, ACCOUNT, reason, vpcs_by_region=placed, unread_regions=unread)
    else:
        others = sorted(set(own) - {home})
        reason = (
            f"The account's own VPCs ({len(own[home])}) are all in {home}; the other scanned regions "
            f"({', '.join(others)}) hold only default VPCs or none"
        )
        yield result(False, account, ACCOUNT, reason, vpcs_by_region=placed, scanned_regions=sorted(own))


# --- idle load balancers and long-stopped instances --------------------------------------------------------------


@aws_check(
    id="aws.elbv2.has_listeners",
    title="Load balancers have at least one listener",
    severity=Severity.LOW,
    service="elbv2",
    resource_type=LOAD_BALANCER_V2,
    rationale="A load balancer without a listener forwards nothing: it is left over from a removed service or "
    "half set up, yet it keeps its DNS name, network interfaces and addresses (and its charges), and a listener added "
    "to it later goes live with whatever security groups and targets it was left with.",
    remediation="Delete the load balancer if its service is gone (after turning off deletion protection), or add the "
    "listeners it is meant to serve, encrypted, as part of finishing its setup.",
)
def elbv2_has_listeners(inventory: Inventory) -> Iterable[Outcome]:
    for lb in v2_balancers(inventory):
        count = len(lb.get("listeners") or [])
        name = str(lb.get("name") or lb.get("arn"))
        reason = (
            f"Load balancer {name} has {count} listener{'s' if count != 1 else ''}"
            if count
            else f"Load balancer {name} has no listener"
        )
        yield result(bool(count), str(lb.get("arn")), LOAD_BALANCER_V2, reason, region=str(lb.get("region", "")))


# AWS notes the time of a stop in StateTransitionReason, "User initiated (2026-10-24 15:13:04 GMT)"; moto writes UTC.
_STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")


def stopped_at(reason: str | None) -> datetime | None:
    """When an instance was stopped, from the state transition reason AWS records (None: no date in it)."""
    found = _STOPPED_AT.search(reason or "")
    return datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if found else None


@aws_check(
    id="aws.ec2.instance_not_stopped_over_30_days",
    title=f"EC2 instances have not been stopped for over {INSTANCE_MAX_STOPPED.days} days",
    severity=Severity.LOW,
    service="ec2",
    resource_type=INSTANCE,
    rationale="A stopped instance keeps its volumes, data, instance profile, key pair and network placement but "
    "gets no patches and runs no agents; one left stopped for weeks is usually abandoned, and starting it later brings "
    "back an unpatched host with whatever access it had.",
    remediation="Terminate instances nobody needs (snapshot their volumes first if the data must be kept); start and "
    "patch the ones still in use, or keep them as an AMI and launch afresh when needed.",
)
def instance_not_stopped_over_30_days(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "ec2"):
        now = scan_time(data)
        instances: list[Instance] = data.get("instances", [])
        for instance in instances:
            iid, state = instance["id"], instance.get("state")
            if "state_transition_reason" not in instance:
                continue  # collected before the reason was kept
            if state != "stopped":
                yield result(True, iid, INSTANCE, f"EC2 instance {iid} is {state}, not stopped", region=region)
                continue
            since = stopped_at(instance.get("state_transition_reason"))
            if since is None:
                reason = f"EC2 instance {iid} is stopped and AWS gives no time of stopping"
                yield error(
                    iid, INSTANCE, f"{reason} ({instance.get('state_transition_reason') or 'no reason'})", region=region
                )
                continue
            days = (now - since).days
            ok = now - since <= INSTANCE_MAX_STOPPED
            reason = (
                f"EC2 instance {iid} has been stopped since {since.date().isoformat()}, {days} days before the scan"
            )
            reason += "" if ok else f" (over {INSTANCE_MAX_STOPPED.days})"
            yield result(ok, iid, INSTANCE, reason, region=region, stopped_at=since.isoformat(), stopped_days=days)
