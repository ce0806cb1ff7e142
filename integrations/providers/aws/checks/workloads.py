"""Checks on ECS clusters and services and on SageMaker models: monitoring, public addresses and VPC placement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import aws_check, error, regional_listing, result

CLUSTER = "AWS::ECS::Cluster"
SERVICE = "AWS::ECS::Service"
MODEL = "AWS::SageMaker::Model"


def ecs_services(inventory: Inventory) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]] | Outcome]:
    """Every ECS service as (region, cluster, service), with an error outcome for a region whose clusters could not
    be listed or were cut short, and for a cluster whose services could not be read or were cut short."""
    for found in regional_listing(inventory, "ecs", "clusters", noun="ECS clusters", resource_type=SERVICE):
        if isinstance(found, Outcome):
            yield found
            continue
        region, cluster = found
        if cluster.get("services_error"):
            reason = f"Could not read the services of ECS cluster {cluster['name']}: {cluster['services_error']}"
            yield error(cluster["arn"], SERVICE, reason, region=region)
            continue
        for service in cluster.get("services", []):
            yield region, cluster, service
        limit = cluster.get("services_truncated_at")
        if limit:
            reason = f"ECS cluster {cluster['name']} holds more than {limit} services; only the first {limit} were read"
            yield error(cluster["arn"], SERVICE, reason, region=region, read=limit)


@aws_check(
    id="aws.ecs.cluster_container_insights",
    title="ECS clusters have Container Insights enabled",
    severity=Severity.LOW,
    service="ecs",
    resource_type=CLUSTER,
    rationale="Without Container Insights a cluster reports no per-task and per-service CPU, memory, network and "
    "restart metrics, so a runaway, crashing or hijacked workload goes unnoticed.",
    remediation="Turn on the cluster's containerInsights setting (enabled, or enhanced for per-container detail), "
    "or make it the account default with PutAccountSettingDefault.",
)
def cluster_container_insights(inventory: Inventory) -> Iterable[Outcome]:
    for found in regional_listing(inventory, "ecs", "clusters", noun="ECS clusters", resource_type=CLUSTER):
        if isinstance(found, Outcome):
            yield found
            continue
        region, cluster = found
        value = cluster.get("container_insights")
        on = value in ("enabled", "enhanced")
        state = "has Container Insights" if on else "does not have Container Insights"
        reason = f"ECS cluster {cluster['name']} {state} (containerInsights {value or 'not set'})"
        yield result(on, cluster["arn"], CLUSTER, reason, region=region, container_insights=value)


@aws_check(
    id="aws.ecs.service_no_public_ip",
    title="ECS services do not assign public IP addresses to their tasks",
    severity=Severity.HIGH,
    service="ecs",
    resource_type=SERVICE,
    rationale="A service that assigns its tasks public IP addresses puts every task on the internet, guarded only "
    "by its security groups; tasks belong in private subnets behind a load balancer.",
    remediation="Update the service's awsvpcConfiguration to assignPublicIp DISABLED, place it in private subnets "
    "(with a NAT gateway or VPC endpoints for outbound needs), and expose it through a load balancer if it must "
    "serve the internet.",
)
def service_no_public_ip(inventory: Inventory) -> Iterable[Outcome]:
    # Only awsvpc services get a network interface of their own; bridge and host mode tasks use their instance's.
    for found in ecs_services(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        region, cluster, service = found
        if not service.get("awsvpc"):
            continue
        value = service.get("assign_public_ip")
        public = value == "ENABLED"
        label = f"ECS service {service['name']} in cluster {cluster['name']}"
        reason = f"{label} {'assigns' if public else 'does not assign'} public IPs (assignPublicIp {value})"
        yield result(not public, service["arn"], SERVICE, reason, region=region, assign_public_ip=value)


@aws_check(
    id="aws.sagemaker.model_in_vpc",
    title="SageMaker models run in a VPC",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=MODEL,
    rationale="A model without a VPC configuration runs its inference containers in SageMaker's own network, "
    "reaching data and the internet outside the security groups, endpoint policies and flow logs of the account.",
    remediation="Re-create the model with a VpcConfig naming private subnets and security groups limited to what "
    "its containers must reach, and reach AWS services through VPC endpoints.",
)
def model_in_vpc(inventory: Inventory) -> Iterable[Outcome]:
    for found in _models(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        region, model = found
        resource_id = _model_id(model)
        subnets = model.get("subnets") or []
        if subnets:
            reason = f"SageMaker model {model['name']} runs in VPC subnet(s) {', '.join(subnets)}"
        else:
            reason = f"SageMaker model {model['name']} has no VPC configuration"
        yield result(bool(subnets), resource_id, MODEL, reason, region=region, subnets=subnets)


@aws_check(
    id="aws.sagemaker.model_network_isolation",
    title="SageMaker models run their containers with network isolation",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=MODEL,
    rationale="Without network isolation a model's inference containers may open connections of their own, to the "
    "internet or to the VPC they run in: a tampered model image or a malicious dependency can send out the data it "
    "is asked to score, or reach further in.",
    remediation="Re-create the model with EnableNetworkIsolation true (a model cannot be changed in place), then "
    "update the endpoint configurations and endpoints that use it; model artifacts are still fetched from S3 for "
    "the container.",
)
def model_network_isolation(inventory: Inventory) -> Iterable[Outcome]:
    for found in _models(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        region, model = found
        if "network_isolation" not in model:
            continue  # collected before the setting was kept
        isolated = bool(model["network_isolation"])
        reason = f"SageMaker model {model['name']} {'runs' if isolated else 'does not run'} with network isolation"
        yield result(isolated, _model_id(model), MODEL, reason, region=region, network_isolation=isolated)


def _models(inventory: Inventory) -> Iterator[tuple[str, Mapping[str, Any]] | Outcome]:
    """(region, model) for every SageMaker model read, and the listings' and reads' error outcomes."""
    return regional_listing(
        inventory,
        "sagemaker",
        "models",
        noun="SageMaker models",
        resource_type=MODEL,
        resource_id=_model_id,
        label=lambda model: f"SageMaker model {model['name']}",
    )


def _model_id(model: Mapping[str, Any]) -> str:
    return str(model.get("arn") or model["name"])
