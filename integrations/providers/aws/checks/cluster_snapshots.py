"""Manual DB cluster snapshots kept private and encrypted: Aurora and Multi-AZ DB clusters' (``rds``), Neptune's
(``neptune``) and DocumentDB's (``docdb``), judged by one pair of rules. RDS's own instance snapshots are judged in
``rds``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import DbClusterSnapshot
from ._common import aws_check, error, listed_items, result

RDS_SNAPSHOT = "AWS::RDS::DBClusterSnapshot"
NEPTUNE_SNAPSHOT = "AWS::Neptune::DBClusterSnapshot"
DOCDB_SNAPSHOT = "AWS::DocDB::DBClusterSnapshot"
# Where each service's inventory keeps its manual cluster snapshots, and what the reasons call one.
_RDS = ("rds", "cluster_snapshots", "DB cluster snapshot", RDS_SNAPSHOT)
_NEPTUNE = ("neptune", "snapshots", "Neptune cluster snapshot", NEPTUNE_SNAPSHOT)
_DOCDB = ("docdb", "snapshots", "DocumentDB cluster snapshot", DOCDB_SNAPSHOT)


def _snapshots(inventory: Inventory, kind: tuple[str, str, str, str]) -> Iterator[DbClusterSnapshot | Outcome]:
    service, key, noun, resource_type = kind
    return listed_items(inventory, service, key, noun=f"{noun}s", resource_type=resource_type)


def _snapshot_id(snapshot: DbClusterSnapshot) -> str:
    return str(snapshot.get("arn") or snapshot.get("id"))


def _not_public(inventory: Inventory, kind: tuple[str, str, str, str]) -> Iterable[Outcome]:
    _, _, noun, resource_type = kind
    for snapshot in _snapshots(inventory, kind):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        sid, region = _snapshot_id(snapshot), str(snapshot.get("region", ""))
        name = f"{noun} {snapshot.get('id')}"
        if snapshot.get("attributes_error"):
            reason = f"Could not read who may restore {name}: {snapshot['attributes_error']}"
            yield error(sid, resource_type, reason, region=region)
            continue
        shared = snapshot.get("restore_shared_with", [])
        public = "all" in shared
        accounts = sorted(a for a in shared if a != "all")
        reason = (
            f"{name} is public: any AWS account may restore it"
            if public
            else f"{name} is not public (shared with {len(accounts)} named account(s))"
        )
        yield result(not public, sid, resource_type, reason, region=region, public=public, shared_with=accounts)


def _encrypted(inventory: Inventory, kind: tuple[str, str, str, str]) -> Iterable[Outcome]:
    _, _, noun, resource_type = kind
    for snapshot in _snapshots(inventory, kind):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        ok = bool(snapshot.get("encrypted"))
        name = f"{noun} {snapshot.get('id')}"
        reason = f"{name} is encrypted" if ok else f"{name} is not encrypted"
        region = str(snapshot.get("region", ""))
        yield result(ok, _snapshot_id(snapshot), resource_type, reason, region=region, encrypted=ok)


# --- Aurora and Multi-AZ DB clusters --------------------------------------------------------------------------------


@aws_check(
    id="aws.rds.cluster_snapshot_not_public",
    title="RDS DB cluster snapshots are not public",
    severity=Severity.CRITICAL,
    service="rds",
    resource_type=RDS_SNAPSHOT,
    rationale="Any AWS account can restore a public cluster snapshot into an Aurora or Multi-AZ DB cluster of its "
    "own and read the whole database, every table of every schema as of the snapshot.",
    remediation="Remove 'all' from the cluster snapshot's restore attribute (ModifyDBClusterSnapshotAttribute "
    "ValuesToRemove) and share it with named accounts only.",
)
def rds_cluster_snapshot_not_public(inventory: Inventory) -> Iterable[Outcome]:
    return _not_public(inventory, _RDS)


@aws_check(
    id="aws.rds.cluster_snapshot_encrypted",
    title="RDS DB cluster snapshots are encrypted",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=RDS_SNAPSHOT,
    rationale="A manual cluster snapshot outlives its cluster and travels with every copy and share; unencrypted, "
    "it is a plain copy of the database that no KMS key policy guards.",
    remediation="Copy the snapshot with a KMS key (CopyDBClusterSnapshot KmsKeyId), delete the unencrypted one, and "
    "move the source cluster to encrypted storage (restore an encrypted copy and switch the application to it).",
)
def rds_cluster_snapshot_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    return _encrypted(inventory, _RDS)


# --- Neptune ---------------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.neptune.cluster_snapshot_not_public",
    title="Neptune cluster snapshots are not public",
    severity=Severity.CRITICAL,
    service="neptune",
    resource_type=NEPTUNE_SNAPSHOT,
    rationale="Any AWS account can restore a public cluster snapshot into a Neptune cluster of its own and read the "
    "whole graph.",
    remediation="Remove 'all' from the snapshot's restore attribute (ModifyDBClusterSnapshotAttribute "
    "ValuesToRemove) and share it with named accounts only.",
)
def neptune_cluster_snapshot_not_public(inventory: Inventory) -> Iterable[Outcome]:
    return _not_public(inventory, _NEPTUNE)


@aws_check(
    id="aws.neptune.cluster_snapshot_encrypted",
    title="Neptune cluster snapshots are encrypted",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=NEPTUNE_SNAPSHOT,
    rationale="A manual snapshot outlives its cluster and travels with every copy and share; unencrypted, it is a "
    "plain copy of the graph.",
    remediation="Copy the snapshot with a KMS key (CopyDBClusterSnapshot KmsKeyId), delete the unencrypted one, and "
    "move the source cluster to encrypted storage.",
)
def neptune_cluster_snapshot_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    return _encrypted(inventory, _NEPTUNE)


# --- DocumentDB ------------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.docdb.cluster_snapshot_not_public",
    title="DocumentDB cluster snapshots are not public",
    severity=Severity.CRITICAL,
    service="docdb",
    resource_type=DOCDB_SNAPSHOT,
    rationale="Any AWS account can restore a public cluster snapshot into a DocumentDB cluster of its own and read "
    "every collection in it.",
    remediation="Remove 'all' from the snapshot's restore attribute (ModifyDBClusterSnapshotAttribute "
    "ValuesToRemove) and share it with named accounts only.",
)
def docdb_cluster_snapshot_not_public(inventory: Inventory) -> Iterable[Outcome]:
    return _not_public(inventory, _DOCDB)


@aws_check(
    id="aws.docdb.cluster_snapshot_encrypted",
    title="DocumentDB cluster snapshots are encrypted",
    severity=Severity.MEDIUM,
    service="docdb",
    resource_type=DOCDB_SNAPSHOT,
    rationale="A manual snapshot outlives its cluster and travels with every copy and share; unencrypted, it is a "
    "plain copy of the documents.",
    remediation="Copy the snapshot with a KMS key (CopyDBClusterSnapshot KmsKeyId), delete the unencrypted one, and "
    "move the source cluster to encrypted storage.",
)
def docdb_cluster_snapshot_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    return _encrypted(inventory, _DOCDB)
