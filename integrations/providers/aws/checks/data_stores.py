"""Checks on data stores and keys: RDS, EFS and KMS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import DbInstance, KmsKey
from ..shapes_storage import FileSystem
from ._common import aws_check, items, result
from .rds import in_rds_cluster

DB_INSTANCE = "AWS::RDS::DBInstance"
FILE_SYSTEM = "AWS::EFS::FileSystem"
KEY = "AWS::KMS::Key"
# Engines RDS's DescribeDBInstances also answers (the services share RDS's API) whose storage encryption is their
# cluster's and is judged there, once per cluster (aws.neptune.cluster_storage_encrypted), not again per instance.
CLUSTER_ENCRYPTED_ENGINES = frozenset({"neptune"})


def _db_instances(inventory: Inventory) -> Iterator[DbInstance]:
    return items(inventory, "rds", "db_instances")


def _file_systems(inventory: Inventory) -> Iterator[FileSystem]:
    return items(inventory, "efs", "file_systems")


def _keys(inventory: Inventory) -> Iterator[KmsKey]:
    return items(inventory, "kms", "keys")


@aws_check(
    id="aws.rds.storage_encrypted",
    title="RDS instances encrypt their storage",
    severity=Severity.HIGH,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Encryption at rest protects the database files, automated backups, read replicas and "
    "snapshots if the underlying storage is ever exposed.",
    remediation="Encryption cannot be switched on in place: restore an encrypted copy of a snapshot and "
    "move the application to the new instance.",
)
def rds_storage_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for db in _db_instances(inventory):
        if db.get("engine") in CLUSTER_ENCRYPTED_ENGINES:
            continue
        if in_rds_cluster(db):
            continue  # an Aurora or Multi-AZ DB cluster's storage: aws.rds.cluster_storage_encrypted
        dbid = str(db.get("id"))
        ok = bool(db.get("storage_encrypted"))
        reason = f"DB instance {dbid} storage is encrypted" if ok else f"DB instance {dbid} storage is not encrypted"
        yield result(ok, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), storage_encrypted=ok)


@aws_check(
    id="aws.rds.auto_minor_version_upgrade",
    title="RDS instances apply minor version upgrades automatically",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Minor engine versions carry security fixes; applying them automatically in the maintenance "
    "window keeps instances patched.",
    remediation="Turn on auto minor version upgrade for the instance.",
)
def rds_auto_minor_version_upgrade(inventory: Inventory) -> Iterable[Outcome]:
    for db in _db_instances(inventory):
        dbid = str(db.get("id"))
        ok = bool(db.get("auto_minor_version_upgrade"))
        reason = (
            f"DB instance {dbid} upgrades minor versions automatically"
            if ok
            else f"DB instance {dbid} has auto minor version upgrade off"
        )
        yield result(ok, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), auto_minor_version_upgrade=ok)


@aws_check(
    id="aws.rds.not_publicly_accessible",
    title="RDS instances are not publicly accessible",
    severity=Severity.HIGH,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="A publicly accessible instance gets a public address; one security group mistake then "
    "puts the database on the internet.",
    remediation="Modify the instance to turn off public accessibility and reach it through the VPC.",
)
def rds_not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    for db in _db_instances(inventory):
        dbid = str(db.get("id"))
        public = bool(db.get("publicly_accessible"))
        reason = (
            f"DB instance {dbid} is publicly accessible" if public else f"DB instance {dbid} is not publicly accessible"
        )
        yield result(
            not public, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), publicly_accessible=public
        )


@aws_check(
    id="aws.efs.encrypted",
    title="EFS file systems are encrypted",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=FILE_SYSTEM,
    rationale="Encryption at rest protects file data and metadata on the storage that backs the file system.",
    remediation="Create an encrypted file system, copy the data over (e.g. with DataSync), delete the old one.",
)
def efs_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory):
        fsid = str(fs.get("id"))
        ok = bool(fs.get("encrypted"))
        reason = f"File system {fsid} is encrypted" if ok else f"File system {fsid} is not encrypted"
        yield result(ok, fsid, FILE_SYSTEM, reason, region=str(fs.get("region", "")), encrypted=ok)


@aws_check(
    id="aws.kms.key_rotation_enabled",
    title="Customer-managed KMS keys rotate automatically",
    severity=Severity.MEDIUM,
    service="kms",
    resource_type=KEY,
    rationale="Rotation limits how much data any single key version protects and retires old key material "
    "without re-encrypting data.",
    remediation="Enable automatic key rotation on the key.",
)
def kms_key_rotation_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for key in _keys(inventory):
        # Only enabled symmetric customer keys with KMS-held material can rotate
        # automatically; AWS-managed keys rotate on their own.
        if key.get("manager") != "CUSTOMER" or key.get("rotation_enabled") is None:
            continue
        kid = str(key.get("id"))
        ok = key.get("rotation_enabled") is True
        reason = f"KMS key {kid} rotates automatically" if ok else f"KMS key {kid} has automatic rotation off"
        yield result(
            ok, kid, KEY, reason, region=str(key.get("region", "")), rotation_enabled=ok, key_spec=key.get("spec")
        )
