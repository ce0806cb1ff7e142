"""Amazon Data Firehose collection (regional): each stream's source type, server-side encryption and, for a stream
reading from Kinesis Data Streams, its source stream."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_delivery import FirehoseRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code

# The listing names each stream only, so each costs a DescribeDeliveryStream call; past this many in a region the rest
# are left unread (and the check says so).
MAX_STREAMS = 1_000
# ListDeliveryStreams has no paginator: it is paged by the last name read, this many names a call.
_PAGE_SIZE = 100
# What Firehose answers for a stream deleted since it was listed.
_GONE = "ResourceNotFoundException"


def collect_firehose(scope: Scope) -> FirehoseRegion:
    firehose = scope.client("firehose")
    names, more = _stream_names(firehose)
    streams = concurrently(functools.partial(_stream, firehose, scope), names)
    return bounded_region("streams", [s for s in streams if s is not None], more, MAX_STREAMS)


def _stream_names(firehose: BaseClient) -> tuple[list[str], bool]:
    """The first MAX_STREAMS stream names (in name order), and whether the region holds more."""
    names: list[str] = []
    params: dict[str, Any] = {"Limit": _PAGE_SIZE}
    while True:
        page = firehose.list_delivery_streams(**params)
        listed = [str(n) for n in page.get("DeliveryStreamNames", [])]
        names.extend(listed)
        if len(names) > MAX_STREAMS:
            return names[:MAX_STREAMS], True
        if not page.get("HasMoreDeliveryStreams") or not listed:
            return names, False
        params["ExclusiveStartDeliveryStreamName"] = listed[-1]


def _stream(firehose: BaseClient, scope: Scope, name: str) -> dict[str, Any] | None:
    stream: dict[str, Any] = {
        "name": name,
        "arn": f"arn:{scope.partition}:firehose:{scope.region}:{scope.account_id}:deliverystream/{name}",
        "type": None,
        "status": None,
        "encryption_status": None,
        "key_type": None,
        "key_arn": None,
        "source_stream_arn": None,
        "region": scope.region,
    }
    try:
        described: Mapping[str, Any] = firehose.describe_delivery_stream(DeliveryStreamName=name)[
            "DeliveryStreamDescription"
        ]
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        stream["describe_error"] = describe_error(exc)
        return stream
    if described.get("DeliveryStreamStatus") == "DELETING":
        return None
    encryption = described.get("DeliveryStreamEncryptionConfiguration") or {}
    source = (described.get("Source") or {}).get("KinesisStreamSourceDescription") or {}
    stream.update(
        arn=described.get("DeliveryStreamARN") or stream["arn"],
        type=described.get("DeliveryStreamType"),
        status=described.get("DeliveryStreamStatus"),
        encryption_status=encryption.get("Status"),
        key_type=encryption.get("KeyType"),
        key_arn=encryption.get("KeyARN"),
        source_stream_arn=source.get("KinesisStreamARN"),
    )
    return stream
