"""EC2 and VPC network hygiene: network ACLs open on every port or attached to nothing, security groups attached to
nothing, instances without detailed monitoring, VPCs without an EC2 API endpoint or with subnets in one zone only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Ec2Region, Instance, NetworkAcl, SecurityGroup, VpcEndpoint, VpcRegion
from ..shapes_ec2 import NetworkInterface, Subnet
from ._common import ACCOUNT, aws_check, error, items, regions, result
from .ec2 import ANY_IPV4, ANY_IPV6, INSTANCE, NETWORK_ACL, SECURITY_GROUP, VPC, acl_world_ingress

# Network ACL protocols as numbers (the API answers numbers; "-1" is every protocol).
_PROTOCOL_NUMBERS = {"all": "-1", "tcp": "6", "udp": "17"}
# The protocols that have ports, and how a rule opening every one of their ports is said.
_PORTED = {"6": "every TCP port", "17": "every UDP port"}
_ALL = "-1"
_HIGHEST_PORT = 65535
_WORLDS = ((ANY_IPV4, "CidrBlock"), (ANY_IPV6, "Ipv6CidrBlock"))
# Instances on their way out are not judged.
_LEAVING = frozenset({"shutting-down", "terminated"})


def _protocol(entry: Mapping[str, Any]) -> str:
    raw = str(entry.get("Protocol")).lower()
    return _PROTOCOL_NUMBERS.get(raw, raw)


def _every_port(entry: Mapping[str, Any]) -> bool:
    """Whether a network ACL entry matches all traffic, or every port of TCP or UDP."""
    protocol = _protocol(entry)
    if protocol == _ALL:
        return True
    if protocol not in _PORTED:
        return False
    ports = entry.get("PortRange") or {}
    low, high = ports.get("From"), ports.get("To")
    # A ported rule without a range matches every port, as for the admin-port check.
    if low is None or high is None:
        return True
    return int(low) <= 0 and int(high) >= _HIGHEST_PORT


def _open_on_every_port(entries: Iterable[Mapping[str, Any]], cidr_field: str, world: str) -> list[dict[str, Any]]:
    """The inbound allow rules opening every port to ``world`` that no lower-numbered deny covers whole."""
    denied: set[str] = set()
    found: list[dict[str, Any]] = []
    for entry in acl_world_ingress(entries, cidr_field, world):
        if not _every_port(entry):
            # A narrower rule neither opens every port nor covers an allow that does.
            continue
        protocol = _protocol(entry)
        if entry.get("RuleAction") == "deny":
            denied.add(protocol)
        elif entry.get("RuleAction") == "allow" and not denied & {_ALL, protocol}:
            found.append({"source": world, "rule": int(entry.get("RuleNumber", 0)), "protocol": protocol})
    return found


def _rule_label(rule: Mapping[str, Any]) -> str:
    what = "all traffic" if rule["protocol"] == _ALL else _PORTED[rule["protocol"]]
    return f"{what} from {rule['source']} (rule {rule['rule']})"


def _network_acls(inventory: Inventory) -> Iterator[NetworkAcl]:
    return items(inventory, "ec2", "network_acls")


@aws_check(
    id="aws.ec2.nacl_no_ingress_all_ports",
    title="Network ACLs do not admit the internet on every port",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=NETWORK_ACL,
    rationale="A network ACL that lets 0.0.0.0/0 or ::/0 in on every port filters nothing at the subnet boundary, "
    "so a single over-broad security group is all that stands between the internet and the subnet's resources.",
    remediation="Replace the allow-everything inbound rule with rules for the ports the subnet serves, or add a "
    "lower-numbered deny for 0.0.0.0/0 and ::/0 ahead of it. The default network ACL of every VPC admits all "
    "inbound traffic until changed.",
)
def nacl_no_ingress_all_ports(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _network_acls(inventory):
        aid = str(acl.get("id"))
        entries = list(acl.get("entries", []))
        open_rules = [rule for world, field in _WORLDS for rule in _open_on_every_port(entries, field, world)]
        if open_rules:
            reason = f"Network ACL {aid} allows " + "; ".join(_rule_label(r) for r in open_rules)
        else:
            reason = f"Network ACL {aid} admits neither 0.0.0.0/0 nor ::/0 on every port"
        yield result(
            not open_rules,
            aid,
            NETWORK_ACL,
            reason,
            region=str(acl.get("region", "")),
            vpc_id=acl.get("vpc_id"),
            is_default=bool(acl.get("is_default")),
            open_rules=open_rules,
        )


@aws_check(
    id="aws.ec2.nacl_in_use",
    title="Network ACLs are associated with a subnet",
    severity=Severity.LOW,
    service="ec2",
    resource_type=NETWORK_ACL,
    rationale="A network ACL protecting no subnet is clutter: nobody reviews its rules, and it can be associated "
    "with a subnet by mistake, replacing the rules that subnet was meant to have.",
    remediation="Delete network ACLs that no subnet uses, or associate the ACL with the subnets it was made for.",
)
def nacl_in_use(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _network_acls(inventory):
        # A VPC's default ACL cannot be deleted and takes every subnet no other ACL holds: it is not judged.
        if acl.get("is_default"):
            continue
        aid, region = str(acl.get("id")), str(acl.get("region", ""))
        if "subnet_ids" not in acl:
            yield error(aid, NETWORK_ACL, "The inventory predates network ACL association collection", region=region)
            continue
        subnets = list(acl["subnet_ids"])
        if subnets:
            reason = f"Network ACL {aid} is associated with {len(subnets)} subnet(s) ({', '.join(subnets)})"
        else:
            reason = f"Network ACL {aid} is associated with no subnet"
        yield result(bool(subnets), aid, NETWORK_ACL, reason, region=region, vpc_id=acl.get("vpc_id"), subnets=subnets)


def _common_regions(inventory: Inventory, *services: str) -> list[str]:
    """The regions every one of ``services`` was collected in (a region one of them failed in is left to the
    error outcome the check adds for it)."""
    collected = [{region for region, _ in regions(inventory, service)} for service in services]
    return sorted(set.intersection(*collected)) if collected else []


def _group_references(groups: Iterable[SecurityGroup]) -> dict[str, set[str]]:
    """Group id -> the other groups of the region whose rules name it as a source or destination."""
    referenced: dict[str, set[str]] = {}
    for group in groups:
        for permission in [*group.get("ingress", []), *group.get("egress", [])]:
            for pair in permission.get("UserIdGroupPairs", []):
                target = pair.get("GroupId")
                if target and target != group.get("id"):
                    referenced.setdefault(str(target), set()).add(str(group.get("id")))
    return referenced


@aws_check(
    id="aws.ec2.security_group_in_use",
    title="Security groups are attached to a network interface or referenced by a group in use",
    severity=Severity.LOW,
    service="ec2",
    requires=("ec2", "network_interfaces"),
    resource_type=SECURITY_GROUP,
    rationale="Security groups nothing uses pile up unreviewed; sooner or later one is attached to a new resource "
    "for its name, carrying rules nobody remembers approving.",
    remediation="Delete security groups no network interface carries and no group in use references, after checking "
    "that no launch template, launch configuration or infrastructure code still names them; remove the rules of "
    "other groups that reference one first (AWS refuses to delete a referenced group).",
)
def security_group_in_use(inventory: Inventory) -> Iterable[Outcome]:
    ec2_data: dict[str, Ec2Region] = dict(regions(inventory, "ec2"))
    interface_data = dict(regions(inventory, "network_interfaces"))
    for region in _common_regions(inventory, "ec2", "network_interfaces"):
        attached: dict[str, list[str]] = {}
        interface: NetworkInterface
        for interface in interface_data[region].get("network_interfaces", []):
            for gid in interface.get("group_ids", []):
                attached.setdefault(gid, []).append(interface["id"])
        groups = list(ec2_data[region].get("security_groups", []))
        references = _group_references(groups)
        for group in groups:
            # Each VPC's default group cannot be deleted; aws.ec2.default_sg_restricts_all judges it.
            if group.get("name") != "default":
                yield _group_outcome(group, region, attached, references)


def _group_outcome(
    group: SecurityGroup, region: str, attached: Mapping[str, list[str]], references: Mapping[str, set[str]]
) -> Outcome:
    gid = str(group.get("id"))
    label = f"Security group {gid} ({group.get('name')})"
    interfaces = attached.get(gid, [])
    referenced_by = sorted(references.get(gid, set()))
    # A rule naming the group admits the interfaces that carry it: the group marks peers, a use of its own, as long
    # as the group holding the rule is carried by an interface itself.
    live = [r for r in referenced_by if attached.get(r)]
    if interfaces:
        shown = ", ".join(interfaces[:5]) + (", ..." if len(interfaces) > 5 else "")
        reason = f"{label} is attached to {len(interfaces)} network interface(s) ({shown})"
    elif live:
        reason = f"{label} is attached to no network interface but is referenced by rules of {', '.join(live)}, in use"
    elif referenced_by:
        reason = (
            f"{label} is attached to no network interface and is referenced only by rules of "
            f"{', '.join(referenced_by)}, attached to no network interface either"
        )
    else:
        reason = f"{label} is attached to no network interface and no other group references it"
    return result(
        bool(interfaces or live),
        gid,
        SECURITY_GROUP,
        reason,
        region=region,
        group_name=group.get("name"),
        vpc_id=group.get("vpc_id"),
        network_interfaces=len(interfaces),
        referenced_by=referenced_by,
    )


@aws_check(
    id="aws.ec2.instance_detailed_monitoring",
    title="EC2 instances have detailed monitoring",
    severity=Severity.LOW,
    service="ec2",
    resource_type=INSTANCE,
    rationale="Detailed monitoring publishes the instance's CloudWatch metrics every minute instead of every five, "
    "so alarms on CPU, network or status checks fire minutes sooner and short spikes are not averaged away.",
    remediation="Enable detailed monitoring on the instance (MonitorInstances, or Monitoring enabled in the launch "
    "template or RunInstances call).",
)
def instance_detailed_monitoring(inventory: Inventory) -> Iterable[Outcome]:
    instance: Instance
    for instance in items(inventory, "ec2", "instances"):
        if instance.get("state") in _LEAVING:
            continue
        iid, region = str(instance.get("id")), str(instance.get("region", ""))
        if "monitoring" not in instance:
            yield error(iid, INSTANCE, "The inventory predates instance monitoring collection", region=region)
            continue
        state = instance.get("monitoring")
        enabled = state == "enabled"
        if enabled:
            reason = f"Instance {iid} has detailed (1-minute) monitoring enabled"
        else:
            reason = f"Instance {iid} has basic (5-minute) monitoring only (monitoring state {state})"
        yield result(
            enabled, iid, INSTANCE, reason, region=region, monitoring=state, instance_state=instance.get("state")
        )


def _ec2_endpoints(endpoints: Iterable[VpcEndpoint], region: str) -> dict[str, list[VpcEndpoint]]:
    """VPC id -> its interface endpoints for the region's own EC2 API."""
    found: dict[str, list[VpcEndpoint]] = {}
    for endpoint in endpoints:
        service = str(endpoint.get("service_name") or "")
        # com.amazonaws.<region>.ec2, or cn.com.amazonaws.<region>.ec2 in the China regions.
        if endpoint.get("type") == "Interface" and service.endswith(f"amazonaws.{region}.ec2"):
            found.setdefault(str(endpoint.get("vpc_id")), []).append(endpoint)
    return found


@aws_check(
    id="aws.vpc.ec2_interface_endpoint",
    title="VPCs with instances have an interface endpoint for the EC2 API",
    severity=Severity.LOW,
    service="vpc",
    requires=("vpc", "ec2"),
    resource_type=VPC,
    rationale="With an interface endpoint for EC2, instances and agents calling the EC2 API reach it over the AWS "
    "network, without an internet or NAT gateway, and an endpoint policy can limit what those calls may do.",
    remediation="Create an Interface VPC endpoint for com.amazonaws.<region>.ec2 in the VPC's subnets, with private "
    "DNS enabled so that the usual EC2 endpoint name resolves to it.",
)
def vpc_ec2_interface_endpoint(inventory: Inventory) -> Iterable[Outcome]:
    ec2_data: dict[str, Ec2Region] = dict(regions(inventory, "ec2"))
    vpc_data: dict[str, VpcRegion] = dict(regions(inventory, "vpc"))
    for region in _common_regions(inventory, "vpc", "ec2"):
        data = vpc_data[region]
        instances = [i for i in ec2_data[region].get("instances", []) if i.get("state") not in _LEAVING]
        if "endpoints" not in data or any("vpc_id" not in i for i in instances):
            yield error(ACCOUNT, VPC, "The inventory predates VPC endpoint and instance VPC collection", region=region)
            continue
        with_instances: dict[str, int] = {}
        for instance in instances:
            with_instances[str(instance.get("vpc_id"))] = with_instances.get(str(instance.get("vpc_id")), 0) + 1
        endpoints = _ec2_endpoints(data.get("endpoints", []), region)
        for vpc in data.get("vpcs", []):
            vid = str(vpc.get("id"))
            # A VPC with no instance has nothing calling the EC2 API from it; an endpoint there would only cost.
            if vid not in with_instances:
                continue
            yield _endpoint_outcome(vid, region, endpoints.get(vid, []), with_instances[vid])


def _endpoint_outcome(vid: str, region: str, endpoints: list[VpcEndpoint], instances: int) -> Outcome:
    available = [e for e in endpoints if e.get("state", "available") == "available"]
    if available:
        chosen = available[0]
        private_dns = chosen.get("private_dns_enabled")
        reason = f"VPC {vid} has EC2 interface endpoint {chosen.get('id')}" + (
            ""
            if private_dns is not False
            else " (private DNS off: only clients naming the endpoint's own DNS names use it)"
        )
    elif endpoints:
        states = ", ".join(f"{e.get('id')} {e.get('state')}" for e in endpoints)
        reason = f"VPC {vid} has no available EC2 interface endpoint ({states})"
    else:
        reason = f"VPC {vid} has no EC2 interface endpoint for its {instances} instance(s)"
    return result(
        bool(available),
        vid,
        VPC,
        reason,
        region=region,
        instances=instances,
        endpoints=[
            {"id": e.get("id"), "state": e.get("state"), "private_dns_enabled": e.get("private_dns_enabled")}
            for e in endpoints
        ],
    )


@aws_check(
    id="aws.vpc.subnets_in_multiple_azs",
    title="VPCs have subnets in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="vpc",
    requires=("subnets",),
    resource_type=VPC,
    rationale="Resources can run only where the VPC has subnets: with every subnet in one Availability Zone, an "
    "outage of that zone takes down everything in the VPC, and no workload in it can be made redundant.",
    remediation="Create subnets in at least one more Availability Zone of the region (for each tier) and spread "
    "the VPC's workloads across them.",
)
def vpc_subnets_in_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "subnets"):
        by_vpc: dict[str, list[Subnet]] = {}
        for subnet in data.get("subnets", []):
            by_vpc.setdefault(str(subnet.get("vpc_id")), []).append(subnet)
        for vid, subnets in sorted(by_vpc.items()):
            if any("availability_zone" not in s for s in subnets):
                yield error(vid, VPC, "The inventory predates subnet Availability Zone collection", region=region)
                continue
            zones = sorted({str(s.get("availability_zone")) for s in subnets})
            if len(zones) > 1:
                reason = f"VPC {vid} has subnets in {len(zones)} Availability Zones ({', '.join(zones)})"
            else:
                reason = f"VPC {vid} has its {len(subnets)} subnet(s) in one Availability Zone only ({zones[0]})"
            yield result(
                len(zones) > 1, vid, VPC, reason, region=region, availability_zones=zones, subnets=len(subnets)
            )
