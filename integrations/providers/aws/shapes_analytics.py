"""Inventory shapes of the analytics and machine-learning services: SageMaker, EMR, Bedrock, DataSync and Athena.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``sagemaker``, ``emr``,
``bedrock``, ``datasync`` and ``athena`` as ``Regional[...]`` of their region shape. A read that failed for one
resource is kept on it (``*_error``) so only the checks that needed the read report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional
from .shapes_ec2 import UserData

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
    # NotebookInstanceLifecycleConfigName (None: none); absent from inventories collected before it was kept
    lifecycle_config: NotRequired[str | None]


class LifecycleConfig(TypedDict):
    """A notebook instance lifecycle configuration some notebook of the region uses: its scripts as scanned for
    credentials (the scripts themselves are not kept)."""

    name: str
    arn: NotRequired[str | None]
    notebooks: list[str]  # the notebook instances using it
    scripts: NotRequired[dict[str, UserData]]  # "OnCreate" / "OnStart" -> what was found in that script
    describe_error: NotRequired[str]  # DescribeNotebookInstanceLifecycleConfig failed


class SageMakerModel(TypedDict):
    name: str
    arn: str | None
    subnets: list[str]  # VpcConfig.Subnets; empty: the model's containers run outside the account's VPCs
    region: str
    describe_error: NotRequired[str]  # DescribeModel failed: only the name and ARN are known
    # EnableNetworkIsolation; absent from inventories collected before it was kept.
    network_isolation: NotRequired[bool]


class SageMakerRegion(TypedDict):
    notebook_instances: list[NotebookInstance]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more notebook instances than were read
    # ListModels/DescribeModel, absent in inventories collected before they were read
    models: NotRequired[list[SageMakerModel]]
    models_error: NotRequired[str]
    models_truncated_at: NotRequired[int]
    # ListTrainingJobs (newest first)/DescribeTrainingJob and ListEndpointConfigs/DescribeEndpointConfig, absent in
    # inventories collected before they were read
    training_jobs: NotRequired[list[TrainingJob]]
    training_jobs_error: NotRequired[str]
    training_jobs_truncated_at: NotRequired[int]
    endpoint_configs: NotRequired[list[EndpointConfig]]
    endpoint_configs_error: NotRequired[str]
    endpoint_configs_truncated_at: NotRequired[int]
    # The lifecycle configurations the region's notebooks use; absent in inventories collected before they were read
    lifecycle_configs: NotRequired[list[LifecycleConfig]]
    # ListDomains/DescribeDomain (Studio domains), absent in inventories collected before they were read
    domains: NotRequired[list[SageMakerDomain]]
    domains_error: NotRequired[str]
    domains_truncated_at: NotRequired[int]


class SageMakerDomain(TypedDict):
    id: str  # DomainId
    name: str | None
    arn: str | None
    status: str | None  # InService, Pending, Failed, ...
    region: str
    describe_error: NotRequired[str]  # DescribeDomain failed: only the listing's fields are known
    # The rest are absent when DescribeDomain failed.
    auth_mode: NotRequired[str | None]  # SSO (IAM Identity Center) or IAM
    app_network_access_type: NotRequired[str | None]  # PublicInternetOnly or VpcOnly
    kms_key_id: NotRequired[str | None]  # KmsKeyId (HomeEfsFileSystemKmsKeyId on older domains); None: AWS managed


class TrainingJob(TypedDict):
    name: str
    arn: str | None
    status: str | None  # TrainingJobStatus: InProgress, Completed, Failed, Stopping, Stopped
    region: str
    # The rest are absent when DescribeTrainingJob failed (``describe_error``).
    instance_count: NotRequired[int | None]  # ResourceConfig.InstanceCount, or the sum of its InstanceGroups'
    volume_kms_key_id: NotRequired[str | None]  # ResourceConfig.VolumeKmsKeyId: the ML storage volumes' key
    output_kms_key_id: NotRequired[str | None]  # OutputDataConfig.KmsKeyId: the key of the model artifacts in S3
    subnets: NotRequired[list[str]]  # VpcConfig.Subnets; empty: the job ran outside the account's VPCs
    inter_container_encryption: NotRequired[bool | None]  # EnableInterContainerTrafficEncryption
    network_isolation: NotRequired[bool | None]  # EnableNetworkIsolation
    describe_error: NotRequired[str]


class EndpointVariant(TypedDict):
    name: str  # VariantName
    instance_count: int | None  # InitialInstanceCount; None for a serverless variant
    serverless: bool  # a ServerlessConfig: no instances of the account's to count or to attach a volume to


class EndpointConfig(TypedDict):
    name: str
    arn: str | None
    region: str
    kms_key_id: NotRequired[str | None]  # KmsKeyId: the key of the endpoint instances' ML storage volumes
    variants: NotRequired[list[EndpointVariant]]  # ProductionVariants
    describe_error: NotRequired[str]  # DescribeEndpointConfig failed: only the name and ARN are known


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
    # From DescribeCluster; absent in inventories collected before they were kept. MasterPublicDnsName is the master
    # node's public DNS name, or its private one when it has no public address; None until the master is up.
    master_public_dns: NotRequired[str | None]
    master_security_groups: NotRequired[list[str]]  # EmrManagedMasterSecurityGroup and AdditionalMasterSecurityGroups


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
    bedrock: Regional[BedrockRegion]
    datasync: Regional[DataSyncRegion]


# --- bedrock (model invocation logging) ---------------------------------------------------


class BedrockInvocationLogging(TypedDict):
    s3_bucket: str | None  # s3Config.bucketName; None: no S3 destination
    cloudwatch_log_group: str | None  # cloudWatchConfig.logGroupName; None: no CloudWatch Logs destination
    text_data_delivery: bool | None  # textDataDeliveryEnabled (and the two below); None: not reported
    image_data_delivery: bool | None
    embedding_data_delivery: bool | None
    # cloudWatchConfig.largeDataDeliveryS3Config.bucketName: where records too big for CloudWatch Logs (over 100 KB,
    # and image data) go; None: none named. Absent from inventories collected before it was read.
    large_data_s3_bucket: NotRequired[str | None]


class BedrockAgent(TypedDict):
    """An agent (bedrock-agent ListAgents, then GetAgent)."""

    id: str  # agentId
    name: str | None
    arn: str | None
    status: str | None  # agentStatus: PREPARED, NOT_PREPARED, FAILED, ...
    role_arn: str | None  # agentResourceRoleArn: the service role the agent acts as
    guardrail: str | None  # guardrailConfiguration.guardrailIdentifier; None: no guardrail
    guardrail_version: str | None
    customer_key: str | None  # customerEncryptionKeyArn; None: an AWS owned key encrypts the agent's data
    region: str


class BedrockCustomModel(TypedDict):
    """A custom (fine-tuned or continued pre-training) model (ListCustomModels, then GetCustomModel)."""

    name: str | None
    arn: str
    kms_key: str | None  # modelKmsKeyArn; None: an AWS owned key encrypts the model
    region: str


class GuardrailPath(TypedDict):
    """What one filter does on one path (the prompt or the answer)."""

    action: str | None  # <path>Action, else the filter's action: BLOCK, ANONYMIZE or NONE (detect only); None: unset
    enabled: bool | None  # <path>Enabled; None: not reported (the path is on)


class GuardrailPromptAttack(GuardrailPath):
    strength: str | None  # inputStrength: NONE, LOW, MEDIUM or HIGH


class GuardrailSensitiveEntry(GuardrailPath):
    """A PII entity type or a custom regex of the sensitive information policy, on the answer's path."""

    name: str  # the entity type (EMAIL, US_SOCIAL_SECURITY_NUMBER, ...) or the regex's name
    kind: str  # "entity" or "regex"


class GuardrailGroundingFilter(TypedDict):
    type: str  # GROUNDING or RELEVANCE
    threshold: float | None
    action: str | None  # BLOCK or NONE; None: not reported (BLOCK)
    enabled: bool | None


class BedrockGuardrail(TypedDict):
    """A guardrail's working draft (ListGuardrails, then GetGuardrail without a version)."""

    id: str
    name: str | None
    arn: str
    version: str | None
    prompt_attack: GuardrailPromptAttack | None  # the content policy's PROMPT_ATTACK filter; None: none
    sensitive_information: list[GuardrailSensitiveEntry]
    grounding: list[GuardrailGroundingFilter]  # the contextual grounding policy's filters
    region: str


class BedrockRegion(TypedDict):
    invocation_logging: BedrockInvocationLogging  # all None when the region has no logging configuration
    # The region's agents, custom models and guardrails, or why they could not be read; all absent from older
    # inventories.
    agents: NotRequired[list[BedrockAgent]]
    agents_error: NotRequired[str]
    custom_models: NotRequired[list[BedrockCustomModel]]
    custom_models_error: NotRequired[str]
    guardrails: NotRequired[list[BedrockGuardrail]]
    guardrails_error: NotRequired[str]


# --- datasync (tasks) ------------------------------------------------------------------------


class DataSyncTask(TypedDict):
    arn: str
    name: str | None
    status: str | None
    log_group_arn: str | None  # CloudWatchLogGroupArn; None: no log group named
    log_level: str | None  # Options.LogLevel: OFF, BASIC or TRANSFER; None: not reported
    task_mode: str | None  # TaskMode: BASIC or ENHANCED (Enhanced tasks log to /aws/datasync by themselves)
    region: str
    describe_error: NotRequired[str]  # DescribeTask failed: only the ARN and name are known


class DataSyncRegion(TypedDict):
    tasks: list[DataSyncTask]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- athena (workgroups) ----------------------------------------------------------------------


class AthenaWorkGroup(TypedDict):
    """An ENABLED workgroup (ListWorkGroups) and its configuration (GetWorkGroup)."""

    name: str
    region: str
    encryption_option: NotRequired[str | None]  # ResultConfiguration.EncryptionConfiguration: SSE_S3, SSE_KMS, CSE_KMS
    enforced: NotRequired[bool]  # EnforceWorkGroupConfiguration: clients cannot override the workgroup's settings
    minimum_encryption: NotRequired[bool]  # EnableMinimumEncryptionConfiguration: clients cannot encrypt less
    managed_results: NotRequired[bool]  # ManagedQueryResultsConfiguration.Enabled: Athena keeps results, encrypted
    metrics: NotRequired[bool]  # PublishCloudWatchMetricsEnabled
    # The primary workgroup, which every region has, is asked whether it ran any query (ListQueryExecutions, the
    # last 45 days): None for the others, which someone created.
    has_queries: NotRequired[bool | None]
    describe_error: NotRequired[str]  # GetWorkGroup or ListQueryExecutions failed: only the name is known


class AthenaRegion(TypedDict):
    work_groups: list[AthenaWorkGroup]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]
