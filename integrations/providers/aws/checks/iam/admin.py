"""IAM checks on who holds administrative power: AdministratorAccess on users, inline policies, wildcards, trusts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ...shapes import IamInlinePolicy, IamPolicy, PolicyDocument
from .._common import as_list, aws_check, principal_is_anyone, result, statements
from ._data import POLICY, USER, iam_data
from .policies import grants_everything

INLINE_POLICY = "AWS::IAM::Policy"
ROLE = "AWS::IAM::Role"
ADMINISTRATOR_ACCESS = ":iam::aws:policy/AdministratorAccess"
# Services where "<service>:*" on every resource amounts to control of the account's security:
# identities, keys, the audit trail, the organization, and the data in every bucket.
SENSITIVE_SERVICES = ("iam", "kms", "cloudtrail", "organizations", "s3")
# Condition keys that narrow who may assume a role; any other condition (TLS, time of day...)
# still leaves the role open to every AWS principal.
RESTRICTING_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:userid",
        "sts:externalid",
    }
)


def inline_id(policy: IamInlinePolicy) -> str:
    """``<user|group|role>/<owner name>/<policy name>``: inline policies have no ARN of their own."""
    return f"{policy.get('owner_type')}/{policy.get('owner')}/{policy.get('name')}"


def _is_administrator_access(arn: Any) -> bool:
    return str(arn).endswith(ADMINISTRATOR_ACCESS)


@aws_check(
    id="aws.iam.user_no_administrator_access",
    title="No IAM user has the AdministratorAccess policy",
    severity=Severity.HIGH,
    service="iam",
    resource_type=USER,
    rationale="A user holding AdministratorAccess has long-lived credentials that can do anything in the "
    "account; administration belongs to roles assumed for a limited session.",
    remediation="Detach AdministratorAccess from the user and from the groups it belongs to; grant administration "
    "through a role assumed with MFA, and give the user only what it needs day to day.",
)
def user_no_administrator_access(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    admin_groups = {
        str(g.get("name")) for g in iam.get("groups", []) if any(map(_is_administrator_access, g["attached_policies"]))
    }
    for user in iam.get("users", []):
        name = str(user.get("name"))
        direct = any(map(_is_administrator_access, user.get("attached_policies", [])))
        via = sorted(admin_groups & set(user.get("groups", [])))
        routes = (["directly"] if direct else []) + ([f"through group(s) {', '.join(via)}"] if via else [])
        reason = (
            f"User {name} has AdministratorAccess {' and '.join(routes)}"
            if routes
            else f"User {name} does not have AdministratorAccess"
        )
        yield result(not routes, name, USER, reason, direct=direct, groups=via)


@aws_check(
    id="aws.iam.inline_policy_no_full_admin",
    title="No inline policy grants full administrative access",
    severity=Severity.HIGH,
    service="iam",
    resource_type=INLINE_POLICY,
    rationale="An inline policy allowing every action on every resource gives its user, group or role full "
    "control of the account, and being embedded it escapes reviews of the managed policies.",
    remediation="Delete the inline policy and grant the actions actually needed through a managed policy; keep full "
    "administration to a small break-glass role.",
)
def inline_policy_no_full_admin(inventory: Inventory) -> Iterable[Outcome]:
    for policy in iam_data(inventory).get("inline_policies", []):
        offending = [s for s in statements(policy.get("document")) if grants_everything(s)]
        owner = f"{policy.get('owner_type')} {policy.get('owner')}"
        reason = (
            f'Inline policy {policy.get("name")} of {owner} allows "*" actions on "*" resources'
            if offending
            else f'Inline policy {policy.get("name")} of {owner} does not allow "*" on "*"'
        )
        yield result(
            not offending,
            inline_id(policy),
            INLINE_POLICY,
            reason,
            owner_arn=policy.get("owner_arn"),
            offending_statements=offending,
        )


def _service_wildcards(document: PolicyDocument) -> list[str]:
    found: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or "*" not in as_list(statement.get("Resource")):
            continue
        for action in as_list(statement.get("Action")):
            service, _, name = str(action).lower().partition(":")
            if name == "*" and service in SENSITIVE_SERVICES:
                found.add(f"{service}:*")
    return sorted(found)


def judged_documents(inventory: Inventory) -> Iterator[tuple[str, str, str, PolicyDocument]]:
    """(resource id, resource type, label, document) of attached customer-managed and of inline policies."""
    iam = iam_data(inventory)
    customer: list[IamPolicy] = [
        p for p in iam.get("policies", []) if not p.get("aws_managed") and p.get("attachment_count")
    ]
    for policy in customer:
        yield str(policy.get("arn")), POLICY, f"Policy {policy.get('name')}", policy.get("document") or {}
    for inline in iam.get("inline_policies", []):
        label = f"Inline policy {inline.get('name')} of {inline.get('owner_type')} {inline.get('owner')}"
        yield inline_id(inline), INLINE_POLICY, label, inline.get("document") or {}


@aws_check(
    id="aws.iam.policy_no_wildcard_service_admin",
    title="No customer or inline policy grants every action of a sensitive service",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=POLICY,
    rationale="iam:*, kms:*, cloudtrail:*, organizations:* or s3:* on every resource lets the holder grant itself "
    "more, read or destroy keys and data, or switch off the audit trail.",
    remediation="Replace the service wildcard with the specific actions needed, on the specific resources needed.",
)
def policy_no_wildcard_service_admin(inventory: Inventory) -> Iterable[Outcome]:
    # AWS-managed policies are left out: they are AWS's to change, and the full-admin checks judge them.
    for resource_id, resource_type, label, document in judged_documents(inventory):
        wildcards = _service_wildcards(document)
        reason = (
            f"{label} allows {', '.join(wildcards)} on every resource"
            if wildcards
            else f"{label} allows no sensitive service wildcard on every resource"
        )
        yield result(not wildcards, resource_id, resource_type, reason, wildcards=wildcards)


def _open_statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    open_ones = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or not principal_is_anyone(statement.get("Principal")):
            continue
        condition = statement.get("Condition")
        keys = {
            str(key).lower()
            for block in (condition.values() if isinstance(condition, Mapping) else [])
            if isinstance(block, Mapping)
            for key in block
        }
        if not keys & RESTRICTING_KEYS:
            open_ones.append(statement)
    return open_ones


@aws_check(
    id="aws.iam.role_trust_no_public_principal",
    title="No role can be assumed by any AWS principal",
    severity=Severity.CRITICAL,
    service="iam",
    resource_type=ROLE,
    rationale='A trust policy allowing Principal "*" lets anyone with an AWS account assume the role and use '
    "its permissions, unless a condition narrows who may.",
    remediation="Name the trusted accounts, roles or services in the trust policy, or add a condition on "
    "aws:PrincipalOrgID, aws:PrincipalAccount or sts:ExternalId.",
)
def role_trust_no_public_principal(inventory: Inventory) -> Iterable[Outcome]:
    for role in iam_data(inventory).get("roles", []):
        name = str(role.get("name"))
        open_ones = _open_statements(role.get("trust_policy"))
        reason = (
            f"Role {name} trusts any AWS principal without a condition restricting who"
            if open_ones
            else f'Role {name} trusts only named principals (or restricts "*" by condition)'
        )
        yield result(not open_ones, name, ROLE, reason, arn=role.get("arn"), open_statements=open_ones)
