"""Checks on EC2's regional account settings: the guard rails that hold whatever a single launch, share or
snapshot asks for. Block public access for EBS snapshots and for AMIs, IMDSv2 as the default for new instances, and
the serial console left off. Each is judged once per scanned region, against the account."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_ec2 import (
    ImageBlockPublicAccessRegion,
    InstanceMetadataDefaultsRegion,
    SerialConsoleAccessRegion,
    SnapshotBlockPublicAccessRegion,
)
from ._common import ACCOUNT, aws_check, regions, result


def _by(managed_by: str | None) -> str:
    # Said when an organization's declarative policy holds the setting: changing it is then the organization's call.
    return " (set by the organization's declarative policy)" if managed_by == "declarative-policy" else ""


@aws_check(
    id="aws.ebs.snapshot_block_public_access",
    title="Block public access for EBS snapshots blocks all sharing in every scanned region",
    severity=Severity.HIGH,
    service="ebs",
    requires=("snapshot_block_public_access",),
    resource_type=ACCOUNT,
    rationale="A public snapshot lets any AWS account create a volume from it and read the whole disk. Block "
    "public access set to block all sharing stops every snapshot of the region from being public, those already "
    "shared included, whoever changes a snapshot's permissions later. Blocking new sharing only leaves snapshots "
    "that were public before it in place.",
    remediation="In each region: EC2 console, Data protection and security, Block public access for EBS "
    "snapshots, 'Block all public access' (EnableSnapshotBlockPublicAccess State block-all-sharing), or across an "
    "organization with a declarative policy.",
)
def snapshot_block_public_access(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: SnapshotBlockPublicAccessRegion
    for region, data in regions(inventory, "snapshot_block_public_access"):
        state = data["state"]
        if state == "block-all-sharing":
            reason = f"Block public access for EBS snapshots blocks all public sharing in {region}"
        elif state == "block-new-sharing":
            reason = (
                f"Block public access for EBS snapshots in {region} blocks only new public sharing: snapshots "
                "made public before it stay public"
            )
        else:
            reason = f"Block public access for EBS snapshots is off in {region}: any snapshot can be made public"
        passed = state == "block-all-sharing"
        yield result(passed, account, ACCOUNT, reason + _by(data["managed_by"]), region=region, state=state)


@aws_check(
    id="aws.ec2.image_block_public_access",
    title="Block public access for AMIs is on in every scanned region",
    severity=Severity.HIGH,
    service="ec2",
    requires=("image_block_public_access",),
    resource_type=ACCOUNT,
    rationale="A public AMI can be launched by any AWS account, which then reads every file of the disks the image "
    "was made from. With block public access on, no AMI of the region can be made public, whoever edits its "
    "launch permissions.",
    remediation="In each region: EC2 console, Data protection and security, Block public access for AMIs "
    "(EnableImageBlockPublicAccess block-new-sharing), or across an organization with a declarative policy. "
    "It does not unshare AMIs already public: aws.ec2.ami_not_public lists those.",
)
def image_block_public_access(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: ImageBlockPublicAccessRegion
    for region, data in regions(inventory, "image_block_public_access"):
        blocked = data["state"] == "block-new-sharing"
        if blocked:
            reason = f"Block public access for AMIs is on in {region}"
        else:
            reason = f"Block public access for AMIs is off in {region}: any AMI can be made public"
        yield result(blocked, account, ACCOUNT, reason + _by(data["managed_by"]), region=region, state=data["state"])


@aws_check(
    id="aws.ec2.account_imdsv2_default",
    title="New instances default to IMDSv2 in every scanned region",
    severity=Severity.MEDIUM,
    service="ec2",
    requires=("instance_metadata_defaults",),
    resource_type=ACCOUNT,
    rationale="IMDSv1 hands an instance role's credentials to any request that reaches the metadata address, which "
    "is what a server-side request forgery in an application needs. The account's instance metadata defaults "
    "apply to every launch that does not choose for itself (consoles, scripts, third-party tools), so requiring "
    "session tokens there keeps IMDSv1 off the instances nobody thought about.",
    remediation="In each region: EC2 console, Dashboard, Account attributes, Data protection and security, IMDS "
    "defaults: 'Metadata version' V2 only (ModifyInstanceMetadataDefaults HttpTokens required); "
    "HttpTokensEnforced enabled also refuses launches that ask for IMDSv1.",
)
def account_imdsv2_default(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: InstanceMetadataDefaultsRegion
    for region, data in regions(inventory, "instance_metadata_defaults"):
        tokens, endpoint = data["http_tokens"], data["http_endpoint"]
        if tokens == "required":
            passed, reason = True, f"New instances in {region} default to IMDSv2 (session tokens required)"
        elif endpoint == "disabled":
            passed, reason = True, f"New instances in {region} have the metadata service turned off by default"
        elif tokens == "optional":
            passed, reason = False, f"New instances in {region} allow IMDSv1 by default (session tokens optional)"
        else:
            reason = f"No instance metadata default is set in {region}: each launch decides, and IMDSv1 is allowed"
            passed = False
        yield result(
            passed,
            account,
            ACCOUNT,
            reason + _by(data["managed_by"]),
            region=region,
            http_tokens=tokens,
            http_endpoint=endpoint,
            tokens_enforced=data["tokens_enforced"],
        )


@aws_check(
    id="aws.ec2.serial_console_access_disabled",
    title="EC2 serial console access is off in every scanned region",
    severity=Severity.MEDIUM,
    service="ec2",
    requires=("serial_console_access",),
    resource_type=ACCOUNT,
    rationale="The serial console reaches an instance's operating system without the network: security groups, "
    "network ACLs and the absence of SSH do not apply to it, so anyone allowed ec2-instance-connect:"
    "SendSerialConsoleSSHPublicKey can log in. Left on, it is a way in that network reviews never see; it is "
    "meant to be turned on for troubleshooting and off again.",
    remediation="In each region: EC2 console, Dashboard, Account attributes, EC2 Serial Console, turn access off "
    "(DisableSerialConsoleAccess); turn it on only while troubleshooting an instance.",
)
def serial_console_access_disabled(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    data: SerialConsoleAccessRegion
    for region, data in regions(inventory, "serial_console_access"):
        enabled = data["enabled"]
        if enabled:
            reason = f"EC2 serial console access is on in {region}"
        else:
            reason = f"EC2 serial console access is off in {region}"
        yield result(not enabled, account, ACCOUNT, reason + _by(data["managed_by"]), region=region, enabled=enabled)
