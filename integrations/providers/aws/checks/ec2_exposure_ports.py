"""EC2 exposure checks beyond the admin, database and file-sharing ports: other high-risk service ports open to the
internet, instances with a public address whose groups admit the internet to any high-risk port, groups made by the
console's launch wizard, groups too large to review, and launch templates that hand out public IP addresses.

Whether a rule admits the internet to a port is judged once, by ``world_exposure`` (network.py), for every port set:
the admin ports of ec2.py, the database and file-sharing ports of network.py and the high-risk ports below.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Ec2Region, Instance, SecurityGroup
from ..shapes_platform import LaunchTemplate, LaunchTemplateVersion
from ._common import aws_check, error, items, regions, result
from .autoscaling import LAUNCH_TEMPLATE, version_label
from .ec2 import ADMIN_PORTS, ANY_IPV4, ANY_IPV6, INSTANCE, SECURITY_GROUP
from .network import DATABASE_PORTS, FILE_SHARING_PORTS, exposure_outcomes, world_exposure

_TCP, _UDP, _BOTH = frozenset({"tcp"}), frozenset({"udp"}), frozenset({"tcp", "udp"})

# Service ports that have no business facing the whole internet and that none of the admin, database or
# file-sharing sets holds (FTP, Telnet, Memcached and Elasticsearch's 9200 are judged there): directory and
# authentication services, cluster-internal ports of data platforms, and unauthenticated management APIs.
HIGH_RISK_PORTS: dict[int, tuple[str, frozenset[str]]] = {
    69: ("TFTP", _UDP),
    88: ("Kerberos", _BOTH),
    111: ("RPC portmapper", _BOTH),
    135: ("Microsoft RPC", _TCP),
    161: ("SNMP", _UDP),
    389: ("LDAP", _BOTH),
    464: ("Kerberos password change", _BOTH),
    636: ("LDAPS", _TCP),
    749: ("Kerberos administration", _BOTH),
    750: ("Kerberos IV", _BOTH),
    2181: ("ZooKeeper", _TCP),
    2375: ("Docker API", _TCP),
    2376: ("Docker API over TLS", _TCP),
    2379: ("etcd", _TCP),
    5601: ("Kibana", _TCP),
    7000: ("Cassandra internode", _TCP),
    7001: ("Cassandra internode over TLS", _TCP),
    7199: ("Cassandra JMX", _TCP),
    8888: ("Cassandra OpsCenter", _TCP),
    9092: ("Kafka", _TCP),
    9160: ("Cassandra Thrift", _TCP),
    9300: ("Elasticsearch transport", _TCP),
    10250: ("Kubernetes kubelet", _TCP),
}
# Every port an internet-facing instance is judged on: the admin ports (TCP), the database, file-sharing and
# high-risk ones.
INTERNET_EXPOSED_PORTS: dict[int, tuple[str, frozenset[str]]] = {
    **{port: (service, _TCP) for port, service in ADMIN_PORTS.items()},
    **DATABASE_PORTS,
    **FILE_SHARING_PORTS,
    **HIGH_RISK_PORTS,
}
# What the EC2 console's instance launch wizard names the groups it creates.
_LAUNCH_WIZARD_NAME = re.compile(r"launch-wizard-\d+")
# AWS's default quota is 60 inbound and 60 outbound rules per group (per address family). A group built for one
# purpose needs a handful; one past 50 has grown by accretion, near the point where the quota is raised rather
# than the rules pruned, and is too long for a reviewer to tell which rule still serves what.
MAX_REVIEWABLE_RULES = 50


def _security_groups(inventory: Inventory) -> Iterator[SecurityGroup]:
    return items(inventory, "ec2", "security_groups")


def _launch_templates(inventory: Inventory) -> Iterator[LaunchTemplate]:
    return items(inventory, "launch_templates", "launch_templates")


def _ports_listed(ports: Iterable[int]) -> str:
    return ", ".join(f"{port} ({INTERNET_EXPOSED_PORTS[port][0]})" for port in sorted(ports))


# --- security groups ------------------------------------------------------------------------


@aws_check(
    id="aws.ec2.sg_no_ingress_high_risk_ports",
    title="Security groups do not admit the internet to other high-risk service ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="Directory services (LDAP, Kerberos), RPC and SNMP, cluster ports of Kafka, ZooKeeper, Cassandra and "
    "Elasticsearch, Kibana, and the Docker, etcd and kubelet APIs trust whoever reaches them; open to the internet "
    "they leak data, hand over hosts, or serve as amplifiers.",
    remediation="Remove the 0.0.0.0/0 and ::/0 sources from the rule and admit only the security groups or private "
    "ranges of the clients that need the service; reach management interfaces over a VPN or Session Manager.",
)
def sg_no_ingress_high_risk_ports(inventory: Inventory) -> Iterable[Outcome]:
    return exposure_outcomes(inventory, HIGH_RISK_PORTS, "high-risk")


@aws_check(
    id="aws.ec2.sg_not_launch_wizard",
    title="Security groups are not ones the console's launch wizard created",
    severity=Severity.LOW,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="The EC2 console's launch wizard creates a launch-wizard-N group for each instance launched without "
    "one, usually admitting SSH or RDP from anywhere; such groups are made in passing, named for no purpose, and "
    "rarely reviewed.",
    remediation="Move the instances to a purpose-built security group admitting only what they serve, from known "
    "sources, then delete the launch-wizard group.",
)
def sg_not_launch_wizard(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid, name = str(group.get("id")), str(group.get("name") or "")
        wizard = bool(_LAUNCH_WIZARD_NAME.fullmatch(name))
        if wizard:
            reason = f"Security group {gid} is {name}, a group the EC2 console's launch wizard created"
        else:
            reason = f"Security group {gid} ({name}) was not named by the EC2 console's launch wizard"
        yield result(
            not wizard,
            gid,
            SECURITY_GROUP,
            reason,
            region=str(group.get("region", "")),
            group_name=name,
            vpc_id=group.get("vpc_id"),
        )


def _rule_count(permissions: Iterable[Mapping[str, Any]]) -> int:
    """Rules as AWS counts them against the quota: one per source or destination of each permission."""
    keys = ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")
    return sum(max(1, sum(len(permission.get(key) or []) for key in keys)) for permission in permissions)


@aws_check(
    id="aws.ec2.sg_rules_reviewable",
    title="Security groups have no more than 50 rules",
    severity=Severity.LOW,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="A rule set too long to read is not reviewed: rules nobody can account for stay open. AWS allows 60 "
    "inbound and 60 outbound rules a group by default; a group past 50 has grown by accretion.",
    remediation="Split the group by purpose, replace runs of address ranges with managed prefix lists or "
    "security group references, and delete rules no current client needs.",
)
def sg_rules_reviewable(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        inbound, outbound = _rule_count(group.get("ingress", [])), _rule_count(group.get("egress", []))
        total = inbound + outbound
        reason = f"Security group {gid} has {total} rules ({inbound} inbound, {outbound} outbound)"
        if total > MAX_REVIEWABLE_RULES:
            reason += f", more than {MAX_REVIEWABLE_RULES}"
        yield result(
            total <= MAX_REVIEWABLE_RULES,
            gid,
            SECURITY_GROUP,
            reason,
            region=str(group.get("region", "")),
            group_name=group.get("name"),
            inbound_rules=inbound,
            outbound_rules=outbound,
            limit=MAX_REVIEWABLE_RULES,
        )


# --- instances -------------------------------------------------------------------------------


def public_ipv6(addresses: Iterable[str]) -> list[str]:
    """The globally routable addresses (unique local fc00::/7 ones are private)."""
    found = []
    for address in addresses:
        try:
            if ipaddress.ip_address(address).is_global:
                found.append(address)
        except ValueError:
            continue
    return found


@aws_check(
    id="aws.ec2.instance_no_internet_exposed_ports",
    title="EC2 instances with a public address do not admit the internet to high-risk ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance with a public address whose security groups admit 0.0.0.0/0 or ::/0 to an admin, "
    "database, file-sharing or other high-risk port is reachable on it by anyone: the per-instance view of the "
    "security group checks, which auditors ask for.",
    remediation="Remove the internet sources from the groups' rules for those ports, or move the instance to a "
    "private subnet without a public address and publish only what must be public through a load balancer.",
)
def instance_no_internet_exposed_ports(inventory: Inventory) -> Iterable[Outcome]:
    data: Ec2Region
    for region, data in regions(inventory, "ec2"):
        groups = {str(g.get("id")): g for g in data.get("security_groups", [])}
        for instance in data.get("instances", []):
            yield _instance_outcome(instance, region, groups)


def _instance_outcome(instance: Instance, region: str, groups: Mapping[str, SecurityGroup]) -> Outcome:
    iid = str(instance.get("id"))
    if "security_group_ids" not in instance or "ipv6_addresses" not in instance:
        return error(iid, INSTANCE, "The inventory predates instance security group collection", region=region)
    public_ip, ipv6 = instance.get("public_ip"), public_ipv6(instance.get("ipv6_addresses", []))
    group_ids = list(instance.get("security_group_ids", []))
    observed: dict[str, Any] = {"public_ip": public_ip, "ipv6_addresses": ipv6, "security_groups": group_ids}
    if not public_ip and not ipv6:
        reason = f"Instance {iid} has no public IPv4 or IPv6 address, so the internet cannot reach it directly"
        return result(True, iid, INSTANCE, reason, region=region, **observed, exposed_ports={})
    # A rule for ::/0 does not reach an instance with only a public IPv4 address, nor 0.0.0.0/0 one with only IPv6.
    reachable = ({ANY_IPV4} if public_ip else set()) | ({ANY_IPV6} if ipv6 else set())
    exposed: dict[int, dict[str, set[str]]] = {}
    known = [gid for gid in group_ids if gid in groups]
    for gid in known:
        for port, worlds in world_exposure(groups[gid], INTERNET_EXPOSED_PORTS).items():
            if worlds & reachable:
                found = exposed.setdefault(port, {"sources": set(), "groups": set()})
                found["sources"] |= worlds & reachable
                found["groups"].add(gid)
    addresses = ", ".join([*([f"public IP {public_ip}"] if public_ip else []), *(f"IPv6 {a}" for a in ipv6)])
    unknown = [gid for gid in group_ids if gid not in groups]
    if not exposed and unknown:
        reason = f"Instance {iid} ({addresses}) carries security group(s) not collected: {', '.join(unknown)}"
        return error(iid, INSTANCE, reason, region=region, **observed)
    if not exposed:
        reason = f"Instance {iid} ({addresses}): its security groups admit the internet to no high-risk port"
        return result(True, iid, INSTANCE, reason, region=region, **observed, exposed_ports={})
    sources = " and ".join(sorted({s for found in exposed.values() for s in found["sources"]}))
    through = ", ".join(sorted({g for found in exposed.values() for g in found["groups"]}))
    reason = f"Instance {iid} ({addresses}) admits {sources} to port {_ports_listed(exposed)} through {through}"
    return result(
        False,
        iid,
        INSTANCE,
        reason,
        region=region,
        **observed,
        exposed_ports={
            str(port): {
                "service": INTERNET_EXPOSED_PORTS[port][0],
                "sources": sorted(found["sources"]),
                "groups": sorted(found["groups"]),
            }
            for port, found in sorted(exposed.items())
        },
    )


# --- launch templates ------------------------------------------------------------------------


def _public_ip_said(version: LaunchTemplateVersion) -> str:
    asked = version.get("associate_public_ip")
    if asked is True:
        return "assigns a public IP address (AssociatePublicIpAddress true)"
    if asked is False:
        return "assigns no public IP address"
    return "does not ask for a public IP address"


@aws_check(
    id="aws.ec2.launch_template_no_public_ip",
    title="EC2 launch templates do not assign public IP addresses in their default and latest versions",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=LAUNCH_TEMPLATE,
    rationale="Every instance launched from a template that asks for a public address is one security group change "
    "away from the internet; internet-facing traffic belongs on load balancers, and outbound traffic on NAT.",
    remediation="Create a launch template version whose network interfaces set AssociatePublicIpAddress false (and "
    "launch into private subnets), make it the default version, and point Auto Scaling groups at it.",
    requires=("launch_templates",),
)
def launch_template_no_public_ip(inventory: Inventory) -> Iterable[Outcome]:
    for template in _launch_templates(inventory):
        label, region = f"Launch template {template.get('name') or template['id']}", template["region"]
        versions = list(template["versions"])
        if any("associate_public_ip" not in v for v in versions):
            reason = f"The inventory predates launch template public IP collection ({label})"
            yield error(template["arn"], LAUNCH_TEMPLATE, reason, region=region)
            continue
        public = [v for v in versions if v.get("associate_public_ip") is True]
        shown = public or versions
        reason = f"{label}: " + "; ".join(f"{version_label(v)} {_public_ip_said(v)}" for v in shown)
        yield result(
            not public,
            template["arn"],
            LAUNCH_TEMPLATE,
            reason,
            region=region,
            versions={
                str(v["number"]): {"associate_public_ip_address": v.get("associate_public_ip")} for v in versions
            },
        )
