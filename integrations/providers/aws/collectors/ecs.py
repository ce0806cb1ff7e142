"""ECS collection (regional): the latest ACTIVE revision of each task definition family, container by container, and
each cluster's Container Insights setting and services' public IP assignment.

Only what the checks judge is kept: a container's plain environment variables are recorded by name, with the kinds of
credential a value looks like (scanned here), as the values may be the secrets the checks look for and must never be
copied into the inventory.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_containers import EcsRegion
from ._common import Scope, bounded_region, concurrently, describe_error, paginate_at_most, plain
from .user_data import value_credential_kinds

# Each family costs a DescribeTaskDefinition call beyond the listing. Past this many families with an ACTIVE
# revision in a region the rest are left unread (and the checks say so).
MAX_FAMILIES = 1_000
# ListTaskDefinitionFamilies gives at most 100 a page.
_PAGE_SIZE = 100


def collect_ecs(scope: Scope) -> EcsRegion:
    ecs = scope.client("ecs")
    # Families, not revisions: an account that never deregisters keeps every revision it ever deployed ACTIVE, while
    # only the newest of each family is what new tasks and services are started from.
    families, more = paginate_at_most(
        ecs,
        "list_task_definition_families",
        "families",
        MAX_FAMILIES,
        status="ACTIVE",
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    found = concurrently(functools.partial(_task_definition, ecs, scope), families)
    region = bounded_region("task_definitions", [t for t in found if t is not None], more, MAX_FAMILIES)
    return {**region, **plain(collect_ecs_clusters(ecs))}  # type: ignore[typeddict-item]


def _task_definition(ecs: BaseClient, scope: Scope, family: str) -> dict[str, Any] | None:
    task: dict[str, Any] = {
        "family": family,
        "arn": f"arn:{scope.partition}:ecs:{scope.region}:{scope.account_id}:task-definition/{family}",
        "revision": None,
        "network_mode": None,
        "pid_mode": None,
        "containers": [],
        "region": scope.region,
    }
    try:
        # Named by family alone, AWS describes the family's latest ACTIVE revision.
        described = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    except ClientError as exc:
        task["describe_error"] = describe_error(exc)
        return task
    if described.get("status") != "ACTIVE":
        # Its last active revision was deregistered after the listing: nothing new can start from the family.
        return None
    task["arn"] = described.get("taskDefinitionArn") or task["arn"]
    task["revision"] = described.get("revision")
    task["network_mode"] = described.get("networkMode")
    task["pid_mode"] = described.get("pidMode")
    task["containers"] = [_container(c) for c in described.get("containerDefinitions", [])]
    return task


def _container(definition: Mapping[str, Any]) -> dict[str, Any]:
    environment = [v for v in definition.get("environment") or [] if v.get("name")]
    return {
        "name": str(definition.get("name") or ""),
        "privileged": definition.get("privileged") is True,
        "readonly_root_filesystem": definition.get("readonlyRootFilesystem") is True,
        "log_driver": (definition.get("logConfiguration") or {}).get("logDriver") or None,
        # Names, and what kind of credential a value holds: the values themselves are deliberately left behind.
        "environment_names": [str(v["name"]) for v in environment],
        "environment_findings": {
            str(v["name"]): kinds for v in environment if (kinds := value_credential_kinds(v.get("value")))
        },
    }


# Clusters and their services: past this many clusters in a region, or services in a cluster, the rest are left
# unread (and the checks say so).
MAX_CLUSTERS = 1_000
MAX_SERVICES = 1_000
# DescribeClusters takes at most 100 clusters a call, DescribeServices at most 10 services.
_CLUSTER_BATCH = 100
_SERVICE_BATCH = 10


def collect_ecs_clusters(ecs: BaseClient) -> dict[str, Any]:
    """The region's clusters with their Container Insights setting and services, under ``clusters``; a failed listing
    under ``clusters_error`` and a partial one as ``clusters_truncated_at``."""
    try:
        arns, more = paginate_at_most(ecs, "list_clusters", "clusterArns", MAX_CLUSTERS)
        clusters: list[dict[str, Any]] = []
        for start in range(0, len(arns), _CLUSTER_BATCH):
            batch = arns[start : start + _CLUSTER_BATCH]
            clusters.extend(ecs.describe_clusters(clusters=batch, include=["SETTINGS"]).get("clusters", []))
    except ClientError as exc:
        return {"clusters": [], "clusters_error": describe_error(exc)}
    found = concurrently(functools.partial(_cluster, ecs), clusters)
    return {"clusters": found, **({"clusters_truncated_at": MAX_CLUSTERS} if more else {})}


def _cluster(ecs: BaseClient, described: Mapping[str, Any]) -> dict[str, Any]:
    settings = {s.get("name"): s.get("value") for s in described.get("settings") or []}
    cluster: dict[str, Any] = {
        "name": str(described.get("clusterName") or ""),
        "arn": str(described.get("clusterArn") or ""),
        "container_insights": settings.get("containerInsights"),
        "services": [],
    }
    try:
        arns, more = paginate_at_most(ecs, "list_services", "serviceArns", MAX_SERVICES, cluster=cluster["arn"])
        for start in range(0, len(arns), _SERVICE_BATCH):
            batch = arns[start : start + _SERVICE_BATCH]
            for service in ecs.describe_services(cluster=cluster["arn"], services=batch).get("services", []):
                awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
                cluster["services"].append(
                    {
                        "name": str(service.get("serviceName") or ""),
                        "arn": str(service.get("serviceArn") or ""),
                        "awsvpc": awsvpc is not None,
                        "assign_public_ip": (awsvpc or {}).get("assignPublicIp"),
                        "launch_type": service.get("launchType"),
                        "capacity_providers": sorted(
                            str(p.get("capacityProvider"))
                            for p in service.get("capacityProviderStrategy") or []
                            if p.get("capacityProvider")
                        ),
                        "platform_version": service.get("platformVersion"),
                        "platform_family": service.get("platformFamily"),
                    }
                )
    except ClientError as exc:
        cluster["services_error"] = describe_error(exc)
    if more:
        cluster["services_truncated_at"] = MAX_SERVICES
    return cluster
