"""Inventory shapes of Directory Service, WorkSpaces and Shield Advanced.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``directoryservice`` and
``workspaces`` as ``Regional[...]`` of their region shape, and ``shield`` (global: one subscription per account) as
:class:`Shield`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional

# --- directoryservice (directories) ----------------------------------------------------------------------------


class Directory(TypedDict):
    id: str
    name: str | None  # the directory's fully qualified domain name
    type: str | None  # SimpleAD, ADConnector, MicrosoftAD or SharedMicrosoftAD
    stage: str | None  # Active, Creating, Impaired, Deleting, ...
    radius_servers: list[str]  # RadiusSettings.RadiusServers; empty: no RADIUS server configured
    radius_status: str | None  # RadiusStatus: Creating, Completed or Failed; None: RADIUS never configured
    region: str
    # ListLogSubscriptions: the log groups its security event logs are forwarded to ([]: none); absent when the
    # listing failed or from inventories collected before it was read.
    log_groups: NotRequired[list[str]]


class DirectoryServiceRegion(TypedDict):
    directories: list[Directory]
    log_subscriptions_error: NotRequired[str]  # ListLogSubscriptions failed: only the log forwarding check says so


# --- workspaces ------------------------------------------------------------------------------------------------------


class Workspace(TypedDict):
    id: str
    directory_id: str | None
    user_name: str | None
    state: str | None  # AVAILABLE, STOPPED, TERMINATING, ...
    root_volume_encrypted: bool  # RootVolumeEncryptionEnabled (AWS leaves a false one out)
    user_volume_encrypted: bool  # UserVolumeEncryptionEnabled
    volume_encryption_key: str | None  # VolumeEncryptionKey: the KMS key of the encrypted volumes
    region: str


class WorkspacesRegion(TypedDict):
    workspaces: list[Workspace]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- shield (Shield Advanced) ----------------------------------------------------------------------------------------


class Shield(TypedDict):
    subscribed: bool  # DescribeSubscription answered a Shield Advanced subscription
    subscription_arn: NotRequired[str | None]
    protected_resources: NotRequired[list[str]]  # ListProtections' ResourceArn of each protection (subscribed only)


class DirectoryInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    directoryservice: Regional[DirectoryServiceRegion]
    workspaces: Regional[WorkspacesRegion]
    shield: Shield
