"""Inventory shapes of the storage, backup and messaging services (see ``shapes`` for the conventions).

Kept apart from ``shapes`` so that neither module outgrows the provider's size limit. A regional service
stores ``{"regions": {region: <its shape>}}``; a read that failed for one resource is kept on that
resource (``*_error``) so only the checks that needed it report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import AwsFragment, PolicyDocument, Regional

# --- ebs (snapshots) -----------------------------------------------------------------


class EbsSnapshot(TypedDict):
    """A snapshot the account owns."""

    id: str
    volume_id: str | None
    encrypted: bool
    create_volume_groups: list[str]  # createVolumePermission groups; "all" means public
    create_volume_accounts: list[str]  # account ids it is shared with
    permission_error: NotRequired[str]
    region: str


class EbsRegion(TypedDict):
    snapshots: list[EbsSnapshot]


# --- dynamodb ------------------------------------------------------------------------


class DynamoTable(TypedDict):
    name: str
    arn: str | None
    deletion_protection: bool
    sse_type: str | None  # "KMS" for a KMS key (AWS- or customer-managed); None: AWS-owned key
    kms_key_arn: str | None
    pitr_status: str | None  # PointInTimeRecoveryStatus ("ENABLED", "DISABLED")
    backups_error: NotRequired[str]
    region: str


class DynamoDbRegion(TypedDict):
    tables: list[DynamoTable]


# --- backup --------------------------------------------------------------------------


class BackupPlan(TypedDict):
    id: str
    name: str | None
    arn: str | None
    rules: list[AwsFragment]  # BackupPlan Rules
    region: str


class BackupVault(TypedDict):
    name: str
    arn: str | None
    locked: bool
    min_retention_days: int | None
    encryption_key_arn: str | None
    region: str


class BackupRegion(TypedDict):
    plans: list[BackupPlan]
    vaults: list[BackupVault]


# --- sqs, sns, secretsmanager ----------------------------------------------------------


class Queue(TypedDict):
    url: str
    arn: str | None
    kms_key_id: str | None
    sqs_managed_sse: bool
    policy: PolicyDocument | None
    region: str


class SqsRegion(TypedDict):
    queues: list[Queue]


class Topic(TypedDict):
    arn: str
    kms_key_id: str | None
    policy: PolicyDocument | None
    region: str


class SnsRegion(TypedDict):
    topics: list[Topic]


class Secret(TypedDict):
    name: str
    arn: str
    rotation_enabled: bool
    rotation_days: int | None
    last_accessed: str | None
    created: str | None
    region: str


class SecretsManagerRegion(TypedDict):
    collected_at: str
    secrets: list[Secret]


class StorageInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    ebs: Regional[EbsRegion]
    dynamodb: Regional[DynamoDbRegion]
    backup: Regional[BackupRegion]
    sqs: Regional[SqsRegion]
    sns: Regional[SnsRegion]
    secretsmanager: Regional[SecretsManagerRegion]
