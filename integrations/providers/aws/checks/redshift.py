"""Checks on Redshift provisioned clusters: audit logging, exposure, automated snapshots, encryption at rest and SSL
required by their parameter groups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import RedshiftCluster
from ._common import aws_check, error, items, regions, result

CLUSTER = "AWS::Redshift::Cluster"
MIN_SNAPSHOT_RETENTION_DAYS = 7
_DESTINATIONS = {"cloudwatch": "CloudWatch Logs", "s3": "S3"}


def _clusters(inventory: Inventory) -> Iterator[RedshiftCluster]:
    return items(inventory, "redshift", "clusters")


@aws_check(
    id="aws.redshift.audit_logging_enabled",
    title="Redshift clusters have audit logging on",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="Audit logging records who connected to the warehouse, from where, and changes to its users; without "
    "it there is no trail to investigate a misuse of the data it holds.",
    remediation="Turn on audit logging for the cluster, delivering to an S3 bucket or to CloudWatch Logs (and set "
    "enable_user_activity_logging in its parameter group to record each query too).",
)
def audit_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        cid, region = str(cluster.get("id")), str(cluster.get("region", ""))
        if cluster.get("logging_error"):
            reason = f"Could not read the audit logging status of Redshift cluster {cid}: {cluster['logging_error']}"
            yield error(cid, CLUSTER, reason, region=region)
            continue
        enabled = bool(cluster.get("audit_logging"))
        bucket = cluster.get("log_bucket")
        # Clusters set up before CloudWatch delivery existed report a bucket and no destination type.
        destination = cluster.get("log_destination") or ("s3" if bucket else None)
        ok = enabled and destination is not None
        if enabled and destination is not None:
            where = (
                f"S3 bucket {bucket}" if destination == "s3" and bucket else _DESTINATIONS.get(destination, destination)
            )
            reason = f"Redshift cluster {cid} delivers audit logs to {where}"
        elif enabled:
            reason = f"Redshift cluster {cid} has audit logging on but names no S3 bucket or CloudWatch destination"
        else:
            reason = f"Redshift cluster {cid} has audit logging off"
        yield result(
            ok, cid, CLUSTER, reason, region=region, audit_logging=enabled, log_destination=destination, bucket=bucket
        )


@aws_check(
    id="aws.redshift.not_publicly_accessible",
    title="Redshift clusters are not publicly accessible",
    severity=Severity.HIGH,
    service="redshift",
    resource_type=CLUSTER,
    rationale="A publicly accessible cluster gets an address reachable from the internet, so a single permissive "
    "security group rule exposes the warehouse's login to anyone.",
    remediation="Modify the cluster to turn off public accessibility and reach it from inside the VPC (or over a VPN "
    "or Direct Connect).",
)
def not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        cid = str(cluster.get("id"))
        public = bool(cluster.get("publicly_accessible"))
        reason = (
            f"Redshift cluster {cid} is publicly accessible"
            if public
            else f"Redshift cluster {cid} is not publicly accessible"
        )
        yield result(
            not public, cid, CLUSTER, reason, region=str(cluster.get("region", "")), publicly_accessible=public
        )


@aws_check(
    id="aws.redshift.automated_snapshots",
    title="Redshift clusters keep automated snapshots for at least 7 days",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="Automated snapshots are what a cluster is restored from after a bad load, a dropped table or a "
    "deleted cluster; a week of them leaves time to notice the damage before the last good copy expires.",
    remediation="Set the cluster's automated snapshot retention period to 7 days or more.",
)
def automated_snapshots(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        cid = str(cluster.get("id"))
        days = int(cluster.get("snapshot_retention_days") or 0)
        ok = days >= MIN_SNAPSHOT_RETENTION_DAYS
        if days == 0:
            reason = f"Redshift cluster {cid} has automated snapshots off (retention 0 days)"
        elif ok:
            reason = f"Redshift cluster {cid} keeps automated snapshots for {days} days"
        else:
            reason = (
                f"Redshift cluster {cid} keeps automated snapshots for {days} day(s), "
                f"under {MIN_SNAPSHOT_RETENTION_DAYS}"
            )
        yield result(ok, cid, CLUSTER, reason, region=str(cluster.get("region", "")), snapshot_retention_days=days)


@aws_check(
    id="aws.redshift.encrypted",
    title="Redshift clusters are encrypted at rest",
    severity=Severity.HIGH,
    service="redshift",
    resource_type=CLUSTER,
    rationale="Encryption at rest protects the warehouse's data blocks, system metadata and snapshots if the "
    "storage beneath them, or a snapshot copy, is ever exposed.",
    remediation="Modify the cluster to turn on encryption with a KMS key (Redshift migrates the data to an "
    "encrypted cluster), then confirm its snapshots are encrypted as well.",
)
def encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        cid = str(cluster.get("id"))
        ok = bool(cluster.get("encrypted"))
        key = cluster.get("kms_key_id")
        if ok:
            reason = f"Redshift cluster {cid} is encrypted" + (f" with KMS key {key}" if key else "")
        else:
            reason = f"Redshift cluster {cid} is not encrypted"
        yield result(ok, cid, CLUSTER, reason, region=str(cluster.get("region", "")), encrypted=ok, kms_key_id=key)


@aws_check(
    id="aws.redshift.cluster_requires_ssl",
    title="Redshift clusters accept SSL connections only",
    severity=Severity.MEDIUM,
    service="redshift",
    resource_type=CLUSTER,
    rationale="Unless the cluster's parameter group sets require_ssl, Redshift also takes unencrypted connections: a "
    "client that does not ask for SSL sends its credentials and query results across the network in the clear.",
    remediation="Give the cluster a parameter group of its own (AWS's default groups cannot be changed) with "
    "require_ssl set to true, and reboot the cluster for the static parameter to take effect; check first that "
    "every client connects with SSL.",
)
def cluster_requires_ssl(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "redshift"):
        groups = data.get("parameter_groups")
        if groups is None:
            continue  # collected before the parameter groups were read
        for cluster in data.get("clusters", []):
            cid = str(cluster.get("id"))
            names = cluster.get("parameter_groups") or []
            failed = [(name, groups[name]["error"]) for name in names if "error" in groups.get(name, {})]
            if failed:
                name, why = failed[0]
                reason = f"Could not read parameter group {name} of Redshift cluster {cid}: {why}"
                yield error(cid, CLUSTER, reason, region=region)
                continue
            ok = bool(names) and all(groups.get(name, {}).get("require_ssl") for name in names)
            shown = ", ".join(names) or "none"
            if ok:
                reason = f"Redshift cluster {cid} requires SSL (require_ssl true in parameter group {shown})"
            elif not names:
                reason = f"Redshift cluster {cid} reports no parameter group, so nothing requires SSL"
            else:
                reason = f"Redshift cluster {cid} accepts connections without SSL (require_ssl false in {shown})"
            yield result(ok, cid, CLUSTER, reason, region=region, parameter_groups=names, require_ssl=ok)
