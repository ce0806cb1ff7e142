"""EKS checks: the cluster API endpoint's exposure and control-plane audit logging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import EksCluster
from ._common import aws_check, items, result

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
