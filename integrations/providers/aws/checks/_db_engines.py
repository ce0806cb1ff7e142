"""The cluster rules Neptune and DocumentDB share: both are read through RDS's management API into the same fields
(``shapes_databases.NeptuneCluster``), so a rule judges either engine's clusters, and only the checks' texts differ."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from integrations.registry import Inventory, Outcome

from ..shapes_databases import NeptuneCluster
from ._common import items, regions, result
from .rds import MIN_BACKUP_RETENTION_DAYS
from .storage_resilience import route_tables_by_subnet, subnet_group_placement

# The log type both engines export their audit log as (beside Neptune's "slowquery" and DocumentDB's "profiler").
AUDIT_LOG = "audit"


@dataclass(frozen=True)
class Engine:
    service: str  # the inventory service holding its clusters
    name: str  # as the reasons call it: "Neptune", "DocumentDB"
    resource_type: str


NEPTUNE = Engine("neptune", "Neptune", "AWS::Neptune::DBCluster")
DOCDB = Engine("docdb", "DocumentDB", "AWS::DocDB::DBCluster")


def _clusters(inventory: Inventory, engine: Engine) -> Iterator[NeptuneCluster]:
    return items(inventory, engine.service, "clusters")


def _settled(inventory: Inventory, engine: Engine, field: str) -> Iterator[NeptuneCluster]:
    for cluster in _clusters(inventory, engine):
        if field in cluster:
            yield cluster  # clusters collected before ``field`` was kept are not judged on it


def _id(cluster: NeptuneCluster) -> str:
    return str(cluster.get("arn") or cluster.get("id"))


def _label(engine: Engine, cluster: NeptuneCluster) -> str:
    return f"{engine.name} cluster {cluster.get('id')}"


def _region(cluster: NeptuneCluster) -> str:
    return str(cluster.get("region", ""))


def storage_encrypted(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    for cluster in _clusters(inventory, engine):
        ok = bool(cluster.get("storage_encrypted"))
        key = cluster.get("kms_key_id")
        label = _label(engine, cluster)
        reason = f"{label} encrypts its storage (KMS key {key})" if ok else f"{label} does not encrypt its storage"
        yield result(
            ok, _id(cluster), engine.resource_type, reason, region=_region(cluster), storage_encrypted=ok, kms_key=key
        )


def backup_retention_7_days(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    for cluster in _clusters(inventory, engine):
        days = int(cluster.get("backup_retention_period") or 0)
        ok = days >= MIN_BACKUP_RETENTION_DAYS
        reason = f"{_label(engine, cluster)} keeps automated backups for {days} day{'' if days == 1 else 's'}"
        if not ok:
            reason += f", under {MIN_BACKUP_RETENTION_DAYS}"
        yield result(
            ok, _id(cluster), engine.resource_type, reason, region=_region(cluster), backup_retention_period=days
        )


def audit_logs_exported(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    for cluster in _clusters(inventory, engine):
        exports = sorted(str(kind) for kind in cluster.get("cloudwatch_logs_exports") or [])
        ok = AUDIT_LOG in exports
        label = _label(engine, cluster)
        if ok:
            reason = f"{label} exports its audit log to CloudWatch Logs"
        elif exports:
            reason = f"{label} exports {', '.join(exports)} logs to CloudWatch Logs but not its audit log"
        else:
            reason = f"{label} exports no logs to CloudWatch Logs"
        yield result(ok, _id(cluster), engine.resource_type, reason, region=_region(cluster), log_exports=exports)


def _setting(
    inventory: Inventory, engine: Engine, field: str, says: tuple[str, str], *, settled: bool = True
) -> Iterable[Outcome]:
    """A cluster setting that is on or off: passes when on; ``says`` is what the reason says of each.
    ``settled``: clusters of inventories kept before ``field`` was read are not judged on it."""
    clusters = _settled(inventory, engine, field) if settled else _clusters(inventory, engine)
    for cluster in clusters:
        ok = bool(cluster.get(field))
        reason = f"{_label(engine, cluster)} {says[0] if ok else says[1]}"
        yield result(ok, _id(cluster), engine.resource_type, reason, region=_region(cluster), **{field: ok})


def deletion_protection(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    says = ("has deletion protection on", "has deletion protection off")
    return _setting(inventory, engine, "deletion_protection", says, settled=False)


def copy_tags_to_snapshot(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    says = ("copies its tags to snapshots", "does not copy its tags to snapshots")
    return _setting(inventory, engine, "copy_tags_to_snapshot", says)


def multi_az(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    for cluster in _settled(inventory, engine, "multi_az"):
        ok = bool(cluster.get("multi_az"))
        members = len(cluster.get("members") or [])
        label = _label(engine, cluster)
        reason = (
            f"{label} has instances in more than one Availability Zone"
            if ok
            else f"{label} has no instance in a second Availability Zone to fail over to "
            f"({members} instance{'' if members == 1 else 's'})"
        )
        yield result(
            ok, _id(cluster), engine.resource_type, reason, region=_region(cluster), multi_az=ok, instances=members
        )


def iam_authentication(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    says = ("has IAM database authentication on", "has IAM database authentication off")
    return _setting(inventory, engine, "iam_auth", says)


def not_in_public_subnets(inventory: Inventory, engine: Engine) -> Iterable[Outcome]:
    tables = route_tables_by_subnet(list(items(inventory, "route_tables", "route_tables")))
    for region, data in regions(inventory, engine.service):
        groups = {group["name"]: group for group in data.get("subnet_groups", [])}
        for cluster in data.get("clusters", []):
            group_name = cluster.get("subnet_group")
            if not group_name:
                continue  # collected before the subnet group was kept, or none reported
            placement = subnet_group_placement(
                tables,
                region,
                _label(engine, cluster),
                group_name,
                groups.get(group_name),
                data.get("subnet_groups_error"),
            )
            yield placement.outcome(_id(cluster), engine.resource_type, region, subnet_group=group_name)
