"""EC2 and VPC layout checks the network hygiene batches left open: a Network Firewall has endpoints in more than one
Availability Zone, and the account's own VPCs are spread over more than one region.

The rest of that batch was already judged under other ids (see docs/aws-checks.md, "EC2 and VPC hygiene").
"""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Vpc
from ._common import ACCOUNT, aws_check, error, regions, result
from .filtering import firewalls
from .vpc_resilience import subnets

FIREWALL = "AWS::NetworkFirewall::Firewall"


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
