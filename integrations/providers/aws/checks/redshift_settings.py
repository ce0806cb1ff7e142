"""Redshift cluster settings (major version upgrades, enhanced VPC routing, a non-default admin user, Multi-AZ) and
EMR's per-region block public access setting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import EmrRegion
from ..shapes_storage import RedshiftCluster
from ._common import ACCOUNT, aws_check, error, items, regions, result
from .redshift import CLUSTER

# The master user name the Redshift console fills in when a cluster is created; the first name to try.
DEFAULT_ADMIN_USERNAME = "awsuser"


def _clusters(inventory: Inventory) -> Iterator[RedshiftCluster]:
    return items(inventory, "redshift", "clusters")


def _unreported(cluster: RedshiftCluster, field: str) -> Outcome:
    cid = str(cluster.get("id"))
    reason = f"Redshift did not report {field} for cluster {cid}"
    return error(cid, CLUSTER, reason, region=str(cluster.get("region", "")))


def _named(inventory: Inventory, key: str, field: str) -> Iterator[tuple[RedshiftCluster | Outcome, str]]:
    """(cluster, its name kept under ``key``) for each cluster collected with it; an error outcome (with "") for one
    Redshift answered without ``field``. Clusters collected before ``key`` was kept are skipped."""
    for cluster in _clusters(inventory):
        if key not in cluster:
            continue
        value = cluster.get(key)
        if value:
            yield cluster, str(value)
        else:
            yield _unreported(cluster, field), ""


def _judge_flag(inventory: Inventory, key: str, field: str, *, on: str, off: str) -> Iterator[Outcome]:
    """One outcome per cluster from the yes/no setting ``key`` (Redshift's ``field``): ``on``/``off`` finish the
    reason after the cluster's name."""
    for cluster in _clusters(inventory):
        if key not in cluster:
            continue  # collected before the setting was kept
        value = cluster.get(key)
        if value is None:
            yield _unreported(cluster, field)
            continue
        cid = str(cluster.get("id"))
        reason = f"Redshift cluster {cid} {on if value else off}"
        yield result(bool(value), cid, CLUSTER, reason, region=str(cluster.get("region", "")), **{key: value})


@aws_check(
    id="aws.redshift.version_upgrade_allowed",
    title="Redshift clusters take major version upgrades automatically",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="With automatic major version upgrades allowed, Redshift applies new engine versions, security fixes "
    "among them, in the cluster's maintenance window; without it the cluster stays on an old version until someone "
    "upgrades it by hand.",
    remediation="Modify the cluster to allow version upgrades (AllowVersionUpgrade) and keep a maintenance window "
    "that suits its workload.",
)
def version_upgrade_allowed(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_flag(
        inventory,
        "allow_version_upgrade",
        "AllowVersionUpgrade",
        on="takes major version upgrades in its maintenance window",
        off="does not allow major version upgrades (AllowVersionUpgrade false)",
    )


@aws_check(
    id="aws.redshift.cluster_multi_az",
    title="Redshift clusters are deployed across two Availability Zones",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="A Multi-AZ cluster runs its compute in two Availability Zones at once, so losing a zone leaves the "
    "warehouse answering queries; a single-AZ cluster is down until the zone recovers or the cluster is relocated "
    "or restored from a snapshot.",
    remediation="Modify the cluster (RA3 node types) to a Multi-AZ deployment; a cluster of another node type is "
    "first resized or restored onto RA3 nodes.",
)
def cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if "multi_az" not in cluster:
            continue  # collected before the setting was kept
        cid, reported = str(cluster.get("id")), cluster.get("multi_az")
        ok = str(reported).lower() == "enabled"
        if ok:
            reason = f"Redshift cluster {cid} is deployed across two Availability Zones"
        elif reported is None:
            reason = f"Redshift cluster {cid} reports no Multi-AZ setting, so it runs in one Availability Zone"
        else:
            reason = f"Redshift cluster {cid} runs in one Availability Zone (MultiAZ {reported})"
        yield result(ok, cid, CLUSTER, reason, region=str(cluster.get("region", "")), multi_az=reported)


@aws_check(
    id="aws.redshift.enhanced_vpc_routing",
    title="Redshift clusters use enhanced VPC routing",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="With enhanced VPC routing, COPY and UNLOAD traffic between the cluster and S3 or other data stores "
    "goes through the VPC, where security groups, endpoint policies, network ACLs and flow logs see and govern it; "
    "without it that traffic takes Redshift's own route outside the VPC's controls.",
    remediation="Modify the cluster to turn on enhanced VPC routing, and give the VPC an S3 gateway endpoint (or a "
    "NAT route) so that loads and unloads still reach their buckets.",
)
def enhanced_vpc_routing(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_flag(
        inventory,
        "enhanced_vpc_routing",
        "EnhancedVpcRouting",
        on="uses enhanced VPC routing",
        off="does not use enhanced VPC routing",
    )


@aws_check(
    id="aws.redshift.not_default_admin_username",
    title="Redshift clusters do not use the default admin user name",
    severity=Severity.LOW,
    service="redshift",
    resource_type=CLUSTER,
    rationale=f"The master user is the cluster's superuser; left at the console's default ({DEFAULT_ADMIN_USERNAME}) "
    "its name is known to anyone guessing passwords, who then need only the password.",
    remediation="The master user name cannot be changed: create a cluster (or restore a snapshot into one) with a "
    "unique master user name, move the workload to it and delete this one; meanwhile keep the master password long "
    "and rotated, or managed in Secrets Manager.",
)
def not_default_admin_username(inventory: Inventory) -> Iterable[Outcome]:
    for cluster, username in _named(inventory, "master_username", "MasterUsername"):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        cid = str(cluster.get("id"))
        # Redshift folds user names to lower case.
        ok = username.lower() != DEFAULT_ADMIN_USERNAME
        # A name of the cluster's own is half of its superuser's credential: it is never repeated in an outcome.
        reason = (
            f"Redshift cluster {cid} has a master user name of its own, not the default"
            if ok
            else f"Redshift cluster {cid} has the default master user name {username}"
        )
        observed = {} if ok else {"master_username": username}
        yield result(ok, cid, CLUSTER, reason, region=str(cluster.get("region", "")), **observed)


# The database Redshift creates when CreateCluster is given no DBName.
DEFAULT_DATABASE_NAME = "dev"


@aws_check(
    id="aws.redshift.non_default_database_name",
    title="Redshift clusters do not keep the default database name",
    severity=Severity.LOW,
    service="redshift",
    resource_type=CLUSTER,
    rationale=f"A cluster created without a database name gets one called {DEFAULT_DATABASE_NAME}: with it and the "
    "default admin name, whoever reaches the endpoint already knows everything a sign-in needs but the password.",
    remediation="Create the warehouse's database under a name of its own (CREATE DATABASE, or DBName when creating "
    f"or restoring a cluster), move the schemas and users to it and drop {DEFAULT_DATABASE_NAME}.",
)
def non_default_database_name(inventory: Inventory) -> Iterable[Outcome]:
    for cluster, name in _named(inventory, "database_name", "DBName"):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        cid = str(cluster.get("id"))
        ok = name.lower() != DEFAULT_DATABASE_NAME
        reason = (
            f"Redshift cluster {cid} has a database of its own name, not the default"
            if ok
            else f"Redshift cluster {cid} keeps the default database name {name}"
        )
        yield result(ok, cid, CLUSTER, reason, region=str(cluster.get("region", "")), default_name=not ok)


def _ports(ranges: list[list[int]]) -> str:
    return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)


@aws_check(
    id="aws.emr.account_public_access_block",
    title="EMR block public access is on in every scanned region",
    severity=Severity.HIGH,
    service="emr",
    resource_type=ACCOUNT,
    rationale="Block public access stops EMR from launching a cluster, or a cluster from being changed, while one of "
    "its security groups admits the whole internet (0.0.0.0/0 or ::/0) on a port not listed as an exception; "
    "without it a single loose security group exposes the cluster's master node and its web interfaces.",
    remediation="Turn on block public access in the EMR console's settings (or with "
    "PutBlockPublicAccessConfiguration, BlockPublicSecurityGroupRules true) in each region, keeping the port "
    "exceptions to what must be public, if anything.",
)
def emr_account_public_access_block(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    emr_regions: Iterator[tuple[str, EmrRegion]] = regions(inventory, "emr")
    for region, data in emr_regions:
        if data.get("block_public_access_error"):
            reason = (
                f"Could not read the EMR block public access setting in {region}: {data['block_public_access_error']}"
            )
            yield error(account, ACCOUNT, reason, region=region)
            continue
        setting = data.get("block_public_access")
        if setting is None:
            continue  # collected before the setting was read
        blocked = setting.get("block_public_security_group_rules")
        ranges = list(setting.get("permitted_port_ranges") or [])
        if blocked is True:
            reason = f"EMR block public access is on in {region}" + (
                f" (public rules still allowed on port(s) {_ports(ranges)})" if ranges else ""
            )
        elif blocked is None:
            reason = f"EMR block public access is not set in {region} (no BlockPublicSecurityGroupRules reported)"
        else:
            reason = f"EMR block public access is off in {region}"
        yield result(
            blocked is True,
            account,
            ACCOUNT,
            reason,
            region=region,
            enabled=blocked is True,
            permitted_port_ranges=[_ports([r]) for r in ranges],
        )
