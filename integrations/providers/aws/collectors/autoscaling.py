"""EC2 Auto Scaling collection (regional): launch configurations' metadata and public IP settings, Auto Scaling
groups' Availability Zones, and the default and latest versions of EC2 launch templates (metadata options, user
data findings, public IP request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_platform import AutoScalingRegion, LaunchTemplatesRegion
from ._common import Scope, paginate, plain
from .user_data import scan_user_data

# Both Auto Scaling listings carry every setting judged, 100 to a page (their maximum), and the quotas (200 launch
# configurations and 500 groups per region) keep them short: they are read whole, with no per-resource calls.
_PAGE_SIZE = 100
# Asked for without a template id, DescribeLaunchTemplateVersions answers these two versions of every launch template
# in the region: one listing for all of them rather than a call per template.
_JUDGED_VERSIONS = ["$Default", "$Latest"]
# DescribeLaunchTemplateVersions gives at most 200 a page.
_VERSIONS_PAGE_SIZE = 200


def collect_autoscaling(scope: Scope) -> AutoScalingRegion:
    autoscaling = scope.client("autoscaling")
    pages = {"PaginationConfig": {"PageSize": _PAGE_SIZE}}
    configurations = paginate(autoscaling, "describe_launch_configurations", "LaunchConfigurations", **pages)
    groups = paginate(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups", **pages)
    return plain(
        {
            "launch_configurations": [_launch_configuration(scope, c) for c in configurations],
            "groups": [_group(scope, g) for g in groups],
        }
    )


def _launch_configuration(scope: Scope, configuration: Mapping[str, Any]) -> dict[str, Any]:
    metadata = configuration.get("MetadataOptions") or {}
    public_ip = configuration.get("AssociatePublicIpAddress")
    return {
        "name": configuration["LaunchConfigurationName"],
        "arn": configuration.get("LaunchConfigurationARN") or configuration["LaunchConfigurationName"],
        "http_tokens": metadata.get("HttpTokens"),
        "http_endpoint": metadata.get("HttpEndpoint"),
        "associate_public_ip": public_ip if isinstance(public_ip, bool) else None,
        "spot": bool(configuration.get("SpotPrice")),
        "region": scope.region,
        # The listing carries the user data (base64): scanned here, and only what was found is kept.
        "user_data": scan_user_data(configuration.get("UserData")),
    }


def _group(scope: Scope, group: Mapping[str, Any]) -> dict[str, Any]:
    mixed = group.get("MixedInstancesPolicy") or {}
    template = group.get("LaunchTemplate") or (mixed.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")
    distribution = mixed.get("InstancesDistribution") or {}
    # Above its on-demand base, a mixed instances group buys this share on demand and the rest as Spot (AWS's
    # default share is 100: no Spot).
    on_demand_share = distribution.get("OnDemandPercentageAboveBaseCapacity")
    return {
        "name": group["AutoScalingGroupName"],
        "arn": group.get("AutoScalingGroupARN") or group["AutoScalingGroupName"],
        "availability_zones": sorted({str(zone) for zone in group.get("AvailabilityZones") or []}),
        "launch_configuration": group.get("LaunchConfigurationName") or None,
        "launch_template": (template or {}).get("LaunchTemplateName") or (template or {}).get("LaunchTemplateId"),
        "mixed_spot": bool(mixed) and (on_demand_share if isinstance(on_demand_share, int) else 100) < 100,
        "capacity_rebalance": group.get("CapacityRebalance") is True,
        "health_check_type": group.get("HealthCheckType"),
        "load_balancers": len(group.get("LoadBalancerNames") or []) + len(group.get("TargetGroupARNs") or []),
        "region": scope.region,
    }


def _asks_public_ip(interfaces: list[Mapping[str, Any]]) -> bool | None:
    """True when a network interface of the version asks for a public IPv4 address, False when those that say
    refuse one, None when none says (the subnet's own setting then decides)."""
    said = [i["AssociatePublicIpAddress"] for i in interfaces if isinstance(i.get("AssociatePublicIpAddress"), bool)]
    return any(said) if said else None


def collect_launch_templates(scope: Scope) -> LaunchTemplatesRegion:
    ec2 = scope.client("ec2")
    versions = paginate(
        ec2,
        "describe_launch_template_versions",
        "LaunchTemplateVersions",
        Versions=_JUDGED_VERSIONS,
        PaginationConfig={"PageSize": _VERSIONS_PAGE_SIZE},
    )
    by_template: dict[str, dict[str, Any]] = {}
    for version in versions:
        template_id = str(version["LaunchTemplateId"])
        template = by_template.setdefault(
            template_id,
            {
                "id": template_id,
                "name": version.get("LaunchTemplateName"),
                "arn": f"arn:{scope.partition}:ec2:{scope.region}:{scope.account_id}:launch-template/{template_id}",
                "versions": {},
                "region": scope.region,
            },
        )
        data = version.get("LaunchTemplateData") or {}
        metadata = data.get("MetadataOptions") or {}
        # The default and the latest version are the same one until a newer version is added: kept once.
        template["versions"][int(version["VersionNumber"])] = {
            "number": int(version["VersionNumber"]),
            "default": version.get("DefaultVersion") is True,
            "latest": False,
            "http_tokens": metadata.get("HttpTokens"),
            "http_endpoint": metadata.get("HttpEndpoint"),
            # Scanned here, where the version is read: the text never reaches the inventory, only what was found.
            "user_data": scan_user_data(data.get("UserData")),
            "associate_public_ip": _asks_public_ip(data.get("NetworkInterfaces") or []),
        }
    templates = []
    for template in by_template.values():
        numbers = sorted(template["versions"])
        # The answer does not flag the latest version, but it is the newest of the two asked for.
        template["versions"][numbers[-1]]["latest"] = True
        template["versions"] = [template["versions"][n] for n in numbers]
        templates.append(template)
    return plain({"launch_templates": sorted(templates, key=lambda t: t["id"])})
