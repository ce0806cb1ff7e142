"""S3 checks: block public access (buckets and access points), encryption, versioning, TLS-only policies, logging."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import S3, Bucket
from ..shapes_storage import S3AccessPoint
from ._common import (
    ACCOUNT,
    aws_check,
    described_items,
    error,
    result,
    service_data,
)
from ._policies import plain_http_verdict

BUCKET = "AWS::S3::Bucket"
ACCESS_POINT = "AWS::S3::AccessPoint"
MULTI_REGION_ACCESS_POINT = "AWS::S3::MultiRegionAccessPoint"
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _s3(inventory: Inventory) -> S3:
    return service_data(inventory, "s3")


def _buckets(inventory: Inventory) -> list[Bucket]:
    return list(_s3(inventory).get("buckets", []))


def _unreadable(bucket: Bucket) -> Outcome | None:
    if not bucket.get("error"):
        return None
    name = str(bucket.get("name"))
    reason = f"Could not read bucket {name}: {bucket['error']}"
    return error(name, BUCKET, reason, region=str(bucket.get("region", "")))


def default_encryption(bucket: Bucket) -> list[Mapping[str, Any]]:
    """The bucket's default encryption settings (each rule's ApplyServerSideEncryptionByDefault: SSEAlgorithm and
    KMSMasterKeyID) that name an algorithm; [] when it has none."""
    settings = [rule.get("ApplyServerSideEncryptionByDefault") or {} for rule in bucket.get("encryption_rules") or []]
    return [setting for setting in settings if setting.get("SSEAlgorithm")]


def _flags(config: Mapping[str, Any] | None) -> dict[str, bool]:
    return {flag: bool((config or {}).get(flag)) for flag in PAB_FLAGS}


def _blocking(label: str, config: Mapping[str, Any] | None) -> tuple[list[str], dict[str, bool], str]:
    """An access point's Block Public Access settings judged: the flags off, every flag, and the reason."""
    flags = _flags(config)
    off = [flag for flag, on in flags.items() if not on]
    reason = (
        f"{label} does not block public access: {', '.join(off)} off" if off else f"{label} blocks all public access"
    )
    return off, flags, reason


@aws_check(
    id="aws.s3.account_public_access_block",
    title="S3 Block Public Access is on for the account",
    severity=Severity.HIGH,
    service="s3",
    resource_type=ACCOUNT,
    rationale="The account-wide setting stops any bucket, present or future, from being made public by "
    "an ACL or policy mistake.",
    remediation="Turn on all four S3 Block Public Access settings at the account level.",
)
def account_public_access_block(inventory: Inventory) -> Iterable[Outcome]:
    s3 = _s3(inventory)
    if "account_public_access_block" not in s3:
        return []
    flags: dict[str, Any] = _flags(s3.get("account_public_access_block"))
    off = [flag for flag, on in flags.items() if not on]
    reason = (
        f"Account-level Block Public Access is off for {', '.join(off)}"
        if off
        else "All four account-level Block Public Access settings are on"
    )
    return [result(not off, inventory.account_id or "aws-account", ACCOUNT, reason, **flags)]


@aws_check(
    id="aws.s3.bucket_public_access_block",
    title="S3 buckets block public access",
    severity=Severity.HIGH,
    service="s3",
    resource_type=BUCKET,
    rationale="Block Public Access overrides ACLs and policies that would expose the bucket to the internet.",
    remediation="Turn on all four Block Public Access settings on the bucket (or for the whole account).",
)
def bucket_public_access_block(inventory: Inventory) -> Iterable[Outcome]:
    account = _flags(_s3(inventory).get("account_public_access_block"))
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        own = _flags(bucket.get("public_access_block"))
        # A flag set on either level applies to the bucket.
        effective = {flag: own[flag] or account[flag] for flag in PAB_FLAGS}
        off = [flag for flag, on in effective.items() if not on]
        if off:
            reason = f"Bucket {name} does not block public access: {', '.join(off)} off"
        elif all(own.values()):
            reason = f"Bucket {name} blocks all public access"
        else:
            reason = f"Bucket {name} blocks all public access through the account-level setting"
        yield result(not off, name, BUCKET, reason, region=str(bucket.get("region", "")), bucket=own, account=account)


@aws_check(
    id="aws.s3.access_point_public_access_block",
    title="S3 access points block public access",
    severity=Severity.HIGH,
    service="s3",
    resource_type=ACCESS_POINT,
    # Access points are regional: their own inventory service, collected in each region.
    requires=("s3_access_points",),
    rationale="An access point is a second door to its bucket, with a policy of its own. Its own Block Public "
    "Access settings stop that policy, or ACLs sent through it, from opening the bucket's data to anyone, "
    "whatever later changes the account or bucket settings.",
    remediation="Access point settings cannot be changed once made: create a replacement access point with all "
    "four Block Public Access settings on (the default), move its users over, and delete the old one.",
)
def access_point_public_access_block(inventory: Inventory) -> Iterable[Outcome]:
    for found in described_items(
        inventory,
        "s3_access_points",
        "access_points",
        noun="access points",
        resource_type=ACCESS_POINT,
        resource_id=lambda ap: str(ap.get("arn")),
        label=lambda ap: f"access point {ap.get('name')}",
    ):
        if isinstance(found, Outcome):
            yield found
            continue
        access_point: S3AccessPoint = found
        off, flags, reason = _blocking(
            f"Access point {access_point.get('name')}", access_point.get("public_access_block")
        )
        yield result(
            not off,
            str(access_point.get("arn")),
            ACCESS_POINT,
            reason,
            region=str(access_point.get("region", "")),
            bucket=access_point.get("bucket"),
            network_origin=access_point.get("network_origin"),
            **flags,
        )


@aws_check(
    id="aws.s3.multi_region_access_point_public_access_block",
    title="S3 Multi-Region Access Points block public access",
    severity=Severity.HIGH,
    service="s3",
    resource_type=MULTI_REGION_ACCESS_POINT,
    requires=("s3_multi_region_access_points",),
    rationale="A Multi-Region Access Point is one global name in front of buckets in several regions, with a "
    "policy of its own; its Block Public Access settings stop that policy, or ACLs sent through it, from opening "
    "every one of those buckets to anyone. They are fixed when it is created.",
    remediation="Create a replacement Multi-Region Access Point over the same buckets with all four Block Public "
    "Access settings on (the default), move its clients to the new alias, and delete the old one.",
)
def multi_region_access_point_public_access_block(inventory: Inventory) -> Iterable[Outcome]:
    for access_point in service_data(inventory, "s3_multi_region_access_points").get("access_points", []):
        name = access_point["name"]
        off, flags, reason = _blocking(f"Multi-Region Access Point {name}", access_point.get("public_access_block"))
        # Global: one name across the regions of its buckets.
        yield result(
            not off, name, MULTI_REGION_ACCESS_POINT, reason, region="", buckets=access_point.get("buckets"), **flags
        )


@aws_check(
    id="aws.s3.bucket_default_encryption",
    title="S3 buckets have default encryption",
    severity=Severity.MEDIUM,
    service="s3",
    resource_type=BUCKET,
    rationale="Default encryption ensures every new object is encrypted at rest even when the uploader "
    "does not ask for it.",
    remediation="Configure default encryption on the bucket (SSE-S3 or, for key control, SSE-KMS).",
)
def bucket_default_encryption(inventory: Inventory) -> Iterable[Outcome]:
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        algorithms = [str(setting["SSEAlgorithm"]) for setting in default_encryption(bucket)]
        reason = (
            f"Bucket {name} encrypts new objects with {', '.join(algorithms)}"
            if algorithms
            else f"Bucket {name} has no default encryption"
        )
        yield result(
            bool(algorithms), name, BUCKET, reason, region=str(bucket.get("region", "")), algorithms=algorithms
        )


@aws_check(
    id="aws.s3.bucket_versioning_enabled",
    title="S3 buckets have versioning enabled",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Versioning keeps earlier copies of objects so that overwrites, deletions and ransomware can be undone.",
    remediation="Enable versioning on the bucket and add lifecycle rules to expire old versions.",
)
def bucket_versioning_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        versioning: Mapping[str, object] = bucket.get("versioning") or {}
        status = versioning.get("status", "Disabled")
        ok = status == "Enabled"
        reason = f"Bucket {name} has versioning enabled" if ok else f"Bucket {name} versioning is {status}"
        yield result(ok, name, BUCKET, reason, region=str(bucket.get("region", "")), versioning=status)


@aws_check(
    id="aws.s3.bucket_mfa_delete_enabled",
    title="S3 buckets require MFA to delete versions",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="MFA Delete stops stolen credentials alone from permanently deleting object versions or "
    "suspending versioning.",
    remediation="As the root user, enable versioning with MFA Delete on the bucket using the CLI or API.",
)
def bucket_mfa_delete_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        versioning: Mapping[str, object] = bucket.get("versioning") or {}
        mfa_delete = versioning.get("mfa_delete", "Disabled")
        ok = mfa_delete == "Enabled"
        reason = (
            f"Bucket {name} has MFA Delete enabled" if ok else f"Bucket {name} does not require MFA to delete versions"
        )
        yield result(
            ok,
            name,
            BUCKET,
            reason,
            region=str(bucket.get("region", "")),
            versioning=versioning.get("status"),
            mfa_delete=mfa_delete,
        )


@aws_check(
    id="aws.s3.bucket_deny_http",
    title="S3 bucket policies deny requests over plain HTTP",
    severity=Severity.MEDIUM,
    service="s3",
    resource_type=BUCKET,
    rationale="Only a bucket policy can refuse unencrypted HTTP requests, which would otherwise expose "
    "data and credentials in transit.",
    remediation="Add a bucket policy statement that denies s3:* to every principal when aws:SecureTransport is false.",
)
def bucket_deny_http(inventory: Inventory) -> Iterable[Outcome]:
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        policy = bucket.get("policy")
        ok, reason = plain_http_verdict(policy, "s3", f"Bucket {name}", "bucket")
        yield result(ok, name, BUCKET, reason, region=str(bucket.get("region", "")), has_policy=bool(policy))


@aws_check(
    id="aws.s3.bucket_server_access_logging",
    title="S3 buckets have server access logging",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Access logs record each request to the bucket, which investigations and audits depend on.",
    remediation="Enable server access logging on the bucket, delivering to a separate log bucket.",
)
def bucket_server_access_logging(inventory: Inventory) -> Iterable[Outcome]:
    for bucket in _buckets(inventory):
        if unreadable := _unreadable(bucket):
            yield unreadable
            continue
        name = str(bucket.get("name"))
        logging = bucket.get("logging") or {}
        target = logging.get("TargetBucket")
        reason = (
            f"Bucket {name} logs requests to {target}" if target else f"Bucket {name} has server access logging off"
        )
        yield result(bool(target), name, BUCKET, reason, region=str(bucket.get("region", "")), target_bucket=target)
