"""Network exposure beyond admin ports: idle Elastic IPs, databases and file shares open to the internet,
security groups open to all traffic, to wide public address ranges or on every port to any public address, instances
with a public address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Instance, SecurityGroup
from ..shapes_network import ElasticIp
from ._common import aws_check, items, result
from .ec2 import group_result

ELASTIC_IP = "AWS::EC2::EIP"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
INSTANCE = "AWS::EC2::Instance"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_WORLD = {"IpRanges": ("CidrIp", "0.0.0.0/0"), "Ipv6Ranges": ("CidrIpv6", "::/0")}
# Private and special-use ranges: a source inside one of these is nobody on the internet.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",  # unique local
        "fe80::/10",
        "::1/128",
    )
)
# The broadest public source still taken for a deliberate allow-list: a /24 of IPv4 (256 addresses), a /48 of IPv6
# (one site's allocation). Anything broader spans networks the group's owner does not run.
WIDEST_PUBLIC_PREFIX = {4: 24, 6: 48}
_ALL_PROTOCOLS = {"-1", "all"}
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp"}

# Ports of data services that belong behind a private network: port -> (service, protocols it listens on).
DATABASE_PORTS: dict[int, tuple[str, frozenset[str]]] = {
    1433: ("SQL Server", frozenset({"tcp"})),
    # The SQL Server Browser (UDP) and the dedicated admin connection (TCP) share 1434.
    1434: ("SQL Server Browser", frozenset({"tcp", "udp"})),
    1521: ("Oracle", frozenset({"tcp"})),
    2483: ("Oracle", frozenset({"tcp"})),
    2484: ("Oracle over TLS", frozenset({"tcp"})),
    3306: ("MySQL", frozenset({"tcp"})),
    5432: ("PostgreSQL", frozenset({"tcp"})),
    6379: ("Redis", frozenset({"tcp"})),
    9042: ("Cassandra", frozenset({"tcp"})),
    9200: ("Elasticsearch", frozenset({"tcp"})),
    11211: ("Memcached", frozenset({"tcp", "udp"})),
    27017: ("MongoDB", frozenset({"tcp"})),
    27018: ("MongoDB shard", frozenset({"tcp"})),
}
FILE_SHARING_PORTS: dict[int, tuple[str, frozenset[str]]] = {
    20: ("FTP data", frozenset({"tcp"})),
    21: ("FTP", frozenset({"tcp"})),
    137: ("NetBIOS name", frozenset({"udp"})),
    138: ("NetBIOS datagram", frozenset({"udp"})),
    139: ("NetBIOS session", frozenset({"tcp"})),
    445: ("CIFS/SMB", frozenset({"tcp"})),
    2049: ("NFS", frozenset({"tcp", "udp"})),
}


def _addresses(inventory: Inventory) -> Iterator[ElasticIp]:
    return items(inventory, "eip", "addresses")


def _security_groups(inventory: Inventory) -> Iterator[SecurityGroup]:
    return items(inventory, "ec2", "security_groups")


def _instances(inventory: Inventory) -> Iterator[Instance]:
    return items(inventory, "ec2", "instances")


def _world_ranges(permission: Mapping[str, Any]) -> list[str]:
    """The whole-internet ranges (0.0.0.0/0, ::/0) a security group rule admits."""
    return [
        world
        for ranges_key, (cidr_key, world) in _WORLD.items()
        if any(r.get(cidr_key) == world for r in permission.get(ranges_key, []))
    ]


def admits_internet(group: Mapping[str, Any]) -> list[str]:
    """The whole-internet ranges (0.0.0.0/0, ::/0) any inbound rule of the group admits, on any port."""
    return sorted({world for permission in group.get("ingress", []) for world in _world_ranges(permission)})


def _ports_opened(permission: Mapping[str, Any], watched: Mapping[int, tuple[str, frozenset[str]]]) -> list[int]:
    protocol = str(permission.get("IpProtocol")).lower()
    protocol = _PROTOCOL_NUMBERS.get(protocol, protocol)
    low, high = permission.get("FromPort"), permission.get("ToPort")
    every_port = protocol in _ALL_PROTOCOLS or low is None or high is None or -1 in (int(low), int(high))
    return [
        port
        for port, (_, protocols) in sorted(watched.items())
        if (protocol in _ALL_PROTOCOLS or protocol in protocols) and (every_port or int(low) <= port <= int(high))  # type: ignore[arg-type]
    ]


def world_exposure(group: SecurityGroup, watched: Mapping[int, tuple[str, frozenset[str]]]) -> dict[int, set[str]]:
    """Watched port -> the whole-internet ranges (0.0.0.0/0, ::/0) the group's inbound rules admit to it."""
    exposed: dict[int, set[str]] = {}
    for permission in group.get("ingress", []):
        worlds = _world_ranges(permission)
        for port in _ports_opened(permission, watched) if worlds else []:
            exposed.setdefault(port, set()).update(worlds)
    return exposed


def exposure_outcomes(
    inventory: Inventory, watched: Mapping[int, tuple[str, frozenset[str]]], kind: str
) -> Iterable[Outcome]:
    """One outcome per security group: whether it admits the internet to any ``watched`` port (``kind`` names
    the ports in the reason)."""
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        exposed = world_exposure(group, watched)
        if exposed:
            listed = ", ".join(f"{port} ({watched[port][0]})" for port in sorted(exposed))
            sources = " and ".join(sorted({w for worlds in exposed.values() for w in worlds}))
            reason = f"Security group {gid} admits {sources} to {kind} port {listed}"
        else:
            reason = f"Security group {gid} admits the internet to no {kind} port"
        yield group_result(
            not exposed,
            group,
            reason,
            exposed_ports={str(port): sorted(worlds) for port, worlds in sorted(exposed.items())},
        )


@aws_check(
    id="aws.ec2.eip_associated",
    title="Elastic IP addresses are associated with a resource",
    severity=Severity.LOW,
    service="ec2",
    resource_type=ELASTIC_IP,
    rationale="An allocated address nobody uses is billed, and a forgotten address still listed in DNS or allow "
    "lists can be handed to whoever gets it next once released.",
    remediation="Release the address, or associate it with the instance or network interface it was meant for.",
    requires=("eip",),
)
def eip_associated(inventory: Inventory) -> Iterable[Outcome]:
    for address in _addresses(inventory):
        ip = str(address.get("allocation_id") or address.get("public_ip"))
        attached = bool(
            address.get("association_id") or address.get("instance_id") or address.get("network_interface_id")
        )
        reason = (
            f"Elastic IP {address.get('public_ip')} is associated"
            if attached
            else f"Elastic IP {address.get('public_ip')} is not associated with any resource"
        )
        yield result(
            attached,
            ip,
            ELASTIC_IP,
            reason,
            region=str(address.get("region", "")),
            public_ip=address.get("public_ip"),
            instance_id=address.get("instance_id"),
            network_interface_id=address.get("network_interface_id"),
        )


@aws_check(
    id="aws.ec2.sg_no_ingress_database_ports",
    title="Security groups do not admit the internet to database ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="Databases and caches reachable from anywhere are scanned for weak or missing passwords and "
    "unpatched engines; they should only be reachable from the application tier.",
    remediation="Remove the 0.0.0.0/0 and ::/0 sources from the rule and admit only the application's security "
    "group or private ranges.",
)
def sg_no_ingress_database_ports(inventory: Inventory) -> Iterable[Outcome]:
    return exposure_outcomes(inventory, DATABASE_PORTS, "database")


@aws_check(
    id="aws.ec2.sg_no_ingress_file_sharing_ports",
    title="Security groups do not admit the internet to file-sharing ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="SMB, NetBIOS, NFS and FTP were built for trusted networks; exposed to the internet they leak "
    "data and are a common ransomware entry point.",
    remediation="Remove the 0.0.0.0/0 and ::/0 sources from the rule; reach shares over a VPN or private link.",
)
def sg_no_ingress_file_sharing_ports(inventory: Inventory) -> Iterable[Outcome]:
    return exposure_outcomes(inventory, FILE_SHARING_PORTS, "file-sharing")


@aws_check(
    id="aws.ec2.sg_no_ingress_all_traffic",
    title="Security groups do not admit all traffic from the internet",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="A rule admitting every protocol and port from anywhere leaves every listening service exposed, "
    "including ones started later.",
    remediation="Replace the rule with rules for the specific ports the workload serves.",
)
def sg_no_ingress_all_traffic(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        sources = sorted(
            {
                world
                for permission in group.get("ingress", [])
                if str(permission.get("IpProtocol")).lower() in _ALL_PROTOCOLS
                for world in _world_ranges(permission)
            }
        )
        reason = (
            f"Security group {gid} admits all traffic from {' and '.join(sources)}"
            if sources
            else f"Security group {gid} admits no all-traffic rule from the internet"
        )
        yield group_result(not sources, group, reason, sources=sources)


@aws_check(
    id="aws.ec2.instance_no_public_ip",
    title="EC2 instances have no public IPv4 address",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance with a public address is one security group change away from the internet; "
    "internet-facing traffic belongs on load balancers or NAT.",
    remediation="Launch instances in private subnets (no auto-assigned public IP) and publish services "
    "through a load balancer.",
)
def instance_no_public_ip(inventory: Inventory) -> Iterable[Outcome]:
    for instance in _instances(inventory):
        iid = str(instance.get("id"))
        public_ip = instance.get("public_ip")
        reason = f"Instance {iid} has public IP {public_ip}" if public_ip else f"Instance {iid} has no public IP"
        yield result(not public_ip, iid, INSTANCE, reason, region=str(instance.get("region", "")), public_ip=public_ip)


def _public_sources(permission: Mapping[str, Any]) -> Iterator[IpNetwork]:
    """The public IPv4 and IPv6 ranges a security group rule admits, the whole internet (0.0.0.0/0, ::/0) aside: the
    exposure checks judge that per port."""
    for ranges_key, (cidr_key, _) in _WORLD.items():
        for entry in permission.get(ranges_key, []):
            try:
                network = ipaddress.ip_network(str(entry.get(cidr_key)), strict=False)
            except ValueError:
                continue  # AWS validates CIDRs; nothing else can be judged here
            if network.prefixlen and not any(network[0] in block and network[-1] in block for block in _NOT_PUBLIC):
                yield network


def _sorted_cidrs(networks: Iterable[IpNetwork]) -> list[str]:
    return [str(n) for n in sorted(set(networks), key=lambda n: (n.version, n))]


def wide_public_sources(group: SecurityGroup) -> list[str]:
    """The public IPv4 and IPv6 ranges broader than ``WIDEST_PUBLIC_PREFIX`` that ``group``'s inbound rules admit,
    the whole internet aside."""
    return _sorted_cidrs(
        network
        for permission in group.get("ingress", [])
        for network in _public_sources(permission)
        if network.prefixlen < WIDEST_PUBLIC_PREFIX[network.version]
    )


@aws_check(
    id="aws.ec2.sg_no_wide_public_ingress",
    title="Security groups do not admit wide public address ranges",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="A source broader than a /24 (IPv4) or /48 (IPv6) of public addresses spans networks of many other "
    "organisations; it is how a mistyped prefix (/8 for /28) or a split of the internet (0.0.0.0/1 and 128.0.0.0/1) "
    "opens a group almost as widely as 0.0.0.0/0 while every check looking for 0.0.0.0/0 passes it.",
    remediation="Replace the range with the exact addresses or prefixes of the partner or office that needs access, "
    "or with a managed prefix list or the security group of the clients.",
)
def sg_no_wide_public_ingress(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        wide = wide_public_sources(group)
        reason = (
            f"Security group {gid} admits public range{'s' if len(wide) > 1 else ''} {', '.join(wide)}, broader than "
            "a /24 of IPv4 or a /48 of IPv6"
            if wide
            else f"Security group {gid} admits no public range broader than a /24 of IPv4 or a /48 of IPv6"
        )
        yield group_result(not wide, group, reason, wide_sources=wide)


def _every_port(permission: Mapping[str, Any]) -> bool:
    """Whether the rule admits every protocol, or every port of TCP or UDP."""
    protocol = str(permission.get("IpProtocol")).lower()
    if protocol in _ALL_PROTOCOLS:
        return True
    protocol = _PROTOCOL_NUMBERS.get(protocol, protocol)
    low, high = permission.get("FromPort"), permission.get("ToPort")
    return protocol in ("tcp", "udp") and low in (0, -1, None) and high in (65535, -1, None)


@aws_check(
    id="aws.ec2.sg_no_all_ports_from_public_addresses",
    title="Security groups do not open every port to public addresses",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="A rule opening every protocol or port to one public address (a developer's home, a partner, a "
    "contractor's laptop) exposes every service on the group's interfaces, including ones started later, to that "
    "address; such rules outlive the need, the address changes hands, and no check of 0.0.0.0/0 sees them.",
    remediation="Replace the rule with rules for the ports that source needs, or reach the instances through "
    "Systems Manager Session Manager, a VPN or a bastion instead of opening them to a home or partner address.",
)
def sg_no_all_ports_from_public_addresses(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        sources = _sorted_cidrs(
            network
            for permission in group.get("ingress", [])
            if _every_port(permission)
            for network in _public_sources(permission)
        )
        reason = (
            f"Security group {gid} opens every port to public source{'s' if len(sources) > 1 else ''} "
            f"{', '.join(sources)}"
            if sources
            else f"Security group {gid} does not open every port to a public address"
        )
        yield group_result(not sources, group, reason, sources=sources)
