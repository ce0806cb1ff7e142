"""Inventory shapes of the build, management and data catalog services: CodeBuild projects, SSM documents, the Glue
Data Catalog and Glue jobs, CloudFormation stacks, Batch job definitions, Route 53 hosted zones and the domains
registered through Route 53.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``codebuild``, ``ssm``,
``glue``, ``cloudformation`` and ``batch`` as ``Regional[...]`` of their region shape, and ``route53`` and
``route53domains`` (global) as :class:`Route53` and :class:`Route53Domains`. A read that failed for one resource is
kept on it (``describe_error``) so only that resource's outcomes are errors; a read that failed for a whole part of a
region is kept on the region (``<key>_error``).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import PolicyDocument, Regional
from .shapes_ec2 import NamedSecretFinding, UserData

# --- codebuild (build projects) ---------------------------------------------------------------


class CodeBuildSource(TypedDict):
    identifier: str  # "primary", or the secondary source's sourceIdentifier
    type: str | None  # GITHUB, BITBUCKET, CODECOMMIT, S3, NO_SOURCE, ...
    # Whether its location is an http(s) URL carrying sign-in details (user:password@ or token@). The location itself
    # is never kept: those details are the very credentials the check looks for.
    url_has_credentials: bool
    # Where its buildspec comes from: "source" (a file in the source: whoever can push to it sets the commands),
    # "inline" (in the project) or "s3" (an S3 object). Absent from inventories collected before it was kept.
    buildspec: NotRequired[str]


class CodeBuildArtifacts(TypedDict):
    identifier: str  # "primary", or the secondary artifact's artifactIdentifier
    type: str | None  # S3, CODEPIPELINE or NO_ARTIFACTS
    encryption_disabled: bool  # encryptionDisabled; CodeBuild's default is false (encrypted)


class CodeBuildProject(TypedDict):
    name: str
    arn: str
    # logsConfig.cloudWatchLogs.status / .s3Logs.status: ENABLED or DISABLED; None: not reported (CodeBuild's
    # default is CloudWatch Logs ENABLED and S3 logs DISABLED)
    cloudwatch_logs_status: str | None
    s3_logs_status: str | None
    s3_logs_encryption_disabled: bool  # logsConfig.s3Logs.encryptionDisabled; the default is false (encrypted)
    # The names of its environment variables of type PLAINTEXT (CodeBuild's default type), never their values;
    # PARAMETER_STORE and SECRETS_MANAGER variables hold only a reference and are not listed.
    plaintext_variable_names: list[str]
    # PLAINTEXT variable name -> the kinds of credential its value looks like (collectors/user_data.py SECRET_KINDS),
    # only for values that look like one; absent in inventories collected before values were scanned.
    plaintext_variable_findings: NotRequired[dict[str, list[str]]]
    sources: list[CodeBuildSource]  # the primary source, then the secondary ones
    artifacts: list[CodeBuildArtifacts]  # the primary artifacts, then the secondary ones
    region: str
    describe_error: NotRequired[str]  # BatchGetProjects failed for its batch: only the name is known
    # environment.privilegedMode (the build container may run Docker and reach the host's devices); absent from
    # inventories collected before it was kept, and from projects whose batch could not be described.
    privileged_mode: NotRequired[bool]
    # projectVisibility: PRIVATE or PUBLIC_READ; absent as privileged_mode is.
    visibility: NotRequired[str]
    # The webhook that starts builds from the source repository; None: none. Absent as privileged_mode is.
    webhook: NotRequired[CodeBuildWebhook | None]


class CodeBuildWebhookFilter(TypedDict):
    type: str  # EVENT, ACTOR_ACCOUNT_ID, HEAD_REF, BASE_REF, FILE_PATH, COMMIT_MESSAGE, ...
    pattern: str  # a regular expression (for EVENT: a comma-separated list of events)
    exclude: bool  # excludeMatchedPattern: the group matches what the pattern does not


class CodeBuildWebhook(TypedDict):
    # filterGroups: a build starts when every filter of any one group matches; no group: every event builds
    filter_groups: list[list[CodeBuildWebhookFilter]]
    # pullRequestBuildPolicy.requiresCommentApproval: DISABLED (also when not reported), ALL_PULL_REQUESTS or
    # FORK_PULL_REQUESTS
    pull_request_approval: str


class CodeBuildRegion(TypedDict):
    projects: list[CodeBuildProject]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more projects than were read


# --- ssm (documents the account owns) ------------------------------------------------------------


class SsmDocument(TypedDict):
    name: str
    arn: str
    document_type: str | None  # Command, Automation, Session, ...
    # DescribeDocumentPermission's AccountIds contains "all": any AWS account may run or copy the document.
    public: bool
    shared_account_count: int  # how many accounts it is shared with by id (their ids are not kept)
    region: str
    describe_error: NotRequired[str]  # DescribeDocumentPermission failed: only the listing's fields are known
    # GetDocument's content scanned for credentials (kinds and lines only), or why it could not be read; both
    # absent in inventories collected before documents' content was scanned.
    content_scan: NotRequired[UserData]
    content_error: NotRequired[str]


class SsmRegion(TypedDict):
    documents: list[SsmDocument]  # owned by the account (Owner Self); the first ``truncated_at``
    truncated_at: NotRequired[int]  # set only when the region held more owned documents than were read


class SsmPublicSharingRegion(TypedDict):
    """GetServiceSetting /ssm/documents/console/public-sharing-permission: may documents be shared publicly."""

    value: str | None  # SettingValue: "Enable" (AWS's default) or "Disable"
    status: str | None  # "Default", "Customized", ...


class SsmManagedNode(TypedDict):
    """A node whose SSM Agent registered with Systems Manager (DescribeInstanceInformation)."""

    id: str  # InstanceId: an EC2 instance id (i-...) or a hybrid node's id (mi-...)
    ping_status: str | None  # "Online", "ConnectionLost" or "Inactive"
    last_ping: str | None  # LastPingDateTime (ISO 8601)
    region: str


class SsmManagedNodesRegion(TypedDict):
    nodes: list[SsmManagedNode]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


class SsmPatchSummary(TypedDict):
    """One managed node's patch compliance (ListResourceComplianceSummaries, ComplianceType Patch)."""

    id: str  # ResourceId: an instance id (i-...) or a hybrid node's id (mi-...)
    status: str | None  # "COMPLIANT" or "NON_COMPLIANT"
    missing_count: int  # NonCompliantSummary.NonCompliantCount
    missing_by_severity: dict[str, int]  # "critical", "high", ...: only severities with missing patches
    scanned_at: str | None  # ExecutionSummary.ExecutionTime: when the node last scanned (ISO 8601)
    region: str


class SsmPatchingRegion(TypedDict):
    nodes: list[SsmPatchSummary]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- glue (the Data Catalog's encryption settings, ETL jobs) ---------------------------------------


class GlueCatalogEncryption(TypedDict):
    arn: str  # the region's Data Catalog: arn:aws:glue:<region>:<account>:catalog
    mode: str | None  # EncryptionAtRest.CatalogEncryptionMode: DISABLED, SSE-KMS or SSE-KMS-WITH-SERVICE-ROLE
    kms_key_id: str | None  # EncryptionAtRest.SseAwsKmsKeyId
    connection_passwords_encrypted: bool  # ConnectionPasswordEncryption.ReturnConnectionPasswordEncrypted
    connection_password_kms_key_id: str | None  # ConnectionPasswordEncryption.AwsKmsKeyId
    region: str


class GlueJob(TypedDict):
    name: str
    arn: str
    security_configuration: str | None  # the job's SecurityConfiguration name; None: the job has none
    # From that security configuration: the S3 encryption modes (SSE-KMS, SSE-S3 or DISABLED) and the CloudWatch
    # Logs one (SSE-KMS or DISABLED); empty / None when the job has no security configuration.
    s3_encryption_modes: list[str]
    cloudwatch_encryption_mode: str | None
    # The security configuration named could not be read (the listing failed) or no longer exists.
    security_configuration_error: NotRequired[str]
    # Command.Name, GlueVersion and DefaultArguments["--enable-continuous-cloudwatch-log"] as GetJobs gives them;
    # absent in inventories collected before they were kept.
    command: NotRequired[str | None]
    glue_version: NotRequired[str | None]
    continuous_logging: NotRequired[str | None]
    # DefaultArguments["--job-bookmark-option"] (job-bookmark-enable, -pause or -disable; None: not set, so disabled)
    # and the security configuration's JobBookmarksEncryptionMode (CSE-KMS or DISABLED; None: no configuration);
    # absent in inventories collected before they were kept.
    bookmark_option: NotRequired[str | None]
    bookmarks_encryption_mode: NotRequired[str | None]
    region: str
    # The DefaultArguments holding a credential, by name and kind; absent from inventories collected before.
    argument_secrets: NotRequired[list[NamedSecretFinding]]


class GlueRegion(TypedDict):
    catalog_encryption: GlueCatalogEncryption | None  # None when the read failed (``catalog_encryption_error``)
    catalog_encryption_error: NotRequired[str]
    jobs: list[GlueJob]  # the first ``truncated_at`` when the region holds more
    jobs_error: NotRequired[str]  # GetJobs failed: the region's jobs are unknown
    truncated_at: NotRequired[int]  # set only when the region held more jobs than were read
    # Kept since the catalog policy check; an inventory without catalog_arn is not judged on it:
    catalog_arn: NotRequired[str]  # arn:aws:glue:<region>:<account>:catalog
    catalog_policy: NotRequired[PolicyDocument | None]  # GetResourcePolicy's document; None: the catalog has none
    catalog_policy_error: NotRequired[str]


# --- route53 (hosted zones; global) ------------------------------------------------------------------


class HostedZone(TypedDict):
    id: str  # without the /hostedzone/ prefix
    arn: str  # arn:aws:route53:::hostedzone/<id>
    name: str
    private: bool  # Config.PrivateZone; private zones answer inside their VPCs only and are not judged
    # The CloudWatch Logs group its public DNS queries are logged to (ListQueryLoggingConfigs); None: none.
    query_logging_log_group: str | None


class Route53(TypedDict):
    hosted_zones: list[HostedZone]
    query_logging_error: NotRequired[str]  # ListQueryLoggingConfigs failed: no zone's query logging is known


# --- cloudformation (stacks) -------------------------------------------------------------------------


class CloudFormationStack(TypedDict):
    name: str
    arn: str  # StackId
    status: str | None  # StackStatus: CREATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ...
    parent_id: str | None  # ParentId: the stack this one is nested in; None: a root stack
    termination_protection: bool  # EnableTerminationProtection
    # The BootstrapVersion output of a CDK bootstrap stack; None: no such output, or not a number.
    bootstrap_version: int | None
    output_secrets: list[NamedSecretFinding]  # the outputs holding a credential, by name and kind
    region: str


class CloudFormationRegion(TypedDict):
    stacks: list[CloudFormationStack]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- batch (job definitions) --------------------------------------------------------------------------


class BatchJobDefinition(TypedDict):
    name: str
    arn: str  # jobDefinitionArn, with its revision
    revision: int | None
    # Environment variables (``NAME``, or ``nodes 0:/NAME`` for a node range's container) and commands holding a
    # credential, by name and kind.
    secrets: list[NamedSecretFinding]
    region: str


class BatchRegion(TypedDict):
    job_definitions: list[BatchJobDefinition]  # the ACTIVE revisions; the first ``truncated_at`` when more
    truncated_at: NotRequired[int]


# --- route53domains (registered domains; global) ----------------------------------------------------


class DomainPrivacy(TypedDict):
    admin: bool  # AdminPrivacy
    registrant: bool  # RegistrantPrivacy
    tech: bool  # TechPrivacy


class RegisteredDomain(TypedDict):
    name: str
    auto_renew: bool  # ListDomains' AutoRenew
    expiry: str | None  # ListDomains' Expiry
    # ListDomains' TransferLock, or clientTransferProhibited among GetDomainDetail's StatusList
    transfer_lock: bool
    privacy: NotRequired[DomainPrivacy]  # from GetDomainDetail (absent when it failed: ``describe_error``)
    describe_error: NotRequired[str]


class Route53Domains(TypedDict):
    domains: list[RegisteredDomain]  # none outside the commercial partition, where Route 53 Domains does not answer


class DevtoolsInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    codebuild: Regional[CodeBuildRegion]
    ssm: Regional[SsmRegion]
    glue: Regional[GlueRegion]
    cloudformation: Regional[CloudFormationRegion]
    batch: Regional[BatchRegion]
    route53: Route53
    route53domains: Route53Domains
