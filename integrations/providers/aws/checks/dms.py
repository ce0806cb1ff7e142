"""Checks on DMS: replication instances (not public, Multi-AZ, minor upgrades) and endpoints' SSL (or Redis TLS)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_databases import DmsEndpoint, ReplicationInstance
from ._common import aws_check, items, listed_items, result

INSTANCE = "AWS::DMS::ReplicationInstance"
ENDPOINT = "AWS::DMS::Endpoint"
# What DMS does when a setting is not given at creation (CreateReplicationInstance): a public address, one
# Availability Zone, minor upgrades applied. A describe that leaves a setting out is read as that default.
DEFAULT_PUBLICLY_ACCESSIBLE = True
DEFAULT_MULTI_AZ = False
DEFAULT_AUTO_MINOR_VERSION_UPGRADE = True
# An endpoint created without an SslMode connects without SSL.
DEFAULT_SSL_MODE = "none"
REDIS_DEFAULT_PROTOCOL = "ssl-encryption"
# DMS's engine name for MongoDB endpoints, and the authentication type it uses when none is given.
MONGODB_ENGINES = frozenset({"mongodb"})
MONGODB_DEFAULT_AUTH = "password"
# Engines whose DMS endpoints connect to a database server over a connection DMS encrypts only when the endpoint's
# SslMode says so. The others (S3, DynamoDB, Kinesis, OpenSearch, Redshift, Kafka, Redis, Neptune, ...) reach AWS
# service APIs over HTTPS, or set TLS in their own engine settings, and report an SslMode of none whatever they do;
# of those, Redis targets are judged by their own setting (a Redis server is a database the network sits in front of).
# A Redis target created without a security protocol connects with TLS.
SSL_MODE_ENGINES = frozenset(
    {
        "aurora",
        "aurora-postgresql",
        "aurora-postgresql-serverless",
        "aurora-serverless",
        "azure-sql-managed-instance",
        "azuredb",
        "babelfish",
        "db2",
        "db2-zos",
        "docdb",
        "gcp-mysql",
        "mariadb",
        "mongodb",
        "mysql",
        "oracle",
        "postgres",
        "sqlserver",
        "sybase",
    }
)


def _instances(inventory: Inventory) -> Iterator[ReplicationInstance]:
    return items(inventory, "dms", "replication_instances")


def _instance_id(instance: ReplicationInstance) -> str:
    return str(instance.get("arn") or instance.get("id"))


def _instance_label(instance: ReplicationInstance) -> str:
    return f"DMS replication instance {instance.get('id')}"


def _setting(instance: ReplicationInstance, field: str, default: bool) -> tuple[bool, str]:
    """The instance's ``field``, or DMS's ``default`` when it was not reported, and how to say which."""
    reported = instance.get(field)
    if isinstance(reported, bool):
        return reported, ""
    return default, " (not reported, so DMS's default)"


def _judge_setting(
    inventory: Inventory, field: str, default: bool, *, passes_when: bool, on: str, off: str
) -> Iterator[Outcome]:
    """One outcome per replication instance on one boolean setting (DMS's ``default`` when not reported): it passes
    when the setting is ``passes_when``; the reason says ``on`` or ``off`` after the instance's label."""
    for instance in _instances(inventory):
        value, note = _setting(instance, field, default)
        yield result(
            value == passes_when,
            _instance_id(instance),
            INSTANCE,
            f"{_instance_label(instance)} {on if value else off}{note}",
            region=str(instance.get("region", "")),
            **{field: value},
        )


@aws_check(
    id="aws.dms.replication_instance_not_public",
    title="DMS replication instances are not publicly accessible",
    severity=Severity.HIGH,
    service="dms",
    resource_type=INSTANCE,
    rationale="A publicly accessible replication instance gets a public IP address; it holds credentials for the "
    "source and target databases and the data in flight between them, and one loose security group rule then opens "
    "it to the internet.",
    remediation="Public accessibility cannot be changed on an existing instance: create a replication instance "
    "with it off, in private subnets, move the replication tasks to it and delete the old one.",
)
def replication_instance_not_public(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_setting(
        inventory,
        "publicly_accessible",
        DEFAULT_PUBLICLY_ACCESSIBLE,
        passes_when=False,
        on="is publicly accessible",
        off="is not publicly accessible",
    )


@aws_check(
    id="aws.dms.replication_instance_multi_az",
    title="DMS replication instances are deployed across Availability Zones",
    severity=Severity.LOW,
    service="dms",
    resource_type=INSTANCE,
    rationale="A Multi-AZ replication instance keeps a standby in a second zone that takes over when the primary's "
    "zone or host fails, so ongoing replication keeps running instead of stopping until someone rebuilds it.",
    remediation="Modify the replication instance to a Multi-AZ deployment.",
)
def replication_instance_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_setting(
        inventory,
        "multi_az",
        DEFAULT_MULTI_AZ,
        passes_when=True,
        on="is Multi-AZ",
        off="runs in a single Availability Zone",
    )


@aws_check(
    id="aws.dms.replication_instance_auto_minor_version_upgrade",
    title="DMS replication instances apply minor engine upgrades automatically",
    severity=Severity.LOW,
    service="dms",
    resource_type=INSTANCE,
    rationale="Minor DMS engine versions carry security and stability fixes; applied automatically in the "
    "maintenance window, they keep the instance patched without anyone having to schedule it.",
    remediation="Modify the replication instance to turn on auto minor version upgrade.",
)
def replication_instance_auto_minor_version_upgrade(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_setting(
        inventory,
        "auto_minor_version_upgrade",
        DEFAULT_AUTO_MINOR_VERSION_UPGRADE,
        passes_when=True,
        on="applies minor engine upgrades automatically",
        off="has auto minor version upgrade off",
    )


def _endpoints(inventory: Inventory) -> Iterator[DmsEndpoint | Outcome]:
    """Every endpoint, or an error outcome for a region whose endpoints could not be listed."""
    return listed_items(inventory, "dms", "endpoints", noun="DMS endpoints", resource_type=ENDPOINT)


@aws_check(
    id="aws.dms.endpoint_ssl_enabled",
    title="DMS database endpoints connect with SSL",
    severity=Severity.MEDIUM,
    service="dms",
    resource_type=ENDPOINT,
    rationale="With SslMode none, DMS reads from or writes to the database over an unencrypted connection: the "
    "rows being migrated and the endpoint's database credentials cross the network in the clear.",
    remediation="Modify the endpoint's SSL mode to require, or better verify-ca or verify-full with the database's "
    "CA certificate imported into DMS, and make sure the database server accepts SSL connections. For a Redis "
    "target, set its security protocol (RedisSettings) to ssl-encryption.",
)
def endpoint_ssl_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for endpoint in _endpoints(inventory):
        if isinstance(endpoint, Outcome):
            yield endpoint
            continue
        engine = str(endpoint.get("engine") or "").lower()
        if engine == "redis" and "redis_ssl_protocol" in endpoint:
            # A Redis target sets TLS in its own settings; ssl-encryption unless set.
            reported = endpoint.get("redis_ssl_protocol")
            protocol = _endpoint_setting(reported, REDIS_DEFAULT_PROTOCOL, "Redis security protocol")
            ok = protocol[0] != "plaintext"
            yield _endpoint_outcome(endpoint, engine, ok, "TLS", protocol, redis_ssl_protocol=protocol[0])
        elif engine in SSL_MODE_ENGINES:
            mode = _endpoint_setting(endpoint.get("ssl_mode"), DEFAULT_SSL_MODE, "SSL mode")
            yield _endpoint_outcome(endpoint, engine, mode[0] != "none", "SSL", mode, ssl_mode=mode[0])


def _endpoint_setting(reported: str | None, default: str, name: str) -> tuple[str, str]:
    """The value in force (the reported one, else DMS's default) and how the reason shows it."""
    value = str(reported or default).lower()
    return value, f"{name} {value}" if reported else f"{name} not reported, so DMS's default {default}"


def _endpoint_outcome(
    endpoint: DmsEndpoint, engine: str, ok: bool, protection: str, setting: tuple[str, str], **observed: str
) -> Outcome:
    kind = str(endpoint.get("endpoint_type") or "").lower()
    label = f"DMS {kind + ' ' if kind else ''}endpoint {endpoint.get('id')} ({engine})"
    shown = setting[1]
    if ok:
        reason = f"{label} connects with {shown}" if protection == "SSL" else f"{label} connects with TLS ({shown})"
    else:
        reason = f"{label} connects without {protection} ({shown})"
    arn = str(endpoint.get("arn") or endpoint.get("id"))
    return result(ok, arn, ENDPOINT, reason, region=str(endpoint.get("region", "")), engine=engine, **observed)


def _endpoints_of(inventory: Inventory, engines: frozenset[str], field: str) -> Iterator[DmsEndpoint | Outcome]:
    """The endpoints of ``engines`` collected with ``field``, and the listings' error outcomes."""
    for endpoint in _endpoints(inventory):
        judged = not isinstance(endpoint, Outcome) and str(endpoint.get("engine") or "").lower() in engines
        if isinstance(endpoint, Outcome) or (judged and field in endpoint):
            yield endpoint


def _label(endpoint: DmsEndpoint) -> str:
    kind = str(endpoint.get("endpoint_type") or "").lower()
    return f"DMS {kind + ' ' if kind else ''}endpoint {endpoint.get('id')} ({endpoint.get('engine')})"


@aws_check(
    id="aws.dms.endpoint_mongodb_authentication_enabled",
    title="DMS MongoDB endpoints sign in to the database",
    severity=Severity.MEDIUM,
    service="dms",
    resource_type=ENDPOINT,
    rationale="An endpoint with authentication type no connects to a MongoDB database that lets anyone on its network "
    "read and write it without a password: the database DMS migrates from or to is open to every host that can reach "
    "it.",
    remediation="Turn on access control on the MongoDB database, create a user for DMS, and modify the endpoint's "
    "MongoDB settings to authentication type password with that user (its password in Secrets Manager).",
)
def endpoint_mongodb_authentication_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for endpoint in _endpoints_of(inventory, MONGODB_ENGINES, "mongodb_auth_type"):
        if isinstance(endpoint, Outcome):
            yield endpoint
            continue
        reported = endpoint.get("mongodb_auth_type")
        auth = str(reported or MONGODB_DEFAULT_AUTH).lower()
        shown = f"authentication type {auth}" + ("" if reported else " (not reported: DMS's default)")
        ok = auth != "no"
        reason = f"{_label(endpoint)} {'signs in with' if ok else 'connects without signing in:'} {shown}"
        arn = str(endpoint.get("arn") or endpoint.get("id"))
        yield result(ok, arn, ENDPOINT, reason, region=str(endpoint.get("region", "")), auth_type=auth)


@aws_check(
    id="aws.dms.endpoint_neptune_iam_authorization_enabled",
    title="DMS Neptune endpoints are authorized with IAM",
    severity=Severity.MEDIUM,
    service="dms",
    resource_type=ENDPOINT,
    rationale="Without IAM authorization DMS writes to the Neptune cluster as an unauthenticated client, which only "
    "works when the cluster itself accepts unauthenticated requests: anything that reaches it may then read and "
    "change the graph.",
    remediation="Turn on IAM database authentication on the Neptune cluster, give the endpoint's service access role "
    "neptune-db:* on it, and modify the endpoint's Neptune settings with IamAuthEnabled true.",
)
def endpoint_neptune_iam_authorization_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for endpoint in _endpoints_of(inventory, frozenset({"neptune"}), "neptune_iam_auth"):
        if isinstance(endpoint, Outcome):
            yield endpoint
            continue
        ok = endpoint.get("neptune_iam_auth") is True
        reason = f"{_label(endpoint)} {'is' if ok else 'is not'} authorized with IAM"
        arn = str(endpoint.get("arn") or endpoint.get("id"))
        yield result(ok, arn, ENDPOINT, reason, region=str(endpoint.get("region", "")), iam_auth_enabled=ok)
