"""Checks on SageMaker training jobs (KMS keys, VPC, traffic between instances, network isolation) and endpoint
configurations (KMS key, more than one instance per variant)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import EndpointConfig, TrainingJob
from ._common import aws_check, regional_listing, result

TRAINING_JOB = "AWS::SageMaker::TrainingJob"
ENDPOINT_CONFIG = "AWS::SageMaker::EndpointConfig"


# --- SageMaker training jobs ----------------------------------------------------------------------------------------


def _training_jobs(inventory: Inventory) -> Iterator[TrainingJob | Outcome]:
    # Each carries its region.
    for found in regional_listing(
        inventory,
        "sagemaker",
        "training_jobs",
        noun="SageMaker training jobs",
        resource_type=TRAINING_JOB,
        resource_id=_job_id,
        label=_job_label,
    ):
        yield found if isinstance(found, Outcome) else found[1]


def _job_id(job: TrainingJob) -> str:
    return str(job.get("arn") or job["name"])


def _job_label(job: TrainingJob) -> str:
    return f"SageMaker training job {job['name']}"


@aws_check(
    id="aws.sagemaker.training_job_kms_encrypted",
    title="SageMaker training jobs encrypt their storage volumes and output with KMS keys",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=TRAINING_JOB,
    rationale="A training job copies its training data onto the ML storage volumes of its instances and writes the "
    "trained model to S3. Without keys named, both are encrypted only with AWS managed keys; customer managed KMS "
    "keys put reading them under a key policy the account writes and log every use.",
    remediation="Run training jobs with a KMS key for their storage volumes (ResourceConfig VolumeKmsKeyId) and for "
    "their output (OutputDataConfig KmsKeyId); settings of a finished job cannot be changed, so set them in the "
    "pipelines and estimators that start new ones.",
)
def training_job_kms_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for job in _training_jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        volume, output = job.get("volume_kms_key_id"), job.get("output_kms_key_id")
        missing = [part for part, key in (("storage volumes", volume), ("output", output)) if not key]
        label = _job_label(job)
        if missing:
            reason = f"{label} names no KMS key for its {' or its '.join(missing)}"
        else:
            reason = f"{label} encrypts its storage volumes with KMS key {volume} and its output with {output}"
        yield result(
            not missing,
            _job_id(job),
            TRAINING_JOB,
            reason,
            region=job["region"],
            volume_kms_key_id=volume,
            output_kms_key_id=output,
        )


@aws_check(
    id="aws.sagemaker.training_job_in_vpc",
    title="SageMaker training jobs run in a VPC",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=TRAINING_JOB,
    rationale="A training job without a VPC configuration runs its containers in SageMaker's own network: they "
    "reach the training data and the internet outside the security groups, endpoint policies and flow logs that "
    "guard and record the rest of the account's traffic.",
    remediation="Start training jobs with a VpcConfig naming private subnets and security groups limited to what "
    "the job must reach, and reach S3 and other AWS services through VPC endpoints.",
)
def training_job_in_vpc(inventory: Inventory) -> Iterable[Outcome]:
    for job in _training_jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        subnets = job.get("subnets") or []
        if subnets:
            reason = f"{_job_label(job)} runs in VPC subnet(s) {', '.join(subnets)}"
        else:
            reason = f"{_job_label(job)} has no VPC configuration"
        yield result(bool(subnets), _job_id(job), TRAINING_JOB, reason, region=job["region"], subnets=subnets)


@aws_check(
    id="aws.sagemaker.training_job_inter_container_encryption",
    title="Distributed SageMaker training jobs encrypt the traffic between their instances",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=TRAINING_JOB,
    rationale="Instances of a distributed training job exchange model parameters and, with some algorithms, "
    "training data over the network; without inter-container traffic encryption that exchange is unencrypted.",
    remediation="Start distributed training jobs with EnableInterContainerTrafficEncryption set to true.",
)
def training_job_inter_container_encryption(inventory: Inventory) -> Iterable[Outcome]:
    # A job on a single instance has no traffic between containers to encrypt, and is not judged.
    for job in _training_jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        count = job.get("instance_count")
        if isinstance(count, int) and count <= 1:
            continue
        on = job.get("inter_container_encryption") is True
        across = f"across {count} instances" if count else "across its instances"
        verb = "encrypts" if on else "does not encrypt"
        reason = f"{_job_label(job)} {verb} the traffic between its containers ({across})"
        yield result(
            on, _job_id(job), TRAINING_JOB, reason, region=job["region"], instance_count=count, inter_container=on
        )


@aws_check(
    id="aws.sagemaker.training_job_network_isolation",
    title="SageMaker training jobs run with network isolation",
    severity=Severity.LOW,
    service="sagemaker",
    resource_type=TRAINING_JOB,
    rationale="With network isolation a training container can make no outbound network call: code in a "
    "third-party algorithm or a tampered container image then cannot send the training data or anything else out.",
    remediation="Start training jobs with EnableNetworkIsolation set to true (SageMaker still copies the input "
    "and output data for the job).",
)
def training_job_network_isolation(inventory: Inventory) -> Iterable[Outcome]:
    for job in _training_jobs(inventory):
        if isinstance(job, Outcome):
            yield job
            continue
        on = job.get("network_isolation") is True
        reason = f"{_job_label(job)} {'runs' if on else 'does not run'} with network isolation"
        yield result(on, _job_id(job), TRAINING_JOB, reason, region=job["region"], network_isolation=on)


# --- SageMaker endpoint configurations ------------------------------------------------------------------------------


def _endpoint_configs(inventory: Inventory) -> Iterator[EndpointConfig | Outcome]:
    # Each carries its region.
    for found in regional_listing(
        inventory,
        "sagemaker",
        "endpoint_configs",
        noun="SageMaker endpoint configurations",
        resource_type=ENDPOINT_CONFIG,
        resource_id=_config_id,
        label=_config_label,
    ):
        yield found if isinstance(found, Outcome) else found[1]


def _config_id(config: EndpointConfig) -> str:
    return str(config.get("arn") or config["name"])


def _config_label(config: EndpointConfig) -> str:
    return f"SageMaker endpoint configuration {config['name']}"


def _instance_variants(config: EndpointConfig) -> list[Any]:
    # Serverless variants run on capacity SageMaker manages: no instance count, no storage volume of the account's.
    return [v for v in config.get("variants") or [] if not v.get("serverless")]


@aws_check(
    id="aws.sagemaker.endpoint_config_kms_encrypted",
    title="SageMaker endpoint configurations name a KMS key for their instances' storage",
    severity=Severity.MEDIUM,
    service="sagemaker",
    resource_type=ENDPOINT_CONFIG,
    rationale="The storage volumes of an endpoint's instances hold the model and whatever the inference code "
    "writes. Without a key named they are encrypted with an AWS managed key only; a customer managed KMS key puts "
    "reading them under a key policy the account writes and logs each use.",
    remediation="Create a new endpoint configuration with a KmsKeyId and update the endpoints to it (an endpoint "
    "configuration cannot be changed).",
)
def endpoint_config_kms_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    # A configuration of serverless variants only has no instance storage to encrypt, and is not judged.
    for config in _endpoint_configs(inventory):
        if isinstance(config, Outcome):
            yield config
            continue
        if not _instance_variants(config):
            continue
        key = config.get("kms_key_id")
        label = _config_label(config)
        reason = f"{label} encrypts its instances' storage with KMS key {key}" if key else f"{label} names no KMS key"
        yield result(bool(key), _config_id(config), ENDPOINT_CONFIG, reason, region=config["region"], kms_key_id=key)


@aws_check(
    id="aws.sagemaker.endpoint_config_variant_multiple_instances",
    title="SageMaker endpoint production variants start with more than one instance",
    severity=Severity.LOW,
    service="sagemaker",
    resource_type=ENDPOINT_CONFIG,
    rationale="SageMaker spreads the instances of a production variant across Availability Zones; a variant with "
    "a single instance stops answering whenever that instance or its zone fails, or is replaced.",
    remediation="Create a new endpoint configuration whose production variants have an InitialInstanceCount of at "
    "least 2 and update the endpoints to it.",
)
def endpoint_config_variant_multiple_instances(inventory: Inventory) -> Iterable[Outcome]:
    for config in _endpoint_configs(inventory):
        if isinstance(config, Outcome):
            yield config
            continue
        variants = _instance_variants(config)
        if not variants:
            continue
        single = [f"{v['name']} ({v.get('instance_count') or 'no'} instance)" for v in variants if not _several(v)]
        label = _config_label(config)
        if single:
            reason = f"{label} has production variants without a second instance: {', '.join(single)}"
        else:
            reason = f"{label} starts each of its {len(variants)} production variants on more than one instance"
        counts = {v["name"]: v.get("instance_count") for v in variants}
        yield result(
            not single, _config_id(config), ENDPOINT_CONFIG, reason, region=config["region"], instance_counts=counts
        )


def _several(variant: Any) -> bool:
    count = variant.get("instance_count")
    return isinstance(count, int) and count > 1
