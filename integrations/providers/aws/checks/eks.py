"""EKS checks: the cluster API endpoint's exposure, control-plane audit logging, secrets encryption, deletion
protection and the Kubernetes version's support."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import EksCluster
from ._common import aws_check, error, items, regions, result, scan_time

CLUSTER = "AWS::EKS::Cluster"
ANYWHERE = {"0.0.0.0/0", "::/0"}
# The control-plane logs that record who called the Kubernetes API and how they authenticated.
REQUIRED_LOGS = ("api", "audit", "authenticator")


def _clusters(inventory: Inventory) -> Iterator[EksCluster]:
    return items(inventory, "eks", "clusters")


@aws_check(
    id="aws.eks.endpoint_not_public",
    title="EKS cluster API endpoints are not open to the whole internet",
    severity=Severity.HIGH,
    service="eks",
    resource_type=CLUSTER,
    rationale="The Kubernetes API controls every workload of the cluster; reachable from anywhere, it is one "
    "leaked token or unpatched flaw away from takeover.",
    remediation="Turn on private endpoint access and turn public access off, or limit publicAccessCidrs to the "
    "address ranges of your administrators and pipelines.",
)
def endpoint_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        name = str(cluster.get("name"))
        public = bool(cluster.get("endpoint_public_access"))
        cidrs = list(cluster.get("public_access_cidrs") or [])
        open_to_all = public and (not cidrs or bool(ANYWHERE & set(cidrs)))
        if not public:
            reason = f"Cluster {name} has no public API endpoint"
        elif open_to_all:
            reason = f"Cluster {name} has a public API endpoint open to any address"
        else:
            reason = f"Cluster {name} has a public API endpoint limited to {', '.join(cidrs)}"
        yield result(
            not open_to_all,
            str(cluster.get("arn") or name),
            CLUSTER,
            reason,
            region=str(cluster.get("region", "")),
            endpoint_public_access=public,
            endpoint_private_access=bool(cluster.get("endpoint_private_access")),
            public_access_cidrs=cidrs,
        )


@aws_check(
    id="aws.eks.private_endpoint_enabled",
    title="EKS clusters let their nodes reach the Kubernetes API privately",
    severity=Severity.MEDIUM,
    service="eks",
    resource_type=CLUSTER,
    rationale="With private endpoint access off, the nodes and everything else in the VPC reach the Kubernetes API "
    "through its public endpoint: the traffic leaves the VPC, and the public endpoint must stay open to the nodes' "
    "egress addresses, so it cannot be closed or narrowed to administrators.",
    remediation="Turn on private endpoint access (UpdateClusterConfig, resourcesVpcConfig endpointPrivateAccess "
    "true); then turn the public endpoint off or limit it to the administrators' and pipelines' ranges.",
)
def private_endpoint_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        name = str(cluster.get("name"))
        private = bool(cluster.get("endpoint_private_access"))
        reason = (
            f"Cluster {name} has private endpoint access on"
            if private
            else f"Cluster {name} has private endpoint access off: its nodes reach the API over the public endpoint"
        )
        yield result(
            private,
            str(cluster.get("arn") or name),
            CLUSTER,
            reason,
            region=str(cluster.get("region", "")),
            endpoint_private_access=private,
            endpoint_public_access=bool(cluster.get("endpoint_public_access")),
        )


@aws_check(
    id="aws.eks.control_plane_logging",
    title="EKS clusters log API, audit and authenticator events",
    severity=Severity.MEDIUM,
    service="eks",
    resource_type=CLUSTER,
    rationale="Without control-plane logs there is no record of who changed the cluster or read its secrets, "
    "which is what an investigation of a compromised workload starts from.",
    remediation="Enable the api, audit and authenticator control-plane log types for the cluster "
    "(they are delivered to CloudWatch Logs).",
)
def control_plane_logging(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        name = str(cluster.get("name"))
        enabled = set(cluster.get("enabled_log_types") or [])
        missing = [t for t in REQUIRED_LOGS if t not in enabled]
        reason = (
            f"Cluster {name} is missing control-plane logs: {', '.join(missing)}"
            if missing
            else f"Cluster {name} logs {', '.join(REQUIRED_LOGS)} events"
        )
        yield result(
            not missing,
            str(cluster.get("arn") or name),
            CLUSTER,
            reason,
            region=str(cluster.get("region", "")),
            enabled_log_types=sorted(enabled),
            missing_log_types=missing,
        )


@aws_check(
    id="aws.eks.secrets_encrypted_with_kms",
    title="EKS clusters encrypt Kubernetes secrets with a KMS key",
    severity=Severity.MEDIUM,
    service="eks",
    resource_type=CLUSTER,
    rationale="Envelope encryption with a KMS key of the account's puts every read of the cluster's secrets under "
    "a key policy the account controls and CloudTrail records, and lets the account revoke access by disabling the "
    "key; without it, anyone who reads etcd's storage or backups reads the secrets.",
    remediation="Associate a KMS key with the cluster for the secrets resource (aws eks associate-encryption-config); "
    "it cannot be removed afterwards.",
)
def secrets_encrypted_with_kms(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if "secrets_kms_key" not in cluster:
            continue  # collected before the encryption configuration was kept
        name = str(cluster.get("name"))
        key = cluster.get("secrets_kms_key")
        reason = (
            f"Cluster {name} encrypts Kubernetes secrets with KMS key {key}"
            if key
            else f"Cluster {name} does not encrypt Kubernetes secrets with a KMS key"
        )
        yield result(
            bool(key),
            str(cluster.get("arn") or name),
            CLUSTER,
            reason,
            region=str(cluster.get("region", "")),
            kms_key=key,
        )


@aws_check(
    id="aws.eks.deletion_protection",
    title="EKS clusters have deletion protection",
    severity=Severity.MEDIUM,
    service="eks",
    resource_type=CLUSTER,
    rationale="Deleting an EKS cluster deletes its control plane and etcd, every Kubernetes object and secret in it, "
    "and AWS cannot restore them; the workloads stop at once. Deletion protection turns that into a deliberate "
    "two-step act instead of one mistaken or malicious call.",
    remediation="Turn on deletion protection for the cluster (aws eks update-cluster-config --deletion-protection), "
    "and turn it off only as part of a reviewed decommissioning.",
)
def deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        if "deletion_protection" not in cluster:
            continue  # collected before the setting was kept
        name, ok = str(cluster.get("name")), bool(cluster.get("deletion_protection"))
        reason = f"Cluster {name} {'has' if ok else 'does not have'} deletion protection"
        arn = str(cluster.get("arn") or name)
        yield result(ok, arn, CLUSTER, reason, region=str(cluster.get("region", "")), deletion_protection=ok)


# When each Kubernetes minor version leaves EKS standard support (00:00 UTC of that day; the version then enters
# paid extended support, 12 months more, before EKS upgrades the control plane itself).
# Source: the "Amazon EKS Kubernetes release calendar" of the EKS User Guide, "Understand the Kubernetes version
# lifecycle on EKS" (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html), read December 2026,
# for 1.29 to 1.34, and its FAQ for 1.23 (October 11, 2023). 1.35 (EKS release January 2026, 14 months of standard
# support) is from endoflife.date/amazon-eks and AWS's aws-samples EKS review calendar (verified 2026-04-24), as the
# stored copy of the User Guide predated it. Add each new version as EKS announces its dates.
# A version missing here is placed between its listed neighbours: older than a listed version whose standard support
# has ended, it has ended too; newer than one still supported, it is supported too; otherwise it is an error.
EKS_END_OF_STANDARD_SUPPORT: dict[tuple[int, int], datetime] = {
    (1, 23): datetime(2023, 10, 11, tzinfo=UTC),
    (1, 29): datetime(2025, 3, 23, tzinfo=UTC),
    (1, 30): datetime(2025, 7, 23, tzinfo=UTC),
    (1, 31): datetime(2025, 11, 26, tzinfo=UTC),
    (1, 32): datetime(2026, 3, 23, tzinfo=UTC),
    (1, 33): datetime(2026, 7, 29, tzinfo=UTC),
    (1, 34): datetime(2026, 12, 2, tzinfo=UTC),
    (1, 35): datetime(2027, 3, 27, tzinfo=UTC),
}
_MINOR_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _day(when: datetime) -> str:
    return when.date().isoformat()


def _standard_support(version: tuple[int, int], at: datetime) -> tuple[bool | None, str]:
    """Whether ``version`` is in EKS standard support at ``at`` (None: the table cannot tell), and how that is known."""
    end = EKS_END_OF_STANDARD_SUPPORT.get(version)
    if end is not None:
        return at < end, f"standard support {'ends' if at < end else 'ended'} {_day(end)}"
    older_supported = [v for v, e in EKS_END_OF_STANDARD_SUPPORT.items() if v < version and at < e]
    if older_supported:
        listed = max(older_supported)
        return True, f"newer than {'.'.join(map(str, listed))}, still in standard support until " + _day(
            EKS_END_OF_STANDARD_SUPPORT[listed]
        )
    newer_ended = [v for v, e in EKS_END_OF_STANDARD_SUPPORT.items() if v > version and at >= e]
    if newer_ended:
        listed = min(newer_ended)
        return False, f"older than {'.'.join(map(str, listed))}, whose standard support ended " + _day(
            EKS_END_OF_STANDARD_SUPPORT[listed]
        )
    return None, "not in the support table, and its listed neighbours do not settle it"


@aws_check(
    id="aws.eks.version_in_standard_support",
    title="EKS clusters run a Kubernetes version in standard support",
    severity=Severity.MEDIUM,
    service="eks",
    resource_type=CLUSTER,
    rationale="Past standard support the Kubernetes project no longer ships fixes for the version and EKS patches "
    "it only under paid extended support, then upgrades the control plane on its own schedule, breaking workloads "
    "that were never tested on the new version.",
    remediation="Upgrade the cluster's control plane (one minor version at a time), then its node groups and "
    "add-ons, to a version in standard support.",
)
def version_in_standard_support(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "eks"):
        at = scan_time(data)
        for cluster in data.get("clusters", []):
            if "version" not in cluster:
                continue  # collected before the version was kept
            name, cid = str(cluster.get("name")), str(cluster.get("arn") or cluster.get("name"))
            version = str(cluster.get("version") or "")
            parsed = _MINOR_VERSION.match(version)
            if parsed is None:
                yield error(cid, CLUSTER, f"Cluster {name} reports no Kubernetes version we can read", region=region)
                continue
            supported, why = _standard_support((int(parsed[1]), int(parsed[2])), at)
            if supported is None:
                reason = f"Cannot tell whether Kubernetes {version} of cluster {name} is in standard support: {why}"
                yield error(cid, CLUSTER, reason, region=region, version=version)
                continue
            state = "is in" if supported else "is past"
            reason = f"Cluster {name} runs Kubernetes {version}, which {state} EKS standard support ({why})"
            yield result(supported, cid, CLUSTER, reason, region=region, version=version, judged_at=_day(at))
