"""Lambda and ECR checks: public function URLs and policies, runtimes past end of support, credentials in
environment variables, VPC placement over several zones, image scanning, tag immutability and public repositories."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..secret_names import looks_secret
from ..shapes_ec2 import SubnetsRegion
from ..shapes_network import EcrRepository, LambdaFunction
from ._common import aws_check, error, principal_is_anyone, regional_arn, regions, result, scan_time, statements

FUNCTION = "AWS::Lambda::Function"
REPOSITORY = "AWS::ECR::Repository"
REGISTRY = "AWS::ECR::RegistryScanningConfiguration"

# Runtime -> the day AWS deprecated it (ended security patches), as published in the Lambda runtimes table.
DEPRECATED_RUNTIMES: dict[str, date] = {
    "dotnetcore1.0": date(2019, 7, 30),
    "dotnetcore2.0": date(2019, 5, 30),
    "dotnetcore2.1": date(2022, 1, 5),
    "dotnetcore3.1": date(2023, 4, 3),
    "dotnet5.0": date(2022, 5, 10),
    "dotnet6": date(2024, 12, 20),
    "dotnet7": date(2024, 5, 14),
    "go1.x": date(2024, 1, 8),
    "java8": date(2024, 1, 8),
    "nodejs": date(2016, 10, 31),
    "nodejs4.3": date(2020, 3, 5),
    "nodejs4.3-edge": date(2019, 4, 30),
    "nodejs6.10": date(2019, 8, 12),
    "nodejs8.10": date(2020, 3, 6),
    "nodejs10.x": date(2021, 7, 30),
    "nodejs12.x": date(2023, 3, 31),
    "nodejs14.x": date(2023, 12, 4),
    "nodejs16.x": date(2024, 6, 12),
    "nodejs18.x": date(2025, 9, 1),
    "provided": date(2024, 1, 8),
    "python2.7": date(2021, 7, 15),
    "python3.6": date(2022, 7, 18),
    "python3.7": date(2023, 12, 4),
    "python3.8": date(2024, 10, 14),
    "python3.9": date(2025, 12, 15),
    "ruby2.5": date(2021, 7, 30),
    "ruby2.7": date(2023, 12, 7),
    "ruby3.2": date(2026, 3, 31),
}
_PUBLIC_INVOKE = ("lambda:*", "lambda:invokefunction", "lambda:invokefunctionurl", "*")


def _functions(inventory: Inventory) -> Iterator[tuple[Mapping[str, Any], LambdaFunction]]:
    for _, data in regions(inventory, "lambda"):
        for function in data.get("functions", []):
            yield data, function


def ecr_repositories(inventory: Inventory) -> Iterator[tuple[Mapping[str, Any], EcrRepository]]:
    for _, data in regions(inventory, "ecr"):
        for repository in data.get("repositories", []):
            yield data, repository


def _public_statements(document: Any, actions: tuple[str, ...] | None = None) -> list[str]:
    """Sids (or positions) of Allow statements open to any principal without a condition narrowing them."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow" or not principal_is_anyone(statement.get("Principal")):
            continue
        # A condition on the source account, ARN or organisation narrows "*" to known callers.
        if statement.get("Condition"):
            continue
        granted = statement.get("Action")
        granted_list = [str(a).lower() for a in (granted if isinstance(granted, list) else [granted])]
        if actions is not None and not any(a in actions for a in granted_list):
            continue
        found.append(str(statement.get("Sid") or index))
    return found


@aws_check(
    id="aws.lambda.function_url_auth_required",
    title="Lambda function URLs require IAM authentication",
    severity=Severity.HIGH,
    service="lambda",
    resource_type=FUNCTION,
    rationale="A function URL with auth type NONE lets anyone on the internet invoke the function, running "
    "its code and its role's permissions at will.",
    remediation="Set the function URL's auth type to AWS_IAM, or front the function with API Gateway and an "
    "authorizer.",
)
def lambda_function_url_auth_required(inventory: Inventory) -> Iterable[Outcome]:
    for _, function in _functions(inventory):
        auth = function.get("url_auth_type")
        if auth is None:
            continue
        name = str(function.get("name"))
        ok = auth != "NONE"
        reason = (
            f"Function {name} URL requires {auth} authentication"
            if ok
            else f"Function {name} has a public URL (auth type NONE)"
        )
        yield result(ok, name, FUNCTION, reason, region=str(function.get("region", "")), auth_type=auth)


@aws_check(
    id="aws.lambda.runtime_supported",
    title="Lambda functions run on a supported runtime",
    severity=Severity.MEDIUM,
    service="lambda",
    resource_type=FUNCTION,
    rationale="A deprecated runtime no longer receives security patches, and AWS eventually blocks updating "
    "functions that use it.",
    remediation="Move the function to a current runtime version and redeploy it.",
)
def lambda_runtime_supported(inventory: Inventory) -> Iterable[Outcome]:
    for data, function in _functions(inventory):
        runtime = function.get("runtime")
        # Container image functions bring their own runtime: nothing to judge here.
        if not runtime:
            continue
        name = str(function.get("name"))
        deprecated = DEPRECATED_RUNTIMES.get(str(runtime))
        ok = deprecated is None or deprecated > scan_time(data).date()
        reason = (
            f"Function {name} runs on {runtime}"
            if ok
            else f"Function {name} runs on {runtime}, deprecated since {deprecated}"
        )
        yield result(
            ok,
            name,
            FUNCTION,
            reason,
            region=str(function.get("region", "")),
            runtime=runtime,
            deprecated_on=deprecated.isoformat() if deprecated else None,
        )


@aws_check(
    id="aws.lambda.policy_not_public",
    title="Lambda function policies do not let anyone invoke the function",
    severity=Severity.HIGH,
    service="lambda",
    resource_type=FUNCTION,
    rationale='A resource policy granting invocation to Principal "*" without a source condition lets any AWS '
    "account call the function.",
    remediation='Replace the "*" principal with the calling service or account, or add an aws:SourceArn / '
    "aws:SourceAccount condition.",
)
def lambda_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for _, function in _functions(inventory):
        policy = function.get("policy")
        if not policy:
            continue
        name = str(function.get("name"))
        public = _public_statements(policy, _PUBLIC_INVOKE)
        reason = (
            f"Function {name} policy lets anyone invoke it (statement {', '.join(public)})"
            if public
            else f"Function {name} policy admits named principals only"
        )
        yield result(
            not public, name, FUNCTION, reason, region=str(function.get("region", "")), public_statements=public
        )


@aws_check(
    id="aws.lambda.environment_no_secrets",
    title="Lambda functions keep credentials out of environment variables",
    severity=Severity.HIGH,
    service="lambda",
    resource_type=FUNCTION,
    rationale="Lambda hands a function's environment variables, values included, to anyone allowed to read its "
    "configuration (ListFunctions, GetFunctionConfiguration: SecurityAudit and ReadOnlyAccess included), and copies "
    "them into every version published. A password, token or access key kept there is a credential in clear.",
    remediation="Move the value into Secrets Manager or a SecureString parameter, have the function read it at run "
    "time (the variable may then hold the secret's name or ARN, under a name that does not look like a "
    "credential), and rotate the exposed credential; give the function AWS access through its execution role.",
)
def lambda_environment_no_secrets(inventory: Inventory) -> Iterable[Outcome]:
    for _, function in _functions(inventory):
        # Functions in inventories stored before the names were collected are not judged.
        if "environment_variable_names" not in function:
            continue
        name = str(function.get("name"))
        region = str(function.get("region", ""))
        failure = function.get("environment_error")
        if failure:
            yield error(
                name, FUNCTION, f"Function {name}'s environment variables could not be read ({failure})", region=region
            )
            continue
        # Judged by name alone, as for ECS task definitions and CodeBuild projects: the values were never kept.
        found = sorted(n for n in function["environment_variable_names"] if looks_secret(n))
        reason = (
            f"Function {name} sets secret-looking environment variable(s): {', '.join(found)}"
            if found
            else f"Function {name} sets no secret-looking environment variable"
        )
        yield result(not found, name, FUNCTION, reason, region=region, secret_like=found)


@aws_check(
    id="aws.lambda.environment_customer_key",
    title="Lambda functions encrypt their environment variables with a customer managed KMS key",
    severity=Severity.LOW,
    service="lambda",
    resource_type=FUNCTION,
    rationale="Lambda encrypts environment variables at rest, by default with its AWS managed aws/lambda key, which "
    "every principal allowed to read the function's configuration may use: under a customer managed key the key "
    "policy decides who can decrypt them, CloudTrail shows each use, and disabling the key locks them away.",
    remediation="Create a customer managed KMS key whose policy admits the function's execution role and the people "
    "who deploy it, and set it as the function's KMSKeyArn (UpdateFunctionConfiguration); values that are secrets "
    "belong in Secrets Manager all the same.",
)
def lambda_environment_customer_key(inventory: Inventory) -> Iterable[Outcome]:
    for _, function in _functions(inventory):
        # Only functions that set variables have anything to encrypt; older inventories kept no key.
        if "environment_kms_key_arn" not in function or not function.get("environment_variable_names"):
            continue
        name, region = str(function.get("name")), str(function.get("region", ""))
        key = function.get("environment_kms_key_arn")
        reason = (
            f"Function {name} encrypts its environment variables with customer managed key {key}"
            if key
            else f"Function {name} encrypts its environment variables with Lambda's AWS managed key"
        )
        yield result(bool(key), name, FUNCTION, reason, region=region, kms_key_arn=key)


@aws_check(
    id="aws.lambda.function_in_vpc",
    title="Lambda functions run inside a VPC",
    severity=Severity.LOW,
    service="lambda",
    resource_type=FUNCTION,
    rationale="A function outside a VPC reaches the internet and AWS APIs directly, where security groups, network "
    "ACLs, VPC endpoints and flow logs neither limit nor record its traffic. Connected to private subnets, its "
    "traffic goes through the network controls the account already has. A network-placement control: a function "
    "that only calls public endpoints may have a reason to stay out, hence the low severity.",
    remediation="Attach the function to private subnets and a security group (VpcConfig), with NAT or VPC endpoints "
    "for what it must reach, and give its execution role AWSLambdaVPCAccessExecutionRole's permissions.",
)
def lambda_function_in_vpc(inventory: Inventory) -> Iterable[Outcome]:
    for _, function in _functions(inventory):
        if "vpc_subnet_ids" not in function:
            continue
        name = str(function.get("name"))
        subnets = list(function["vpc_subnet_ids"])
        vpc = function.get("vpc_id")
        reason = (
            f"Function {name} runs in VPC {vpc} ({len(subnets)} subnet(s))"
            if subnets
            else f"Function {name} is not connected to a VPC"
        )
        yield result(
            bool(subnets), name, FUNCTION, reason, region=str(function.get("region", "")), vpc_id=vpc, subnets=subnets
        )


def _subnet_zones(inventory: Inventory) -> dict[str, dict[str, str | None]]:
    """Region -> subnet id -> its Availability Zone, from the subnets the EC2 collection already read."""
    zones: dict[str, dict[str, str | None]] = {}
    for region, data in regions(inventory, "subnets"):
        region_data: SubnetsRegion = data
        zones[region] = {s["id"]: s.get("availability_zone") for s in region_data.get("subnets", [])}
    return zones


@aws_check(
    id="aws.lambda.vpc_multiple_azs",
    title="Lambda functions in a VPC use subnets in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="lambda",
    resource_type=FUNCTION,
    rationale="A function connected to a VPC runs only in the Availability Zones of its subnets: with every subnet "
    "in one zone, an outage of that zone stops the function, though Lambda itself would keep running it elsewhere.",
    remediation="Add subnets in at least one other Availability Zone to the function's VpcConfig.",
    requires=("lambda", "subnets"),
)
def lambda_vpc_multiple_azs(inventory: Inventory) -> Iterable[Outcome]:
    zones_by_region = _subnet_zones(inventory)
    for _, function in _functions(inventory):
        subnets = list(function.get("vpc_subnet_ids") or [])
        # Functions outside a VPC are aws.lambda.function_in_vpc's to judge.
        if not subnets:
            continue
        name = str(function.get("name"))
        region = str(function.get("region", ""))
        known = zones_by_region.get(region, {})
        unknown = [s for s in subnets if not known.get(s)]
        if unknown:
            reason = (
                f"Function {name} uses subnet(s) {', '.join(unknown)}, whose Availability Zone the subnets read in "
                f"{region} do not tell"
            )
            yield error(name, FUNCTION, reason, region=region, subnets=subnets)
            continue
        zones = sorted({str(known[s]) for s in subnets})
        if len(zones) > 1:
            reason = f"Function {name} runs in {len(zones)} Availability Zones ({', '.join(zones)})"
        else:
            reason = f"Function {name} runs in one Availability Zone only ({zones[0]})"
        yield result(len(zones) > 1, name, FUNCTION, reason, region=region, availability_zones=zones, subnets=subnets)


def _registry_scans(registry: Mapping[str, Any], name: str) -> bool:
    """Whether enhanced registry scanning covers the repository (on push or continuously)."""
    if registry.get("scanType") != "ENHANCED":
        return False
    return any(
        fnmatch.fnmatchcase(name, str(f.get("filter")))
        for rule in registry.get("rules", [])
        for f in rule.get("repositoryFilters", [])
        if f.get("filterType", "WILDCARD") == "WILDCARD"
    )


@aws_check(
    id="aws.ecr.scan_on_push",
    title="ECR repositories scan images on push",
    severity=Severity.MEDIUM,
    service="ecr",
    resource_type=REPOSITORY,
    rationale="Scanning each pushed image finds known vulnerable packages before the image is deployed.",
    remediation="Turn on scan on push for the repository, or enable enhanced scanning for it at registry level.",
)
def ecr_scan_on_push(inventory: Inventory) -> Iterable[Outcome]:
    for data, repository in ecr_repositories(inventory):
        name = str(repository.get("name"))
        by_registry = _registry_scans(data.get("registry_scanning") or {}, name)
        ok = bool(repository.get("scan_on_push")) or by_registry
        reason = f"Repository {name} scans images on push" if ok else f"Repository {name} does not scan images"
        yield result(
            ok,
            name,
            REPOSITORY,
            reason,
            region=str(repository.get("region", "")),
            scan_on_push=bool(repository.get("scan_on_push")),
            registry_scanning=by_registry,
        )


@aws_check(
    id="aws.ecr.registry_enhanced_scanning",
    title="ECR registries scan their repositories continuously with enhanced scanning",
    severity=Severity.MEDIUM,
    service="ecr",
    resource_type=REGISTRY,
    rationale="Basic scanning looks at an image's operating system packages once, when it is pushed; enhanced "
    "scanning (Amazon Inspector) also reads language packages and scans again as new vulnerabilities are published, "
    "so an image deployed months ago is still known to be vulnerable when a flaw in it comes to light.",
    remediation="Set the registry's scanning configuration to ENHANCED with a continuous-scan rule whose filter "
    "covers every repository (PutRegistryScanningConfiguration, filter * for all); Amazon Inspector is enabled for "
    "ECR and charged per image scanned.",
)
def ecr_registry_enhanced_scanning(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "ecr"):
        names = sorted(str(r.get("name")) for r in data.get("repositories", []))
        if not names:
            continue  # a registry holding no repository has no image to scan
        registry = data.get("registry_scanning") or {}
        kind = str(registry.get("scanType") or "BASIC")
        uncovered = [n for n in names if not _registry_scans(registry, n)]
        if kind != "ENHANCED":
            reason = f"The ECR registry in {region} uses {kind.lower()} scanning, not enhanced scanning"
        elif uncovered:
            reason = f"The ECR registry in {region} scans with enhanced scanning, but no rule covers "
            reason += ", ".join(uncovered)
        else:
            reason = f"The ECR registry in {region} scans all {len(names)} repositories with enhanced scanning"
        yield result(
            kind == "ENHANCED" and not uncovered,
            regional_arn("ecr", region, inventory.account_id or "", "registry"),
            REGISTRY,
            reason,
            region=region,
            scan_type=kind,
            uncovered_repositories=uncovered,
        )


# Scan states whose severity counts are final: basic scanning's COMPLETE, enhanced (continuous) scanning's ACTIVE.
_SCANNED = frozenset({"COMPLETE", "ACTIVE"})


@aws_check(
    id="aws.ecr.latest_image_no_critical_vulnerabilities",
    title="ECR repositories' most recent images have no critical vulnerabilities",
    severity=Severity.HIGH,
    service="ecr",
    resource_type=REPOSITORY,
    rationale="The image pushed last is the one the next deployment runs; a critical finding in it is a known, "
    "usually remotely exploitable flaw about to be shipped, and an image never scanned may carry one unseen.",
    remediation="Rebuild the image on an updated base image and dependencies, push it, and check its scan before "
    "deploying; turn on scan on push or enhanced scanning so every new image is scanned.",
)
def ecr_latest_image_no_critical_vulnerabilities(inventory: Inventory) -> Iterable[Outcome]:
    for _, repository in ecr_repositories(inventory):
        name, region = str(repository.get("name")), str(repository.get("region", ""))
        if repository.get("latest_image_error"):
            reason = f"Could not read the latest image of repository {name}: {repository['latest_image_error']}"
            yield error(name, REPOSITORY, reason, region=region)
            continue
        image = repository.get("latest_image")
        if image is None:
            continue  # no image to judge, or collected before images were read
        label = f"The latest image of repository {name} ({', '.join(image['tags']) or image['digest'][:19]})"
        status, counts = image["scan_status"], image.get("severity_counts") or {}
        if status is None:
            yield result(False, name, REPOSITORY, f"{label} has never been scanned", region=region, scan_status=None)
            continue
        if status not in _SCANNED:
            detail = image.get("scan_description") or status
            yield error(name, REPOSITORY, f"{label} has no finished scan: {detail}", region=region)
            continue
        critical, high = int(counts.get("CRITICAL", 0)), int(counts.get("HIGH", 0))
        reason = f"{label} has {critical} critical and {high} high vulnerability finding(s)"
        yield result(not critical, name, REPOSITORY, reason, region=region, scan_status=status, severity_counts=counts)


@aws_check(
    id="aws.ecr.tag_immutability",
    title="ECR repositories have immutable tags",
    severity=Severity.MEDIUM,
    service="ecr",
    resource_type=REPOSITORY,
    rationale="With mutable tags a push can silently replace the image a deployment refers to, so what runs "
    "is no longer what was reviewed and scanned.",
    remediation="Set the repository's image tag mutability to IMMUTABLE.",
)
def ecr_tag_immutability(inventory: Inventory) -> Iterable[Outcome]:
    for _, repository in ecr_repositories(inventory):
        name = str(repository.get("name"))
        mutability = str(repository.get("tag_mutability") or "MUTABLE")
        # IMMUTABLE_WITH_EXCLUSION keeps tags immutable except for the listed patterns.
        ok = mutability.startswith("IMMUTABLE")
        reason = f"Repository {name} tags are {mutability.lower().replace('_', ' ')}"
        yield result(ok, name, REPOSITORY, reason, region=str(repository.get("region", "")), tag_mutability=mutability)


@aws_check(
    id="aws.ecr.repository_not_public",
    title="ECR repository policies do not grant access to anyone",
    severity=Severity.HIGH,
    service="ecr",
    resource_type=REPOSITORY,
    rationale='A repository policy allowing Principal "*" lets any AWS account pull (or push) images, which '
    "leaks code and embedded secrets.",
    remediation='Replace the "*" principal with the accounts or organisation that need the images.',
)
def ecr_repository_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for _, repository in ecr_repositories(inventory):
        name = str(repository.get("name"))
        public = _public_statements(repository.get("policy"))
        reason = (
            f"Repository {name} policy grants access to anyone (statement {', '.join(public)})"
            if public
            else f"Repository {name} is not public"
        )
        yield result(
            not public, name, REPOSITORY, reason, region=str(repository.get("region", "")), public_statements=public
        )
