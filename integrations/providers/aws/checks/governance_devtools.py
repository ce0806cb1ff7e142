"""Governance and build-pipeline checks: tag policies reaching the organization's accounts, CloudWatch data shared
with other accounts, where CodeBuild takes its build commands from and whether builds run privileged, Auto Scaling
groups on Spot, launch templates and load balancer health checks, Fargate platform versions, and the origins a
Lambda function URL's CORS configuration admits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import Organizations
from ..shapes_platform import AutoScalingGroup
from ._common import (
    ACCOUNT,
    as_list,
    aws_check,
    error,
    items,
    regions,
    result,
    service_data,
    statements,
)
from .autoscaling import AUTO_SCALING_GROUP
from .codebuild import PROJECT, projects
from .compute import FUNCTION
from .organizations import billing_only
from .workloads import SERVICE, ecs_services

# The role CloudWatch's console creates in an account that shares its CloudWatch data with monitoring accounts.
CROSS_ACCOUNT_SHARING_ROLE = "CloudWatch-CrossAccountSharingRole"
# Source types whose buildspec, when not given in the project, is a file in a repository people push to.
REPOSITORY_SOURCES = frozenset(
    {"BITBUCKET", "CODECOMMIT", "GITHUB", "GITHUB_ENTERPRISE", "GITLAB", "GITLAB_SELF_MANAGED"}
)
# The current Fargate platform versions (what LATEST resolves to) for Linux and for Windows tasks.
FARGATE_LINUX_CURRENT = "1.4.0"
FARGATE_WINDOWS_CURRENT = "1.0.0"
_FARGATE_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})


# --- tag policies ---------------------------------------------------------------------------------------------------


@aws_check(
    id="aws.organizations.tag_policies_attached",
    title="Tag policies reach the organization's accounts",
    severity=Severity.LOW,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Owner, data classification and environment tags are what asset inventories, cost allocation and "
    "tag-based access rules rely on; without a tag policy every team spells them its own way (or not at all), and "
    "resources escape the reports and conditions keyed on them.",
    remediation="Enable the TAG_POLICY policy type on the organization's root, write a tag policy fixing the keys "
    "and values the organization uses, and attach it to the root or to the OUs holding the accounts.",
)
def tag_policies_attached(inventory: Inventory) -> Iterable[Outcome]:
    org: Organizations = service_data(inventory, "organizations")
    # Outside an organization there is nothing to attach (aws.organizations.scps_attached fails such an account).
    if not org.get("in_organization"):
        return
    if org.get("feature_set") == "CONSOLIDATED_BILLING":
        yield billing_only(inventory, "tag policies")
        return
    for member in org.get("accounts", []):
        member_id = str(member.get("id"))
        if "scps_error" in member:
            reason = f"Could not read the policies attached to account {member_id}: {member['scps_error']}"
            yield error(member_id, ACCOUNT, reason)
            continue
        if "tag_policies" not in member:
            continue  # collected before tag policies were read
        attached = member.get("tag_policies", [])
        names = sorted({str(p.get("name") or p.get("id")) for p in attached})
        reason = (
            f"Account {member_id} is governed by tag policy(ies) {', '.join(names)}"
            if names
            else f"No tag policy is attached to account {member_id}, its OUs or the root"
        )
        targets = sorted({str(p.get("target")) for p in attached})
        yield result(bool(names), member_id, ACCOUNT, reason, tag_policies=names, attached_to=targets)


# --- CloudWatch cross-account sharing -------------------------------------------------------------------------------


def _trusted_accounts(trust: Any) -> list[str]:
    """The accounts (or "*") an Allow statement of a trust policy names as AWS principals."""
    found: set[str] = set()
    for statement in statements(trust):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow":
            continue
        values = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else as_list(principal)
        for value in (str(v) for v in values):
            if value == "*":
                found.add("*")
            elif value.startswith("arn:"):
                parts = value.split(":")
                found.add(parts[4] if len(parts) > 4 and parts[4] else value)
            else:
                found.add(value)
    return sorted(found)


@aws_check(
    id="aws.iam.no_cloudwatch_sharing_role",
    title="CloudWatch data is not shared with other accounts",
    severity=Severity.LOW,
    service="iam",
    resource_type=ACCOUNT,
    rationale="The CloudWatch-CrossAccountSharingRole lets the accounts it trusts read this account's metrics, "
    "alarms, dashboards and, with the broader options, its log data and X-Ray traces, which can carry request "
    "contents, user identifiers and internal addresses; such sharing should be deliberate and reviewed.",
    remediation="If the sharing is not needed, delete the CloudWatch-CrossAccountSharingRole role (CloudWatch "
    "settings, share your CloudWatch data, or IAM); otherwise limit its trust policy to the monitoring accounts "
    "and record the decision.",
)
def no_cloudwatch_sharing_role(inventory: Inventory) -> Iterable[Outcome]:
    iam = service_data(inventory, "iam")
    if "roles" not in iam:
        return
    account = inventory.account_id or "aws-account"
    roles = [r for r in iam.get("roles", []) if r.get("name") == CROSS_ACCOUNT_SHARING_ROLE]
    if not roles:
        reason = f"No {CROSS_ACCOUNT_SHARING_ROLE} role exists: CloudWatch data is not shared with other accounts"
        yield result(True, account, ACCOUNT, reason)
        return
    role = roles[0]
    trusted = _trusted_accounts(role.get("trust_policy"))
    policies = sorted(str(arn).rsplit("/", 1)[-1] for arn in role.get("attached_policies", []))
    reason = (
        f"Role {CROSS_ACCOUNT_SHARING_ROLE} shares CloudWatch data with "
        f"{', '.join(trusted) if trusted else 'the accounts its trust policy names'}"
        f" ({', '.join(policies) if policies else 'no policy attached yet'})"
    )
    yield result(False, account, ACCOUNT, reason, role_arn=role.get("arn"), trusted=trusted, policies=policies)


# --- CodeBuild: where the build commands come from, privileged builds ----------------------------------------------


@aws_check(
    id="aws.codebuild.project_buildspec_not_in_source",
    title="CodeBuild projects building from a repository keep their buildspec outside it",
    severity=Severity.MEDIUM,
    service="codebuild",
    resource_type=PROJECT,
    rationale="A buildspec read from the repository being built lets anyone who can push a branch, or open a pull "
    "request a webhook builds, choose the commands the build runs, with the project's service role, its secrets "
    "and its network access; kept in the project or in S3, the commands change only through CodeBuild or the "
    "bucket, under their own access control.",
    remediation="Put the buildspec inline in the project (source.buildspec holding the YAML) or in an S3 object the "
    "developers cannot write (source.buildspec naming its ARN), and keep webhook builds to trusted branches.",
)
def project_buildspec_not_in_source(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        # CodeBuild takes the buildspec from the primary source only.
        primary = next((s for s in project.get("sources", []) if s.get("identifier") == "primary"), None)
        if primary is None or primary.get("type") not in REPOSITORY_SOURCES or "buildspec" not in primary:
            continue  # S3, CodePipeline or no source; or collected before the buildspec was read
        kind = primary["buildspec"]
        label = f"CodeBuild project {project['name']}"
        where = {"inline": "inline in the project", "s3": "from an S3 object"}.get(kind)
        if where:
            reason = f"{label} takes its buildspec {where}, not from its {primary.get('type')} source"
        else:
            reason = f"{label} takes its buildspec from its {primary.get('type')} source, where pushes can change it"
        yield result(
            where is not None,
            project["arn"],
            PROJECT,
            reason,
            region=project["region"],
            source_type=primary.get("type"),
            buildspec=kind,
        )


@aws_check(
    id="aws.codebuild.project_not_privileged",
    title="CodeBuild projects do not run builds in privileged mode",
    severity=Severity.MEDIUM,
    service="codebuild",
    resource_type=PROJECT,
    rationale="Privileged mode gives the build container root access to the build host's devices and its own "
    "Docker daemon; a build script or dependency turned malicious can then escape the container's isolation and "
    "tamper with what the build produces.",
    remediation="Turn privileged mode off (environment.privilegedMode false) unless the project builds Docker "
    "images; keep those projects apart, with a narrow service role and trusted sources.",
)
def project_not_privileged(inventory: Inventory) -> Iterable[Outcome]:
    for project in projects(inventory):
        if isinstance(project, Outcome):
            yield project
            continue
        if "privileged_mode" not in project:
            continue  # collected before the setting was kept
        privileged = project["privileged_mode"]
        state = "runs its builds in privileged mode" if privileged else "does not run its builds in privileged mode"
        reason = f"CodeBuild project {project['name']} {state}"
        yield result(
            not privileged, project["arn"], PROJECT, reason, region=project["region"], privileged_mode=privileged
        )


# --- Auto Scaling groups -------------------------------------------------------------------------------------------


def _groups(inventory: Inventory) -> Iterator[AutoScalingGroup]:
    return items(inventory, "autoscaling", "groups")


@aws_check(
    id="aws.autoscaling.group_capacity_rebalance",
    title="Auto Scaling groups running Spot Instances have Capacity Rebalancing on",
    severity=Severity.LOW,
    service="autoscaling",
    resource_type=AUTO_SCALING_GROUP,
    rationale="EC2 reclaims Spot Instances with two minutes' notice; with Capacity Rebalancing on, the group "
    "launches a replacement as soon as EC2 signals an instance is at elevated risk, instead of losing capacity "
    "when the interruption comes.",
    remediation="Turn on Capacity Rebalancing for the group (UpdateAutoScalingGroup CapacityRebalance true).",
)
def group_capacity_rebalance(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "autoscaling"):
        spot_configurations = {c["name"] for c in data.get("launch_configurations", []) if c.get("spot")}
        for group in data.get("groups", []):
            if "capacity_rebalance" not in group:
                continue  # collected before the setting was kept
            if group.get("mixed_spot"):
                spot = "a mixed instances policy buying Spot capacity"
            elif group.get("launch_configuration") in spot_configurations:
                spot = f"launch configuration {group.get('launch_configuration')}, which asks for Spot Instances"
            else:
                continue  # on-demand only (as far as its launch configuration or mixed policy tells)
            on = bool(group["capacity_rebalance"])
            state = "has Capacity Rebalancing on" if on else "has Capacity Rebalancing off"
            reason = f"Auto Scaling group {group['name']} runs Spot Instances ({spot}) and {state}"
            yield result(on, group["arn"], AUTO_SCALING_GROUP, reason, region=region, capacity_rebalance=on)


@aws_check(
    id="aws.autoscaling.group_uses_launch_template",
    title="Auto Scaling groups launch from launch templates, not launch configurations",
    severity=Severity.LOW,
    service="autoscaling",
    resource_type=AUTO_SCALING_GROUP,
    rationale="Launch configurations are deprecated: they get no instance types or EC2 features released since "
    "2023, and cannot be versioned; launch templates support IMDSv2 defaults, versioned and reviewable changes and "
    "the newer security settings.",
    remediation="Create a launch template from the group's launch configuration (the console offers to copy it) "
    "and switch the group to it (UpdateAutoScalingGroup LaunchTemplate).",
)
def group_uses_launch_template(inventory: Inventory) -> Iterable[Outcome]:
    for group in _groups(inventory):
        template, configuration = group.get("launch_template"), group.get("launch_configuration")
        if template:
            reason = f"Auto Scaling group {group['name']} launches from launch template {template}"
        elif configuration:
            reason = f"Auto Scaling group {group['name']} launches from launch configuration {configuration}"
        else:
            continue  # neither said (or collected before they were kept)
        yield result(
            bool(template),
            group["arn"],
            AUTO_SCALING_GROUP,
            reason,
            region=group["region"],
            launch_template=template,
            launch_configuration=configuration,
        )


@aws_check(
    id="aws.autoscaling.group_elb_health_check",
    title="Auto Scaling groups behind load balancers use the load balancer's health checks",
    severity=Severity.LOW,
    service="autoscaling",
    resource_type=AUTO_SCALING_GROUP,
    rationale="With EC2 status checks only, a group keeps an instance whose application has stopped answering "
    "while its hardware looks fine; ELB health checks let the group replace instances the load balancer finds "
    "unhealthy.",
    remediation="Add the ELB health check type to the group (UpdateAutoScalingGroup HealthCheckType ELB) with a "
    "grace period long enough for instances to start.",
)
def group_elb_health_check(inventory: Inventory) -> Iterable[Outcome]:
    for group in _groups(inventory):
        if not group.get("load_balancers"):
            continue  # not attached to a load balancer (or collected before it was kept)
        kind = str(group.get("health_check_type") or "EC2")
        uses_elb = "ELB" in {t.strip() for t in kind.split(",")}
        state = "uses" if uses_elb else "does not use"
        reason = (
            f"Auto Scaling group {group['name']}, attached to {group['load_balancers']} load balancer(s) or target "
            f"group(s), {state} ELB health checks (HealthCheckType {kind})"
        )
        yield result(uses_elb, group["arn"], AUTO_SCALING_GROUP, reason, region=group["region"], health_check=kind)


# --- Fargate platform versions --------------------------------------------------------------------------------------


@aws_check(
    id="aws.ecs.service_fargate_platform_current",
    title="ECS services on Fargate run the current platform version",
    severity=Severity.MEDIUM,
    service="ecs",
    resource_type=SERVICE,
    rationale="The Fargate platform version fixes the kernel and container runtime under the tasks; a service "
    "pinned to an older version keeps running without the security fixes and features of the current one.",
    remediation="Update the service to platform version LATEST (or the current version: 1.4.0 for Linux, 1.0.0 for "
    "Windows) and force a new deployment.",
)
def service_fargate_platform_current(inventory: Inventory) -> Iterable[Outcome]:
    for found in ecs_services(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        region, cluster, service = found
        if "launch_type" not in service:
            continue  # collected before the platform was kept
        on_fargate = service.get("launch_type") == "FARGATE" or bool(
            _FARGATE_PROVIDERS & set(service.get("capacity_providers", []))
        )
        if on_fargate:
            yield _platform_outcome(region, cluster["name"], service)


def _platform_outcome(region: str, cluster: str, service: Mapping[str, Any]) -> Outcome:
    version = service.get("platform_version")
    family = str(service.get("platform_family") or "LINUX")
    current = FARGATE_WINDOWS_CURRENT if family.upper().startswith("WINDOWS") else FARGATE_LINUX_CURRENT
    # Not reported reads as Fargate's default, LATEST.
    shown = version or "LATEST"
    ok = shown in ("LATEST", current)
    label = f"ECS service {service['name']} in cluster {cluster}"
    reason = (
        f"{label} runs Fargate platform version {shown} ({family}; current is {current})"
        if ok
        else f"{label} is pinned to Fargate platform version {shown}, older than the current {current} ({family})"
    )
    return result(
        ok, str(service["arn"]), SERVICE, reason, region=region, platform_version=shown, platform_family=family
    )


# --- Lambda function URL CORS ---------------------------------------------------------------------------------------


@aws_check(
    id="aws.lambda.function_url_cors_restricted",
    title="Lambda function URLs do not admit every origin in their CORS configuration",
    severity=Severity.LOW,
    service="lambda",
    resource_type=FUNCTION,
    rationale="A CORS configuration allowing the origin * lets scripts on any website call the function URL from "
    "their visitors' browsers and read its answers, so any page on the internet can use the function through the "
    "people who open it.",
    remediation="List only the web origins that need the function URL in its CORS AllowOrigins "
    "(UpdateFunctionUrlConfig), or remove the CORS configuration if no browser calls it.",
)
def function_url_cors_restricted(inventory: Inventory) -> Iterable[Outcome]:
    for _, data in regions(inventory, "lambda"):
        for function in data.get("functions", []):
            origins = function.get("url_cors_origins")
            if origins is None:
                continue  # no function URL (or collected before CORS was kept)
            name = str(function.get("name"))
            anyone = "*" in origins
            if anyone:
                reason = f"Function {name} URL's CORS configuration allows every origin (*)"
            elif origins:
                reason = f"Function {name} URL's CORS configuration allows only {', '.join(sorted(origins))}"
            else:
                reason = f"Function {name} URL has no CORS origins configured, so browsers refuse cross-origin reads"
            yield result(
                not anyone, name, FUNCTION, reason, region=str(function.get("region", "")), allow_origins=origins
            )
