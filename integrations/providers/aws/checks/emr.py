"""Checks on active EMR clusters: encryption at rest and in transit, logs archived to S3, and a master node with no
public address, or at least none the internet can reach."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import EmrCluster
from ._common import aws_check, described_items, error, regions, result
from .network import admits_internet

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


def public_master(name: str) -> bool:
    """Whether a MasterPublicDnsName is a public address: an internet IP, or a name outside AWS's internal domains."""
    try:
        return ipaddress.ip_address(name).is_global
    except ValueError:
        return not name.lower().rstrip(".").endswith(".internal")


def _masters(inventory: Inventory) -> Iterator[tuple[EmrCluster, str] | Outcome]:
    """Each cluster whose master node is up, with its DNS name; clusters kept before it was read are left out."""
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
        elif cluster.get("master_public_dns"):
            yield cluster, str(cluster["master_public_dns"])


@aws_check(
    id="aws.emr.cluster_master_no_public_address",
    title="EMR cluster master nodes have no public address",
    severity=Severity.MEDIUM,
    service="emr",
    resource_type=CLUSTER,
    rationale="A master node with a public address is one security group rule away from the internet, and it runs "
    "the cluster's web interfaces (YARN, Spark history, Jupyter) and SSH; in a private subnet it is reached only "
    "through the VPC, a bastion or Session Manager.",
    remediation="Launch the cluster in a private subnet (one that maps no public IPs, with a NAT gateway or VPC "
    "endpoints for the AWS services it calls); a running cluster cannot move, so clone it into the private subnet.",
)
def cluster_master_no_public_address(inventory: Inventory) -> Iterable[Outcome]:
    for found in _masters(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        cluster, name = found
        public = public_master(name)
        reason = (
            f"{_label(cluster)} has a master node with a public address ({name})"
            if public
            else f"{_label(cluster)} has a master node with a private address only"
        )
        yield result(not public, _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), public=public)


@aws_check(
    id="aws.emr.cluster_not_publicly_accessible",
    title="EMR cluster master nodes are not reachable from the internet",
    severity=Severity.HIGH,
    service="emr",
    requires=("emr", "ec2"),
    resource_type=CLUSTER,
    rationale="A master node with a public address whose security groups admit 0.0.0.0/0 or ::/0 exposes the "
    "cluster's SSH and web interfaces to anyone: Hadoop and Spark interfaces were built for trusted networks, and "
    "open ones are scanned for and taken over to run crypto-miners.",
    remediation="Remove the whole-internet rules from the master's security groups (keep EMR block public access on "
    "to stop new ones), reach the interfaces through SSH tunnels, a bastion or Session Manager, and move the cluster "
    "to a private subnet.",
)
def cluster_not_publicly_accessible(inventory: Inventory) -> Iterable[Outcome]:
    groups = {
        (region, str(g.get("id"))): g
        for region, data in regions(inventory, "ec2")
        for g in data.get("security_groups", [])
    }
    for found in _masters(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        cluster, name = found
        region, label = str(cluster.get("region", "")), _label(cluster)
        if not public_master(name):
            yield result(True, _id(cluster), CLUSTER, f"{label} has no public address to reach", region=region)
            continue
        missing = [g for g in cluster.get("master_security_groups", []) if (region, g) not in groups]
        if missing:
            reason = f"{label}: its master security group {missing[0]} was not found among the region's groups"
            yield error(_id(cluster), CLUSTER, reason, region=region)
            continue
        open_groups = {
            g: worlds
            for g in cluster.get("master_security_groups", [])
            if (worlds := admits_internet(groups[(region, g)]))
        }
        if open_groups:
            shown = "; ".join(f"{g} admits {' and '.join(w)}" for g, w in sorted(open_groups.items()))
            reason = f"{label} has a public master node reachable from the internet: {shown}"
        else:
            reason = f"{label} has a public master node, but its security groups admit no whole-internet range"
        yield result(not open_groups, _id(cluster), CLUSTER, reason, region=region, open_groups=sorted(open_groups))
