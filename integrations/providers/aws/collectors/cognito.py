"""Cognito collection (regional): each user pool's sign-in protections, who may sign up, the WAF web ACL in front of
it and its app clients' error and token settings, and each identity pool's guest access."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes_directory import CognitoRegion
from ._common import (
    Scope,
    bounded_region,
    concurrently,
    describe_error,
    error_code,
    paginate_at_most,
    plain,
    web_acl_of,
)

# Each pool costs a Describe call beyond the listing; AWS's default quota is 1,000 user pools and 1,000 identity pools
# a region. Past this many the rest are left unread (and the checks say so).
MAX_POOLS = 1_000
# ListUserPools and ListIdentityPools give at most 60 a page.
_PAGE_SIZE = 60
# AWS's quota of app clients per user pool; each costs a DescribeUserPoolClient.
MAX_CLIENTS = 1_000


def collect_cognito(scope: Scope) -> CognitoRegion:
    idp = scope.client("cognito-idp")
    listed, more = paginate_at_most(idp, "list_user_pools", "UserPools", MAX_POOLS, MaxResults=_PAGE_SIZE)
    pools = concurrently(functools.partial(_user_pool, idp, scope), listed)
    found: CognitoRegion = bounded_region("user_pools", [p for p in pools if p is not None], more, MAX_POOLS)
    # Identity pools are another service (cognito-identity): a refusal there is kept for the guest access check alone.
    try:
        identity_pools, more_identity_pools = _identity_pools(scope.client("cognito-identity"), scope.region)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        found["identity_pools_error"] = describe_error(exc)
        return found
    found["identity_pools"] = plain(identity_pools)
    if more_identity_pools:
        found["identity_pools_truncated_at"] = MAX_POOLS
    return found


def _user_pool(idp: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    pool: dict[str, Any] = {"id": str(listed["Id"]), "name": listed.get("Name"), "region": scope.region}
    try:
        described = idp.describe_user_pool(UserPoolId=pool["id"])["UserPool"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None  # deleted between the listing and this read
        pool["describe_error"] = describe_error(exc)
        return pool
    password = (described.get("Policies") or {}).get("PasswordPolicy") or {}
    pool.update(
        {
            "arn": described.get("Arn"),
            "mfa": described.get("MfaConfiguration"),
            "deletion_protection": described.get("DeletionProtection"),
            "advanced_security_mode": (described.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode"),
            "password_minimum_length": password.get("MinimumLength"),
            "temporary_password_days": password.get("TemporaryPasswordValidityDays"),
            # The recovery mechanisms in the order Cognito offers them; None: not set (Cognito's legacy order).
            "account_recovery": _recovery_order(described.get("AccountRecoverySetting")),
            # AllowAdminCreateUserOnly false (Cognito's default) lets anyone who reaches the pool sign up.
            "self_sign_up": not (described.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"),
        }
    )
    if pool.get("arn"):
        pool.update(web_acl_of(scope, pool["arn"]))
    try:
        pool["clients"] = _app_clients(idp, pool["id"])
    except ClientError as exc:
        pool["clients_error"] = describe_error(exc)  # only the app client checks depend on them
    return pool


def _app_clients(idp: BaseClient, pool_id: str) -> list[dict[str, Any]]:
    listed, _ = paginate_at_most(
        idp, "list_user_pool_clients", "UserPoolClients", MAX_CLIENTS, UserPoolId=pool_id, MaxResults=_PAGE_SIZE
    )
    clients = []
    for summary in listed:
        try:
            client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=summary["ClientId"])["UserPoolClient"]
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                continue  # deleted between the listing and this read
            raise
        clients.append(
            {
                "id": str(client["ClientId"]),
                "name": client.get("ClientName"),
                # ENABLED or LEGACY; None: not reported (AWS then applies LEGACY)
                "prevent_user_existence_errors": client.get("PreventUserExistenceErrors"),
                "token_revocation": client.get("EnableTokenRevocation"),
            }
        )
    return clients


def _recovery_order(setting: Mapping[str, Any] | None) -> list[str] | None:
    if not setting:
        return None
    mechanisms = sorted(setting.get("RecoveryMechanisms") or [], key=lambda m: int(m.get("Priority") or 0))
    return [str(m.get("Name")) for m in mechanisms]


def _identity_pools(identity: BaseClient, region: str) -> tuple[list[dict[str, Any]], bool]:
    listed, more = paginate_at_most(identity, "list_identity_pools", "IdentityPools", MAX_POOLS, MaxResults=_PAGE_SIZE)
    read = concurrently(functools.partial(_identity_pool, identity, region), listed)
    return [p for p in read if p is not None], more


def _identity_pool(identity: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    pool: dict[str, Any] = {
        "id": str(listed["IdentityPoolId"]),
        "name": listed.get("IdentityPoolName"),
        "region": region,
    }
    try:
        described = identity.describe_identity_pool(IdentityPoolId=pool["id"])
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        pool["describe_error"] = describe_error(exc)
        return pool
    pool["allows_unauthenticated"] = bool(described.get("AllowUnauthenticatedIdentities"))
    return pool
