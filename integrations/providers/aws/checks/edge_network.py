"""Edge and network checks: CloudFront failover, SNI and root objects; EC2 instances' virtualisation, interfaces and
role credentials within the internet's reach; PrivateLink endpoint services' callers and approval; Network Firewall
deletion protection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Instance, SecurityGroup
from ..shapes_ec2 import EndpointService
from ..shapes_network import Distribution
from ._common import aws_check, error, items, regions, result, service_data
from .ec2_exposure_ports import public_ipv6
from .filtering import firewalls

DISTRIBUTION = "AWS::CloudFront::Distribution"
INSTANCE = "AWS::EC2::Instance"
ENDPOINT_SERVICE = "AWS::EC2::VPCEndpointService"
FIREWALL = "AWS::NetworkFirewall::Firewall"
# Elastic Fabric Adapter interfaces of this type carry no IP traffic: they join no subnet's routing.
_NO_IP_INTERFACES = frozenset({"efa-only"})
_ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})


def _distributions(inventory: Inventory) -> Iterator[Distribution]:
    yield from service_data(inventory, "cloudfront").get("distributions", [])


def _instances(inventory: Inventory) -> Iterator[Instance]:
    return items(inventory, "ec2", "instances")


# --- CloudFront ----------------------------------------------------------------------------------------------------


def _two_origin_groups(groups: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of the origin groups that name a primary and a secondary origin."""
    return sorted(
        str(g.get("Id")) for g in groups if len(((g.get("Members") or {}).get("Items")) or []) >= 2 and g.get("Id")
    )


@aws_check(
    id="aws.cloudfront.origin_failover",
    title="CloudFront distributions have an origin group to fail over to a second origin",
    severity=Severity.LOW,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="With a single origin behind it, a distribution serves errors to every viewer whose request misses "
    "the cache while that origin is down; an origin group retries a secondary origin (another bucket, Region or "
    "server) on the status codes it names, keeping the site up through an origin outage.",
    remediation="Add a second origin (for S3, a replicated bucket in another Region), create an origin group with "
    "the primary and the secondary origin and the failover status codes (500, 502, 503, 504), and point the cache "
    "behaviours at the group.",
)
def cloudfront_origin_failover(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        if "origin_groups" not in distribution:
            yield error(did, DISTRIBUTION, f"The inventory of distribution {did} predates origin group collection")
            continue
        groups = _two_origin_groups(distribution.get("origin_groups") or [])
        reason = (
            f"Distribution {did} has origin group {', '.join(groups)} with a secondary origin to fail over to"
            if groups
            else f"Distribution {did} has no origin group: a failing origin has no second one behind it"
        )
        yield result(bool(groups), did, DISTRIBUTION, reason, origin_groups=groups)


@aws_check(
    id="aws.cloudfront.sni_only",
    title="CloudFront distributions with their own certificate serve HTTPS with SNI",
    severity=Severity.LOW,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="A custom certificate served from dedicated IP addresses (vip, or the legacy static-ip) exists only "
    "for viewers too old to send the server name in the TLS handshake, clients that also lack modern ciphers and "
    "protocols; it costs a monthly fee per distribution. Every current browser and client supports SNI.",
    remediation="Set the distribution's viewer certificate SSL support method to sni-only.",
)
def cloudfront_sni_only(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        certificate = distribution.get("viewer_certificate") or {}
        custom = str(certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId") or "")
        # The default *.cloudfront.net certificate is always served with SNI; the method applies to custom ones only.
        if not custom:
            continue
        did = str(distribution.get("id"))
        method = str(certificate.get("SSLSupportMethod") or "")
        ok = method == "sni-only"
        reason = (
            f"Distribution {did} serves certificate {custom} with SNI (sni-only)"
            if ok
            else f"Distribution {did} serves certificate {custom} from dedicated IP addresses ({method or 'not set'}), "
            "not sni-only"
        )
        yield result(ok, did, DISTRIBUTION, reason, ssl_support_method=method or None, certificate=custom)


@aws_check(
    id="aws.cloudfront.default_root_object",
    title="CloudFront distributions have a default root object",
    severity=Severity.LOW,
    service="cloudfront",
    resource_type=DISTRIBUTION,
    rationale="A request for the distribution's root URL with no default root object is passed to the origin as "
    "is: an S3 origin that allows listing answers with the names of every object in the bucket, and others "
    "answer with an error page that tells an attacker what runs behind the distribution.",
    remediation="Set the distribution's default root object (for example index.html) to the page its root URL "
    "should show.",
)
def cloudfront_default_root_object(inventory: Inventory) -> Iterable[Outcome]:
    for distribution in _distributions(inventory):
        did = str(distribution.get("id"))
        if "default_root_object" not in distribution:
            yield error(did, DISTRIBUTION, f"The inventory of distribution {did} predates root object collection")
            continue
        root = distribution.get("default_root_object")
        reason = (
            f"Distribution {did} answers its root URL with {root}"
            if root
            else f"Distribution {did} has no default root object: its root URL is passed to the origin as is"
        )
        yield result(bool(root), did, DISTRIBUTION, reason, default_root_object=root)


# --- EC2 instances -------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.ec2.instance_not_paravirtual",
    title="EC2 instances use hardware virtual machine (HVM) virtualisation, not paravirtual",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=INSTANCE,
    rationale="Paravirtual (PV) instances run only on previous-generation instance types from AMIs AWS no longer "
    "publishes: their operating systems are long out of support and miss the security fixes, enhanced networking "
    "and Nitro protections of HVM instances.",
    remediation="Rebuild the workload on a current HVM AMI and a current-generation instance type, then retire "
    "the paravirtual instance.",
)
def instance_not_paravirtual(inventory: Inventory) -> Iterable[Outcome]:
    for instance in _instances(inventory):
        iid, region = str(instance.get("id")), str(instance.get("region", ""))
        if "virtualization_type" not in instance:
            yield error(iid, INSTANCE, "The inventory predates virtualisation type collection", region=region)
            continue
        kind = instance.get("virtualization_type")
        if not kind:
            yield error(iid, INSTANCE, f"EC2 instance {iid} reports no virtualisation type", region=region)
            continue
        ok = kind != "paravirtual"
        reason = (
            f"EC2 instance {iid} uses {kind} virtualisation"
            if ok
            else f"EC2 instance {iid} is paravirtual (PV), a previous-generation virtualisation type"
        )
        yield result(ok, iid, INSTANCE, reason, region=region, virtualization_type=kind)


@aws_check(
    id="aws.ec2.instance_single_network_interface",
    title="EC2 instances have a single network interface",
    severity=Severity.LOW,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance with interfaces in several subnets is a bridge between them: whoever controls it can "
    "route around the network ACLs and security groups that keep those subnets apart, and its traffic is harder "
    "to follow in flow logs. Most workloads need one interface; appliances that need more should be few and known.",
    remediation="Detach the extra network interfaces the workload does not need; keep multi-homed instances to "
    "reviewed network appliances.",
)
def instance_single_network_interface(inventory: Inventory) -> Iterable[Outcome]:
    for instance in _instances(inventory):
        iid, region = str(instance.get("id")), str(instance.get("region", ""))
        if instance.get("state") in {"shutting-down", "terminated"}:
            continue
        if "network_interfaces" not in instance:
            yield error(iid, INSTANCE, "The inventory predates network interface collection", region=region)
            continue
        interfaces = [n for n in instance.get("network_interfaces") or [] if n.get("type") not in _NO_IP_INTERFACES]
        ids = sorted(str(n.get("id")) for n in interfaces)
        subnets = sorted({str(n.get("subnet_id")) for n in interfaces if n.get("subnet_id")})
        ok = len(interfaces) <= 1
        if ok:
            reason = f"EC2 instance {iid} has {len(interfaces)} network interface"
        else:
            reason = (
                f"EC2 instance {iid} has {len(interfaces)} network interfaces ({', '.join(ids)}) "
                f"in subnets {', '.join(subnets)}"
            )
        yield result(ok, iid, INSTANCE, reason, region=region, network_interfaces=ids, subnets=subnets)


def _open_to_world(group: SecurityGroup, sources: frozenset[str]) -> bool:
    """Whether an inbound rule of ``group`` admits one of ``sources`` (0.0.0.0/0, ::/0) on any port."""
    for permission in group.get("ingress", []):
        ranges = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
        ranges += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
        if sources.intersection(str(r) for r in ranges if r):
            return True
    return False


@aws_check(
    id="aws.ec2.internet_facing_instance_no_profile",
    title="EC2 instances open to the internet carry no IAM role credentials",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=INSTANCE,
    rationale="An instance with a public address whose security groups admit the internet is the first thing an "
    "attacker reaches; its instance profile hands the role's credentials to anyone who gets code running on it or "
    "tricks it into fetching its metadata (SSRF), turning one exposed host into access to the account.",
    remediation="Put the instance in a private subnet behind a load balancer (or close its security groups to the "
    "internet), or remove the instance profile; where a role is unavoidable, keep it to the least privilege and "
    "require IMDSv2.",
)
def internet_facing_instance_no_profile(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "ec2"):
        groups: dict[str, SecurityGroup] = {str(g.get("id")): g for g in data.get("security_groups", [])}
        instances: list[Instance] = data.get("instances", [])
        for instance in instances:
            iid, profile = str(instance.get("id")), instance.get("instance_profile")
            if not profile:
                continue  # nothing to hand out; aws.ec2.instance_profile_attached judges instances without a role
            if "security_group_ids" not in instance or "ipv6_addresses" not in instance:
                yield error(iid, INSTANCE, "The inventory predates security group collection", region=region)
                continue
            public_ip, ipv6 = instance.get("public_ip"), public_ipv6(instance.get("ipv6_addresses", []))
            sources = frozenset({*(["0.0.0.0/0"] if public_ip else []), *(["::/0"] if ipv6 else [])})
            carried = list(instance.get("security_group_ids", []))
            missing = [g for g in carried if g not in groups]
            open_groups = sorted(g for g in carried if g in groups and _open_to_world(groups[g], sources))
            observed = {"instance_profile": profile, "public_ip": public_ip, "ipv6_addresses": ipv6}
            if not open_groups and missing and sources:
                reason = f"Could not read security groups {sorted(missing)} of EC2 instance {iid}"
                yield error(iid, INSTANCE, reason, region=region, **observed)
                continue
            if open_groups:
                reason = (
                    f"EC2 instance {iid} has a public address, security groups {', '.join(open_groups)} open to the "
                    f"internet and instance profile {profile}"
                )
            elif sources:
                reason = f"EC2 instance {iid} has instance profile {profile} and a public address, but no security "
                reason += "group admitting the internet"
            else:
                reason = f"EC2 instance {iid} has instance profile {profile} and no public address"
            yield result(not open_groups, iid, INSTANCE, reason, region=region, open_groups=open_groups, **observed)


# --- VPC endpoint services (PrivateLink) ---------------------------------------------------------------------------


def _endpoint_services(inventory: Inventory) -> Iterator[EndpointService]:
    return items(inventory, "vpc_endpoint_services", "services")


@aws_check(
    id="aws.vpc.endpoint_service_principals_restricted",
    title="VPC endpoint services do not let every AWS account connect",
    severity=Severity.HIGH,
    service="vpc",
    resource_type=ENDPOINT_SERVICE,
    rationale="An endpoint service's allowed principals decide who may create an endpoint to it; allowing * lets "
    "any AWS account in the world reach the load balancer behind it from its own VPC, past every network control "
    "of this one.",
    remediation="Replace the * allowed principal with the accounts, roles or organisation that consume the "
    "service (ModifyVpcEndpointServicePermissions) and keep acceptance required.",
    requires=("vpc_endpoint_services",),
)
def endpoint_service_principals_restricted(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""
    for service in _endpoint_services(inventory):
        sid, region = str(service.get("id")), str(service.get("region", ""))
        if service.get("permissions_error"):
            reason = f"Could not read the allowed principals of endpoint service {sid}: {service['permissions_error']}"
            yield error(sid, ENDPOINT_SERVICE, reason, region=region)
            continue
        principals = list(service.get("allowed_principals") or [])
        others = sorted(p for p in principals if p != "*" and f":{account}:" not in p and p != account)
        if "*" in principals:
            ok, reason = False, f"Endpoint service {sid} allows any AWS account (*) to connect"
        elif others:
            ok, reason = True, f"Endpoint service {sid} allows only named principals, of other accounts too: "
            reason += ", ".join(others)
        elif principals:
            ok, reason = True, f"Endpoint service {sid} allows only principals of this account"
        else:
            ok, reason = True, f"Endpoint service {sid} allows no principal to connect"
        yield result(ok, sid, ENDPOINT_SERVICE, reason, region=region, allowed_principals=principals, other=others)


@aws_check(
    id="aws.vpc.endpoint_service_acceptance_required",
    title="VPC endpoint services require each connection request to be accepted",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=ENDPOINT_SERVICE,
    rationale="Without acceptance required, any allowed principal's endpoint is connected at once; requiring "
    "acceptance makes the service owner approve each consumer VPC, a second gate should an allowed principal be "
    "too broad or compromised.",
    remediation="Turn on acceptance required for the service (ModifyVpcEndpointServiceConfiguration "
    "AcceptanceRequired) and accept only the endpoints you expect.",
    requires=("vpc_endpoint_services",),
)
def endpoint_service_acceptance_required(inventory: Inventory) -> Iterable[Outcome]:
    for service in _endpoint_services(inventory):
        sid, region = str(service.get("id")), str(service.get("region", ""))
        ok = bool(service.get("acceptance_required"))
        reason = (
            f"Endpoint service {sid} waits for each connection request to be accepted"
            if ok
            else f"Endpoint service {sid} connects any allowed principal's endpoint without acceptance"
        )
        yield result(ok, sid, ENDPOINT_SERVICE, reason, region=region, acceptance_required=ok)


# --- Network Firewall ----------------------------------------------------------------------------------------------


@aws_check(
    id="aws.networkfirewall.deletion_protection",
    title="Network Firewall firewalls are protected from deletion",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    resource_type=FIREWALL,
    rationale="Deleting a firewall removes the inspection of every flow routed through it in one call; deletion "
    "protection makes that a deliberate two-step change, so a mistaken or malicious DeleteFirewall fails.",
    remediation="Turn on the firewall's delete protection (UpdateFirewallDeleteProtection).",
)
def networkfirewall_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    for firewall in firewalls(inventory):
        name, arn, region = firewall.get("name"), str(firewall.get("arn")), str(firewall.get("region", ""))
        if firewall.get("protection_error"):
            reason = f"Could not describe Network Firewall {name}: {firewall['protection_error']}"
            yield error(arn, FIREWALL, reason, region=region)
            continue
        if "delete_protection" not in firewall:
            yield error(arn, FIREWALL, "The inventory predates deletion protection collection", region=region)
            continue
        ok = bool(firewall.get("delete_protection"))
        reason = (
            f"Network Firewall {name} has deletion protection on"
            if ok
            else f"Network Firewall {name} can be deleted: deletion protection is off"
        )
        yield result(ok, arn, FIREWALL, reason, region=region, delete_protection=ok)
