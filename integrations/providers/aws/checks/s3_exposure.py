"""S3 checks on exposure and recoverability: public policies and ACLs, replication, Object Lock, lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import S3, Bucket
from ._common import aws_check, error, result, service_data
from ._policies import public_actions

BUCKET = "AWS::S3::Bucket"
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account",
}

# What a check yields for one readable bucket: (passed, reason, observed values).
Verdict = tuple[bool, str, dict[str, Any]]


def _s3(inventory: Inventory) -> S3:
    return service_data(inventory, "s3")


def _account_flag(inventory: Inventory, flag: str) -> bool:
    return bool((_s3(inventory).get("account_public_access_block") or {}).get(flag))


def each_bucket(inventory: Inventory, field: str, judge: Callable[[Bucket, str], Verdict]) -> Iterable[Outcome]:
    """Judge every bucket whose ``field`` was read; a bucket or field that could not be read is an error."""
    for bucket in _s3(inventory).get("buckets", []):
        name, region = str(bucket.get("name")), str(bucket.get("region", ""))
        failure = bucket.get("error") or (bucket.get("read_errors") or {}).get(field)
        if failure:
            yield error(name, BUCKET, f"Could not read bucket {name}: {failure}", region=region)
            continue
        if field not in bucket:
            # Collected before this field existed: nothing to judge.
            continue
        ok, reason, observed = judge(bucket, name)
        yield result(ok, name, BUCKET, reason, region=region, **observed)


def _blocked(inventory: Inventory, bucket: Bucket, flag: str) -> bool:
    return bool((bucket.get("public_access_block") or {}).get(flag)) or _account_flag(inventory, flag)


@aws_check(
    id="aws.s3.bucket_policy_not_public",
    title="S3 bucket policies do not grant access to everyone",
    severity=Severity.CRITICAL,
    service="s3",
    resource_type=BUCKET,
    rationale='A policy statement allowing Principal "*" without a condition on account, organisation or '
    "network opens the bucket to anyone on the internet, whatever the ACLs say.",
    remediation="Remove or narrow the statement (name the principals, or add an aws:PrincipalOrgID or "
    "aws:SourceVpce condition), and turn on RestrictPublicBuckets.",
)
def bucket_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        actions = public_actions(bucket.get("policy"))
        # RestrictPublicBuckets limits a public policy to AWS services and the owner's principals.
        restricted = _blocked(inventory, bucket, "RestrictPublicBuckets")
        if not actions:
            reason = f"Bucket {name}'s policy grants nothing to everyone"
        elif restricted:
            reason = f"Bucket {name}'s policy is public but RestrictPublicBuckets neutralises it"
        else:
            reason = f"Bucket {name}'s policy lets anyone {', '.join(actions)}"
        return not actions or restricted, reason, {"public_actions": actions, "restrict_public_buckets": restricted}

    return each_bucket(inventory, "policy", judge)


@aws_check(
    id="aws.s3.bucket_acl_not_public",
    title="S3 bucket ACLs do not grant access to all users",
    severity=Severity.CRITICAL,
    service="s3",
    resource_type=BUCKET,
    rationale="An ACL grant to AllUsers or AuthenticatedUsers lets anyone, or any AWS account, list or "
    "change the bucket.",
    remediation="Remove the AllUsers and AuthenticatedUsers grants (or disable ACLs with Object Ownership "
    "'bucket owner enforced') and turn on IgnorePublicAcls.",
)
def bucket_acl_not_public(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        grants = [
            f"{grant.get('Permission')} to {PUBLIC_GRANTEES[uri]}"
            for grant in bucket.get("acl_grants") or []
            if (uri := str((grant.get("Grantee") or {}).get("URI", ""))) in PUBLIC_GRANTEES
        ]
        ignored = _blocked(inventory, bucket, "IgnorePublicAcls")
        if not grants:
            reason = f"Bucket {name}'s ACL grants nothing to all users"
        elif ignored:
            reason = f"Bucket {name}'s ACL has public grants but IgnorePublicAcls neutralises them"
        else:
            reason = f"Bucket {name}'s ACL grants {'; '.join(grants)}"
        return not grants or ignored, reason, {"public_grants": grants, "ignore_public_acls": ignored}

    return each_bucket(inventory, "acl_grants", judge)


# Object Ownership's setting that turns ACLs off: access is then decided by policies alone.
OWNER_ENFORCED = "BucketOwnerEnforced"


@aws_check(
    id="aws.s3.bucket_acls_disabled",
    title="S3 buckets have ACLs disabled (bucket owner enforced)",
    severity=Severity.MEDIUM,
    service="s3",
    resource_type=BUCKET,
    rationale="While ACLs are in force, access to a bucket and to each object in it can be granted outside its "
    "policy (per object, by whoever uploads it), and objects written by other accounts stay theirs. With Object "
    "Ownership set to bucket owner enforced, ACLs no longer grant anything: the bucket owner owns every object and "
    "access is decided by policies, which can be reviewed in one place.",
    remediation="Move any access still granted by ACLs into the bucket policy, then set the bucket's Object "
    "Ownership to 'Bucket owner enforced' (PutBucketOwnershipControls), as AWS does for new buckets.",
)
def bucket_acls_disabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        settings = [str(rule.get("ObjectOwnership")) for rule in bucket.get("ownership_rules") or []]
        enforced = OWNER_ENFORCED in settings
        if enforced:
            reason = f"Bucket {name} has ACLs disabled (bucket owner enforced)"
        elif settings:
            reason = f"Bucket {name} keeps ACLs in force (object ownership {', '.join(settings)})"
        else:
            reason = f"Bucket {name} has no object ownership controls, so ACLs are in force"
        return enforced, reason, {"object_ownership": settings}

    return each_bucket(inventory, "ownership_rules", judge)


@aws_check(
    id="aws.s3.bucket_replication_enabled",
    title="S3 buckets replicate to another bucket",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Replication keeps a second copy of every new object in another bucket (often another region "
    "or account), so a regional outage or a deletion in one place does not lose the data.",
    remediation="Enable versioning on both buckets and add a replication rule to the source bucket.",
)
def bucket_replication_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        rules: Sequence[Mapping[str, Any]] = bucket.get("replication_rules") or []
        targets = sorted(
            {str((r.get("Destination") or {}).get("Bucket")) for r in rules if r.get("Status") == "Enabled"}
        )
        reason = (
            f"Bucket {name} replicates to {', '.join(targets)}"
            if targets
            else f"Bucket {name} has no enabled replication rule"
        )
        return bool(targets), reason, {"destinations": targets}

    return each_bucket(inventory, "replication_rules", judge)


@aws_check(
    id="aws.s3.bucket_object_lock_enabled",
    title="S3 buckets have Object Lock enabled",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Object Lock keeps object versions from being deleted or overwritten for a retention period, "
    "which protects backups and records from ransomware and mistakes.",
    remediation="Enable Object Lock on the bucket (possible on existing versioned buckets) and set a "
    "default retention.",
)
def bucket_object_lock_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        config: Mapping[str, Any] = bucket.get("object_lock") or {}
        ok = config.get("ObjectLockEnabled") == "Enabled"
        retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
        reason = f"Bucket {name} has Object Lock enabled" if ok else f"Bucket {name} does not have Object Lock"
        return ok, reason, {"default_retention": retention or None}

    return each_bucket(inventory, "object_lock", judge)


@aws_check(
    id="aws.s3.bucket_lifecycle_configured",
    title="S3 buckets have a lifecycle policy",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Lifecycle rules expire or archive data on a schedule, so data is not kept past its retention "
    "period and old versions do not pile up.",
    remediation="Add a lifecycle configuration with at least one enabled rule that matches the bucket's "
    "retention needs.",
)
def bucket_lifecycle_configured(inventory: Inventory) -> Iterable[Outcome]:
    def judge(bucket: Bucket, name: str) -> Verdict:
        rules: Sequence[Mapping[str, Any]] = bucket.get("lifecycle_rules") or []
        enabled = [str(r.get("ID") or "(unnamed)") for r in rules if r.get("Status") == "Enabled"]
        reason = (
            f"Bucket {name} has {len(enabled)} enabled lifecycle rule(s)"
            if enabled
            else f"Bucket {name} has no enabled lifecycle rule"
        )
        return bool(enabled), reason, {"rules": enabled}

    return each_bucket(inventory, "lifecycle_rules", judge)
