"""Checks on Neptune DB clusters: storage encryption, automated backups, audit log export, deletion protection, tags
copied to snapshots, instances in more than one Availability Zone, IAM database authentication, subnets not routed
to an internet gateway (the rules, shared with DocumentDB, in ``_db_engines``)."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from . import _db_engines as rules
from ._common import aws_check
from ._db_engines import NEPTUNE

CLUSTER = NEPTUNE.resource_type


@aws_check(
    id="aws.neptune.cluster_storage_encrypted",
    title="Neptune clusters encrypt their storage",
    severity=Severity.HIGH,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Encryption at rest protects the graph's data, its automated backups, snapshots and replicas if the "
    "storage under the cluster is ever exposed, and puts reading it under a KMS key policy.",
    remediation="Encryption cannot be turned on for an existing cluster: restore a snapshot of it into a new cluster "
    "with storage encryption on (and a KMS key), then move the application to the new cluster.",
)
def cluster_storage_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    return rules.storage_encrypted(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_backup_retention_7_days",
    title="Neptune clusters keep automated backups for at least 7 days",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Point-in-time restore reaches back only as far as the backup retention period; Neptune's default of "
    "one day leaves no time to notice corrupted or deleted data before the backups that hold it are gone.",
    remediation="Modify the cluster's backup retention period to 7 days or more.",
)
def cluster_backup_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    return rules.backup_retention_7_days(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_audit_logs_exported",
    title="Neptune clusters export their audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Neptune's audit log records each query and the client that sent it; kept only on the cluster it "
    "cannot be searched, alarmed on or kept past the instances, so who read or changed the graph cannot be told.",
    remediation="Set neptune_enable_audit_log to 1 in the cluster's parameter group and modify the cluster to "
    "export the audit log type to CloudWatch Logs.",
)
def cluster_audit_logs_exported(inventory: Inventory) -> Iterable[Outcome]:
    return rules.audit_logs_exported(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_deletion_protection",
    title="Neptune clusters have deletion protection",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Deletion protection stops a mistaken or malicious delete call from removing the cluster, and with "
    "it the automated backups it has not copied to a manual snapshot.",
    remediation="Modify the cluster to turn on deletion protection.",
)
def cluster_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    return rules.deletion_protection(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_copy_tags_to_snapshot",
    title="Neptune clusters copy their tags to snapshots",
    severity=Severity.LOW,
    service="neptune",
    resource_type=CLUSTER,
    rationale="A snapshot without the cluster's tags loses its owner, data classification and the tag-based access "
    "and retention rules that applied to the graph, so a copy of the data escapes them.",
    remediation="Modify the cluster to turn on copying tags to snapshots (CopyTagsToSnapshot).",
)
def cluster_copy_tags_to_snapshot(inventory: Inventory) -> Iterable[Outcome]:
    return rules.copy_tags_to_snapshot(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_multi_az",
    title="Neptune clusters have instances in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Neptune fails over to a read replica in another zone when the primary's zone or host fails; with "
    "every instance in one zone (or a primary alone) the graph is down until that zone recovers or a new instance "
    "is made.",
    remediation="Add a read replica in another Availability Zone to the cluster.",
)
def cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return rules.multi_az(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_iam_authentication_enabled",
    title="Neptune clusters require IAM database authentication",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Without IAM database authentication, anyone who can reach the cluster's endpoint on the network can "
    "query and change the graph: Neptune has no database users or passwords of its own. With it, every connection "
    "must be signed with AWS credentials that IAM policies allow, and is logged as such.",
    remediation="Modify the cluster to turn on IAM database authentication, grant the applications neptune-db:* "
    "actions on the cluster's resource id, and have their clients sign requests (Signature Version 4).",
)
def cluster_iam_authentication_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return rules.iam_authentication(inventory, NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_not_in_public_subnets",
    title="Neptune clusters keep out of subnets routed to an internet gateway",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Neptune instances are never given public addresses, but a cluster whose subnet group holds subnets "
    "routed to an internet gateway sits beside what faces the internet, under routes and network ACLs made for "
    "that, so one security group or routing mistake leaves the graph one hop from the internet.",
    remediation="Create a DB subnet group of private subnets (no route to an internet gateway), restore a snapshot "
    "of the cluster into a new cluster in that group, move the application to it and delete the old cluster: a "
    "cluster's subnet group is chosen when it is created.",
    requires=("neptune", "route_tables"),
)
def cluster_not_in_public_subnets(inventory: Inventory) -> Iterable[Outcome]:
    return rules.not_in_public_subnets(inventory, NEPTUNE)
