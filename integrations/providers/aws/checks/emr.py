"""Checks on active EMR clusters: encryption at rest and in transit, and logs archived to S3."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import EmrCluster
from ._common import aws_check, described_items, error, result

CLUSTER = "AWS::EMR::Cluster"


def _clusters(inventory: Inventory) -> Iterator[EmrCluster | Outcome]:
    return described_items(
        inventory, "emr", "clusters", noun="active EMR clusters", resource_type=CLUSTER, resource_id=_id, label=_label
    )


def _id(cluster: EmrCluster) -> str:
    return str(cluster.get("arn") or cluster.get("id"))


def _label(cluster: EmrCluster) -> str:
    name, cid = cluster.get("name"), str(cluster.get("id"))
    return f"EMR cluster {name} ({cid})" if name else f"EMR cluster {cid}"


@aws_check(
    id="aws.emr.cluster_encryption_enabled",
    title="EMR clusters encrypt data at rest and in transit",
    severity=Severity.HIGH,
    service="emr",
    resource_type=CLUSTER,
    rationale="A cluster's security configuration is what encrypts its data: without one, or with encryption off "
    "in it, its local disks and the traffic between its nodes (shuffle data, application endpoints) hold and carry "
    "the data unencrypted, and what it writes to S3 through EMRFS gets no more than the bucket's defaults.",
    remediation="Create an EMR security configuration that turns on at-rest encryption (S3 with SSE-S3 or SSE-KMS, "
    "local disks with a KMS key) and in-transit encryption (TLS certificates from S3 or a custom provider), then "
    "launch a new cluster with it: a running cluster's security configuration cannot be changed.",
)
def cluster_encryption_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        label, region = _label(cluster), str(cluster.get("region", ""))
        config = cluster.get("security_configuration")
        if config and cluster.get("security_configuration_error"):
            problem = cluster["security_configuration_error"]
            reason = f"Could not read security configuration {config} of {label}: {problem}"
            yield error(_id(cluster), CLUSTER, reason, region=region, security_configuration=config)
            continue
        at_rest, in_transit = bool(cluster.get("at_rest_encryption")), bool(cluster.get("in_transit_encryption"))
        off = [what for what, on in (("at rest", at_rest), ("in transit", in_transit)) if not on]
        if not config:
            reason = f"{label} has no security configuration, so its data is encrypted neither at rest nor in transit"
        elif off:
            reason = f"{label} has security configuration {config}, which leaves encryption {' and '.join(off)} off"
        else:
            reason = f"{label} encrypts data at rest and in transit (security configuration {config})"
        yield result(
            not off,
            _id(cluster),
            CLUSTER,
            reason,
            region=region,
            security_configuration=config,
            at_rest_encryption=at_rest,
            in_transit_encryption=in_transit,
        )


@aws_check(
    id="aws.emr.cluster_logging_enabled",
    title="EMR clusters archive their logs to S3",
    severity=Severity.MEDIUM,
    service="emr",
    resource_type=CLUSTER,
    rationale="Without a log URI a cluster's step, application and node logs stay on its own instances and are "
    "gone when it terminates, so what ran on it and what failed cannot be looked into afterwards.",
    remediation="Launch clusters with a log URI naming an S3 bucket (a running cluster's log URI cannot be added), "
    "and keep that bucket's access restricted and its objects encrypted.",
)
def cluster_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        uri = cluster.get("log_uri")
        if uri:
            reason = f"{_label(cluster)} archives its logs to {uri}"
        else:
            reason = f"{_label(cluster)} has no log URI, so its logs are lost when it terminates"
        yield result(bool(uri), _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), log_uri=uri)
