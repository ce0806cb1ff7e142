"""S3 checks on event notifications and default encryption under a KMS key, against moto."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    aws,
    connector,
    fake_response,
    run,
    scan,
    services_for,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
NOTIFICATIONS = "aws.s3.bucket_event_notifications"
KMS = "aws.s3.bucket_kms_encryption"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _bucket(endpoint: str, name: str, region: str = REGION) -> None:
    settings: dict[str, Any] = {}
    if region != REGION:
        settings["CreateBucketConfiguration"] = {"LocationConstraint": region}
    aws(endpoint, "s3", region).create_bucket(Bucket=name, **settings)


def _queue_arn(endpoint: str, name: str, region: str = REGION) -> str:
    sqs = aws(endpoint, "sqs", region)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _eventbridge_only() -> AWSResponse:
    """GetBucketNotificationConfiguration as AWS answers it for a bucket sending its events to EventBridge (moto keeps
    the setting but leaves it out of its answer)."""
    body = f'<NotificationConfiguration xmlns="{S3_NS}"><EventBridgeConfiguration/></NotificationConfiguration>'
    return fake_response(200, body, "application/xml")


def _access_denied() -> AWSResponse:
    return fake_response(403, "<Error><Code>AccessDenied</Code><Message>denied</Message></Error>", "application/xml")


def test_bucket_event_notifications(moto_reset: str) -> None:
    # given a bucket notifying an SQS queue, one (in another region) notifying an SNS topic and a queue of its region,
    # one sending its events to EventBridge, one with no notifications, and one whose notification settings S3 refuses
    # to show
    s3 = aws(moto_reset, "s3")
    queue = _queue_arn(moto_reset, "uploads")
    other_queue = _queue_arn(moto_reset, "deletions", OTHER_REGION)
    topic = aws(moto_reset, "sns", OTHER_REGION).create_topic(Name="bucket-events")["TopicArn"]
    for name in ("queued", "bridged", "silent", "guarded"):
        _bucket(moto_reset, name)
    _bucket(moto_reset, "fanned-out", OTHER_REGION)
    created = ["s3:ObjectCreated:*"]
    s3.put_bucket_notification_configuration(
        Bucket="queued", NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue, "Events": created}]}
    )
    aws(moto_reset, "s3", OTHER_REGION).put_bucket_notification_configuration(
        Bucket="fanned-out",
        NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}],
            "QueueConfigurations": [{"QueueArn": other_queue, "Events": created}],
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket="bridged", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    built = connector(moto_reset)

    def answer(request: Any = None, **_: Any) -> AWSResponse | None:
        if "bridged" in request.url:
            return _eventbridge_only()
        return _access_denied() if "guarded" in request.url else None

    built.session.events.register("before-send.s3.GetBucketNotificationConfiguration", answer)
    # when S3 is collected and both checks run
    inventory = built.collect(services_for([NOTIFICATIONS, KMS]))
    outcomes = run(inventory, NOTIFICATIONS)
    # then buckets with any destination pass, the silent one fails, and the refused read is an error for this check
    # only
    assert inventory.errors == {}
    assert statuses(outcomes) == {
        "queued": PASS,
        "fanned-out": PASS,
        "bridged": PASS,
        "silent": FAIL,
        "guarded": ERROR,
    }
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["fanned-out"] == "Bucket fanned-out sends event notifications to 1 SNS topic, 1 SQS queue"
    assert reasons["bridged"] == "Bucket bridged sends event notifications to EventBridge"
    assert reasons["silent"] == (
        "Bucket silent has no event notifications configured "
        "(no SNS topic, SQS queue, Lambda function or EventBridge destination)"
    )
    assert "AccessDenied" in reasons["guarded"]
    observed = {o.resource_id: o.observed for o in outcomes}
    assert observed["fanned-out"] == {"topics": 1, "queues": 1, "lambda_functions": 0, "eventbridge": False}
    assert observed["bridged"]["eventbridge"] is True
    assert {o.resource_id: o.region for o in outcomes}["fanned-out"] == OTHER_REGION
    assert statuses(run(inventory, KMS))["guarded"] == FAIL


def test_bucket_kms_encryption(moto_reset: str) -> None:
    # given buckets encrypting by default with SSE-KMS under a key of the account's, SSE-KMS under the AWS managed
    # key, DSSE-KMS and SSE-S3, and one with no default encryption rule
    s3 = aws(moto_reset, "s3")
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    defaults: dict[str, dict[str, str]] = {
        "keyed": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
        "aws-managed": {"SSEAlgorithm": "aws:kms"},
        "dual-layer": {"SSEAlgorithm": "aws:kms:dsse"},
        "s3-managed": {"SSEAlgorithm": "AES256"},
    }
    for name, default in defaults.items():
        _bucket(moto_reset, name)
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
        )
    _bucket(moto_reset, "plain")
    # when the check runs
    outcomes = scan(moto_reset, KMS)
    # then only the KMS-keyed defaults pass
    assert statuses(outcomes) == {
        "keyed": PASS,
        "aws-managed": PASS,
        "dual-layer": PASS,
        "s3-managed": FAIL,
        "plain": FAIL,
    }
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["keyed"] == f"Bucket keyed encrypts new objects with SSE-KMS under KMS key {key}"
    assert (
        reasons["aws-managed"]
        == "Bucket aws-managed encrypts new objects with SSE-KMS under the AWS managed key aws/s3"
    )
    assert reasons["dual-layer"].startswith("Bucket dual-layer encrypts new objects with DSSE-KMS")
    assert reasons["s3-managed"] == (
        "Bucket s3-managed encrypts new objects with SSE-S3 (AES256) only, under keys S3 manages rather than a KMS key"
    )
    assert reasons["plain"] == "Bucket plain has no default encryption, so no KMS key encrypts new objects"
    observed = {o.resource_id: o.observed for o in outcomes}
    assert observed["keyed"] == {"algorithms": ["aws:kms"], "kms_keys": [key]}
    assert observed["s3-managed"] == {"algorithms": ["AES256"], "kms_keys": []}
