"""Serverless and container collection (regional): Lambda functions and ECR repositories (with their policies)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_network import EcrRegion, LambdaRegion
from ._common import Scope, concurrently, describe_error, error_code, optional, paginate, plain, policy_document

_NOT_FOUND = {"ResourceNotFoundException"}


def collect_lambda(scope: Scope) -> LambdaRegion:
    client = scope.client("lambda")
    functions: list[dict[str, Any]] = []
    for function in paginate(client, "list_functions", "Functions"):
        name = function["FunctionName"]
        # The unqualified URL only: a URL on an alias is not seen (ListFunctionUrlConfigs would, moto lacks it).
        url = optional(partial(client.get_function_url_config, FunctionName=name), _NOT_FOUND)
        policy = optional(partial(client.get_policy, FunctionName=name), _NOT_FOUND)
        environment = function.get("Environment") or {}
        vpc = function.get("VpcConfig") or {}
        functions.append(
            {
                "name": name,
                "arn": function.get("FunctionArn"),
                "runtime": function.get("Runtime"),
                "package_type": function.get("PackageType"),
                "url_auth_type": (url or {}).get("AuthType"),
                "url_cors_origins": _cors_origins(url),
                "policy": policy_document((policy or {}).get("Policy")),
                # ListFunctions answers the variables' values in clear: the names are kept, the values left behind.
                "environment_variable_names": sorted(str(key) for key in environment.get("Variables") or {}),
                # Lambda could not decrypt the variables (its KMS key refused): none are listed, and the check says so.
                "environment_error": (environment.get("Error") or {}).get("ErrorCode") or None,
                # Lambda takes only a customer managed key here; without one it uses its AWS managed aws/lambda key.
                "environment_kms_key_arn": function.get("KMSKeyArn") or None,
                "vpc_id": vpc.get("VpcId") or None,
                "vpc_subnet_ids": [str(subnet) for subnet in vpc.get("SubnetIds") or []],
                "region": scope.region,
            }
        )
    return plain({"collected_at": datetime.now(UTC), "functions": functions})


def _cors_origins(url: Any) -> list[str] | None:
    """The origins a function URL's CORS configuration admits ([] for none); None when the function has no URL."""
    if url is None:
        return None
    return [str(origin) for origin in (url.get("Cors") or {}).get("AllowOrigins") or []]


# DescribeImages gives at most 1,000 images a page.
_IMAGE_PAGES = {"PageSize": 1_000}
_NEVER = datetime.min.replace(tzinfo=UTC)


def collect_ecr(scope: Scope) -> EcrRegion:
    ecr = scope.client("ecr")
    scanning = ecr.get_registry_scanning_configuration().get("scanningConfiguration", {})
    # Each repository costs four reads (policy, lifecycle policy, images, the latest image's scan): read several
    # repositories at a time rather than one after another.
    repositories = concurrently(
        partial(_repository, ecr, scope.region), paginate(ecr, "describe_repositories", "repositories")
    )
    return plain({"registry_scanning": scanning, "repositories": repositories})


def _repository(ecr: BaseClient, region: str, repo: Mapping[str, Any]) -> dict[str, Any]:
    name = repo["repositoryName"]
    policy = optional(partial(ecr.get_repository_policy, repositoryName=name), {"RepositoryPolicyNotFoundException"})
    return {
        "name": name,
        "arn": repo.get("repositoryArn"),
        "scan_on_push": bool(repo.get("imageScanningConfiguration", {}).get("scanOnPush")),
        "tag_mutability": repo.get("imageTagMutability"),
        "policy": policy_document((policy or {}).get("policyText")),
        "region": region,
        **_lifecycle_policy(ecr, name),
        **_latest_image_scan(ecr, name),
    }


def _latest_image_scan(ecr: BaseClient, name: str) -> dict[str, Any]:
    """The repository's most recently pushed image with its last scan's status and finding counts by severity (None:
    the repository holds no image), or why that could not be read (for its check alone)."""
    try:
        images = paginate(ecr, "describe_images", "imageDetails", repositoryName=name, PaginationConfig=_IMAGE_PAGES)
    except ClientError as exc:
        return {"latest_image_error": describe_error(exc)}
    if not images:
        return {"latest_image": None}
    # Pushed in the same instant (times are to the second in some answers): the one listed later is taken as newer.
    latest = max(enumerate(images), key=lambda pair: (pair[1].get("imagePushedAt") or _NEVER, pair[0]))[1]
    image: dict[str, Any] = {
        "digest": latest["imageDigest"],
        "tags": sorted(str(t) for t in latest.get("imageTags") or [])[:5],
        "pushed_at": latest.get("imagePushedAt"),
        "scan_status": None,
    }
    try:
        scan = ecr.describe_image_scan_findings(repositoryName=name, imageId={"imageDigest": image["digest"]})
    except ClientError as exc:
        if error_code(exc) == "ScanNotFoundException":
            return {"latest_image": image}  # never scanned
        return {"latest_image": image, "latest_image_error": describe_error(exc)}
    status = scan.get("imageScanStatus") or {}
    counts = (scan.get("imageScanFindings") or {}).get("findingSeverityCounts") or {}
    image["scan_status"] = status.get("status")
    image["scan_description"] = status.get("description")
    image["severity_counts"] = {str(k): int(v) for k, v in counts.items()}
    return {"latest_image": image}


def _lifecycle_policy(ecr: BaseClient, name: str) -> dict[str, Any]:
    """Whether the repository has a lifecycle policy, or why that could not be read (for its check alone)."""
    try:
        found = optional(partial(ecr.get_lifecycle_policy, repositoryName=name), {"LifecyclePolicyNotFoundException"})
    except ClientError as exc:
        return {"lifecycle_policy_error": describe_error(exc)}
    return {"lifecycle_policy": found is not None}
