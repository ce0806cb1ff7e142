"""Checks on Amazon DocumentDB clusters: storage encryption, automated backups, audit log export, deletion
protection, instances in more than one Availability Zone (the rules, shared with Neptune, in ``_db_engines``; the
cluster snapshots' checks in ``cluster_snapshots``)."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from . import _db_engines as rules
from ._common import aws_check
from ._db_engines import DOCDB

CLUSTER = DOCDB.resource_type


@aws_check(
    id="aws.docdb.cluster_storage_encrypted",
    title="DocumentDB clusters encrypt their storage",
    severity=Severity.HIGH,
    service="docdb",
    resource_type=CLUSTER,
    rationale="Encryption at rest protects the documents, indexes, automated backups, snapshots and replicas if the "
    "storage under the cluster is ever exposed, and puts reading it under a KMS key policy.",
    remediation="Encryption cannot be turned on for an existing cluster: restore a snapshot of it into a new cluster "
    "with storage encryption on (and a KMS key), then move the application to the new cluster.",
)
def cluster_storage_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    return rules.storage_encrypted(inventory, DOCDB)


@aws_check(
    id="aws.docdb.cluster_backup_retention_7_days",
    title="DocumentDB clusters keep automated backups for at least 7 days",
    severity=Severity.MEDIUM,
    service="docdb",
    resource_type=CLUSTER,
    rationale="Point-in-time restore reaches back only as far as the backup retention period; DocumentDB's default "
    "of one day leaves no time to notice corrupted or deleted documents before the backups that hold them are gone.",
    remediation="Modify the cluster's backup retention period to 7 days or more (up to 35).",
)
def cluster_backup_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    return rules.backup_retention_7_days(inventory, DOCDB)


@aws_check(
    id="aws.docdb.cluster_audit_logs_exported",
    title="DocumentDB clusters export their audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="docdb",
    resource_type=CLUSTER,
    rationale="DocumentDB's audit log records authentication, authorization failures and changes to users, "
    "collections and indexes; without it there is no record of who connected, what was refused or who dropped what.",
    remediation="Set audit_logs to enabled (or to the event types wanted) in the cluster's parameter group and modify "
    "the cluster to export the audit log type to CloudWatch Logs.",
)
def cluster_audit_logs_exported(inventory: Inventory) -> Iterable[Outcome]:
    return rules.audit_logs_exported(inventory, DOCDB)


@aws_check(
    id="aws.docdb.cluster_deletion_protection",
    title="DocumentDB clusters have deletion protection",
    severity=Severity.MEDIUM,
    service="docdb",
    resource_type=CLUSTER,
    rationale="Deletion protection stops a mistaken or malicious delete call from removing the cluster, and with "
    "it the automated backups it has not copied to a manual snapshot.",
    remediation="Modify the cluster to turn on deletion protection.",
)
def cluster_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    return rules.deletion_protection(inventory, DOCDB)


@aws_check(
    id="aws.docdb.cluster_multi_az",
    title="DocumentDB clusters have instances in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="docdb",
    resource_type=CLUSTER,
    rationale="DocumentDB fails over to a replica instance in another zone when the primary's zone or host fails; "
    "with every instance in one zone (or a primary alone) the database is down until that zone recovers or a new "
    "instance is made.",
    remediation="Add a replica instance in another Availability Zone to the cluster.",
)
def cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return rules.multi_az(inventory, DOCDB)
