"""Checks on Kinesis data streams: server-side encryption with KMS, and a retention period of at least 7 days."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_containers import KinesisStream
from ._common import aws_check, described_items, result

STREAM = "AWS::Kinesis::Stream"
# 168 hours: the 7 days AWS Security Hub's Kinesis.3 asks for, enough to replay a week of records after a consumer
# failed or mishandled them. Kinesis keeps 24 hours unless told otherwise.
MIN_RETENTION_HOURS = 168


def _streams(inventory: Inventory) -> Iterator[KinesisStream | Outcome]:
    return described_items(
        inventory,
        "kinesis",
        "streams",
        noun="streams",
        resource_type=STREAM,
        resource_id=lambda stream: str(stream["arn"]),
        label=lambda stream: f"Kinesis stream {stream['name']}",
    )


@aws_check(
    id="aws.kinesis.stream_encrypted",
    title="Kinesis data streams are encrypted with KMS",
    severity=Severity.MEDIUM,
    service="kinesis",
    resource_type=STREAM,
    rationale="Without server-side encryption a stream's records are stored unencrypted in Kinesis for their whole "
    "retention period; with it they are encrypted under a KMS key whose policy decides who may read them, and each "
    "use of the key is logged.",
    remediation="Start server-side encryption on the stream (StartStreamEncryption with EncryptionType KMS and the "
    "AWS managed key alias/aws/kinesis or a customer managed key); producers and consumers need kms:GenerateDataKey "
    "and kms:Decrypt on a customer managed key.",
)
def stream_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for stream in _streams(inventory):
        if isinstance(stream, Outcome):
            yield stream
            continue
        kind, key = stream.get("encryption_type"), stream.get("kms_key_id")
        ok = kind == "KMS"
        if ok:
            reason = f"Kinesis stream {stream['name']} is encrypted with KMS key {key}"
        else:
            reason = f"Kinesis stream {stream['name']} has server-side encryption {kind or 'not reported'}"
        yield result(ok, stream["arn"], STREAM, reason, region=stream["region"], encryption_type=kind, kms_key_id=key)


@aws_check(
    id="aws.kinesis.stream_retention_7_days",
    title="Kinesis data streams keep records for at least 7 days",
    severity=Severity.LOW,
    service="kinesis",
    resource_type=STREAM,
    rationale="Records older than the retention period are gone: with Kinesis's default of 24 hours, a consumer that "
    "fails over a weekend, or mishandles records, leaves data that can no longer be replayed or recovered.",
    remediation="Raise the stream's retention period to at least 168 hours (IncreaseStreamRetentionPeriod); retention "
    "beyond 24 hours is charged per shard hour.",
)
def stream_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    for stream in _streams(inventory):
        if isinstance(stream, Outcome):
            yield stream
            continue
        hours = stream.get("retention_hours") or 0
        ok = hours >= MIN_RETENTION_HOURS
        comparison = "at least" if ok else "less than"
        reason = f"Kinesis stream {stream['name']} keeps records {hours} hours, {comparison} {MIN_RETENTION_HOURS}"
        yield result(ok, stream["arn"], STREAM, reason, region=stream["region"], retention_hours=hours)
