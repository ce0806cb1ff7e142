"""SageMaker collection (regional): each notebook instance's network placement, root access and storage key, and the
lifecycle configurations they use (scripts scanned for credentials); each model's VPC placement; each recent training
job's keys, network and traffic encryption, each endpoint configuration's storage key and production variants, and each
Studio domain's sign-in, network access and key."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_analytics import SageMakerRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most, plain
from .user_data import scan_user_data

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
    return {  # type: ignore[typeddict-item]
        **region,
        "lifecycle_configs": plain(_lifecycle_configs(sagemaker, found)),
        **plain(_models(sagemaker, scope)),
        **plain(_training_jobs(sagemaker, scope)),
        **plain(_endpoint_configs(sagemaker, scope)),
        **plain(_domains(sagemaker, scope)),
    }


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
        lifecycle_config=described.get("NotebookInstanceLifecycleConfigName") or None,
    )
    return notebook


def _lifecycle_configs(sagemaker: BaseClient, notebooks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each lifecycle configuration the notebooks use, described once, its scripts scanned for credentials."""
    users: dict[str, list[str]] = {}
    for notebook in notebooks:
        if notebook.get("lifecycle_config"):
            users.setdefault(notebook["lifecycle_config"], []).append(notebook["name"])
    return concurrently(functools.partial(_lifecycle_config, sagemaker), sorted(users.items()))


def _lifecycle_config(sagemaker: BaseClient, used: tuple[str, list[str]]) -> dict[str, Any]:
    name, notebooks = used
    config: dict[str, Any] = {"name": name, "notebooks": sorted(notebooks)}
    try:
        described = sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    except ClientError as exc:
        config["describe_error"] = describe_error(exc)
        return config
    config["arn"] = described.get("NotebookInstanceLifecycleConfigArn")
    # Each hook holds at most one script (base64, as user data is); a hook left empty holds none.
    config["scripts"] = {
        hook: scan_user_data(next((s.get("Content") for s in described.get(hook) or []), None))
        for hook in ("OnCreate", "OnStart")
    }
    return config


# Each model costs a DescribeModel call beyond the listing; past this many in a region the rest are left unread.
MAX_MODELS = 1_000


def _listed_and_described(
    sagemaker: BaseClient,
    scope: Scope,
    key: str,
    describe: Callable[[BaseClient, Scope, Mapping[str, Any]], dict[str, Any] | None],
    operation: str,
    items: str,
    limit: int,
    **listing: Any,
) -> dict[str, Any]:
    """``key``: at most ``limit`` of the region's ``operation`` listing, each described (None: gone since the
    listing); a failed listing is ``<key>_error``, a cut-short one ``<key>_truncated_at``."""
    try:
        listed, more = paginate_at_most(
            sagemaker, operation, items, limit, PaginationConfig={"PageSize": _PAGE_SIZE}, **listing
        )
    except ClientError as exc:
        return {key: [], f"{key}_error": describe_error(exc)}
    found = concurrently(functools.partial(describe, sagemaker, scope), listed)
    return {key: [f for f in found if f is not None], **({f"{key}_truncated_at": limit} if more else {})}


def _models(sagemaker: BaseClient, scope: Scope) -> dict[str, Any]:
    return _listed_and_described(sagemaker, scope, "models", _model, "list_models", "Models", MAX_MODELS)


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
    model["network_isolation"] = described.get("EnableNetworkIsolation") is True
    return model


# Training jobs are kept for ever and each costs a DescribeTrainingJob call: only the most recent are read.
MAX_TRAINING_JOBS = 1_000


def _training_jobs(sagemaker: BaseClient, scope: Scope) -> dict[str, Any]:
    return _listed_and_described(
        sagemaker,
        scope,
        "training_jobs",
        _training_job,
        "list_training_jobs",
        "TrainingJobSummaries",
        MAX_TRAINING_JOBS,
        SortBy="CreationTime",
        SortOrder="Descending",
    )


def _training_job(sagemaker: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = listed["TrainingJobName"]
    job: dict[str, Any] = {
        "name": name,
        "arn": listed.get("TrainingJobArn"),
        "status": listed.get("TrainingJobStatus"),
        "region": scope.region,
    }
    try:
        described = sagemaker.describe_training_job(TrainingJobName=name)
    except ClientError as exc:
        if error_code(exc) == "ValidationException":  # deleted since the listing
            return None
        job["describe_error"] = describe_error(exc)
        return job
    resources = described.get("ResourceConfig") or {}
    groups = resources.get("InstanceGroups") or []
    job.update(
        # Inter-container traffic flows only between a job's instances: in one group, or in several.
        instance_count=sum(int(g.get("InstanceCount") or 0) for g in groups) or resources.get("InstanceCount"),
        volume_kms_key_id=resources.get("VolumeKmsKeyId") or None,
        output_kms_key_id=(described.get("OutputDataConfig") or {}).get("KmsKeyId") or None,
        subnets=[str(s) for s in (described.get("VpcConfig") or {}).get("Subnets") or []],
        inter_container_encryption=described.get("EnableInterContainerTrafficEncryption"),
        network_isolation=described.get("EnableNetworkIsolation"),
    )
    return job


# Each endpoint configuration costs a DescribeEndpointConfig call; past this many in a region the rest are unread.
MAX_ENDPOINT_CONFIGS = 1_000


def _endpoint_configs(sagemaker: BaseClient, scope: Scope) -> dict[str, Any]:
    return _listed_and_described(
        sagemaker,
        scope,
        "endpoint_configs",
        _endpoint_config,
        "list_endpoint_configs",
        "EndpointConfigs",
        MAX_ENDPOINT_CONFIGS,
    )


def _endpoint_config(sagemaker: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    name = listed["EndpointConfigName"]
    config: dict[str, Any] = {"name": name, "arn": listed.get("EndpointConfigArn"), "region": scope.region}
    try:
        described = sagemaker.describe_endpoint_config(EndpointConfigName=name)
    except ClientError as exc:
        if error_code(exc) == "ValidationException":  # deleted since the listing
            return None
        config["describe_error"] = describe_error(exc)
        return config
    config.update(
        kms_key_id=described.get("KmsKeyId") or None,
        variants=[
            {
                "name": str(v.get("VariantName") or ""),
                "instance_count": v.get("InitialInstanceCount"),
                "serverless": bool(v.get("ServerlessConfig")),
            }
            for v in described.get("ProductionVariants") or []
        ],
    )
    return config


# Each Studio domain costs a DescribeDomain call; an account holds a few (the quota's default is one per region).
MAX_DOMAINS = 100


def _domains(sagemaker: BaseClient, scope: Scope) -> dict[str, Any]:
    return _listed_and_described(sagemaker, scope, "domains", _domain, "list_domains", "Domains", MAX_DOMAINS)


def _domain(sagemaker: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    domain_id = listed["DomainId"]
    domain: dict[str, Any] = {
        "id": domain_id,
        "name": listed.get("DomainName"),
        "arn": listed.get("DomainArn"),
        "status": listed.get("Status"),
        "region": scope.region,
    }
    try:
        described = sagemaker.describe_domain(DomainId=domain_id)
    except ClientError as exc:
        if error_code(exc) in ("ResourceNotFound", "ValidationException"):  # deleted since the listing
            return None
        domain["describe_error"] = describe_error(exc)
        return domain
    domain.update(
        arn=described.get("DomainArn") or domain["arn"],
        auth_mode=described.get("AuthMode"),
        # PublicInternetOnly (SageMaker's default) or VpcOnly; None: not reported.
        app_network_access_type=described.get("AppNetworkAccessType"),
        kms_key_id=described.get("KmsKeyId") or described.get("HomeEfsFileSystemKmsKeyId") or None,
    )
    return domain
