"""Inventory shapes of the application-facing services: Step Functions state machines, WAFv2 web ACLs, API
Gateway v2 (HTTP and WebSocket) APIs, Elastic Beanstalk environments and SES sending identities.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``stepfunctions``,
``wafv2``, ``apigatewayv2``, ``elasticbeanstalk`` and ``ses`` as ``Regional[...]`` of their region shape. A read that
failed for one resource is kept on it (``*_error``) so only the checks that needed the read report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import PolicyDocument, Regional
from .shapes_ec2 import NamedSecretFinding

# --- stepfunctions (state machines) -----------------------------------------------------


class StateMachine(TypedDict):
    name: str
    arn: str
    type: str | None  # "STANDARD" or "EXPRESS"
    log_level: str | None  # loggingConfiguration.level: "ALL", "ERROR", "FATAL" or "OFF"; None: not reported
    log_destinations: list[str]  # the CloudWatch Logs log group ARNs its execution history is sent to
    region: str
    describe_error: NotRequired[str]  # DescribeStateMachine failed: only the name and ARN are known
    # From DescribeStateMachine, absent from inventories collected before they were kept: encryptionConfiguration's
    # type (AWS_OWNED_KEY or CUSTOMER_MANAGED_KMS_KEY) and key, and what in the definition looks like a credential
    # (by path, at most user_data.MAX_FINDINGS of them; the count is of all).
    encryption_type: NotRequired[str]
    kms_key_id: NotRequired[str | None]
    definition_secrets: NotRequired[list[NamedSecretFinding]]
    definition_secret_count: NotRequired[int]


class StepFunctionsRegion(TypedDict):
    state_machines: list[StateMachine]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more state machines than were read


# --- wafv2 (web ACLs) ---------------------------------------------------------------------


class WebAcl(TypedDict):
    name: str
    id: str
    arn: str
    scope: str  # "REGIONAL", or "CLOUDFRONT" (read in us-east-1 only, where AWS keeps them)
    rules: list[str]  # the names of its rules, rule group references included
    logging_destinations: list[str]  # LogDestinationConfigs of its logging configuration; []: none
    region: str
    # From GetWebACL (absent when it failed, or from inventories collected before they were read): the web ACL's own
    # VisibilityConfig sends CloudWatch metrics, and the names of its rules whose VisibilityConfig does not.
    metrics_enabled: NotRequired[bool]
    rules_without_metrics: NotRequired[list[str]]
    # "Vendor:Name" of each managed rule group it runs, its own rules' or Firewall Manager's (absent as above).
    managed_rule_groups: NotRequired[list[str]]
    describe_error: NotRequired[str]  # GetWebACL failed: its rules are unknown
    logging_error: NotRequired[str]  # GetLoggingConfiguration failed: its logging is unknown


class Wafv2Region(TypedDict):
    web_acls: list[WebAcl]  # the first ``truncated_at`` of each scope when the region holds more
    truncated_at: NotRequired[int]  # set only when a scope held more web ACLs than were read


# --- apigatewayv2 (HTTP and WebSocket APIs) ---------------------------------------------------


class ApiV2Stage(TypedDict):
    name: str
    arn: str
    access_log_destination: str | None  # AccessLogSettings.DestinationArn; None: no access logging


class ApiV2(TypedDict):
    id: str
    arn: str
    name: str | None
    protocol: str | None  # "HTTP" or "WEBSOCKET"
    stages: list[ApiV2Stage]
    region: str
    stages_error: NotRequired[str]  # GetStages failed: its stages are unknown
    # GetRoutes: {"key": RouteKey, "authorization_type": NONE, AWS_IAM, CUSTOM or JWT}, or why it failed; both absent
    # from inventories collected before routes were read.
    routes: NotRequired[list[dict[str, str]]]
    routes_error: NotRequired[str]


class ApiGatewayV2Region(TypedDict):
    apis: list[ApiV2]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more APIs than were read


# --- elasticbeanstalk (environments) ------------------------------------------------------


class BeanstalkEnvironment(TypedDict):
    """An environment (DescribeEnvironments, not terminated) and the options judged from its
    DescribeConfigurationSettings: each the effective value, None when the answer did not hold it."""

    name: str
    arn: str
    application: str
    health_reporting: NotRequired[str | None]  # aws:elasticbeanstalk:healthreporting:system SystemType
    managed_actions: NotRequired[str | None]  # aws:elasticbeanstalk:managedactions ManagedActionsEnabled
    update_level: NotRequired[str | None]  # aws:elasticbeanstalk:managedactions:platformupdate UpdateLevel
    stream_logs: NotRequired[str | None]  # aws:elasticbeanstalk:cloudwatch:logs StreamLogs
    log_retention_days: NotRequired[str | None]  # aws:elasticbeanstalk:cloudwatch:logs RetentionInDays
    describe_error: NotRequired[str]  # DescribeConfigurationSettings failed: the options are unknown
    region: str
    # The environment properties (aws:elasticbeanstalk:application:environment) holding a credential, by name and kind;
    # absent from inventories collected before they were scanned.
    property_secrets: NotRequired[list[NamedSecretFinding]]


class ElasticBeanstalkRegion(TypedDict):
    environments: list[BeanstalkEnvironment]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- ses (sending identities) --------------------------------------------------------------


class SesIdentity(TypedDict):
    name: str  # the domain or e-mail address
    region: str
    # From SES v2's GetEmailIdentity (absent when it failed: ``describe_error``).
    type: NotRequired[str | None]  # IdentityType: DOMAIN, EMAIL_ADDRESS or MANAGED_DOMAIN
    verified_for_sending: NotRequired[bool]
    dkim_signing_enabled: NotRequired[bool]  # DkimAttributes.SigningEnabled
    dkim_status: NotRequired[str | None]  # DkimAttributes.Status: SUCCESS, PENDING, FAILED, ...
    policies: NotRequired[dict[str, PolicyDocument | None]]  # sending authorization policies by name
    describe_error: NotRequired[str]


class SesRegion(TypedDict):
    identities: list[SesIdentity]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


class ApplicationInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    stepfunctions: Regional[StepFunctionsRegion]
    wafv2: Regional[Wafv2Region]
    apigatewayv2: Regional[ApiGatewayV2Region]
    elasticbeanstalk: Regional[ElasticBeanstalkRegion]
    ses: Regional[SesRegion]
