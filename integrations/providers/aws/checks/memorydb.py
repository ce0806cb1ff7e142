"""MemoryDB checks: clusters encrypt client traffic with TLS, make clients authenticate through an access control
list, keep automatic snapshots, take minor engine upgrades and keep replicas in other Availability Zones."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_databases import MemoryDbCluster
from ._common import Verdict, aws_check, items, result

CLUSTER = "AWS::MemoryDB::Cluster"
# The access control list every account has, whose default user needs no password.
OPEN_ACCESS_ACL = "open-access"


def _judge(inventory: Inventory, judge: Callable[[str, MemoryDbCluster], Verdict]) -> Iterator[Outcome]:
    """One outcome per cluster from ``judge``, given the cluster's label and the cluster."""
    cluster: MemoryDbCluster
    for cluster in items(inventory, "memorydb", "clusters"):
        ok, reason, observed = judge(f"MemoryDB cluster {cluster['name']}", cluster)
        resource = str(cluster.get("arn") or cluster["name"])
        yield result(ok, resource, CLUSTER, reason, region=cluster["region"], **observed)


@aws_check(
    id="aws.memorydb.cluster_tls_enabled",
    title="MemoryDB clusters encrypt client traffic with TLS",
    severity=Severity.HIGH,
    service="memorydb",
    resource_type=CLUSTER,
    rationale="MemoryDB is a primary database, not a cache: without TLS every command and the data it reads and "
    "writes crosses the VPC in plain text, and a cluster without TLS must use the open-access list, so any client "
    "that reaches its port is let in without a password.",
    remediation="TLS can only be chosen when a cluster is made: create a cluster with TLS on (the default) and an "
    "access control list of named users, restore it from a snapshot of this one, move the clients and delete this "
    "one.",
)
def memorydb_cluster_tls_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _tls)


def _tls(label: str, cluster: MemoryDbCluster) -> Verdict:
    enabled = cluster.get("tls_enabled") is True
    reason = f"{label} encrypts client traffic with TLS" if enabled else f"{label} serves clients without TLS"
    return enabled, reason, {"tls_enabled": cluster.get("tls_enabled")}


@aws_check(
    id="aws.memorydb.cluster_acl_not_open_access",
    title="MemoryDB clusters make clients authenticate",
    severity=Severity.HIGH,
    service="memorydb",
    resource_type=CLUSTER,
    rationale="Under the open-access list a cluster's default user needs no password and may run every command on "
    "every key, so anything that reaches the cluster's port in the VPC can read, change or flush the data; an access "
    "control list of named users with passwords or IAM authentication, each with the commands and keys it needs, "
    "makes every client prove who it is.",
    remediation="Create an access control list of users with passwords or IAM authentication and access strings "
    "limited to what each client needs, and set it on the cluster (UpdateCluster with ACLName); clusters without TLS "
    "must be recreated with TLS first.",
)
def memorydb_cluster_acl_not_open_access(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _acl)


def _acl(label: str, cluster: MemoryDbCluster) -> Verdict:
    acl = cluster.get("acl_name")
    if acl == OPEN_ACCESS_ACL:
        return False, f"{label} uses the open-access list: clients connect without a password", {"acl_name": acl}
    if not acl:
        return False, f"{label} reports no access control list", {"acl_name": acl}
    return True, f"{label} makes clients authenticate through access control list {acl}", {"acl_name": acl}


@aws_check(
    id="aws.memorydb.cluster_snapshots_enabled",
    title="MemoryDB clusters keep automatic snapshots",
    severity=Severity.MEDIUM,
    service="memorydb",
    resource_type=CLUSTER,
    rationale="The transaction log keeps a cluster's data through node failures, but a FLUSHALL, a bad deployment or "
    "a deleted cluster is replicated and kept like any other write; automatic daily snapshots are the copy to restore "
    "from.",
    remediation="Set a snapshot retention limit of at least one day, seven or more for production (UpdateCluster "
    "with SnapshotRetentionLimit and a SnapshotWindow outside peak hours).",
)
def memorydb_cluster_snapshots_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _snapshots)


def _snapshots(label: str, cluster: MemoryDbCluster) -> Verdict:
    days = cluster.get("snapshot_retention_limit") or 0
    reason = (
        f"{label} keeps automatic snapshots for {days} day{'s' if days != 1 else ''}"
        if days
        else f"{label} takes no automatic snapshots"
    )
    return days > 0, reason, {"snapshot_retention_limit": days}


@aws_check(
    id="aws.memorydb.cluster_auto_minor_version_upgrade",
    title="MemoryDB clusters take minor engine upgrades automatically",
    severity=Severity.LOW,
    service="memorydb",
    resource_type=CLUSTER,
    rationale="Minor engine versions carry the engine's security and stability fixes; a cluster that does not take "
    "them in its maintenance window stays on a version with known flaws until someone upgrades it by hand.",
    remediation="Turn on automatic minor version upgrades for the cluster (it is on unless turned off when the "
    "cluster was made), and keep a maintenance window that suits the workload.",
)
def memorydb_cluster_auto_minor_version_upgrade(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _minor_upgrades)


def _minor_upgrades(label: str, cluster: MemoryDbCluster) -> Verdict:
    on = cluster.get("auto_minor_version_upgrade") is True
    reason = f"{label} takes minor engine upgrades automatically" if on else f"{label} does not take minor upgrades"
    return on, reason, {"auto_minor_version_upgrade": cluster.get("auto_minor_version_upgrade")}


@aws_check(
    id="aws.memorydb.cluster_multi_az",
    title="MemoryDB clusters keep replicas in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="memorydb",
    resource_type=CLUSTER,
    rationale="A shard without replicas has nothing to fail over to: when its node or its Availability Zone fails, "
    "that shard's data is unavailable until MemoryDB replaces the node and replays the transaction log. Replicas in "
    "other zones take over within seconds.",
    remediation="Add at least one replica per shard (UpdateCluster with ReplicaConfiguration ReplicaCount 1 or more); "
    "MemoryDB places the replicas in other Availability Zones.",
)
def memorydb_cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, _multi_az)


def _multi_az(label: str, cluster: MemoryDbCluster) -> Verdict:
    mode = cluster.get("availability_mode")
    ok = mode == "MultiAZ"
    reason = (
        f"{label} keeps replicas in more than one Availability Zone"
        if ok
        else f"{label} runs in a single Availability Zone ({mode or 'not reported'})"
    )
    return ok, reason, {"availability_mode": mode}
