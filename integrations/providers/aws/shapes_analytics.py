"""Inventory shapes of the analytics and machine-learning services: SageMaker notebook instances and EMR clusters.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``sagemaker`` and
``emr`` as ``Regional[...]`` of their region shape. A read that failed for one resource is kept on it (``*_error``)
so only the checks that needed the read report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional

# --- sagemaker (notebook instances) ----------------------------------------------------


class NotebookInstance(TypedDict):
    name: str
    arn: str | None
    status: str | None  # NotebookInstanceStatus: InService, Stopped, Pending, ...
    direct_internet_access: str | None  # "Enabled" or "Disabled"
    root_access: str | None  # "Enabled" or "Disabled"; None: not reported, and AWS's default is Enabled
    kms_key_id: str | None  # the key of the ML storage volume; None: an AWS-managed key only
    subnet_id: str | None  # None: not attached to a VPC subnet
    region: str
    describe_error: NotRequired[str]  # DescribeNotebookInstance failed: only the name and ARN are known


class SageMakerModel(TypedDict):
    name: str
    arn: str | None
    subnets: list[str]  # VpcConfig.Subnets; empty: the model's containers run outside the account's VPCs
    region: str
    describe_error: NotRequired[str]  # DescribeModel failed: only the name and ARN are known


class SageMakerRegion(TypedDict):
    notebook_instances: list[NotebookInstance]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more notebook instances than were read
    # ListModels/DescribeModel, absent in inventories collected before they were read
    models: NotRequired[list[SageMakerModel]]
    models_error: NotRequired[str]
    models_truncated_at: NotRequired[int]


# --- emr (active clusters) ---------------------------------------------------------------


class EmrCluster(TypedDict):
    id: str
    arn: str | None
    name: str | None
    state: str | None  # STARTING, BOOTSTRAPPING, RUNNING or WAITING when listed
    log_uri: str | None  # the S3 location its logs are archived to; None: kept on the nodes only
    security_configuration: str | None  # the security configuration's name; None: the cluster has none
    at_rest_encryption: bool  # EncryptionConfiguration.EnableAtRestEncryption of that configuration
    in_transit_encryption: bool  # EncryptionConfiguration.EnableInTransitEncryption of that configuration
    region: str
    describe_error: NotRequired[str]  # DescribeCluster failed: only the id, name and ARN are known
    security_configuration_error: NotRequired[str]  # the configuration could not be read or parsed


class EmrBlockPublicAccess(TypedDict):
    block_public_security_group_rules: bool | None  # BlockPublicSecurityGroupRules; None: EMR left it out
    permitted_port_ranges: list[list[int]]  # PermittedPublicSecurityGroupRuleRanges as [first port, last port]


class EmrRegion(TypedDict):
    clusters: list[EmrCluster]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more active clusters than were read
    # GetBlockPublicAccessConfiguration, or the error that kept it from being read; both absent in inventories
    # collected before it was read
    block_public_access: NotRequired[EmrBlockPublicAccess]
    block_public_access_error: NotRequired[str]


class AnalyticsInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    sagemaker: Regional[SageMakerRegion]
    emr: Regional[EmrRegion]
