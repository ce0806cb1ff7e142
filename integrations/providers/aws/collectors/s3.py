"""S3 collection: the account's Block Public Access and every bucket's settings (global); access points (regional);
Multi-Region Access Points (global)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes import S3
from ..shapes_storage import S3AccessPointsRegion, S3MultiRegionAccessPoints
from ._common import (
    Scope,
    bounded_region,
    bucket_policy,
    concurrently,
    describe_error,
    error_code,
    follow_next_token,
    optional,
    paginate,
    plain,
)


def _bucket_region(s3: BaseClient, name: str, listed: Mapping[str, Any]) -> str:
    if listed.get("BucketRegion"):
        return str(listed["BucketRegion"])
    constraint = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    # Legacy location constraints: none means us-east-1 and "EU" means eu-west-1.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def _bucket_details(s3: BaseClient, name: str) -> dict[str, Any]:
    pab = optional(
        lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        {"NoSuchPublicAccessBlockConfiguration"},
    )
    encryption = optional(
        lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"],
        {"ServerSideEncryptionConfigurationNotFoundError"},
    )
    versioning = s3.get_bucket_versioning(Bucket=name)
    policy = bucket_policy(s3, name)
    logging_status = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    return {
        "public_access_block": pab,
        "encryption_rules": encryption,
        "versioning": {
            "status": versioning.get("Status", "Disabled"),
            "mfa_delete": versioning.get("MFADelete", "Disabled"),
        },
        "policy": policy,
        "logging": logging_status,
    }


# Data protection (and event notification) reads: field -> (call, error codes that mean "not configured").
_PROTECTION_READS: dict[str, tuple[Callable[[BaseClient, str], Any], frozenset[str]]] = {
    "acl_grants": (lambda s3, name: s3.get_bucket_acl(Bucket=name).get("Grants", []), frozenset()),
    "replication_rules": (
        lambda s3, name: s3.get_bucket_replication(Bucket=name)["ReplicationConfiguration"].get("Rules", []),
        frozenset({"ReplicationConfigurationNotFoundError"}),
    ),
    "object_lock": (
        lambda s3, name: s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"],
        frozenset({"ObjectLockConfigurationNotFoundError"}),
    ),
    "lifecycle_rules": (
        lambda s3, name: s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", []),
        frozenset({"NoSuchLifecycleConfiguration"}),
    ),
    # No ownership controls at all (a bucket made before April 2023 and never changed) reads as [] : ACLs in force.
    "ownership_rules": (
        lambda s3, name: s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"].get("Rules", []),
        frozenset({"OwnershipControlsNotFoundError"}),
    ),
    # No destinations at all reads as {} (S3 has no "not configured" error for it).
    "notification_configuration": (
        lambda s3, name: {
            key: value
            for key, value in s3.get_bucket_notification_configuration(Bucket=name).items()
            if key != "ResponseMetadata"
        },
        frozenset(),
    ),
}


def _protection_details(s3: BaseClient, name: str) -> dict[str, Any]:
    """ACL, replication, Object Lock, lifecycle, object ownership and event notifications; a failed read is kept in
    ``read_errors`` for its checks only."""
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, (call, missing) in _PROTECTION_READS.items():
        try:
            details[field] = optional(functools.partial(call, s3, name), missing)
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                raise
            errors[field] = describe_error(exc)
    if errors:
        details["read_errors"] = errors
    return details


def collect_s3(scope: Scope) -> S3:
    s3 = scope.client("s3", scope.global_region)
    control = scope.client("s3control", scope.global_region)
    account_pab = optional(
        lambda: control.get_public_access_block(AccountId=scope.account_id)["PublicAccessBlockConfiguration"],
        {"NoSuchPublicAccessBlockConfiguration"},
    )

    def read(listed: Mapping[str, Any]) -> dict[str, Any] | None:
        # Plain dicts until plain() below turns the listing's datetimes into text.
        name = listed["Name"]
        entry: dict[str, Any] = {
            "name": name,
            "region": listed.get("BucketRegion", ""),
            "created": listed.get("CreationDate"),
        }
        try:
            entry["region"] = region = _bucket_region(s3, name, listed)
            # A client in the bucket's own region avoids a redirect round trip per call.
            client = scope.clients.get(("s3", region), s3)
            entry.update(_bucket_details(client, name))
            entry.update(_protection_details(client, name))
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                return None  # deleted between listing and reading
            # A bucket policy can deny even a SecurityAudit role; report that bucket, keep the rest.
            entry["error"] = describe_error(exc)
        return entry

    listed = [bucket for bucket in paginate(s3, "list_buckets", "Buckets") if scope.owns(bucket["Name"])]
    read_buckets = concurrently(read, listed)
    buckets = [entry for entry in read_buckets if entry is not None]
    return plain({"account_public_access_block": account_pab, "buckets": buckets})


# Access points read per region (one GetAccessPoint each); a region holding more is judged in part and says so.
MAX_ACCESS_POINTS = 1_000


def _arn_region(access_point: Mapping[str, Any]) -> str:
    parts = str(access_point.get("AccessPointArn") or "").split(":")
    return parts[3] if len(parts) > 3 else ""


def _listed_access_points(control: BaseClient, scope: Scope) -> tuple[list[dict[str, Any]], bool]:
    """The region's access points (ListAccessPoints has no paginator: NextToken by hand), and whether there were
    more than ``MAX_ACCESS_POINTS``."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = control.list_access_points(
            AccountId=scope.account_id, MaxResults=MAX_ACCESS_POINTS, **({"NextToken": token} if token else {})
        )
        # The listing is regional on AWS; moto answers every region with all of the account's access points, so
        # keeping the region's own (an ARN's fourth field) judges each one once, whatever the endpoint.
        found.extend(ap for ap in page.get("AccessPointList", []) if _arn_region(ap) in ("", scope.region))
        token = page.get("NextToken")
        if len(found) > MAX_ACCESS_POINTS:
            return found[:MAX_ACCESS_POINTS], True
        if not token:
            return found, False


def collect_s3_access_points(scope: Scope) -> S3AccessPointsRegion:
    control = scope.client("s3control")
    listed, more = _listed_access_points(control, scope)

    def read(ap: Mapping[str, Any]) -> dict[str, Any] | None:
        entry: dict[str, Any] = {
            "name": ap["Name"],
            "arn": ap.get("AccessPointArn") or ap["Name"],
            "bucket": ap.get("Bucket"),
            "network_origin": ap.get("NetworkOrigin"),
            "region": scope.region,
        }
        # The listing does not carry the access point's Block Public Access settings; GetAccessPoint does.
        try:
            described = control.get_access_point(AccountId=scope.account_id, Name=ap["Name"])
        except ClientError as exc:
            if error_code(exc) == "NoSuchAccessPoint":
                return None  # deleted between listing and reading
            entry["describe_error"] = describe_error(exc)
            return entry
        entry["public_access_block"] = described.get("PublicAccessBlockConfiguration")
        return entry

    read_points = concurrently(read, listed)
    return bounded_region("access_points", [ap for ap in read_points if ap is not None], more, MAX_ACCESS_POINTS)


# Multi-Region Access Points exist in the aws partition only, and are managed through this region's endpoint.
MRAP_PARTITION, MRAP_CONTROL_REGION = "aws", "us-west-2"


def collect_s3_multi_region_access_points(scope: Scope) -> S3MultiRegionAccessPoints:
    if scope.partition != MRAP_PARTITION:
        return {"access_points": []}
    control = scope.client("s3control", MRAP_CONTROL_REGION)
    listed, _ = follow_next_token(control.list_multi_region_access_points, "AccessPoints", AccountId=scope.account_id)
    return plain(
        {
            "access_points": [
                {
                    "name": str(ap["Name"]),
                    "alias": ap.get("Alias"),
                    "status": ap.get("Status"),
                    "public_access_block": ap.get("PublicAccessBlock"),
                    "buckets": sorted(str(r.get("Bucket")) for r in ap.get("Regions") or [] if r.get("Bucket")),
                }
                for ap in listed
            ]
        }
    )
