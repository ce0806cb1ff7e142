"""The inventory shapes of network addressing, load balancers, API Gateway, Lambda, ECR, CloudFront, ACM, Inspector
and Macie.

Split from ``shapes`` (same conventions) to keep each module short.  ``Inventory.data`` holds
``acm``, ``apigateway``, ``ecr``, ``eip``, ``route_tables``, ``elb``, ``elbv2``, ``inspector2``, ``lambda`` and
``macie`` as ``Regional[...]`` of their region shape, and ``cloudfront`` (global) as :class:`CloudFront`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import AwsFragment, PolicyDocument
from .shapes_ec2 import NamedSecretFinding


class ElasticIp(TypedDict):
    allocation_id: str | None
    public_ip: str | None
    association_id: str | None
    instance_id: str | None
    network_interface_id: str | None
    region: str


class EipRegion(TypedDict):
    addresses: list[ElasticIp]


class PeeringRoute(TypedDict):
    destination: str | None  # an IPv4 or IPv6 CIDR, or a prefix list id
    peering_id: str


class RouteTable(TypedDict):
    id: str | None
    vpc_id: str | None
    main: NotRequired[bool]  # the VPC's main route table; absent from older inventories
    subnet_ids: NotRequired[list[str]]  # explicitly associated subnets; absent from older inventories
    internet_gateway_route: NotRequired[bool]  # a route leads to an internet gateway; absent from older ones
    peering_routes: list[PeeringRoute]  # only the routes that lead to a VPC peering connection
    region: str


class RouteTablesRegion(TypedDict):
    route_tables: list[RouteTable]


class ListenerV2(TypedDict):
    arn: str | None
    port: int | None
    protocol: str | None  # HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE
    ssl_policy: str | None
    default_actions: list[AwsFragment]  # Action


class LoadBalancerV2(TypedDict):
    arn: str
    name: str | None
    type: str | None  # "application", "network" or "gateway"
    scheme: str | None
    listeners: list[ListenerV2]
    attributes: dict[str, str]  # DescribeLoadBalancerAttributes as key -> value
    region: str
    # Internet-facing application load balancers only (absent elsewhere and from older inventories):
    # the associated WAFv2 web ACL's ARN (None: none), or the error that kept it from being read.
    web_acl: NotRequired[str | None]
    web_acl_name: NotRequired[str | None]
    web_acl_error: NotRequired[str]
    # The zones of its AvailabilityZones, sorted; absent in inventories collected before they were kept.
    availability_zones: NotRequired[list[str]]


class Elbv2Region(TypedDict):
    load_balancers: list[LoadBalancerV2]


class ClassicLoadBalancer(TypedDict):
    name: str
    scheme: str | None
    listeners: list[AwsFragment]  # Listener
    access_log: AwsFragment  # AccessLog
    region: str
    # AdditionalAttributes as key -> value ("elb.http.desyncmitigationmode": "defensive", ...); absent in inventories
    # collected before they were kept
    additional_attributes: NotRequired[dict[str, str]]
    # AvailabilityZones (sorted) and CrossZoneLoadBalancing.Enabled; absent in inventories collected before they were
    # kept
    availability_zones: NotRequired[list[str]]
    cross_zone: NotRequired[bool]
    # Absent in inventories collected before they were kept: ConnectionDraining.Enabled; each HTTPS or SSL listener
    # ("HTTPS:443") -> its PolicyNames; the load balancer's SSL negotiation policies by name (only read when it has
    # such a listener), or the error reading them.
    connection_draining: NotRequired[bool]
    secure_listener_policies: NotRequired[dict[str, list[str]]]
    negotiation_policies: NotRequired[dict[str, NegotiationPolicy]]
    negotiation_policies_error: NotRequired[str]


class NegotiationPolicy(TypedDict):
    reference: str | None  # Reference-Security-Policy: the predefined policy it was made from; None: custom
    protocols: list[str]  # the Protocol-* attributes set true, without the prefix ("TLSv1.2")


class ElbRegion(TypedDict):
    load_balancers: list[ClassicLoadBalancer]


class ApiStage(TypedDict):
    name: str  # stageName
    arn: str  # built from the partition, region, API id and stage name: GetStages returns no ARN
    execution_log_level: str | None  # methodSettings["*/*"].loggingLevel (OFF, ERROR, INFO); None: never set
    access_log_destination: str | None  # accessLogSettings.destinationArn
    tracing_enabled: bool  # X-Ray active tracing
    web_acl_arn: str | None  # the WAF web ACL associated with the stage
    # Absent from inventories collected before the cache settings were kept (those stages are not judged on them).
    cache_cluster_enabled: NotRequired[bool]  # cacheClusterEnabled: the stage has a cache cluster
    method_caching: NotRequired[dict[str, MethodCaching]]  # methodSettings' key ("*/*", "~1pets/GET") -> its caching
    # The stage variables holding a credential, by name and kind; absent from inventories collected before.
    variable_secrets: NotRequired[list[NamedSecretFinding]]
    # clientCertificateId: the certificate the stage presents to HTTP backends; None: none. Absent from inventories
    # collected before it was kept (those stages are not judged on it).
    client_certificate_id: NotRequired[str | None]


class MethodCaching(TypedDict):
    caching_enabled: bool  # cachingEnabled: the method's responses are cached
    data_encrypted: bool  # cacheDataEncrypted: what it caches is encrypted (AWS's default: false)


class RestApi(TypedDict):
    id: str
    arn: str  # built like the stages' ARNs
    name: str | None
    endpoint_types: list[str]  # endpointConfiguration.types: EDGE, REGIONAL or PRIVATE
    stages: list[ApiStage]
    stages_error: NotRequired[str]  # GetStages failed for this API: only its stages go unjudged
    region: str
    # Read for APIs that are not PRIVATE only; absent from inventories collected before methods were kept.
    methods: NotRequired[list[ApiMethod]]
    methods_error: NotRequired[str]  # GetResources failed for this API: its methods go unjudged


class ApiMethod(TypedDict):
    path: str | None  # the resource's path ("/", "/pets/{id}")
    http_method: str  # GET, POST, ..., ANY
    authorization_type: str | None  # NONE, AWS_IAM, CUSTOM (a Lambda authorizer) or COGNITO_USER_POOLS
    authorizer_id: str | None
    api_key_required: bool


class ApiDomainName(TypedDict):
    name: str  # domainName
    arn: str  # domainNameArn, or built like the REST APIs' ARNs
    security_policy: str | None  # securityPolicy: "TLS_1_0", "TLS_1_2", "SecurityPolicy_TLS13_1_3_2025_09", ...
    region: str


class ApiGatewayRegion(TypedDict):
    rest_apis: list[RestApi]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more REST APIs than were read
    # GetDomainNames; absent in inventories collected before it was read
    domain_names: NotRequired[list[ApiDomainName]]
    domain_names_error: NotRequired[str]  # the listing failed: only the domain name check reports it


class LambdaFunction(TypedDict):
    name: str
    arn: str | None
    runtime: str | None  # None for container image functions
    package_type: str | None
    url_auth_type: str | None  # None: the function has no (unqualified) function URL
    policy: PolicyDocument | None
    region: str
    # Absent from inventories stored before they were collected (those functions are not judged on them).
    environment_variable_names: NotRequired[list[str]]  # names only: Lambda answers the values in clear
    environment_error: NotRequired[str | None]  # Environment.Error's code: the variables could not be read
    environment_kms_key_arn: NotRequired[
        str | None
    ]  # KMSKeyArn: the variables' customer managed key (None: aws/lambda)
    vpc_id: NotRequired[str | None]
    vpc_subnet_ids: NotRequired[list[str]]  # VpcConfig's SubnetIds ([]: not connected to a VPC)
    # The function URL's Cors.AllowOrigins ([]: no CORS configuration); None when the function has no URL.
    url_cors_origins: NotRequired[list[str] | None]


class LambdaRegion(TypedDict):
    collected_at: str
    functions: list[LambdaFunction]


class EcrRepository(TypedDict):
    name: str
    arn: str | None
    scan_on_push: bool
    tag_mutability: str | None  # "MUTABLE", "IMMUTABLE", or an *_WITH_EXCLUSION variant
    policy: PolicyDocument | None
    region: str
    # Absent from inventories collected before lifecycle policies were read (those repositories are not judged).
    lifecycle_policy: NotRequired[bool]  # GetLifecyclePolicy found one (LifecyclePolicyNotFoundException: none)
    lifecycle_policy_error: NotRequired[str]  # GetLifecyclePolicy failed for this repository
    # The most recently pushed image and its last scan (None: no image), or why it could not be read; absent from
    # inventories collected before images were read.
    latest_image: NotRequired[EcrImage | None]
    latest_image_error: NotRequired[str]


class EcrImage(TypedDict):
    digest: str
    tags: list[str]  # its first five tags, sorted
    pushed_at: str | None  # imagePushedAt
    scan_status: str | None  # imageScanStatus.status: COMPLETE, ACTIVE, IN_PROGRESS, FAILED, ...; None: never scanned
    scan_description: NotRequired[str | None]
    severity_counts: NotRequired[dict[str, int]]  # findingSeverityCounts: CRITICAL, HIGH, ... -> count


class EcrRegion(TypedDict):
    registry_scanning: AwsFragment  # RegistryScanningConfiguration
    repositories: list[EcrRepository]


class Distribution(TypedDict):
    id: str
    arn: str | None
    domain_name: str | None
    enabled: bool
    viewer_protocol_policies: list[str]  # the default cache behaviour first, then every other one
    viewer_certificate: AwsFragment  # ViewerCertificate
    aliases: NotRequired[list[str]]  # alternate domain names (CNAMEs); absent: collected before they were read
    origins: list[AwsFragment]  # Origin
    web_acl_id: str | None
    logging: AwsFragment | None  # LoggingConfig of the distribution's configuration
    # DefaultRootObject of the configuration (None: not set) and the OriginGroups' Items (each with its Members);
    # both absent from inventories collected before they were kept.
    default_root_object: NotRequired[str | None]
    origin_groups: NotRequired[list[AwsFragment]]
    # Origin id -> the bucket an S3 (REST or website) origin serves from and its state: "exists", "missing" or
    # "unread: <why>" (HeadBucket); absent from inventories collected before it was read.
    origin_buckets: NotRequired[dict[str, OriginBucket]]


class OriginBucket(TypedDict):
    bucket: str
    state: str


class CloudFront(TypedDict):
    distributions: list[Distribution]


# --- networkfirewall (AWS Network Firewall firewalls, regional) -----------------------------


class FirewallLogDestination(TypedDict):
    log_type: str  # LogType: FLOW, ALERT or TLS
    destination_type: str  # LogDestinationType: S3, CloudWatchLogs or KinesisDataFirehose
    target: str | None  # the log group, bucket or delivery stream named in LogDestination


class NetworkFirewall(TypedDict):
    name: str
    arn: str
    log_destinations: list[FirewallLogDestination]  # LoggingConfiguration's LogDestinationConfigs; []: logs nothing
    logging_error: NotRequired[str]  # DescribeLoggingConfiguration failed for this firewall
    # DescribeFirewall's DeleteProtection, or why that read failed; both absent from inventories stored before.
    delete_protection: NotRequired[bool]
    protection_error: NotRequired[str]
    # DescribeFirewall's VpcId and its SubnetMappings' subnet ids (one firewall endpoint each); absent from
    # inventories stored before they were kept, and when DescribeFirewall failed (protection_error).
    vpc_id: NotRequired[str | None]
    subnet_ids: NotRequired[list[str]]
    policy_arn: NotRequired[str | None]  # DescribeFirewall's FirewallPolicyArn
    region: str


class FirewallPolicy(TypedDict):
    """A firewall policy some firewall of the region uses (DescribeFirewallPolicy)."""

    arn: str
    name: str
    # What happens to packets (whole, and fragmented) no stateless rule matched: aws:pass, aws:drop or
    # aws:forward_to_sfe (to the stateful rule groups), plus custom actions.
    stateless_default_actions: NotRequired[list[str]]
    stateless_fragment_default_actions: NotRequired[list[str]]
    stateless_rule_groups: NotRequired[int]  # StatelessRuleGroupReferences
    stateful_rule_groups: NotRequired[int]  # StatefulRuleGroupReferences
    describe_error: NotRequired[str]  # DescribeFirewallPolicy failed: only the ARN is known
    region: str


class NetworkFirewallRegion(TypedDict):
    firewalls: list[NetworkFirewall]
    policies: NotRequired[list[FirewallPolicy]]  # absent from inventories stored before policies were read


class Certificate(TypedDict):
    arn: str
    domain_name: str | None
    status: str | None
    type: str | None  # "AMAZON_ISSUED", "IMPORTED" or "PRIVATE"
    not_after: str | None
    in_use: bool
    region: str
    key_algorithm: NotRequired[str | None]  # "RSA_2048", "EC_prime256v1", ...; None: not reported
    # Options' CertificateTransparencyLoggingPreference ("ENABLED", "DISABLED"; None: not reported), read by
    # DescribeCertificate for ISSUED and PENDING_VALIDATION certificates ACM issues (AMAZON_ISSUED) only.
    transparency_logging: NotRequired[str | None]
    describe_error: NotRequired[str]  # that DescribeCertificate failed


class AcmRegion(TypedDict):
    collected_at: str
    certificates: list[Certificate]


# --- guardduty, inspector2 and macie (regional) ---------------------------------------------


class Detector(TypedDict):
    id: str
    status: str | None
    region: str
    # Features as name -> status (EKS_AUDIT_LOGS: "ENABLED", ...) and DataSources.Kubernetes.AuditLogs.Status; both
    # absent in inventories collected before they were kept.
    features: NotRequired[dict[str, str | None]]
    kubernetes_audit_logs: NotRequired[str | None]
    # Enabled detectors only: GetAdministratorAccount's administrator (None: the detector has none), or the error
    # that kept it from being read.
    administrator: NotRequired[GuardDutyAdministrator | None]
    administrator_error: NotRequired[str]
    # Detectors without an administrator only: whether ListMembers names an associated member (the detector is
    # then an administrator itself), or the error that kept it from being read.
    has_members: NotRequired[bool]
    members_error: NotRequired[str]
    # Enabled detectors only, absent in inventories collected before they were read: the active (unarchived)
    # findings of severity 7 or more (ListFindings, one page, then GetFindings), or the error that kept them unread.
    high_findings: NotRequired[GuardDutyHighFindings]
    high_findings_error: NotRequired[str]


class GuardDutyHighFindings(TypedDict):
    count: int  # ids on the first page (at most 50)
    more: bool  # ListFindings had another page
    types: list[str]  # the finding types among them, sorted
    highest_severity: float | None


class GuardDutyAdministrator(TypedDict):
    account_id: str | None
    relationship_status: str | None  # "Enabled" once the member accepted; "Invited", "Removed", ... before or after


class GuardDutyRegion(TypedDict):
    detectors: list[Detector]
    # ListOrganizationAdminAccounts (read when the region has an enabled detector): the organization's GuardDuty
    # delegated administrators as {"account_id", "status"}, or the refusal (only the management account may ask).
    organization_admins: NotRequired[list[dict[str, str | None]]]
    organization_admins_error: NotRequired[str]


# An active critical or high Inspector finding first seen longer ago than this many days is overdue (PCI DSS 6.3.3 and
# FedRAMP give critical and high vulnerabilities a month): the collector asks for these, the check words them.
INSPECTOR_OVERDUE_DAYS = 30


class InspectorRegion(TypedDict):
    status: str | None  # the account's Inspector status; None: never enabled in the region
    resource_state: dict[str, str | None]  # scan type ("ec2", "ecr", "lambda", ...) -> its status
    # Where Inspector is enabled (absent elsewhere and from older inventories): its active critical findings (a page's
    # worth counted, ``more`` when there are others), or the error reading them.
    critical_findings: NotRequired[InspectorFindings]
    critical_findings_error: NotRequired[str]
    # Likewise its active critical and high findings first seen over INSPECTOR_OVERDUE_DAYS ago, and its active
    # findings with a public exploit (exploitAvailable YES); absent from inventories collected before they were read.
    overdue_findings: NotRequired[InspectorFindings]
    overdue_findings_error: NotRequired[str]
    exploitable_findings: NotRequired[InspectorFindings]
    exploitable_findings_error: NotRequired[str]


class InspectorFindings(TypedDict):
    count: int
    more: bool
    vulnerabilities: list[str]  # packageVulnerabilityDetails.vulnerabilityId (CVE-...), the first 20, sorted
    resources: list[str]  # the affected resources' ids (instance ids, image ARNs, function ARNs), the first 20
    first_seen: NotRequired[str | None]  # the earliest firstObservedAt of those counted (ISO 8601); None: not given


class MacieRegion(TypedDict):
    status: str | None  # the Macie session's status (ENABLED, PAUSED); None: Macie is not enabled in the region
    not_enabled_answer: NotRequired[str]  # the error code AWS said "not enabled" with


class EksCluster(TypedDict):
    name: str
    arn: str | None
    endpoint_public_access: bool
    endpoint_private_access: bool
    public_access_cidrs: list[str]
    enabled_log_types: list[str]  # control-plane log types ("api", "audit", ...) that are switched on
    region: str
    # Absent in inventories collected before they were kept:
    version: NotRequired[str | None]  # the Kubernetes minor version, "1.31"
    secrets_kms_key: NotRequired[str | None]  # encryptionConfig's provider keyArn for the "secrets" resource
    deletion_protection: NotRequired[bool]  # deletionProtection


class EksRegion(TypedDict):
    clusters: list[EksCluster]
    collected_at: NotRequired[str]  # ISO time of the listing: the version check judges support at this time


class OrgScp(TypedDict):
    target: str  # the account, OU or root the policy is attached to
    id: str | None
    name: str | None
    aws_managed: bool  # FullAWSAccess is AWS-managed and restricts nothing


class OrgAccount(TypedDict):
    id: str
    scps: list[OrgScp]  # every SCP attached to the account, its OUs and its root
    scps_error: NotRequired[str]  # set when the lookups were refused (typical from a member account)
    # Every tag policy attached to the account, its OUs and its root (same shape as an SCP; read with the SCPs, so
    # scps_error covers it too). Absent from inventories collected before it was kept.
    tag_policies: NotRequired[list[OrgScp]]


class OrgRootAccess(TypedDict):
    features: list[str]  # IAM's enabled organization features: RootCredentialsManagement, RootSessions
    not_enabled: NotRequired[str]  # the error code saying the features cannot be on (no trusted access, billing only)
    error: NotRequired[str]  # set when the lookup failed (typical from a member account)


class OrgDelegatedAdmin(TypedDict):
    id: str
    name: str | None
    status: str | None  # ACTIVE, SUSPENDED, PENDING_CLOSURE
    services: list[str]  # the service principals it administers for the organization


class OrgAiOptOut(TypedDict):
    """An account's effective AI services opt-out policy: each service's setting ("default" for those not named),
    None when no policy reaches the account, or why it could not be read."""

    services: NotRequired[dict[str, str] | None]  # service -> "optOut" or "optIn"
    error: NotRequired[str]


class Organizations(TypedDict):
    in_organization: bool
    delegated_admins: NotRequired[list[OrgDelegatedAdmin]]  # only when scanned from the management account
    delegated_admins_error: NotRequired[str]
    root_access: NotRequired[OrgRootAccess]  # set when the account is in an organization
    feature_set: NotRequired[str | None]  # "ALL" (SCPs available) or "CONSOLIDATED_BILLING"
    management_account: NotRequired[str]
    # The organization's resource policy (DescribeResourcePolicy), which delegates policy management to members;
    # None: the organization has none. Absent outside an organization and from inventories collected before it.
    resource_policy: NotRequired[PolicyDocument | None]
    resource_policy_error: NotRequired[str]  # the read failed (a plain member account is refused it)
    accounts: list[OrgAccount]  # the members (scanned from the management account) or the scanned account
    # Each account's effective AI services opt-out policy (DescribeEffectivePolicy), the management account included
    # when it is the one scanned; absent outside an organization with all features and from older inventories.
    ai_opt_out: NotRequired[dict[str, OrgAiOptOut]]
