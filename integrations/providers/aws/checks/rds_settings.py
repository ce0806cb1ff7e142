"""RDS settings checks: TLS forced by the parameter groups, event subscriptions for critical instance and cluster
events and for parameter group changes, and administrator user names that are not a well-known default.

TLS and the administrator user name of a member of an Aurora or Multi-AZ DB cluster are the cluster's (its DB cluster
parameter group, its MasterUsername): they are judged once per cluster, as the other aws.rds.cluster_* checks do.
Engines without a TLS parameter (Oracle, whose TLS is an option group's SSL option, Db2, RDS Custom) are not judged
for TLS; Neptune and DocumentDB instances, which share RDS's API, are judged by none of these checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import DbCluster, RdsRegion
from ..shapes_databases import RDS_TLS_PARAMETERS, RdsEventSubscription, RdsParameterGroup
from ._common import ACCOUNT, Verdict, aws_check, error, listed_items, regions, result
from .rds import in_rds_cluster

DB_INSTANCE = "AWS::RDS::DBInstance"
DB_CLUSTER = "AWS::RDS::DBCluster"
# Values that make the TLS parameter refuse plain connections: rds.force_ssl is 0 or 1, require_secure_transport
# 0 or 1 (MySQL also spells it OFF or ON).
TLS_FORCED = frozenset({"1", "on", "true"})
# Engines RDS's API also answers for that these checks leave to their own services' checks.
OTHER_SERVICES_ENGINES = frozenset({"neptune", "docdb"})
# The instance events an operator must hear of without watching the console, as AWS Security Hub's RDS.20 asks: the
# instance failed (or is being recovered), maintenance is due or under way (restarts, patches), and its configuration
# changed (a security group, a parameter group, public access, master password reset).
CRITICAL_CATEGORIES = ("failure", "maintenance", "configuration change")
# The cluster events Security Hub's RDS.19 asks for: the cluster failed (or failed over), and its maintenance.
CLUSTER_CRITICAL_CATEGORIES = ("failure", "maintenance")
# The DB parameter group events Security Hub's RDS.21 asks for.
PARAMETER_GROUP_CATEGORIES = ("configuration change",)
# Subscription states in which no notification is delivered.
UNDELIVERED_STATUSES = frozenset({"no-permission", "topic-not-exist", "deleting"})
# Administrator user names an attacker tries first: the console's defaults ("admin" for MySQL, MariaDB, SQL Server,
# Oracle and Db2; "postgres" for PostgreSQL), the engines' built-in superusers ("root", "sa") and "administrator".
# Compared case-insensitively (SQL Server's logins are, and a guesser tries each spelling).
DEFAULT_ADMIN_USERNAMES = frozenset({"admin", "administrator", "postgres", "root", "sa"})


def _rds_regions(inventory: Inventory) -> Iterator[tuple[str, RdsRegion]]:
    return regions(inventory, "rds")


def _clusters(inventory: Inventory) -> Iterator[DbCluster | Outcome]:
    """Every collected cluster, or an error outcome for a region whose clusters could not be listed."""
    return listed_items(inventory, "rds", "db_clusters", noun="DB clusters", resource_type=DB_CLUSTER)


def _tls(
    label: str,
    resource: tuple[str, str, str],
    engine: str,
    group: str | None,
    read: Mapping[str, RdsParameterGroup],
) -> Outcome:
    """Whether ``group`` (the resource's parameter group, read into ``read``) forces TLS for ``engine``."""
    resource_id, resource_type, region = resource
    parameter = RDS_TLS_PARAMETERS[engine]
    found = read.get(group) if group else None
    if found is None:
        reason = f"The parameter group of {label} was not read (RDS named {group or 'none'})"
        return error(resource_id, resource_type, reason, region=region, parameter_group=group)
    if found.get("error"):
        reason = f"Could not read parameter group {group} of {label}: {found['error']}"
        return error(resource_id, resource_type, reason, region=region, parameter_group=group)
    value = (found.get("parameters") or {}).get(parameter)
    ok = str(value or "").strip().lower() in TLS_FORCED
    if ok:
        reason = f"{label} accepts TLS connections only: parameter group {group} sets {parameter} = {value}"
    elif value is None:
        reason = f"{label} accepts connections without TLS: parameter group {group} leaves {parameter} unset"
    else:
        reason = f"{label} accepts connections without TLS: parameter group {group} sets {parameter} = {value}"
    observed = {"engine": engine, "parameter_group": group, "parameter": parameter, "value": value}
    return result(ok, resource_id, resource_type, reason, region=region, **observed)


@aws_check(
    id="aws.rds.transport_encrypted",
    title="RDS instances refuse connections without TLS",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="RDS offers TLS but accepts plain connections too unless the parameter group forbids them, so one "
    "misconfigured client sends its password and query results across the network in clear text.",
    remediation="In a custom parameter group of the instance set rds.force_ssl to 1 (PostgreSQL, SQL Server) or "
    "require_secure_transport to 1/ON (MySQL, MariaDB), attach it and reboot if the parameter is static; move the "
    "clients to TLS first.",
)
def transport_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _rds_regions(inventory):
        groups = data.get("parameter_groups")
        if groups is None:
            continue  # collected before the parameter groups were read
        for db in data.get("db_instances", []):
            engine = str(db.get("engine") or "")
            # Engines without a TLS parameter are not judged; a cluster member's TLS is its cluster's.
            if engine not in RDS_TLS_PARAMETERS or db.get("cluster_id"):
                continue
            dbid = str(db.get("id"))
            yield _tls(f"DB instance {dbid}", (dbid, DB_INSTANCE, region), engine, db.get("parameter_group"), groups)


@aws_check(
    id="aws.rds.cluster_transport_encrypted",
    title="RDS DB clusters refuse connections without TLS",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="An Aurora or Multi-AZ DB cluster takes its TLS setting from its DB cluster parameter group, which "
    "accepts plain connections unless told otherwise, so a misconfigured client's credentials and data cross the "
    "network in clear text.",
    remediation="In a custom DB cluster parameter group set rds.force_ssl to 1 (Aurora PostgreSQL, PostgreSQL) or "
    "require_secure_transport to ON/1 (Aurora MySQL, MySQL), attach it to the cluster and reboot its instances if "
    "needed; move the clients to TLS first.",
)
def cluster_transport_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    read = {region: data.get("cluster_parameter_groups") for region, data in _rds_regions(inventory)}
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        engine, region = str(cluster.get("engine") or ""), str(cluster.get("region", ""))
        groups = read.get(region)
        # Aurora MySQL 1 ("aurora") has no TLS parameter; clusters collected before the groups were read: not judged.
        if engine not in RDS_TLS_PARAMETERS or groups is None:
            continue
        resource = (str(cluster.get("arn") or cluster.get("id")), DB_CLUSTER, region)
        yield _tls(f"DB cluster {cluster.get('id')}", resource, engine, cluster.get("parameter_group"), groups)


def _covered(resource_id: str, subscriptions: list[RdsEventSubscription], wanted: tuple[str, ...]) -> set[str]:
    """The ``wanted`` categories some delivering subscription sends for the resource's events."""
    covered: set[str] = set()
    for subscription in subscriptions:
        ids = subscription.get("source_ids") or []
        if ids and resource_id not in ids:
            continue
        categories = {str(c).lower() for c in subscription.get("categories") or []}
        covered |= categories or set(wanted)
    return covered


def _subscription_outcomes(
    inventory: Inventory,
    resources: Callable[[RdsRegion], list[str]],
    source_type: str,
    wanted: tuple[str, ...],
    noun: str,
) -> Iterable[Outcome]:
    """Per region holding ``resources``: whether enabled, delivering event subscriptions for ``source_type`` (or every
    source type) send each ``wanted`` category of every one of them."""
    account = inventory.account_id or "aws-account"
    for region, data in _rds_regions(inventory):
        ids = resources(data)
        if not ids:
            continue  # nothing to hear about
        if data.get("event_subscriptions_error"):
            reason = f"Could not list the RDS event subscriptions in {region}: {data['event_subscriptions_error']}"
            yield error(account, ACCOUNT, reason, region=region)
            continue
        if "event_subscriptions" not in data:
            continue  # collected before the subscriptions were read
        delivering = [
            s
            for s in data["event_subscriptions"]
            if s.get("enabled")
            and s.get("status") not in UNDELIVERED_STATUSES
            and s.get("source_type") in (None, source_type)
        ]
        missing: dict[str, list[str]] = {}
        for rid in ids:
            lacking = [c for c in wanted if c not in _covered(rid, delivering, wanted)]
            if lacking:
                missing[rid] = lacking
        names = sorted(str(s.get("name")) for s in delivering)
        listed = ", ".join(wanted)
        if not missing:
            reason = f"RDS event subscriptions in {region} ({', '.join(names)}) send {listed} events of every {noun}"
        elif not delivering:
            reason = f"No enabled RDS event subscription in {region} sends {noun} events ({listed} wanted)"
        else:
            lacking = sorted({c for categories in missing.values() for c in categories})
            shown = ", ".join(sorted(missing)[:5]) + (", ..." if len(missing) > 5 else "")
            reason = (
                f"RDS event subscriptions in {region} send no {', '.join(lacking)} events of {len(missing)} of "
                f"{len(ids)} {noun}(s): {shown}"
            )
        yield result(not missing, account, ACCOUNT, reason, region=region, subscriptions=names, uncovered=missing)


def _instance_ids(data: RdsRegion) -> list[str]:
    return [str(db.get("id")) for db in data.get("db_instances", []) if db.get("engine") not in OTHER_SERVICES_ENGINES]


def _cluster_ids(data: RdsRegion) -> list[str]:
    return [str(cluster.get("id")) for cluster in data.get("db_clusters") or []]


def _parameter_group_names(data: RdsRegion) -> list[str]:
    # AWS's default groups ("default.<family>") cannot be modified, so they raise no configuration change event.
    groups = {
        str(db.get("parameter_group"))
        for db in data.get("db_instances", [])
        if db.get("parameter_group")
        and not str(db.get("parameter_group")).startswith("default.")
        and db.get("engine") not in OTHER_SERVICES_ENGINES
    }
    return sorted(groups)


@aws_check(
    id="aws.rds.event_subscription_critical",
    title="RDS event subscriptions notify of critical DB instance events",
    severity=Severity.LOW,
    service="rds",
    resource_type=ACCOUNT,
    rationale="Without an event subscription nobody hears that an instance failed, is about to be patched or "
    "restarted, or had its configuration changed (a changed security group or parameter group included) until "
    "users notice; the critical categories are failure, maintenance and configuration change.",
    remediation="Create an enabled RDS event subscription in the region for source type db-instance (or all source "
    "types), with the failure, maintenance and configuration change categories (or all categories), on an SNS topic "
    "someone reads.",
)
def event_subscription_critical(inventory: Inventory) -> Iterable[Outcome]:
    return _subscription_outcomes(inventory, _instance_ids, "db-instance", CRITICAL_CATEGORIES, "DB instance")


@aws_check(
    id="aws.rds.cluster_event_subscription_critical",
    title="RDS event subscriptions notify of critical DB cluster events",
    severity=Severity.LOW,
    service="rds",
    resource_type=ACCOUNT,
    rationale="A cluster's failovers, failures and maintenance are reported as cluster events, not as events of its "
    "instances: without a subscription for them nobody hears that the writer moved, the cluster failed or is about "
    "to be patched until users notice.",
    remediation="Create an enabled RDS event subscription in the region for source type db-cluster (or all source "
    "types), with the failure and maintenance categories (or all categories), on an SNS topic someone reads.",
)
def cluster_event_subscription_critical(inventory: Inventory) -> Iterable[Outcome]:
    return _subscription_outcomes(inventory, _cluster_ids, "db-cluster", CLUSTER_CRITICAL_CATEGORIES, "DB cluster")


def _admin_name(label: str, name: Any) -> tuple[bool, str, dict[str, Any]]:
    default = str(name).lower() in DEFAULT_ADMIN_USERNAMES
    if default:
        reason = f"{label} has the administrator user name {name}, a well-known default"
    else:
        reason = f"{label} has an administrator user name that is not a well-known default"
    # A custom name is not repeated in the outcome: it is half of what a password guesser needs.
    return not default, reason, {"default_username": name if default else None}


@aws_check(
    id="aws.rds.not_default_admin_username",
    title="RDS instances do not use a default administrator user name",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Password-guessing against a database starts with its default administrator names (admin, postgres, "
    "root, sa, administrator); a custom name leaves an attacker to guess the user as well as the password.",
    remediation="The master user name cannot be changed: create a new instance (or restore a snapshot into one) with "
    "a custom master user name, move the application to it and delete this one.",
)
def not_default_admin_username(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _rds_regions(inventory):
        for db in data.get("db_instances", []):
            # A cluster member's master user is its cluster's (aws.rds.cluster_not_default_admin_username).
            if db.get("engine") in OTHER_SERVICES_ENGINES or in_rds_cluster(db) or not db.get("master_username"):
                continue  # other services', judged on the cluster, or collected before the name was kept
            dbid = str(db.get("id"))
            ok, reason, observed = _admin_name(f"DB instance {dbid}", db.get("master_username"))
            yield result(ok, dbid, DB_INSTANCE, reason, region=region, **observed)


@aws_check(
    id="aws.rds.cluster_not_default_admin_username",
    title="RDS DB clusters do not use a default administrator user name",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="Password-guessing against a database starts with its default administrator names (admin, postgres, "
    "root, sa, administrator); a custom name leaves an attacker to guess the user as well as the password.",
    remediation="The master user name cannot be changed: restore a snapshot of the cluster into a new cluster with a "
    "custom master user name, move the application to it and delete this one.",
)
def cluster_not_default_admin_username(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        if not cluster.get("master_username"):
            continue  # collected before the name was kept
        ok, reason, observed = _admin_name(f"DB cluster {cluster.get('id')}", cluster.get("master_username"))
        resource = str(cluster.get("arn") or cluster.get("id"))
        yield result(ok, resource, DB_CLUSTER, reason, region=str(cluster.get("region", "")), **observed)


# Each engine's default listener port (by engine name prefix, longest first where one prefixes another).
DEFAULT_PORTS: tuple[tuple[str, int], ...] = (
    ("aurora-postgresql", 5432),
    ("aurora-mysql", 3306),
    ("aurora", 3306),
    ("postgres", 5432),
    ("mysql", 3306),
    ("mariadb", 3306),
    ("oracle", 1521),
    ("sqlserver", 1433),
    ("db2", 50000),
)
_PORT_RATIONALE = (
    "Scanners and bots sweep the internet and internal networks for databases on their engines' default ports and "
    "try default users and leaked passwords on whatever answers. Another port is no protection on its own, but it "
    "drops the database out of those untargeted sweeps and makes one that does arrive stand out in the logs."
)


def _default_port(engine: object) -> int | None:
    name = str(engine or "").lower()
    return next((port for prefix, port in DEFAULT_PORTS if name.startswith(prefix)), None)


def _port_verdict(label: str, engine: object, port: object) -> Verdict | None:
    default = _default_port(engine)
    if default is None or not isinstance(port, int):
        return None  # an engine without a known default, or no port reported
    ok = port != default
    reason = f"{label} listens on {'port ' + str(port) if ok else f'its engine default port {port}'}"
    return ok, reason, {"port": port, "engine_default_port": default}


@aws_check(
    id="aws.rds.instance_non_default_port",
    title="RDS instances do not listen on their engine's default port",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale=_PORT_RATIONALE,
    remediation="Modify the instance with another DB port number (ModifyDBInstance DBPortNumber; the instance "
    "restarts), then update the security groups and the applications' connection settings.",
)
def instance_non_default_port(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _rds_regions(inventory):
        for db in data.get("db_instances", []):
            # A cluster member listens on its cluster's port (aws.rds.cluster_non_default_port).
            if db.get("engine") in OTHER_SERVICES_ENGINES or in_rds_cluster(db):
                continue
            dbid = str(db.get("id"))
            verdict = _port_verdict(f"DB instance {dbid}", db.get("engine"), db.get("port"))
            if verdict is not None:
                ok, reason, observed = verdict
                yield result(ok, dbid, DB_INSTANCE, reason, region=region, **observed)


@aws_check(
    id="aws.rds.cluster_non_default_port",
    title="RDS DB clusters do not listen on their engine's default port",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale=_PORT_RATIONALE,
    remediation="Modify the cluster with another port (ModifyDBCluster Port; its instances restart), then update the "
    "security groups and the applications' connection settings.",
)
def cluster_non_default_port(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        verdict = _port_verdict(f"DB cluster {cluster.get('id')}", cluster.get("engine"), cluster.get("port"))
        if verdict is not None:
            ok, reason, observed = verdict
            resource = str(cluster.get("arn") or cluster.get("id"))
            yield result(ok, resource, DB_CLUSTER, reason, region=str(cluster.get("region", "")), **observed)


@aws_check(
    id="aws.rds.parameter_group_event_subscription",
    title="RDS event subscriptions notify of changes to the DB parameter groups in use",
    severity=Severity.LOW,
    service="rds",
    resource_type=ACCOUNT,
    rationale="A parameter group holds the settings that keep a database safe (TLS forced, logging, authentication "
    "plugins); a change to one applies to every instance using it, and without a subscription to its configuration "
    "change events nobody hears that a setting was turned off.",
    remediation="Create an enabled RDS event subscription in the region for source type db-parameter-group (or all "
    "source types), with the configuration change category (or all categories), on an SNS topic someone reads.",
)
def parameter_group_event_subscription(inventory: Inventory) -> Iterable[Outcome]:
    return _subscription_outcomes(
        inventory, _parameter_group_names, "db-parameter-group", PARAMETER_GROUP_CATEGORIES, "DB parameter group"
    )
