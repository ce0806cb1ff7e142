"""Inventory shapes of the delivery and connectivity services: Firehose streams and Direct Connect connections."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional

# --- firehose (Amazon Data Firehose streams) -------------------------------------------------------------------------


class FirehoseStream(TypedDict):
    name: str
    arn: str
    type: str | None  # DeliveryStreamType: DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource
    status: str | None  # DeliveryStreamStatus: CREATING, ACTIVE, CREATING_FAILED, DELETING_FAILED (DELETING not kept)
    # DeliveryStreamEncryptionConfiguration: Status ENABLED, ENABLING, DISABLED, DISABLING, *_FAILED; None: not given
    encryption_status: str | None
    key_type: str | None  # AWS_OWNED_CMK or CUSTOMER_MANAGED_CMK
    key_arn: str | None
    source_stream_arn: str | None  # Source.KinesisStreamSourceDescription.KinesisStreamARN (Kinesis sources only)
    region: str
    describe_error: NotRequired[str]  # DescribeDeliveryStream failed: only the name is known


class FirehoseRegion(TypedDict):
    streams: list[FirehoseStream]  # the first ``truncated_at`` by name when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more streams than were read


# --- directconnect (AWS Direct Connect dedicated and hosted connections) ---------------------------------------------


class DirectConnectConnection(TypedDict):
    id: str  # connectionId (dxcon-...)
    name: str | None
    state: str | None  # connectionState: ordering, requested, pending, available, down, ... (deleted ones not kept)
    location: str | None  # the Direct Connect location (the colocation facility's code)
    bandwidth: str | None
    lag_id: str | None  # the link aggregation group the connection belongs to, if any
    region: str


class DirectConnectRegion(TypedDict):
    connections: list[DirectConnectConnection]


class DeliveryInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    firehose: Regional[FirehoseRegion]
    directconnect: Regional[DirectConnectRegion]
