"""Checks that resources are in an AWS Backup plan: each EBS volume, DynamoDB table, RDS DB instance and Aurora or
Multi-AZ DB cluster is matched against the selections of the backup plans of its region, as AWS Backup assigns
resources to a plan.

A selection assigns a resource when its ARN matches one of ``Resources`` or one of ``ListOfTags`` matches its tags
(either will do), none of ``NotResources`` matches its ARN, and every one of ``Conditions`` holds on its tags.
ARN patterns take ``*`` for any run of characters; condition keys are ``aws:ResourceTag/<key>``.

A plan backs up nothing of a resource type the region is not opted in to (AWS Backup's service opt-in,
DescribeRegionSettings): a selected resource of such a type fails. An unreadable opt-in is an error only for the
resources a plan selects, as whether they are backed up then turns on it; an inventory kept before the opt-in was read
is judged by the selections alone (EBS, DynamoDB, RDS and Aurora are opted in until someone opts them out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import BackupPlan, BackupSelection
from ._common import aws_check, error, items, listed_items, regional_arn, regions, result
from .rds_settings import OTHER_SERVICES_ENGINES as _OTHER_SERVICES_ENGINES

VOLUME = "AWS::EC2::Volume"
TABLE = "AWS::DynamoDB::Table"
DB_INSTANCE = "AWS::RDS::DBInstance"
DB_CLUSTER = "AWS::RDS::DBCluster"
_TAG_KEY = "aws:ResourceTag/"
# Volumes being deleted, deleted or failed hold nothing left to back up.
_GONE_VOLUMES = frozenset({"deleting", "deleted", "error"})


# Bounded: the patterns come from tenants' selections, and a worker serves many tenants.
@lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text), re.DOTALL)


def _like(pattern: str, value: str) -> bool:
    return _pattern(pattern).fullmatch(value) is not None


def _tag(tags: Mapping[str, str], condition: Mapping[str, Any]) -> str | None:
    key = str(condition.get("ConditionKey", ""))
    return tags.get(key[len(_TAG_KEY) :] if key.startswith(_TAG_KEY) else key)


def _conditions_hold(conditions: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
    """All of a selection's Conditions: absent tags fail StringEquals and StringLike, and pass the negated ones."""
    for operator, entries in conditions.items():
        for condition in entries or []:
            value, wanted = _tag(tags, condition), str(condition.get("ConditionValue", ""))
            if operator == "StringEquals" and value != wanted:
                return False
            if operator == "StringNotEquals" and value == wanted:
                return False
            if operator == "StringLike" and (value is None or not _like(wanted, value)):
                return False
            if operator == "StringNotLike" and value is not None and _like(wanted, value):
                return False
    return True


def selects(selection: BackupSelection, arn: str, tags: Mapping[str, str] | None) -> bool | None:
    """Whether the selection assigns the resource; None when that turns on tags that could not be read."""
    by_arn = any(_like(p, arn) for p in selection["resources"])
    if any(_like(p, arn) for p in selection["not_resources"]):
        return False
    conditional = any(selection["conditions"].values())
    if tags is None:
        # Without tags only a selection with no Conditions can still be told: by ARN, or not at all if it has no tags.
        if not conditional and (by_arn or not selection["list_of_tags"]):
            return by_arn
        return None
    by_tag = any(
        tags.get(str(t.get("ConditionKey", ""))) == str(t.get("ConditionValue", "")) for t in selection["list_of_tags"]
    )
    return (by_arn or by_tag) and _conditions_hold(selection["conditions"], tags)


@dataclass(frozen=True)
class _Cover:
    plan: str  # "backup plan <name> (selection <name>)", or "" when none selects the resource
    unread: list[str]  # why some plan could not be told to select it or not


def _coverage(plans: list[BackupPlan], arn: str, tags: Mapping[str, str] | None) -> _Cover:
    unread: list[str] = []
    for plan in plans:
        name = plan.get("name") or plan["id"]
        if "selections_error" in plan:
            unread.append(f"the selections of plan {name} could not be read: {plan['selections_error']}")
            continue
        if "selections" not in plan:
            unread.append(f"the selections of plan {name} were not read (an inventory kept before they were)")
            continue
        for selection in plan.get("selections", []):
            chosen = selects(selection, arn, tags)
            if chosen:
                return _Cover(plan=f"backup plan {name} (selection {selection['name']})", unread=[])
            if chosen is None:
                unread.append(f"plan {name} selects by tag and the resource's tags could not be read")
    return _Cover(plan="", unread=unread)


@dataclass(frozen=True)
class _Region:
    plans: list[BackupPlan]
    opt_in: Mapping[str, bool] | None  # None: not read (an older inventory) or unreadable (opt_in_error)
    opt_in_error: str | None


def _backup_regions(inventory: Inventory) -> dict[str, _Region]:
    return {
        region: _Region(
            plans=list(data.get("plans", [])),
            opt_in=data.get("opt_in"),
            opt_in_error=data.get("region_settings_error"),
        )
        for region, data in regions(inventory, "backup")
    }


@dataclass(frozen=True)
class _Resource:
    id: str
    type: str
    arn: str
    region: str
    tags: Mapping[str, str] | None  # None: unknown (unreadable, or an inventory kept before tags were read)
    label: str
    kind: str  # its type as AWS Backup's service opt-in names it: "EBS", "DynamoDB", "RDS", "Aurora"


def _judge(inventory: Inventory, found: Iterable[_Resource | Outcome]) -> Iterable[Outcome]:
    """Each resource judged against its region's plans and opt-in; outcomes (a failed listing) passed on."""
    backup_regions = _backup_regions(inventory)
    for resource in found:
        if isinstance(resource, Outcome):
            yield resource
            continue
        region, label, kind = resource.region, resource.label, resource.kind
        if region not in backup_regions:
            continue  # the region's plans were not read: its error outcome comes from the backup service
        settings = backup_regions[region]
        cover = _coverage(settings.plans, resource.arn, resource.tags)
        if cover.plan and settings.opt_in_error is not None:
            reason = (
                f"{label} is selected by {cover.plan}, but whether AWS Backup is opted in to {kind} in {region} "
                f"could not be read: {settings.opt_in_error}"
            )
            yield error(resource.id, resource.type, reason, region=region)
        elif cover.plan and settings.opt_in is not None and not settings.opt_in.get(kind, True):
            reason = (
                f"{label} is selected by {cover.plan}, but AWS Backup is not opted in to {kind} in {region}: "
                "the plan backs up none of it"
            )
            yield result(False, resource.id, resource.type, reason, region=region, opted_in=False)
        elif cover.plan:
            yield result(True, resource.id, resource.type, f"{label} is backed up by {cover.plan}", region=region)
        elif cover.unread:
            reason = f"Could not tell whether {label} is in a backup plan: " + "; ".join(cover.unread)
            yield error(resource.id, resource.type, reason, region=region)
        else:
            reason = f"{label} is in no AWS Backup plan of {region}"
            yield result(False, resource.id, resource.type, reason, region=region, plans=len(settings.plans))


@aws_check(
    id="aws.backup.ebs_volume_in_backup_plan",
    title="EBS volumes are in an AWS Backup plan",
    severity=Severity.MEDIUM,
    service="backup",
    requires=("ec2", "backup"),
    resource_type=VOLUME,
    rationale="A volume no backup plan selects is backed up only if someone remembers to snapshot it. AWS Backup "
    "plans take scheduled, retained and (with vault lock) tamper-proof recovery points of every volume their "
    "selections assign, by ARN or by tag, including the volumes created after the plan.",
    remediation="Assign the volume to a backup plan of its region: add its ARN, a pattern such as "
    "arn:aws:ec2:*:*:volume/*, or a tag the plan's selection matches (for example backup=daily) "
    "(CreateBackupSelection), and keep the region opted in to EBS (AWS Backup settings, Service opt-in; "
    "UpdateRegionSettings).",
)
def ebs_volume_in_backup_plan(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or ""

    def volumes() -> Iterable[_Resource]:
        for volume in items(inventory, "ec2", "volumes"):
            if volume.get("state") in _GONE_VOLUMES:
                continue
            region = str(volume["region"])
            arn = regional_arn("ec2", region, account, f"volume/{volume['id']}")
            yield _Resource(volume["id"], VOLUME, arn, region, volume.get("tags"), f"Volume {volume['id']}", "EBS")

    return _judge(inventory, volumes())


@aws_check(
    id="aws.backup.dynamodb_table_in_backup_plan",
    title="DynamoDB tables are in an AWS Backup plan",
    severity=Severity.MEDIUM,
    service="backup",
    requires=("dynamodb", "backup"),
    resource_type=TABLE,
    rationale="Point-in-time recovery keeps 35 days at most and goes with the table when it is deleted. A backup "
    "plan keeps recovery points for as long as its rules say, in a vault apart from the table (and, with vault "
    "lock, beyond anyone's reach), which is what a retention policy or a ransomware recovery needs.",
    remediation="Assign the table to a backup plan of its region: add its ARN, a pattern such as "
    "arn:aws:dynamodb:*:*:table/*, or a tag the plan's selection matches (CreateBackupSelection), and keep the "
    "region opted in to DynamoDB (AWS Backup settings, Service opt-in; UpdateRegionSettings).",
)
def dynamodb_table_in_backup_plan(inventory: Inventory) -> Iterable[Outcome]:
    def tables() -> Iterable[_Resource]:
        for table in items(inventory, "dynamodb", "tables"):
            if not table.get("arn"):
                continue
            # A failed read, or an inventory kept before tags were read: a selection by tag cannot be judged.
            tags = None if "tags_error" in table else table.get("tags")
            label = f"Table {table['name']}"
            yield _Resource(table["arn"], TABLE, table["arn"], str(table["region"]), tags, label, "DynamoDB")

    return _judge(inventory, tables())


@aws_check(
    id="aws.backup.rds_instance_in_backup_plan",
    title="RDS DB instances are in an AWS Backup plan",
    severity=Severity.MEDIUM,
    service="backup",
    requires=("rds", "backup"),
    resource_type=DB_INSTANCE,
    rationale="Automated backups keep 35 days at most and are deleted with the instance unless someone chose to "
    "retain them. A backup plan keeps recovery points for as long as its rules say, in a vault apart from the "
    "database (with vault lock, beyond anyone's reach), and copies them to other regions or accounts if asked.",
    remediation="Assign the instance to a backup plan of its region: add its ARN, a pattern such as "
    "arn:aws:rds:*:*:db:*, or a tag the plan's selection matches (CreateBackupSelection), and keep the region opted "
    "in to RDS (AWS Backup settings, Service opt-in; UpdateRegionSettings).",
)
def rds_instance_in_backup_plan(inventory: Inventory) -> Iterable[Outcome]:
    def instances() -> Iterable[_Resource]:
        for db in items(inventory, "rds", "db_instances"):
            # A cluster member is backed up with its cluster (judged below); Neptune's and DocumentDB's instances
            # are their clusters' too; a read replica is a copy of its source, which is judged.
            if db.get("cluster_id") or db.get("replica_of") or db.get("engine") in _OTHER_SERVICES_ENGINES:
                continue
            if not db.get("arn"):
                continue
            label = f"DB instance {db['id']}"
            yield _Resource(
                str(db["arn"]), DB_INSTANCE, str(db["arn"]), str(db["region"]), db.get("tags"), label, "RDS"
            )

    return _judge(inventory, instances())


@aws_check(
    id="aws.backup.rds_cluster_in_backup_plan",
    title="Aurora and Multi-AZ DB clusters are in an AWS Backup plan",
    severity=Severity.MEDIUM,
    service="backup",
    requires=("rds", "backup"),
    resource_type=DB_CLUSTER,
    rationale="A cluster's automated backups keep 35 days at most and go with the cluster unless retained. A "
    "backup plan keeps its recovery points for as long as its rules say, in a vault apart from the cluster (with "
    "vault lock, beyond anyone's reach).",
    remediation="Assign the cluster to a backup plan of its region: add its ARN, a pattern such as "
    "arn:aws:rds:*:*:cluster:*, or a tag the plan's selection matches (CreateBackupSelection), and keep the region "
    "opted in to Aurora (Aurora clusters) or RDS (Multi-AZ DB clusters) (AWS Backup settings, Service opt-in).",
)
def rds_cluster_in_backup_plan(inventory: Inventory) -> Iterable[Outcome]:
    def clusters() -> Iterable[_Resource | Outcome]:
        for cluster in listed_items(inventory, "rds", "db_clusters", noun="DB clusters", resource_type=DB_CLUSTER):
            if isinstance(cluster, Outcome):
                yield cluster
                continue
            if not cluster.get("arn"):
                continue
            # AWS Backup names Aurora apart; a Multi-AZ DB cluster of MySQL or PostgreSQL is an RDS resource to it.
            kind = "Aurora" if str(cluster.get("engine") or "").startswith("aurora") else "RDS"
            arn, label = str(cluster["arn"]), f"DB cluster {cluster['id']}"
            yield _Resource(arn, DB_CLUSTER, arn, str(cluster["region"]), cluster.get("tags"), label, kind)

    return _judge(inventory, clusters())
