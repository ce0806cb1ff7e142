"""S3 checks on how bucket data is watched and keyed: event notifications, default encryption under a KMS key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Bucket
from ._common import aws_check
from .s3 import default_encryption
from .s3_exposure import BUCKET, Verdict, each_bucket

# GetBucketNotificationConfiguration's lists of destinations: key -> (observed name, what one destination is).
_DESTINATIONS = {
    "TopicConfigurations": ("topics", "SNS topic"),
    "QueueConfigurations": ("queues", "SQS queue"),
    "LambdaFunctionConfigurations": ("lambda_functions", "Lambda function"),
}
# Present (as {}) when the bucket sends all its events to EventBridge.
_EVENTBRIDGE = "EventBridgeConfiguration"

# Default encryption algorithms (SSEAlgorithm) and their usual names; the first two encrypt under a KMS key.
_KMS_ALGORITHMS = {"aws:kms": "SSE-KMS", "aws:kms:dsse": "DSSE-KMS"}
_S3_MANAGED = {"AES256": "SSE-S3"}


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _notifications(bucket: Bucket, name: str) -> Verdict:
    config: Mapping[str, Any] = bucket.get("notification_configuration") or {}
    counts = {observed: len(config.get(key) or []) for key, (observed, _) in _DESTINATIONS.items()}
    eventbridge = _EVENTBRIDGE in config
    targets = [_counted(counts[observed], noun) for observed, noun in _DESTINATIONS.values() if counts[observed]]
    if eventbridge:
        targets.append("EventBridge")
    if targets:
        reason = f"Bucket {name} sends event notifications to {', '.join(targets)}"
    else:
        reason = (
            f"Bucket {name} has no event notifications configured "
            "(no SNS topic, SQS queue, Lambda function or EventBridge destination)"
        )
    return bool(targets), reason, {**counts, "eventbridge": eventbridge}


@aws_check(
    id="aws.s3.bucket_event_notifications",
    title="S3 buckets send event notifications",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="Without an event notification, objects can be written, overwritten or deleted in the bucket and "
    "nothing outside S3 hears of it: no alert, workflow or audit trail is started by the change itself.",
    remediation="Configure event notifications on the bucket for the events that matter (object created, removed, "
    "restored, replication failures) to an SNS topic, SQS queue or Lambda function, or turn on delivery to "
    "Amazon EventBridge and route the events there.",
)
def bucket_event_notifications(inventory: Inventory) -> Iterable[Outcome]:
    return each_bucket(inventory, "notification_configuration", _notifications)


def kms_encryption(bucket: Bucket, name: str) -> Verdict:
    """Whether the bucket's default encryption is under a KMS key (SSE-KMS or DSSE-KMS), and the reason."""
    settings = default_encryption(bucket)
    algorithms = [str(setting["SSEAlgorithm"]) for setting in settings]
    keyed = [setting for setting in settings if setting["SSEAlgorithm"] in _KMS_ALGORITHMS]
    keys = [str(setting.get("KMSMasterKeyID") or "aws/s3") for setting in keyed]
    observed = {"algorithms": algorithms, "kms_keys": keys}
    if keyed:
        kind = _KMS_ALGORITHMS[str(keyed[0]["SSEAlgorithm"])]
        key = keyed[0].get("KMSMasterKeyID")
        under = f"KMS key {key}" if key else "the AWS managed key aws/s3"
        return True, f"Bucket {name} encrypts new objects with {kind} under {under}", observed
    if algorithms:
        named = ", ".join(f"{_S3_MANAGED[a]} ({a})" if a in _S3_MANAGED else a for a in algorithms)
        reason = f"Bucket {name} encrypts new objects with {named} only, under keys S3 manages rather than a KMS key"
        return False, reason, observed
    return False, f"Bucket {name} has no default encryption, so no KMS key encrypts new objects", observed


@aws_check(
    id="aws.s3.bucket_kms_encryption",
    title="S3 buckets encrypt new objects with a KMS key by default",
    severity=Severity.LOW,
    service="s3",
    resource_type=BUCKET,
    rationale="SSE-S3 encrypts objects under keys S3 holds for you: anyone allowed to read an object gets it "
    "decrypted. With SSE-KMS or DSSE-KMS, reading also needs permission to use the KMS key, every use of it is "
    "logged in CloudTrail, and disabling the key cuts off access to the data.",
    remediation="Set the bucket's default encryption to SSE-KMS (or DSSE-KMS) with a customer managed KMS key, "
    "turn on S3 Bucket Keys to keep KMS request costs down, and grant the key's use only to the principals "
    "that need the data. Existing objects keep their encryption until they are copied over themselves.",
)
def bucket_kms_encryption(inventory: Inventory) -> Iterable[Outcome]:
    return each_bucket(inventory, "encryption_rules", kms_encryption)
