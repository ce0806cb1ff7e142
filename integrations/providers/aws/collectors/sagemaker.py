"""SageMaker collection (regional): each notebook instance's network placement, root access and storage key, and
each model's VPC placement."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_analytics import SageMakerRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most, plain

# The listing leaves out the settings judged here, so each instance costs a DescribeNotebookInstance call. Past this
# many in a region the rest are left unread (and the checks say so) rather than spend thousands of calls on them.
MAX_NOTEBOOK_INSTANCES = 1_000
# ListNotebookInstances gives at most 100 a page.
_PAGE_SIZE = 100


def collect_sagemaker(scope: Scope) -> SageMakerRegion:
    sagemaker = scope.client("sagemaker")
    listed, more = paginate_at_most(
        sagemaker,
        "list_notebook_instances",
        "NotebookInstances",
        MAX_NOTEBOOK_INSTANCES,
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    notebooks = concurrently(functools.partial(_notebook, sagemaker, scope), listed)
    found = [n for n in notebooks if n is not None]
    region = bounded_region("notebook_instances", found, more, MAX_NOTEBOOK_INSTANCES)
    return {**region, **plain(_models(sagemaker, scope))}  # type: ignore[typeddict-item]


def _notebook(sagemaker: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = listed["NotebookInstanceName"]
    notebook: dict[str, Any] = {
        "name": name,
        "arn": listed.get("NotebookInstanceArn"),
        "status": listed.get("NotebookInstanceStatus"),
        "direct_internet_access": None,
        "root_access": None,
        "kms_key_id": None,
        "subnet_id": None,
        "region": scope.region,
    }
    try:
        described = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
    except ClientError as exc:
        # SageMaker answers a name it no longer knows with a ValidationException: deleted since the listing.
        if error_code(exc) == "ValidationException":
            return None
        notebook["describe_error"] = describe_error(exc)
        return notebook
    notebook.update(
        arn=described.get("NotebookInstanceArn") or notebook["arn"],
        status=described.get("NotebookInstanceStatus") or notebook["status"],
        direct_internet_access=described.get("DirectInternetAccess"),
        root_access=described.get("RootAccess"),
        kms_key_id=described.get("KmsKeyId") or None,
        subnet_id=described.get("SubnetId") or None,
    )
    return notebook


# Each model costs a DescribeModel call beyond the listing; past this many in a region the rest are left unread.
MAX_MODELS = 1_000


def _models(sagemaker: BaseClient, scope: Scope) -> dict[str, Any]:
    try:
        listed, more = paginate_at_most(
            sagemaker, "list_models", "Models", MAX_MODELS, PaginationConfig={"PageSize": _PAGE_SIZE}
        )
    except ClientError as exc:
        return {"models": [], "models_error": describe_error(exc)}
    found = concurrently(functools.partial(_model, sagemaker, scope), listed)
    return {"models": [m for m in found if m is not None], **({"models_truncated_at": MAX_MODELS} if more else {})}


def _model(sagemaker: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = listed["ModelName"]
    model: dict[str, Any] = {"name": name, "arn": listed.get("ModelArn"), "subnets": [], "region": scope.region}
    try:
        described = sagemaker.describe_model(ModelName=name)
    except ClientError as exc:
        if error_code(exc) == "ValidationException":  # deleted since the listing
            return None
        model["describe_error"] = describe_error(exc)
        return model
    model["subnets"] = [str(s) for s in (described.get("VpcConfig") or {}).get("Subnets") or []]
    return model
