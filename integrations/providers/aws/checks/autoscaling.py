"""Checks on what EC2 Auto Scaling launches: launch configurations (IMDSv2, no public IP), Auto Scaling groups
(more than one Availability Zone) and EC2 launch templates' default and latest versions (IMDSv2).

Instances already running are judged by the EC2 checks (aws.ec2.imdsv2_required, aws.ec2.instance_no_public_ip);
these judge what every instance launched from now on will get.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_platform import AutoScalingGroup, LaunchConfiguration, LaunchTemplate, LaunchTemplateVersion
from ._common import aws_check, items, result

LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
REQUIRED = "required"
DISABLED = "disabled"


def _launch_configurations(inventory: Inventory) -> Iterator[LaunchConfiguration]:
    return items(inventory, "autoscaling", "launch_configurations")


def _groups(inventory: Inventory) -> Iterator[AutoScalingGroup]:
    return items(inventory, "autoscaling", "groups")


def _launch_templates(inventory: Inventory) -> Iterator[LaunchTemplate]:
    return items(inventory, "launch_templates", "launch_templates")


def _imds_setting(tokens: str | None, endpoint: str | None) -> tuple[bool, str]:
    """Whether instances launched with these metadata options are safe from IMDSv1, and how to say so. An unset
    HttpTokens leaves the choice to the AMI or the account's defaults, which allow IMDSv1 unless changed: not a pass."""
    if endpoint == DISABLED:
        return True, "turns the metadata service off"
    if tokens == REQUIRED:
        return True, "requires IMDSv2"
    if tokens is None:
        return False, "does not require IMDSv2 (HttpTokens not set)"
    return False, f"allows IMDSv1 (HttpTokens={tokens})"


_IMDS_RATIONALE = (
    "IMDSv1 answers plain GET requests, so an SSRF bug in an application on an instance launched from it can read "
    "the instance role's credentials; IMDSv2 needs a session token that such bugs cannot obtain."
)


@aws_check(
    id="aws.autoscaling.launch_configuration_imdsv2_required",
    title="Auto Scaling launch configurations require IMDSv2",
    severity=Severity.MEDIUM,
    service="autoscaling",
    resource_type=LAUNCH_CONFIGURATION,
    rationale=_IMDS_RATIONALE,
    remediation="Launch configurations cannot be changed: create a launch template (or a new launch configuration) "
    "with the metadata option HttpTokens required, point the Auto Scaling groups at it and delete the old one.",
)
def launch_configuration_imdsv2_required(inventory: Inventory) -> Iterable[Outcome]:
    for configuration in _launch_configurations(inventory):
        tokens, endpoint = configuration.get("http_tokens"), configuration.get("http_endpoint")
        ok, said = _imds_setting(tokens, endpoint)
        reason = f"Launch configuration {configuration['name']} {said}"
        yield result(
            ok,
            configuration["arn"],
            LAUNCH_CONFIGURATION,
            reason,
            region=configuration["region"],
            http_tokens=tokens,
            http_endpoint=endpoint,
        )


@aws_check(
    id="aws.autoscaling.launch_configuration_no_public_ip",
    title="Auto Scaling launch configurations do not assign public IP addresses",
    severity=Severity.MEDIUM,
    service="autoscaling",
    resource_type=LAUNCH_CONFIGURATION,
    rationale="Every instance launched with a public address is one security group change away from the internet; "
    "internet-facing traffic belongs on load balancers, and outbound traffic on NAT.",
    remediation="Create a launch template (or a new launch configuration) with AssociatePublicIpAddress false, "
    "launch into private subnets, point the Auto Scaling groups at it and delete the old configuration.",
)
def launch_configuration_no_public_ip(inventory: Inventory) -> Iterable[Outcome]:
    for configuration in _launch_configurations(inventory):
        public = configuration.get("associate_public_ip")
        name = configuration["name"]
        if public is True:
            reason = f"Launch configuration {name} assigns a public IP address to every instance"
        elif public is False:
            reason = f"Launch configuration {name} assigns no public IP address"
        else:
            # Not set: the configuration asks for none itself (the subnet's own setting is the network's to judge).
            reason = f"Launch configuration {name} does not ask for a public IP address"
        yield result(
            public is not True,
            configuration["arn"],
            LAUNCH_CONFIGURATION,
            reason,
            region=configuration["region"],
            associate_public_ip_address=public,
        )


@aws_check(
    id="aws.autoscaling.group_multiple_azs",
    title="Auto Scaling groups span more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="autoscaling",
    resource_type=AUTO_SCALING_GROUP,
    rationale="A group confined to one Availability Zone loses every instance when that zone fails, and cannot "
    "replace them elsewhere; spread over several zones it rebalances and keeps serving.",
    remediation="Add subnets in other Availability Zones to the group (VPCZoneIdentifier), or more zones for a group "
    "outside a VPC.",
)
def group_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    for group in _groups(inventory):
        zones = list(group.get("availability_zones") or [])
        if len(zones) > 1:
            reason = f"Auto Scaling group {group['name']} spans {len(zones)} Availability Zones"
        elif zones:
            reason = f"Auto Scaling group {group['name']} launches in one Availability Zone only ({zones[0]})"
        else:
            reason = f"Auto Scaling group {group['name']} names no Availability Zone"
        yield result(
            len(zones) > 1, group["arn"], AUTO_SCALING_GROUP, reason, region=group["region"], availability_zones=zones
        )


def version_label(version: LaunchTemplateVersion) -> str:
    """How a reason names a launch template version: "version 3 (default and latest)"."""
    roles = [role for role, flag in (("default", version["default"]), ("latest", version["latest"])) if flag]
    return f"version {version['number']} ({' and '.join(roles)})"


@aws_check(
    id="aws.ec2.launch_template_imdsv2_required",
    title="EC2 launch templates require IMDSv2 in their default and latest versions",
    severity=Severity.MEDIUM,
    service="ec2",
    resource_type=LAUNCH_TEMPLATE,
    rationale=_IMDS_RATIONALE + " A launch naming no version gets the default version, and Auto Scaling groups "
    "often follow the latest.",
    remediation="Create a launch template version with the metadata option HttpTokens required and make it the "
    "default (ModifyLaunchTemplate); it is then the latest too.",
    requires=("launch_templates",),
)
def launch_template_imdsv2_required(inventory: Inventory) -> Iterable[Outcome]:
    for template in _launch_templates(inventory):
        label = f"Launch template {template.get('name') or template['id']}"
        judged = [
            (version, *_imds_setting(version["http_tokens"], version["http_endpoint"]))
            for version in template["versions"]
        ]
        failing = [(version, said) for version, ok, said in judged if not ok]
        if failing:
            reason = f"{label}: " + "; ".join(f"{version_label(v)} {said}" for v, said in failing)
        else:
            reason = f"{label}: " + "; ".join(f"{version_label(v)} {said}" for v, _, said in judged)
        yield result(
            not failing,
            template["arn"],
            LAUNCH_TEMPLATE,
            reason,
            region=template["region"],
            versions={
                str(v["number"]): {"http_tokens": v["http_tokens"], "http_endpoint": v["http_endpoint"]}
                for v in template["versions"]
            },
        )
