"""Serverless and container collection (regional): Lambda functions and ECR repositories."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

from ..shapes import PolicyDocument
from ..shapes_network import EcrRegion, LambdaRegion
from ._common import Scope, optional, paginate, plain

_NOT_FOUND = {"ResourceNotFoundException"}


def _parsed(text: str | None) -> PolicyDocument | None:
    """A resource policy document; ``{"unparsable": text}`` when AWS stored something that is not JSON."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return {"unparsable": text}
    return document if isinstance(document, dict) else {"unparsable": text}


def collect_lambda(scope: Scope) -> LambdaRegion:
    client = scope.client("lambda")
    functions: list[dict[str, Any]] = []
    for function in paginate(client, "list_functions", "Functions"):
        name = function["FunctionName"]
        # The unqualified URL only: a URL on an alias is not seen (ListFunctionUrlConfigs would, moto lacks it).
        url = optional(partial(client.get_function_url_config, FunctionName=name), _NOT_FOUND)
        policy = optional(partial(client.get_policy, FunctionName=name), _NOT_FOUND)
        functions.append(
            {
                "name": name,
                "arn": function.get("FunctionArn"),
                "runtime": function.get("Runtime"),
                "package_type": function.get("PackageType"),
                "url_auth_type": (url or {}).get("AuthType"),
                "policy": _parsed((policy or {}).get("Policy")),
                "region": scope.region,
            }
        )
    return plain({"collected_at": datetime.now(UTC), "functions": functions})


def collect_ecr(scope: Scope) -> EcrRegion:
    ecr = scope.client("ecr")
    scanning = ecr.get_registry_scanning_configuration().get("scanningConfiguration", {})
    repositories: list[dict[str, Any]] = []
    for repo in paginate(ecr, "describe_repositories", "repositories"):
        name = repo["repositoryName"]
        policy = optional(
            partial(ecr.get_repository_policy, repositoryName=name), {"RepositoryPolicyNotFoundException"}
        )
        repositories.append(
            {
                "name": name,
                "arn": repo.get("repositoryArn"),
                "scan_on_push": bool(repo.get("imageScanningConfiguration", {}).get("scanOnPush")),
                "tag_mutability": repo.get("imageTagMutability"),
                "policy": _parsed((policy or {}).get("policyText")),
                "region": scope.region,
            }
        )
    return plain({"registry_scanning": scanning, "repositories": repositories})
