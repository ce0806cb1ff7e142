"""CloudTrail and AWS Config collection (regional): trails with their log buckets, configuration recorders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_logging import CloudTrailRegion, ConfigRegion, TrailBucket
from ._common import Scope, bucket_policy, describe_error, error_code, optional, plain


def _trail_bucket(s3: BaseClient, name: str) -> TrailBucket:
    # The bucket often lives in a central log-archive account; a denial there is
    # reported on the trail's bucket checks rather than failing the whole service.
    try:
        acl = s3.get_bucket_acl(Bucket=name)
        policy = bucket_policy(s3, name)
        pab = optional(
            lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
            {"NoSuchPublicAccessBlockConfiguration"},
        )
        logging_status = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    except ClientError as exc:
        return {"name": name, "error": describe_error(exc)}
    return {
        "name": name,
        "grants": acl.get("Grants", []),
        "policy": policy,
        "public_access_block": pab,
        "logging": logging_status,
    }


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _insight_types(cloudtrail: BaseClient, arn: str) -> list[str]:
    """The kinds of CloudTrail Insights the trail records (AWS refuses the read for a trail never given any)."""
    try:
        answer = cloudtrail.get_insight_selectors(TrailName=arn)
    except ClientError as exc:
        if error_code(exc) == "InsightNotEnabledException":
            return []
        raise
    return sorted({str(s.get("InsightType")) for s in answer.get("InsightSelectors", []) if s.get("InsightType")})


def collect_cloudtrail(scope: Scope) -> CloudTrailRegion:
    cloudtrail = scope.client("cloudtrail")
    s3 = scope.client("s3", scope.global_region)
    # Shadow trails are included so that an organization trail created in the management
    # account counts for this member account too; each trail is kept only in its home
    # region, or a multi-region trail would be collected once per scanned region.
    trails = cloudtrail.describe_trails(includeShadowTrails=True).get("trailList", [])
    buckets: dict[str, TrailBucket] = {}
    collected: list[dict[str, Any]] = []
    for trail in trails:
        if trail.get("HomeRegion", scope.region) != scope.region:
            continue
        arn = trail["TrailARN"]
        status_error = None
        try:
            status = cloudtrail.get_trail_status(Name=arn)
            selectors = cloudtrail.get_event_selectors(TrailName=arn)
            insights = _insight_types(cloudtrail, arn)
        except ClientError as exc:
            if _arn_account(arn) == scope.account_id:
                raise
            # Another account's organization trail may not disclose its status here.
            status, selectors, insights, status_error = {}, {}, [], describe_error(exc)
        bucket_name = trail.get("S3BucketName")
        if bucket_name and bucket_name not in buckets:
            buckets[bucket_name] = _trail_bucket(s3, bucket_name)
        collected.append(
            {
                "name": trail.get("Name"),
                "arn": arn,
                "home_region": trail.get("HomeRegion", scope.region),
                "is_multi_region": bool(trail.get("IsMultiRegionTrail")),
                "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
                "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
                "kms_key_id": trail.get("KmsKeyId"),
                "s3_bucket": bucket_name,
                "cloudwatch_log_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
                "is_logging": bool(status.get("IsLogging")),
                "status_error": status_error,
                "latest_cloudwatch_delivery": status.get("LatestCloudWatchLogsDeliveryTime"),
                "event_selectors": selectors.get("EventSelectors", []),
                "advanced_event_selectors": selectors.get("AdvancedEventSelectors", []),
                "insight_types": insights,
                "bucket": buckets.get(bucket_name) if bucket_name else None,
                "region": scope.region,
            }
        )
    return plain({"collected_at": datetime.now(UTC), "trails": collected})


def collect_config(scope: Scope) -> ConfigRegion:
    config = scope.client("config")
    recorders = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
    statuses = {
        s["name"]: s for s in config.describe_configuration_recorder_status().get("ConfigurationRecordersStatus", [])
    }
    return plain(
        {
            "recorders": [
                {
                    "name": r["name"],
                    "recording_group": r.get("recordingGroup", {}),
                    "recording": bool(statuses.get(r["name"], {}).get("recording")),
                    "last_status": statuses.get(r["name"], {}).get("lastStatus"),
                    "role_arn": r.get("roleARN"),
                    "region": scope.region,
                }
                for r in recorders
            ]
        }
    )
