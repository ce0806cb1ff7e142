"""EC2 and VPC checks: EBS encryption, network exposure of admin ports, IMDSv2, instance roles, flow logs,
S3 gateway endpoints."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Ec2Region, FlowLog, Instance, NetworkAcl, SecurityGroup, Volume, VpcRegion
from ._common import ACCOUNT, aws_check, error, items, regions, result

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
VOLUME = "AWS::EC2::Volume"
INSTANCE = "AWS::EC2::Instance"
VPC = "AWS::EC2::VPC"

# Remote administration ports that should never face the whole internet.
ADMIN_PORTS: dict[int, str] = {
    22: "SSH",
    23: "Telnet",
    3389: "RDP",
    5900: "VNC",
    5985: "WinRM",
    5986: "WinRM over HTTPS",
}
ANY_IPV4 = "0.0.0.0/0"
ANY_IPV6 = "::/0"
_ALL_PROTOCOLS = {"-1", "all"}
_TCP = {"tcp", "6"}


def group_result(ok: bool, group: SecurityGroup, reason: str, **observed: Any) -> Outcome:
    """A security group's outcome, filed in its region with its name and VPC beside what the check observed."""
    return result(
        ok,
        str(group.get("id")),
        SECURITY_GROUP,
        reason,
        region=str(group.get("region", "")),
        group_name=group.get("name"),
        vpc_id=group.get("vpc_id"),
        **observed,
    )


def _ec2_regions(inventory: Inventory) -> Iterator[tuple[str, Ec2Region]]:
    return regions(inventory, "ec2")


def _vpc_regions(inventory: Inventory) -> Iterator[tuple[str, VpcRegion]]:
    return regions(inventory, "vpc")


def _volumes(inventory: Inventory) -> Iterator[Volume]:
    return items(inventory, "ec2", "volumes")


def _security_groups(inventory: Inventory) -> Iterator[SecurityGroup]:
    return items(inventory, "ec2", "security_groups")


def _network_acls(inventory: Inventory) -> Iterator[NetworkAcl]:
    return items(inventory, "ec2", "network_acls")


def _instances(inventory: Inventory) -> Iterator[Instance]:
    return items(inventory, "ec2", "instances")


def _port_label(port: int) -> str:
    return f"{port} ({ADMIN_PORTS[port]})"


def _admin_ports(protocol: Any, low: Any, high: Any) -> list[int]:
    """Admin ports a rule of this protocol and port range opens."""
    proto = str(protocol).lower()
    if proto in _ALL_PROTOCOLS:
        return sorted(ADMIN_PORTS)
    if proto not in _TCP:
        return []
    if low is None or high is None:
        return sorted(ADMIN_PORTS)
    low, high = int(low), int(high)
    # -1 in a port field means "every port" for some protocols.
    if low == -1 or high == -1:
        return sorted(ADMIN_PORTS)
    return [port for port in sorted(ADMIN_PORTS) if low <= port <= high]


# --- EBS --------------------------------------------------------------------------


@aws_check(
    id="aws.ec2.ebs_default_encryption",
    title="EBS encryption by default is on in every scanned region",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=ACCOUNT,
    rationale="With default encryption every new volume and snapshot is encrypted, no matter who launches it or how.",
    remediation="Turn on EBS encryption by default in the EC2 settings of each region.",
)
def ebs_default_encryption(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _ec2_regions(inventory):
        enabled = bool(data.get("ebs_encryption_by_default"))
        reason = (
            f"EBS encryption by default is on in {region}"
            if enabled
            else f"EBS encryption by default is off in {region}"
        )
        yield result(enabled, inventory.account_id or "aws-account", ACCOUNT, reason, region=region, enabled=enabled)


@aws_check(
    id="aws.ec2.ebs_volume_encrypted",
    title="EBS volumes are encrypted",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=VOLUME,
    rationale="Unencrypted volumes and their snapshots expose data to anyone who can copy or share them.",
    remediation="Snapshot the volume, copy the snapshot with encryption, create a volume from it and swap it in.",
)
def ebs_volume_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for volume in _volumes(inventory):
        vid = str(volume.get("id"))
        encrypted = bool(volume.get("encrypted"))
        reason = f"Volume {vid} is encrypted" if encrypted else f"Volume {vid} is not encrypted"
        yield result(encrypted, vid, VOLUME, reason, region=str(volume.get("region", "")), encrypted=encrypted)


# --- network exposure ---------------------------------------------------------------


def acl_world_ingress(entries: Iterable[Mapping[str, Any]], cidr_field: str, world: str) -> list[Mapping[str, Any]]:
    """A network ACL's inbound entries for the whole address space ``world``, in evaluation order.

    Rules are evaluated lowest number first and the first match wins.  Only rules for the whole
    address space decide what "anyone" can reach; a rule for a narrower range neither opens nor
    closes anything to everyone.
    """
    ingress = (e for e in entries if not e.get("Egress") and e.get(cidr_field) == world)
    return sorted(ingress, key=lambda e: int(e.get("RuleNumber", 32767)))


def _acl_exposures(entries: Iterable[Mapping[str, Any]], cidr_field: str, world: str) -> dict[int, int]:
    """Admin port -> number of the rule that lets the whole internet reach it."""
    ingress = acl_world_ingress(entries, cidr_field, world)
    exposed: dict[int, int] = {}
    for port in sorted(ADMIN_PORTS):
        for entry in ingress:
            ports = entry.get("PortRange") or {}
            if port not in _admin_ports(entry.get("Protocol"), ports.get("From"), ports.get("To")):
                continue
            if entry.get("RuleAction") == "allow":
                exposed[port] = int(entry.get("RuleNumber", 0))
            break
    return exposed


@aws_check(
    id="aws.ec2.nacl_no_ingress_admin_ports",
    title="Network ACLs do not admit the internet to admin ports",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=NETWORK_ACL,
    rationale="Remote administration services are a favourite target of internet-wide scanning and brute force.",
    remediation="Add lower-numbered deny rules for the admin ports from 0.0.0.0/0 and ::/0, or narrow the "
    "allow rules to trusted ranges.",
)
def nacl_no_ingress_admin_ports(inventory: Inventory) -> Iterable[Outcome]:
    for acl in _network_acls(inventory):
        aid = str(acl.get("id"))
        entries = list(acl.get("entries", []))
        findings = {
            ANY_IPV4: _acl_exposures(entries, "CidrBlock", ANY_IPV4),
            ANY_IPV6: _acl_exposures(entries, "Ipv6CidrBlock", ANY_IPV6),
        }
        parts = [
            f"{world} to port {', '.join(_port_label(p) for p in sorted(ports))} "
            f"(rule {', '.join(str(n) for n in sorted(set(ports.values())))})"
            for world, ports in findings.items()
            if ports
        ]
        reason = (
            f"Network ACL {aid} allows {'; '.join(parts)}"
            if parts
            else f"Network ACL {aid} admits no admin port from the internet"
        )
        yield result(
            not parts,
            aid,
            NETWORK_ACL,
            reason,
            region=str(acl.get("region", "")),
            vpc_id=acl.get("vpc_id"),
            exposed_ports={world: sorted(ports) for world, ports in findings.items()},
        )


def _sg_exposures(group: SecurityGroup, ranges_key: str, cidr_key: str, world: str) -> list[dict[str, Any]]:
    exposures = []
    for permission in group.get("ingress", []):
        if not any(r.get(cidr_key) == world for r in permission.get(ranges_key, [])):
            continue
        ports = _admin_ports(permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort"))
        if ports:
            exposures.append(
                {
                    "protocol": permission.get("IpProtocol"),
                    "from_port": permission.get("FromPort"),
                    "to_port": permission.get("ToPort"),
                    "ports": ports,
                }
            )
    return exposures


def _sg_outcomes(inventory: Inventory, ranges_key: str, cidr_key: str, world: str) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        gid = str(group.get("id"))
        exposures = _sg_exposures(group, ranges_key, cidr_key, world)
        if exposures:
            all_traffic = any(str(e["protocol"]).lower() in _ALL_PROTOCOLS for e in exposures)
            ports = sorted({p for e in exposures for p in e["ports"]})
            where = "all ports" if all_traffic else f"port {', '.join(_port_label(p) for p in ports)}"
            reason = f"Security group {gid} allows {world} on {where}"
        else:
            reason = f"Security group {gid} does not allow {world} to any admin port"
        yield group_result(not exposures, group, reason, open_rules=exposures)


_SG_REMEDIATION = (
    "Remove the rule or restrict its source to known address ranges; prefer Session Manager or a "
    "bastion over exposing admin ports."
)


@aws_check(
    id="aws.ec2.sg_no_ingress_admin_ports_ipv4",
    title="Security groups do not admit 0.0.0.0/0 to admin ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="An SSH, RDP or similar port open to every IPv4 address is found by scanners within minutes "
    "and attacked continuously.",
    remediation=_SG_REMEDIATION,
)
def sg_no_ingress_admin_ports_ipv4(inventory: Inventory) -> Iterable[Outcome]:
    return _sg_outcomes(inventory, "IpRanges", "CidrIp", ANY_IPV4)


@aws_check(
    id="aws.ec2.sg_no_ingress_admin_ports_ipv6",
    title="Security groups do not admit ::/0 to admin ports",
    severity=Severity.HIGH,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="IPv6 exposure is as real as IPv4 exposure and is often overlooked when rules are reviewed.",
    remediation=_SG_REMEDIATION,
)
def sg_no_ingress_admin_ports_ipv6(inventory: Inventory) -> Iterable[Outcome]:
    return _sg_outcomes(inventory, "Ipv6Ranges", "CidrIpv6", ANY_IPV6)


@aws_check(
    id="aws.ec2.default_sg_restricts_all",
    title="Default security groups allow no traffic",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=SECURITY_GROUP,
    rationale="Resources launched without an explicit group land in the default one; if it has no rules, "
    "that mistake cannot open a path.",
    remediation="Delete every inbound and outbound rule of each VPC's default security group and use "
    "purpose-built groups instead.",
)
def default_sg_restricts_all(inventory: Inventory) -> Iterable[Outcome]:
    for group in _security_groups(inventory):
        if group.get("name") != "default":
            continue
        gid = str(group.get("id"))
        inbound, outbound = len(group.get("ingress", [])), len(group.get("egress", []))
        ok = inbound == 0 and outbound == 0
        reason = (
            f"Default security group {gid} has no rules"
            if ok
            else f"Default security group {gid} has {inbound} inbound and {outbound} outbound rule(s)"
        )
        yield result(
            ok,
            gid,
            SECURITY_GROUP,
            reason,
            region=str(group.get("region", "")),
            vpc_id=group.get("vpc_id"),
            inbound_rules=inbound,
            outbound_rules=outbound,
        )


@aws_check(
    id="aws.ec2.imdsv2_required",
    title="EC2 instances require IMDSv2",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=INSTANCE,
    rationale="IMDSv1 answers plain GET requests, so an SSRF bug in an application can read the "
    "instance role's credentials; IMDSv2 needs a session token that such bugs cannot obtain.",
    remediation="Set the instance metadata option HttpTokens to required (and set it in launch templates).",
)
def imdsv2_required(inventory: Inventory) -> Iterable[Outcome]:
    for instance in _instances(inventory):
        iid = str(instance.get("id"))
        options = instance.get("metadata_options") or {}
        tokens, endpoint = options.get("HttpTokens", "optional"), options.get("HttpEndpoint", "enabled")
        ok = tokens == "required" or endpoint == "disabled"
        if endpoint == "disabled":
            reason = f"Instance {iid} has the metadata service disabled"
        elif ok:
            reason = f"Instance {iid} requires IMDSv2"
        else:
            reason = f"Instance {iid} allows IMDSv1 (HttpTokens={tokens})"
        yield result(
            ok,
            iid,
            INSTANCE,
            reason,
            region=str(instance.get("region", "")),
            http_tokens=tokens,
            http_endpoint=endpoint,
        )


@aws_check(
    id="aws.ec2.instance_profile_attached",
    title="Running EC2 instances have an IAM instance profile",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance without a role tends to get long-lived access keys copied onto its disk; an "
    "instance profile hands it short-lived credentials that rotate by themselves.",
    remediation="Create a role with only the permissions the workload needs and attach it to the instance "
    "through an instance profile; remove any access keys stored on the instance.",
)
def instance_profile_attached(inventory: Inventory) -> Iterable[Outcome]:
    # Only running instances: a stopped one uses no credentials until it starts again.
    for instance in _instances(inventory):
        if instance.get("state") != "running":
            continue
        iid, region = str(instance.get("id")), str(instance.get("region", ""))
        if "instance_profile" not in instance:
            yield error(iid, INSTANCE, "The inventory predates instance profile collection", region=region)
            continue
        profile = instance.get("instance_profile")
        reason = f"Instance {iid} runs with instance profile {profile}" if profile else f"Instance {iid} has no role"
        yield result(bool(profile), iid, INSTANCE, reason, region=region, instance_profile=profile)


@aws_check(
    id="aws.vpc.flow_logs_enabled",
    title="VPCs have flow logs",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=VPC,
    rationale="Flow logs record accepted and rejected connections, which is what an incident "
    "investigation needs to see who talked to what.",
    remediation="Create a flow log for the VPC capturing ALL (or at least REJECT) traffic to CloudWatch Logs or S3.",
)
def flow_logs_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _vpc_regions(inventory):
        logs_by_vpc: dict[str, list[FlowLog]] = {}
        for flow_log in data.get("flow_logs", []):
            logs_by_vpc.setdefault(str(flow_log.get("resource_id")), []).append(flow_log)
        for vpc in data.get("vpcs", []):
            vid = str(vpc.get("id"))
            usable = [
                f
                for f in logs_by_vpc.get(vid, [])
                if f.get("status", "ACTIVE") == "ACTIVE" and f.get("traffic_type") in ("ALL", "REJECT")
            ]
            if usable:
                reason = f"VPC {vid} has flow log {usable[0].get('id')} ({usable[0].get('traffic_type')} traffic)"
            elif logs_by_vpc.get(vid):
                reason = f"VPC {vid} has no active flow log capturing rejected traffic"
            else:
                reason = f"VPC {vid} has no flow logs"
            yield result(
                bool(usable),
                vid,
                VPC,
                reason,
                region=region,
                flow_logs=[
                    {"id": f.get("id"), "traffic_type": f.get("traffic_type")} for f in logs_by_vpc.get(vid, [])
                ],
            )


@aws_check(
    id="aws.vpc.s3_gateway_endpoint",
    title="VPCs have a gateway endpoint for S3",
    severity=Severity.LOW,
    service="vpc",
    resource_type=VPC,
    rationale="With a gateway endpoint, traffic from the VPC to S3 stays on the AWS network instead of "
    "crossing a NAT or internet gateway, and its endpoint policy can limit which buckets are reachable.",
    remediation="Create a Gateway VPC endpoint for com.amazonaws.<region>.s3 and associate it with the VPC's "
    "route tables (delete default VPCs that nothing uses).",
)
def s3_gateway_endpoint(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _vpc_regions(inventory):
        if "endpoints" not in data:
            yield error(ACCOUNT, VPC, "The inventory predates VPC endpoint collection", region=region)
            continue
        gateways: dict[str, list[str]] = {}
        for endpoint in data.get("endpoints", []):
            service = str(endpoint.get("service_name") or "")
            if (
                endpoint.get("type") == "Gateway"
                and service.endswith(".s3")
                and endpoint.get("state", "available") == "available"
            ):
                gateways.setdefault(str(endpoint.get("vpc_id")), []).append(str(endpoint.get("id")))
        for vpc in data.get("vpcs", []):
            vid = str(vpc.get("id"))
            found = gateways.get(vid, [])
            reason = (
                f"VPC {vid} has S3 gateway endpoint {found[0]}" if found else f"VPC {vid} has no S3 gateway endpoint"
            )
            yield result(bool(found), vid, VPC, reason, region=region, endpoints=found)
