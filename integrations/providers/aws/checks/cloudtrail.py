"""CloudTrail and AWS Config checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_logging import CloudTrailRegion, ConfigRegion, Trail, TrailBucket
from ._common import (
    ACCOUNT,
    aws_check,
    error,
    items,
    parse_time,
    principal_is_anyone,
    regional_arn,
    regions,
    result,
    scan_time,
    statements,
)

TRAIL = "AWS::CloudTrail::Trail"
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account",
}


def trails(inventory: Inventory) -> list[Trail]:
    return list(items(inventory, "cloudtrail", "trails"))


def _cloudtrail_regions(inventory: Inventory) -> Iterator[tuple[str, CloudTrailRegion]]:
    return regions(inventory, "cloudtrail")


def _config_regions(inventory: Inventory) -> Iterator[tuple[str, ConfigRegion]]:
    return regions(inventory, "config")


def logs_all_management_events(trail: Trail) -> bool:
    """Whether the trail records both read and write management events."""
    for selector in trail.get("event_selectors") or []:
        if selector.get("IncludeManagementEvents") and selector.get("ReadWriteType", "All") == "All":
            return True
    for selector in trail.get("advanced_event_selectors") or []:
        fields = selector.get("FieldSelectors") or []
        management = any(f.get("Field") == "eventCategory" and "Management" in (f.get("Equals") or []) for f in fields)
        # A readOnly field selector narrows the selector to reads or to writes only.
        if management and not any(f.get("Field") == "readOnly" for f in fields):
            return True
    return False


@aws_check(
    id="aws.cloudtrail.multi_region_enabled",
    title="A multi-region CloudTrail trail is logging",
    severity=Severity.HIGH,
    service="cloudtrail",
    resource_type=ACCOUNT,
    rationale="Without a trail that covers every region, API activity in an unused region - a common "
    "hiding place for attackers - leaves no record.",
    remediation="Create (or convert) a trail with multi-region on, start logging, and record all read and "
    "write management events.",
)
def multi_region_enabled(inventory: Inventory) -> Iterable[Outcome]:
    if "cloudtrail" not in inventory.data:
        return []
    account = inventory.account_id or "aws-account"
    candidates = trails(inventory)
    good = [t for t in candidates if t.get("is_multi_region") and t.get("is_logging") and logs_all_management_events(t)]
    if good:
        return [
            result(
                True,
                account,
                ACCOUNT,
                f"Trail {good[0].get('name')} is multi-region, logging and records all management events",
                trail=good[0].get("arn"),
            )
        ]
    if not candidates:
        reason = "The account has no CloudTrail trail in the scanned regions"
    else:
        problems = []
        for t in candidates:
            if t.get("status_error"):
                problems.append(f"{t.get('name')}'s status could not be read ({t['status_error']})")
                continue
            missing = [
                text
                for ok, text in (
                    (t.get("is_multi_region"), "not multi-region"),
                    (t.get("is_logging"), "not logging"),
                    (logs_all_management_events(t), "not recording all management events"),
                )
                if not ok
            ]
            problems.append(f"{t.get('name')} is {', '.join(missing)}")
        reason = "No multi-region trail is logging: " + "; ".join(problems)
    return [
        result(
            False,
            account,
            ACCOUNT,
            reason,
            trails=[
                {"name": t.get("name"), "multi_region": t.get("is_multi_region"), "logging": t.get("is_logging")}
                for t in candidates
            ],
        )
    ]


@aws_check(
    id="aws.cloudtrail.log_file_validation",
    title="CloudTrail log file validation is on",
    severity=Severity.MEDIUM,
    service="cloudtrail",
    resource_type=TRAIL,
    rationale="Digest files let you prove that log files were not altered or deleted after delivery.",
    remediation="Enable log file validation on the trail.",
)
def log_file_validation(inventory: Inventory) -> Iterable[Outcome]:
    for trail in trails(inventory):
        ok = bool(trail.get("log_file_validation"))
        name = trail.get("name")
        reason = f"Trail {name} validates its log files" if ok else f"Trail {name} has log file validation off"
        yield result(
            ok, str(trail.get("arn")), TRAIL, reason, region=str(trail.get("home_region", "")), log_file_validation=ok
        )


def _bucket_outcome(trail: Trail, evaluate: Any) -> Outcome | None:
    bucket = trail.get("bucket")
    arn, region = str(trail.get("arn")), str(trail.get("home_region", ""))
    if not bucket:
        return None
    if bucket.get("error"):
        return error(
            arn,
            TRAIL,
            f"Could not read bucket {bucket.get('name')} of trail {trail.get('name')}: {bucket['error']}",
            region=region,
        )
    ok, reason, observed = evaluate(bucket)
    return result(ok, arn, TRAIL, reason, region=region, bucket=bucket.get("name"), **observed)


@aws_check(
    id="aws.cloudtrail.bucket_access_logging",
    title="CloudTrail buckets have server access logging",
    severity=Severity.LOW,
    service="cloudtrail",
    resource_type=TRAIL,
    rationale="Access logs on the trail bucket show who read or tampered with the audit logs themselves.",
    remediation="Enable server access logging on the trail's S3 bucket, delivering to a different bucket.",
)
def bucket_access_logging(inventory: Inventory) -> Iterable[Outcome]:
    def evaluate(bucket: TrailBucket) -> tuple[bool, str, dict[str, Any]]:
        target = (bucket.get("logging") or {}).get("TargetBucket")
        name = bucket.get("name")
        reason = (
            f"Trail bucket {name} logs access to {target}" if target else f"Trail bucket {name} has access logging off"
        )
        return bool(target), reason, {"target_bucket": target}

    for trail in trails(inventory):
        outcome = _bucket_outcome(trail, evaluate)
        if outcome:
            yield outcome


@aws_check(
    id="aws.cloudtrail.kms_encryption",
    title="CloudTrail logs are encrypted with KMS",
    severity=Severity.MEDIUM,
    service="cloudtrail",
    resource_type=TRAIL,
    rationale="With a KMS key, reading the logs also requires decrypt permission on the key, a second "
    "control on top of bucket access.",
    remediation="Configure the trail to use SSE-KMS with a customer-managed key whose policy lets CloudTrail encrypt.",
)
def kms_encryption(inventory: Inventory) -> Iterable[Outcome]:
    for trail in trails(inventory):
        key = trail.get("kms_key_id")
        name = trail.get("name")
        reason = f"Trail {name} is encrypted with {key}" if key else f"Trail {name} is not encrypted with a KMS key"
        yield result(
            bool(key), str(trail.get("arn")), TRAIL, reason, region=str(trail.get("home_region", "")), kms_key_id=key
        )


def _public_exposures(bucket: TrailBucket) -> list[str]:
    pab = bucket.get("public_access_block") or {}
    exposures: list[str] = []
    if not pab.get("IgnorePublicAcls"):
        for grant in bucket.get("grants") or []:
            who = PUBLIC_GRANTEES.get(str((grant.get("Grantee") or {}).get("URI", "")))
            if who:
                exposures.append(f"its ACL grants {grant.get('Permission')} to {who}")
    if not pab.get("RestrictPublicBuckets"):
        for statement in statements(bucket.get("policy")):
            if (
                statement.get("Effect") == "Allow"
                and principal_is_anyone(statement.get("Principal"))
                and not statement.get("Condition")
            ):
                exposures.append("its policy allows any principal")
                break
    return exposures


@aws_check(
    id="aws.cloudtrail.bucket_not_public",
    title="CloudTrail buckets are not public",
    severity=Severity.CRITICAL,
    service="cloudtrail",
    resource_type=TRAIL,
    rationale="Audit logs reveal account structure and activity; a public log bucket hands that map to "
    "anyone and lets them study how to avoid detection.",
    remediation="Remove public ACL grants and public policy statements from the bucket; enable Block Public Access.",
)
def bucket_not_public(inventory: Inventory) -> Iterable[Outcome]:
    def evaluate(bucket: TrailBucket) -> tuple[bool, str, dict[str, Any]]:
        exposures = _public_exposures(bucket)
        name = bucket.get("name")
        reason = (
            f"Trail bucket {name} is public: {'; '.join(exposures)}"
            if exposures
            else f"Trail bucket {name} is not public"
        )
        return not exposures, reason, {"exposures": exposures}

    for trail in trails(inventory):
        outcome = _bucket_outcome(trail, evaluate)
        if outcome:
            yield outcome


@aws_check(
    id="aws.cloudtrail.cloudwatch_integration",
    title="CloudTrail delivers to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="cloudtrail",
    resource_type=TRAIL,
    rationale="Delivering events to CloudWatch Logs enables real-time metric filters and alarms on sensitive activity.",
    remediation="Configure the trail with a CloudWatch Logs log group and a role CloudTrail can use to write to it.",
)
def cloudwatch_integration(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _cloudtrail_regions(inventory):
        now = scan_time(data)
        for trail in data.get("trails", []):
            name, group = trail.get("name"), trail.get("cloudwatch_log_group_arn")
            delivered = parse_time(trail.get("latest_cloudwatch_delivery"))
            stale = delivered is not None and now - delivered > timedelta(days=1)
            if not group:
                reason = f"Trail {name} does not deliver to CloudWatch Logs"
            elif stale:
                reason = f"Trail {name} last delivered to CloudWatch Logs more than a day ago"
            else:
                reason = f"Trail {name} delivers to CloudWatch Logs"
            yield result(
                bool(group) and not stale,
                str(trail.get("arn")),
                TRAIL,
                reason,
                region=str(trail.get("home_region", region)),
                log_group_arn=group,
                latest_delivery=trail.get("latest_cloudwatch_delivery"),
            )


def _records_everything(group: Mapping[str, Any]) -> bool:
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    return bool(group.get("allSupported")) or strategy == "ALL_SUPPORTED_RESOURCE_TYPES"


@aws_check(
    id="aws.config.recorder_enabled",
    title="AWS Config records all resources in every scanned region",
    severity=Severity.MEDIUM,
    service="config",
    resource_type=ACCOUNT,
    rationale="The Config history of every resource is what tells you what changed, when, and what it "
    "looked like before.",
    remediation="Set up AWS Config in each region with a recorder for all supported resource types and "
    "start recording.",
)
def recorder_enabled(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    for region, data in _config_regions(inventory):
        recorders = list(data.get("recorders", []))
        good = [
            r
            for r in recorders
            if r.get("recording")
            and _records_everything(r.get("recording_group") or {})
            and r.get("last_status") != "FAILURE"
        ]
        if good:
            reason = f"Config recorder {good[0].get('name')} records all resource types in {region}"
        elif not recorders:
            reason = f"AWS Config has no recorder in {region}"
        else:
            problems = []
            for r in recorders:
                if not r.get("recording"):
                    problems.append(f"{r.get('name')} is stopped")
                elif not _records_everything(r.get("recording_group") or {}):
                    problems.append(f"{r.get('name')} records only some resource types")
                else:
                    problems.append(f"{r.get('name')} last delivery failed")
            reason = f"No working Config recorder in {region}: {'; '.join(problems)}"
        yield result(
            bool(good),
            account,
            ACCOUNT,
            reason,
            region=region,
            recorders=[
                {
                    "name": r.get("name"),
                    "recording": r.get("recording"),
                    "all_supported": _records_everything(r.get("recording_group") or {}),
                    "include_global_resource_types": (r.get("recording_group") or {}).get("includeGlobalResourceTypes"),
                }
                for r in recorders
            ],
        )


RECORDER = "AWS::Config::ConfigurationRecorder"
# AWS Config's service-linked role: its permissions are AWS's to keep current, and IAM refuses to delete it in use.
CONFIG_SERVICE_LINKED_ROLE = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


@aws_check(
    id="aws.config.recorder_uses_service_linked_role",
    title="AWS Config recorders use Config's service-linked role",
    severity=Severity.LOW,
    service="config",
    resource_type=RECORDER,
    rationale="A recorder running under a role of the account's own records only what that role may read: anyone "
    "able to edit or delete the role can quietly narrow or stop the configuration history, and the role falls behind "
    "as AWS adds resource types. Config's service-linked role is kept current by AWS and cannot be changed or "
    "deleted while Config uses it.",
    remediation="Point the recorder at the service-linked role (PutConfigurationRecorder with roleARN "
    "arn:aws:iam::ACCOUNT:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig; IAM creates it with "
    "CreateServiceLinkedRole for config.amazonaws.com), then delete the custom role.",
)
def recorder_uses_service_linked_role(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""
    for region, data in _config_regions(inventory):
        for recorder in data.get("recorders", []):
            if "role_arn" not in recorder:
                continue  # collected before the role was kept
            role = str(recorder.get("role_arn") or "")
            ok = role.endswith(f":{CONFIG_SERVICE_LINKED_ROLE}")
            name = str(recorder.get("name"))
            label = f"Config recorder {name} in {region}"
            reason = (
                f"{label} uses Config's service-linked role"
                if ok
                else f"{label} uses role {role or '(none)'}, not Config's service-linked role"
            )
            resource = regional_arn("config", region, account, f"configuration-recorder/{name}")
            yield result(ok, resource, RECORDER, reason, region=region, role_arn=role or None)
