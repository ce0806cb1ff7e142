"""Checks on EC2 user data: neither running instances', launch templates' nor Auto Scaling launch configurations'
user data holds credential-looking values. The collector (collectors/user_data.py) scans the text and keeps only
which kinds were found on which lines; no value reaches the inventory or these outcomes."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_ec2 import InstanceUserData, NamedSecretFinding, UserData
from ..shapes_platform import LaunchConfiguration, LaunchTemplate
from ._common import aws_check, described_items, error, items, result

INSTANCE = "AWS::EC2::Instance"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
_RATIONALE = (
    "User data is not secret storage: anyone allowed to describe instances or launch templates (SecurityAudit and "
    "ReadOnlyAccess included) reads it, and so does every process on the instance through the metadata service. An "
    "access key, private key or password written into it is a credential in clear, kept as long as the instance or "
    "template exists."
)
_REMEDIATION = (
    "Move the value to Secrets Manager or a SecureString parameter and fetch it at boot with the instance role; "
    "give the instance AWS access through its instance profile instead of access keys; then rotate the exposed "
    "credential, as it has been readable all along."
)


def judge_scanned_text(
    user_data: UserData,
    *,
    label: str,
    resource_id: str,
    resource_type: str,
    region: str,
    what: str = "user data",
    **observed: object,
) -> Outcome:
    """The outcome for a text the collector scanned for credentials (``what`` names it: user data, content)."""
    if "unreadable" in user_data:
        return error(
            resource_id,
            resource_type,
            f"Could not scan the {what} of {label}: {user_data['unreadable']}",
            region=region,
            **observed,
        )
    findings = user_data["findings"]
    where = [f"{f['kind']} (line {f['line']})" for f in findings]
    if not user_data["present"]:
        reason = f"{label} has no {what}"
    elif findings:
        more = user_data["finding_count"] - len(findings)
        reason = f"{label}'s {what} holds credential-looking values: {', '.join(where)}"
        if more > 0:
            reason += f", and {more} more"
    else:
        reason = f"{label}'s {what} holds nothing that looks like a credential"
    return result(
        not findings,
        resource_id,
        resource_type,
        reason,
        region=region,
        findings=findings,
        finding_count=user_data["finding_count"],
        scanned_bytes=user_data["scanned_bytes"],
        **observed,
    )


def judge_named_settings(
    found: list[NamedSecretFinding],
    *,
    total: int | None = None,
    label: str,
    resource_id: str,
    resource_type: str,
    region: str,
    what: str,
    **observed: object,
) -> Outcome:
    """The outcome for named settings the collector scanned for credentials (``what`` names them: its arguments, its
    stage variables); ``found`` lists those holding one (at most the collector's bound; ``total`` counts them all)."""
    count = len(found) if total is None else total
    if found:
        listed = ", ".join(f"{f['name']} ({', '.join(f['kinds'])})" for f in found)
        more = count - len(found)
        reason = f"{label}'s {what} hold credential-looking values: {listed}" + (f", and {more} more" if more else "")
    else:
        reason = f"{label}'s {what} hold nothing that looks like a credential"
    return result(
        not found,
        resource_id,
        resource_type,
        reason,
        region=region,
        findings=[{"name": f["name"], "kinds": list(f["kinds"])} for f in found],
        finding_count=count,
        **observed,
    )


@aws_check(
    id="aws.ec2.instance_user_data_no_secrets",
    title="EC2 instances' user data holds no credentials",
    severity=Severity.HIGH,
    service="ec2",
    requires=("instance_user_data",),
    resource_type=INSTANCE,
    rationale=_RATIONALE,
    remediation=_REMEDIATION + " An instance's user data can be changed only while it is stopped.",
)
def instance_user_data_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    instance: InstanceUserData | Outcome
    for instance in described_items(
        inventory,
        "instance_user_data",
        "instances",
        noun="instances",
        resource_type=INSTANCE,
        resource_id=lambda i: str(i["id"]),
        label=lambda i: f"the user data of instance {i['id']}",
    ):
        if isinstance(instance, Outcome):
            yield instance
            continue
        yield judge_scanned_text(
            instance["user_data"],
            label=f"Instance {instance['id']}",
            resource_id=instance["id"],
            resource_type=INSTANCE,
            region=instance["region"],
            state=instance["state"],
        )


@aws_check(
    id="aws.ec2.launch_template_user_data_no_secrets",
    title="EC2 launch templates' user data holds no credentials",
    severity=Severity.HIGH,
    service="ec2",
    requires=("launch_templates",),
    resource_type=LAUNCH_TEMPLATE,
    rationale=_RATIONALE + " A launch template hands it to every instance launched from it.",
    remediation=_REMEDIATION + " Create a new template version without the value, make it the default, and delete "
    "the versions that hold it.",
)
def launch_template_user_data_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    template: LaunchTemplate
    for template in items(inventory, "launch_templates", "launch_templates"):
        default = next((v for v in template["versions"] if v["default"]), None)
        if default is None:
            continue  # AWS always has a default version; a template read without one has nothing to judge
        label = f"Launch template {template['name'] or template['id']} (default version {default['number']})"
        yield judge_scanned_text(
            default["user_data"],
            label=label,
            resource_id=template["arn"],
            resource_type=LAUNCH_TEMPLATE,
            region=template["region"],
            version=default["number"],
        )


@aws_check(
    id="aws.autoscaling.launch_configuration_user_data_no_secrets",
    title="Auto Scaling launch configurations' user data holds no credentials",
    severity=Severity.HIGH,
    service="autoscaling",
    resource_type=LAUNCH_CONFIGURATION,
    rationale=_RATIONALE + " A launch configuration hands it to every instance its Auto Scaling groups launch, and "
    "cannot be changed, only replaced.",
    remediation=_REMEDIATION + " Replace the launch configuration with a launch template whose user data fetches "
    "the value (launch configurations take no new instance types and are being retired), move the groups to it, "
    "and delete the launch configuration.",
)
def launch_configuration_user_data_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    configuration: LaunchConfiguration
    for configuration in items(inventory, "autoscaling", "launch_configurations"):
        if "user_data" not in configuration:
            continue  # collected before the user data was scanned
        yield judge_scanned_text(
            configuration["user_data"],
            label=f"Launch configuration {configuration['name']}",
            resource_id=configuration["arn"],
            resource_type=LAUNCH_CONFIGURATION,
            region=configuration["region"],
        )
