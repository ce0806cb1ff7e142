"""EC2 and VPC collection (regional): EBS, security groups, network ACLs, instances (with their groups and IPv6
addresses), VPCs and flow logs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..shapes import Ec2Region, VpcRegion
from ._common import Scope, paginate, plain, policy_document


def collect_ec2(scope: Scope) -> Ec2Region:
    ec2 = scope.client("ec2")
    region = scope.region
    default_encryption = ec2.get_ebs_encryption_by_default()
    volumes = paginate(ec2, "describe_volumes", "Volumes")
    groups = paginate(ec2, "describe_security_groups", "SecurityGroups")
    acls = paginate(ec2, "describe_network_acls", "NetworkAcls")
    reservations = paginate(ec2, "describe_instances", "Reservations")
    instances = [i for r in reservations for i in r.get("Instances", [])]
    return plain(
        {
            "collected_at": datetime.now(UTC),
            "ebs_encryption_by_default": bool(default_encryption.get("EbsEncryptionByDefault")),
            "volumes": [
                {
                    "id": v["VolumeId"],
                    "encrypted": bool(v.get("Encrypted")),
                    "kms_key_id": v.get("KmsKeyId"),
                    "state": v.get("State"),
                    "region": region,
                    "tags": {str(t["Key"]): str(t.get("Value", "")) for t in v.get("Tags", []) if "Key" in t},
                }
                for v in volumes
            ],
            "security_groups": [
                {
                    "id": g["GroupId"],
                    "name": g.get("GroupName"),
                    "vpc_id": g.get("VpcId"),
                    "ingress": g.get("IpPermissions", []),
                    "egress": g.get("IpPermissionsEgress", []),
                    "region": region,
                }
                for g in groups
            ],
            "network_acls": [
                {
                    "id": a["NetworkAclId"],
                    "vpc_id": a.get("VpcId"),
                    "is_default": bool(a.get("IsDefault")),
                    "entries": a.get("Entries", []),
                    "subnet_ids": sorted({str(x["SubnetId"]) for x in a.get("Associations", []) if x.get("SubnetId")}),
                    "region": region,
                }
                for a in acls
            ],
            "instances": [
                {
                    "id": i["InstanceId"],
                    "state": i.get("State", {}).get("Name"),
                    "launch_time": i.get("LaunchTime"),
                    # "User initiated (2026-10-24 15:13:04 GMT)" for a stop: the only record of when it happened.
                    "state_transition_reason": i.get("StateTransitionReason"),
                    "metadata_options": i.get("MetadataOptions", {}),
                    "public_ip": i.get("PublicIpAddress"),
                    "instance_profile": i.get("IamInstanceProfile", {}).get("Arn"),
                    "monitoring": (i.get("Monitoring") or {}).get("State"),
                    "vpc_id": i.get("VpcId"),
                    "security_group_ids": _instance_groups(i),
                    "ipv6_addresses": _instance_ipv6_addresses(i),
                    "virtualization_type": i.get("VirtualizationType"),
                    "network_interfaces": _instance_interfaces(i),
                    "region": region,
                }
                for i in instances
                if i.get("State", {}).get("Name") != "terminated"
            ],
        }
    )


def _instance_groups(instance: Mapping[str, Any]) -> list[str]:
    """The security groups of the instance and of each of its network interfaces: the instance's own list can miss
    some (moto leaves it empty for an instance launched with interfaces)."""
    interfaces = instance.get("NetworkInterfaces", [])
    groups = [*instance.get("SecurityGroups", []), *(g for n in interfaces for g in n.get("Groups", []))]
    return sorted({str(g["GroupId"]) for g in groups if g.get("GroupId")})


def _instance_interfaces(instance: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The network interfaces attached to the instance: id, subnet and type (interface, efa, ...)."""
    return [
        {"id": n.get("NetworkInterfaceId"), "subnet_id": n.get("SubnetId"), "type": n.get("InterfaceType")}
        for n in instance.get("NetworkInterfaces", [])
    ]


def _instance_ipv6_addresses(instance: Mapping[str, Any]) -> list[str]:
    """The IPv6 addresses of the instance's network interfaces."""
    addresses = (a for n in instance.get("NetworkInterfaces", []) for a in n.get("Ipv6Addresses", []))
    return sorted({str(a["Ipv6Address"]) for a in addresses if a.get("Ipv6Address")})


def collect_vpc(scope: Scope) -> VpcRegion:
    ec2 = scope.client("ec2")
    vpcs = paginate(ec2, "describe_vpcs", "Vpcs")
    flow_logs = paginate(ec2, "describe_flow_logs", "FlowLogs")
    endpoints = paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints")
    return plain(
        {
            "vpcs": [{"id": v["VpcId"], "is_default": bool(v.get("IsDefault")), "region": scope.region} for v in vpcs],
            "flow_logs": [
                {
                    "id": f.get("FlowLogId"),
                    "resource_id": f.get("ResourceId"),
                    "traffic_type": f.get("TrafficType"),
                    "status": f.get("FlowLogStatus"),
                    "destination_type": f.get("LogDestinationType"),
                    "region": scope.region,
                }
                for f in flow_logs
            ],
            "endpoints": [
                {
                    "id": e.get("VpcEndpointId"),
                    "vpc_id": e.get("VpcId"),
                    "service_name": e.get("ServiceName"),
                    "type": e.get("VpcEndpointType"),
                    "state": e.get("State"),
                    "private_dns_enabled": e.get("PrivateDnsEnabled"),
                    "subnet_ids": e.get("SubnetIds", []),
                    "policy": policy_document(e.get("PolicyDocument")),
                    "region": scope.region,
                }
                for e in endpoints
            ],
        }
    )
