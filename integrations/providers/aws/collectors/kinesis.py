"""Kinesis Data Streams collection (regional): each stream's server-side encryption and retention period."""

from __future__ import annotations

import functools
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_containers import KinesisRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most

# The listing leaves out encryption and retention, so each stream costs a DescribeStreamSummary call. Past this many
# streams in a region the rest are left unread (and the checks say so).
MAX_STREAMS = 1_000
# ListStreams gives at most 1,000 names a call; DescribeStreamSummary allows 20 calls a second per account, and the
# adaptive retry mode slows the reads down when it is exceeded.
_PAGE_SIZE = 100
# What AWS answers for a stream deleted since it was listed.
_GONE = "ResourceNotFoundException"


def collect_kinesis(scope: Scope) -> KinesisRegion:
    kinesis = scope.client("kinesis")
    names, more = paginate_at_most(
        kinesis, "list_streams", "StreamNames", MAX_STREAMS, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    streams = concurrently(functools.partial(_stream, kinesis, scope), names)
    return bounded_region("streams", [s for s in streams if s is not None], more, MAX_STREAMS)


def _stream(kinesis: BaseClient, scope: Scope, name: str) -> dict[str, Any] | None:
    stream: dict[str, Any] = {
        "name": name,
        "arn": f"arn:{scope.partition}:kinesis:{scope.region}:{scope.account_id}:stream/{name}",
        "status": None,
        "encryption_type": None,
        "kms_key_id": None,
        "retention_hours": None,
        "region": scope.region,
    }
    try:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        stream["describe_error"] = describe_error(exc)
        return stream
    if summary.get("StreamStatus") == "DELETING":
        return None
    stream["arn"] = summary.get("StreamARN") or stream["arn"]
    stream["status"] = summary.get("StreamStatus")
    stream["encryption_type"] = summary.get("EncryptionType")
    stream["kms_key_id"] = summary.get("KeyId")
    stream["retention_hours"] = summary.get("RetentionPeriodHours")
    return stream
