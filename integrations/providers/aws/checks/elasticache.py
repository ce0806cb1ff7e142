"""Checks on ElastiCache: Redis and Valkey replication groups (encryption, client authentication, failover, Multi-AZ,
backups) and every cache cluster's minor version upgrades."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_containers import CacheCluster, ReplicationGroup
from ._common import aws_check, items, result

REPLICATION_GROUP = "AWS::ElastiCache::ReplicationGroup"
CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster"
MIN_SNAPSHOT_RETENTION_DAYS = 1
# AWS's default for AutoMinorVersionUpgrade when a cluster is created without it.
DEFAULT_AUTO_MINOR_VERSION_UPGRADE = True


def _groups(inventory: Inventory) -> Iterator[ReplicationGroup]:
    return items(inventory, "elasticache", "replication_groups")


def _group_id(group: ReplicationGroup) -> str:
    return str(group.get("arn") or group["id"])


def _group_label(group: ReplicationGroup) -> str:
    engine = group.get("engine")
    return f"ElastiCache replication group {group['id']}" + (f" ({engine})" if engine else "")


def _judge_groups(
    inventory: Inventory,
    passes: Callable[[ReplicationGroup], bool],
    say: Callable[[ReplicationGroup, bool], str],
    **seen: Callable[[ReplicationGroup], object],
) -> Iterable[Outcome]:
    """One outcome per replication group: ``passes`` judges it, ``say`` words the reason (after the group's label),
    and each ``seen`` reads a value kept as observed."""
    for group in _groups(inventory):
        ok = passes(group)
        observed = {name: read(group) for name, read in seen.items()}
        reason = f"{_group_label(group)} {say(group, ok)}"
        yield result(ok, _group_id(group), REPLICATION_GROUP, reason, region=group["region"], **observed)


@aws_check(
    id="aws.elasticache.replication_group_encrypted_at_rest",
    title="ElastiCache replication groups encrypt data at rest",
    severity=Severity.MEDIUM,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="Without encryption at rest the group's data on disk (swap, backups and the snapshots exported to S3) "
    "is stored unencrypted, and a cache often holds session tokens and copies of database rows.",
    remediation="Encryption at rest can only be chosen when a group is created: take a backup, restore it into a new "
    "replication group with at-rest encryption on (with a customer managed KMS key where policy asks for one), point "
    "the application at it and delete the old group.",
)
def replication_group_encrypted_at_rest(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_groups(
        inventory,
        lambda g: g["at_rest_encryption"],
        lambda g, ok: "encrypts its data at rest" if ok else "does not encrypt its data at rest",
        at_rest_encryption=lambda g: g["at_rest_encryption"],
    )


def _transit_ok(group: ReplicationGroup) -> bool:
    # Mode "preferred" (a migration step) still accepts plain connections beside TLS ones.
    return group["transit_encryption"] and group.get("transit_encryption_mode") != "preferred"


def _transit_reason(group: ReplicationGroup, ok: bool) -> str:
    if ok:
        return "requires TLS for connections (in-transit encryption on)"
    if group["transit_encryption"]:
        return "has in-transit encryption in preferred mode, so it still accepts unencrypted connections"
    return "has in-transit encryption off, so clients connect and send data unencrypted"


@aws_check(
    id="aws.elasticache.replication_group_encrypted_in_transit",
    title="ElastiCache replication groups require encryption in transit",
    severity=Severity.HIGH,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="Without TLS, commands, cached data and AUTH passwords cross the network in clear between clients and "
    "nodes and between the nodes themselves; in preferred mode plain connections are still accepted beside TLS.",
    remediation="Turn on in-transit encryption (ModifyReplicationGroup with TransitEncryptionEnabled and "
    "TransitEncryptionMode preferred, on Redis 7 or Valkey), move every client to TLS, then set the mode to required.",
)
def replication_group_encrypted_in_transit(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_groups(
        inventory,
        _transit_ok,
        _transit_reason,
        transit_encryption=lambda g: g["transit_encryption"],
        transit_encryption_mode=lambda g: g.get("transit_encryption_mode"),
    )


@aws_check(
    id="aws.elasticache.replication_group_auth_required",
    title="ElastiCache replication groups make clients authenticate",
    severity=Severity.HIGH,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="A Redis or Valkey group without an AUTH token or access control user groups serves every command to "
    "whoever reaches its port: anything in the VPC, or any compromised host with a route to it, can read every key, "
    "change data and flush the cache.",
    remediation="Turn on role-based access control (a user group with named users and command and key permissions, "
    "ModifyReplicationGroup with UserGroupIdsToAdd; Redis 6 or later, or Valkey), or set an AUTH token "
    "(ModifyReplicationGroup with AuthToken and AuthTokenUpdateStrategy ROTATE); both need in-transit encryption.",
)
def replication_group_auth_required(inventory: Inventory) -> Iterable[Outcome]:
    for group in _groups(inventory):
        if "auth_token_enabled" not in group:
            continue  # collected before the authentication settings were kept
        users, token = list(group.get("user_group_ids") or []), bool(group["auth_token_enabled"])
        if users:
            reason = f"requires clients to sign in as users of {', '.join(users)} (role-based access control)"
        elif token:
            reason = "requires clients to present its AUTH token"
        else:
            reason = "lets any client that reaches it run commands without authenticating"
        yield result(
            bool(users) or token,
            _group_id(group),
            REPLICATION_GROUP,
            f"{_group_label(group)} {reason}",
            region=group["region"],
            auth_token_enabled=token,
            user_group_ids=users,
        )


@aws_check(
    id="aws.elasticache.replication_group_automatic_failover",
    title="ElastiCache replication groups fail over automatically",
    severity=Severity.MEDIUM,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="Without automatic failover a failed primary stays down until someone promotes a replica by hand: "
    "writes fail, and what depends on the cache is degraded or down, for the whole time.",
    remediation="Give the group at least one replica per shard and turn on automatic failover "
    "(ModifyReplicationGroup with AutomaticFailoverEnabled).",
)
def replication_group_automatic_failover(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_groups(
        inventory,
        lambda g: g.get("automatic_failover") == "enabled",
        lambda g, _: f"has automatic failover {g.get('automatic_failover') or 'not reported'}",
        automatic_failover=lambda g: g.get("automatic_failover"),
    )


@aws_check(
    id="aws.elasticache.replication_group_multi_az",
    title="ElastiCache replication groups are Multi-AZ",
    severity=Severity.MEDIUM,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="Without Multi-AZ, ElastiCache may keep a shard's primary and replicas in one Availability Zone and does "
    "not promote a replica in another when that zone fails, so one zone's outage takes the cache down.",
    remediation="Place the group's replicas in other Availability Zones than their primary and turn on Multi-AZ "
    "(ModifyReplicationGroup with MultiAZEnabled; it needs automatic failover too).",
)
def replication_group_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_groups(
        inventory,
        lambda g: g.get("multi_az") == "enabled",
        lambda g, _: f"has Multi-AZ {g.get('multi_az') or 'not reported'}",
        multi_az=lambda g: g.get("multi_az"),
    )


@aws_check(
    id="aws.elasticache.replication_group_backups_enabled",
    title="ElastiCache replication groups keep automatic backups",
    severity=Severity.MEDIUM,
    service="elasticache",
    resource_type=REPLICATION_GROUP,
    rationale="With a snapshot retention limit of 0 no automatic backups are taken, so data lost to a bad deployment, "
    "an accidental FLUSHALL or the loss of every node cannot be restored.",
    remediation="Set a snapshot retention limit of at least one day, and a backup window outside peak hours "
    "(ModifyReplicationGroup with SnapshotRetentionLimit and SnapshotWindow).",
)
def replication_group_backups_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def say(group: ReplicationGroup, ok: bool) -> str:
        days = group["snapshot_retention_days"]
        if ok:
            return f"keeps automatic backups for {days} day(s)"
        return "keeps no automatic backups (snapshot retention limit 0)"

    return _judge_groups(
        inventory,
        lambda g: g["snapshot_retention_days"] >= MIN_SNAPSHOT_RETENTION_DAYS,
        say,
        snapshot_retention_days=lambda g: g["snapshot_retention_days"],
    )


def _clusters(inventory: Inventory) -> Iterator[CacheCluster]:
    return items(inventory, "elasticache", "cache_clusters")


@aws_check(
    id="aws.elasticache.cache_cluster_auto_minor_version_upgrade",
    title="ElastiCache cache clusters take minor engine upgrades automatically",
    severity=Severity.LOW,
    service="elasticache",
    resource_type=CACHE_CLUSTER,
    rationale="Minor engine versions carry security and bug fixes; a cluster that does not take them in its "
    "maintenance window stays on the flawed version until someone upgrades it by hand.",
    remediation="Turn on auto minor version upgrade for the cluster, or for the replication group it belongs to "
    "(ModifyCacheCluster or ModifyReplicationGroup with AutoMinorVersionUpgrade).",
)
def cache_cluster_auto_minor_version_upgrade(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        reported = cluster.get("auto_minor_version_upgrade")
        upgrade = DEFAULT_AUTO_MINOR_VERSION_UPGRADE if reported is None else reported
        shown = "" if reported is not None else " (not reported, so on by AWS's default)"
        verb = "takes" if upgrade else "does not take"
        engine = f" ({cluster['engine']})" if cluster.get("engine") else ""
        reason = f"ElastiCache cache cluster {cluster['id']}{engine} {verb} minor engine upgrades automatically{shown}"
        yield result(
            upgrade,
            str(cluster.get("arn") or cluster["id"]),
            CACHE_CLUSTER,
            reason,
            region=cluster["region"],
            auto_minor_version_upgrade=upgrade,
            replication_group_id=cluster.get("replication_group_id"),
        )
