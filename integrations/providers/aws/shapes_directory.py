"""Inventory shapes of Directory Service, Cognito, WorkSpaces and Shield Advanced.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``directoryservice``,
``cognito`` and ``workspaces`` as ``Regional[...]`` of their region shape, and ``shield`` (global: one subscription
per account) as :class:`Shield`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional

# --- directoryservice (directories) ----------------------------------------------------------------------------


class Directory(TypedDict):
    id: str
    name: str | None  # the directory's fully qualified domain name
    type: str | None  # SimpleAD, ADConnector, MicrosoftAD or SharedMicrosoftAD
    stage: str | None  # Active, Creating, Impaired, Deleting, ...
    radius_servers: list[str]  # RadiusSettings.RadiusServers; empty: no RADIUS server configured
    radius_status: str | None  # RadiusStatus: Creating, Completed or Failed; None: RADIUS never configured
    # RadiusSettings.AuthenticationProtocol (PAP, CHAP, MS-CHAPv1, MS-CHAPv2); absent from older inventories
    radius_protocol: NotRequired[str | None]
    region: str
    # ListLogSubscriptions: the log groups its security event logs are forwarded to ([]: none); absent when the
    # listing failed or from inventories collected before it was read.
    log_groups: NotRequired[list[str]]


class DirectoryServiceRegion(TypedDict):
    directories: list[Directory]
    log_subscriptions_error: NotRequired[str]  # ListLogSubscriptions failed: only the log forwarding check says so


# --- cognito (user pools and identity pools) -------------------------------------------------------------------------


class CognitoUserPool(TypedDict):
    id: str
    name: str | None
    region: str
    # From DescribeUserPool (absent when it failed: ``describe_error``).
    arn: NotRequired[str | None]
    mfa: NotRequired[str | None]  # MfaConfiguration: OFF, ON or OPTIONAL
    deletion_protection: NotRequired[str | None]  # ACTIVE or INACTIVE
    advanced_security_mode: NotRequired[str | None]  # UserPoolAddOns: OFF, AUDIT or ENFORCED; None: not given
    password_minimum_length: NotRequired[int | None]  # Policies.PasswordPolicy.MinimumLength
    # Policies.PasswordPolicy.TemporaryPasswordValidityDays, and the AccountRecoverySetting mechanisms' names by
    # priority (None: not set); both absent from inventories collected before they were kept.
    temporary_password_days: NotRequired[int | None]
    account_recovery: NotRequired[list[str] | None]
    # AdminCreateUserConfig.AllowAdminCreateUserOnly negated: anyone may sign up (absent from older inventories).
    self_sign_up: NotRequired[bool]
    # WAFv2 GetWebACLForResource: the associated web ACL's ARN and name (None: none), or why it could not be read;
    # all absent from inventories collected before the association was read.
    web_acl: NotRequired[str | None]
    web_acl_name: NotRequired[str | None]
    web_acl_error: NotRequired[str]
    describe_error: NotRequired[str]
    # The pool's app clients (ListUserPoolClients, DescribeUserPoolClient each), or why they could not be read; both
    # absent when the pool's own describe failed or from inventories collected before clients were read.
    clients: NotRequired[list[CognitoAppClient]]
    clients_error: NotRequired[str]


class CognitoAppClient(TypedDict):
    id: str  # ClientId
    name: str | None
    prevent_user_existence_errors: str | None  # ENABLED or LEGACY; None: not reported (AWS's default is LEGACY)
    token_revocation: bool | None  # EnableTokenRevocation


class CognitoIdentityPool(TypedDict):
    id: str
    name: str | None
    region: str
    allows_unauthenticated: NotRequired[bool]  # AllowUnauthenticatedIdentities (absent when the describe failed)
    describe_error: NotRequired[str]


class CognitoRegion(TypedDict):
    user_pools: list[CognitoUserPool]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]
    # Absent when the cognito-identity listing failed (``identity_pools_error``: only the identity pool check says so).
    identity_pools: NotRequired[list[CognitoIdentityPool]]
    identity_pools_truncated_at: NotRequired[int]
    identity_pools_error: NotRequired[str]


# --- workspaces ------------------------------------------------------------------------------------------------------


class Workspace(TypedDict):
    id: str
    directory_id: str | None
    user_name: str | None
    state: str | None  # AVAILABLE, STOPPED, TERMINATING, ...
    root_volume_encrypted: bool  # RootVolumeEncryptionEnabled (AWS leaves a false one out)
    user_volume_encrypted: bool  # UserVolumeEncryptionEnabled
    volume_encryption_key: str | None  # VolumeEncryptionKey: the KMS key of the encrypted volumes
    region: str


class WorkspacesRegion(TypedDict):
    workspaces: list[Workspace]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]


# --- shield (Shield Advanced) ----------------------------------------------------------------------------------------


class Shield(TypedDict):
    subscribed: bool  # DescribeSubscription answered a Shield Advanced subscription
    subscription_arn: NotRequired[str | None]
    protected_resources: NotRequired[list[str]]  # ListProtections' ResourceArn of each protection (subscribed only)


class DirectoryInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    directoryservice: Regional[DirectoryServiceRegion]
    cognito: Regional[CognitoRegion]
    workspaces: Regional[WorkspacesRegion]
    shield: Shield
