"""AWS Organizations checks: service control policies as guardrails on the organization's accounts,
centralized root access (no standing root credentials in member accounts), delegated administrators, policy
management delegated to a member account, and every account opted out of AWS AI services' use of its content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import Organizations
from ._common import ACCOUNT, as_list, aws_check, error, principal_is_anyone, result, service_data, statements


def _organizations(inventory: Inventory) -> Organizations:
    return service_data(inventory, "organizations")


def billing_only(inventory: Inventory, policies: str) -> Outcome:
    """The failure of a management policy check for an organization on consolidated billing, which has no
    ``policies``."""
    reason = f"The organization uses consolidated billing only, which has no {policies}"
    return result(False, inventory.account_id or "aws-account", ACCOUNT, reason, feature_set="CONSOLIDATED_BILLING")


@aws_check(
    id="aws.organizations.scps_attached",
    title="Service control policies restrict the organization's accounts",
    severity=Severity.MEDIUM,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Service control policies cap what even an account's administrators can do (leave the "
    "organization, turn off logging, use unapproved regions), so one compromised account cannot undo the "
    "baseline.",
    remediation="Enable all features in AWS Organizations and attach baseline SCPs (besides FullAWSAccess) to the "
    "root or the OUs holding your accounts.",
)
def scps_attached(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    if "in_organization" not in org:
        return
    account = inventory.account_id or "aws-account"
    if not org.get("in_organization"):
        yield result(False, account, ACCOUNT, "The account is not part of an AWS organization", in_organization=False)
        return
    if org.get("feature_set") == "CONSOLIDATED_BILLING":
        yield result(
            False,
            account,
            ACCOUNT,
            "The organization uses consolidated billing only, which has no service control policies",
            feature_set="CONSOLIDATED_BILLING",
        )
        return
    if not org.get("accounts"):
        yield result(True, account, ACCOUNT, "The organization has no member accounts to restrict", members=0)
        return
    for member in org.get("accounts", []):
        member_id = str(member.get("id"))
        if "scps_error" in member:
            yield error(member_id, ACCOUNT, f"Could not read the SCPs of account {member_id}: {member['scps_error']}")
            continue
        # FullAWSAccess (AWS-managed) allows everything; only customer policies can restrict.
        restricting = [p for p in member.get("scps", []) if not p.get("aws_managed")]
        names = sorted({str(p.get("name") or p.get("id")) for p in restricting})
        reason = (
            f"Account {member_id} is restricted by SCP(s) {', '.join(names)}"
            if names
            else f"Account {member_id} has no SCP other than FullAWSAccess"
        )
        yield result(
            bool(names),
            member_id,
            ACCOUNT,
            reason,
            scps=names,
            attached_to=sorted({str(p.get("target")) for p in restricting}),
        )


ROOT_ACCESS_FEATURES = ("RootCredentialsManagement", "RootSessions")


@aws_check(
    id="aws.iam.centralized_root_access",
    title="Root access of member accounts is managed centrally",
    severity=Severity.HIGH,
    service="iam",
    resource_type=ACCOUNT,
    rationale="With root credentials management and root sessions enabled, member accounts can run without "
    "standing root passwords, access keys or MFA devices, and the rare root-only tasks run as short sessions "
    "started from the management (or delegated) account.",
    remediation="In IAM, under Root access management, enable root credentials management and privileged root "
    "actions in member accounts (this also enables IAM trusted access in AWS Organizations), then delete the "
    "members' root credentials.",
    requires=("organizations",),
)
def centralized_root_access(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    # A standalone account has no organization to manage its root user from: nothing to judge.
    if not org.get("in_organization") or "root_access" not in org:
        return
    account = inventory.account_id or "aws-account"
    root_access = org["root_access"]
    if "error" in root_access:
        yield error(account, ACCOUNT, f"Could not read the organization's root access features: {root_access['error']}")
        return
    enabled = root_access.get("features", [])
    missing = [f for f in ROOT_ACCESS_FEATURES if f not in enabled]
    if not missing:
        reason = "Root credentials management and root sessions are enabled for the organization"
    elif "not_enabled" in root_access:
        reason = f"Centralized root access is off: IAM answered {root_access['not_enabled']}"
    else:
        reason = f"The organization has not enabled {' and '.join(missing)}"
    yield result(not missing, account, ACCOUNT, reason, enabled_features=list(enabled), missing_features=missing)


@aws_check(
    id="aws.organizations.delegated_administrators_active",
    title="Delegated administrator accounts are active members",
    severity=Severity.MEDIUM,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Integrated services such as GuardDuty, Config or CloudTrail are run organization-wide from their "
    "delegated administrator; one left registered on a suspended or closing account leaves that service without "
    "a working administrator, so findings and settings go unmanaged.",
    remediation="Deregister the delegated administrator on the suspended or closing account and register an "
    "active member account (a dedicated security or logging account) for those services.",
)
def delegated_administrators_active(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    # Only the management account can list delegated administrators; an organization without any has nothing
    # to judge here.
    if "delegated_admins_error" in org:
        account = inventory.account_id or "aws-account"
        yield error(account, ACCOUNT, f"Could not list the delegated administrators: {org['delegated_admins_error']}")
        return
    for admin in org.get("delegated_admins", []):
        admin_id, status = str(admin.get("id")), admin.get("status")
        services = ", ".join(admin.get("services", [])) or "no service"
        reason = (
            f"Delegated administrator {admin_id} ({services}) is an active member"
            if status == "ACTIVE"
            else f"Delegated administrator {admin_id} ({services}) is {status}, not an active member"
        )
        yield result(
            status == "ACTIVE",
            admin_id,
            ACCOUNT,
            reason,
            account_name=admin.get("name"),
            status=status,
            services=list(admin.get("services", [])),
        )


# The Organizations actions that manage policies; allowing any of them to a member account delegates policy
# management (the read-only Describe/List actions a delegation usually also grants do not count).
POLICY_MANAGEMENT_ACTIONS = (
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:DeletePolicy",
    "organizations:DetachPolicy",
    "organizations:DisablePolicyType",
    "organizations:EnablePolicyType",
    "organizations:UpdatePolicy",
)
# An account id, or an IAM ARN in an account ("arn:aws:iam::111122223333:root", "...:role/PolicyAdmins").
_PRINCIPAL_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:(?:iam|sts)::)?(\d{12})(?::.*)?$")


def _accounts_named(principal: Any) -> set[str]:
    if not isinstance(principal, Mapping):
        return set()
    found = (_PRINCIPAL_ACCOUNT.match(str(p).strip()) for p in as_list(principal.get("AWS")))
    return {m.group(1) for m in found if m}


def _management_actions(statement: Mapping[str, Any]) -> set[str]:
    """The policy management actions a statement's Action (or NotAction) covers, wildcards included."""
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in as_list(statement.get("NotAction"))]
        return {a for a in POLICY_MANAGEMENT_ACTIONS if not any(fnmatchcase(a.lower(), p) for p in excluded)}
    patterns = [str(a).lower() for a in as_list(statement.get("Action"))]
    return {a for a in POLICY_MANAGEMENT_ACTIONS if any(fnmatchcase(a.lower(), p) for p in patterns)}


def delegated_policy_management(document: Any, management: str | None) -> dict[str, list[str]]:
    """Member account -> the policy management actions the organization's resource policy allows it."""
    allowed: dict[str, set[str]] = {}
    denied: dict[str, set[str]] = {}
    for statement in statements(document):
        actions = _management_actions(statement)
        if not actions or "NotPrincipal" in statement:
            continue
        principal = statement.get("Principal")
        if statement.get("Effect") == "Allow":
            for account in _accounts_named(principal) - {management}:
                allowed.setdefault(account, set()).update(actions)
        # Only an unconditional Deny certainly takes the actions back; conditions are not evaluated here.
        elif statement.get("Effect") == "Deny" and not statement.get("Condition"):
            for target in {"*"} if principal_is_anyone(principal) else _accounts_named(principal):
                denied.setdefault(target, set()).update(actions)
    kept = {a: actions - denied.get(a, set()) - denied.get("*", set()) for a, actions in allowed.items()}
    return {a: sorted(actions) for a, actions in sorted(kept.items()) if actions}


@aws_check(
    id="aws.organizations.policy_management_delegated",
    title="Organization policies are managed from a delegated member account",
    severity=Severity.MEDIUM,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Delegating policy management to a member account keeps day-to-day SCP and other policy work out of "
    "the management account, whose every principal can change anything in the organization and which no SCP "
    "restricts; fewer people then need to sign in to it.",
    remediation="In AWS Organizations (Settings, Delegated administrator for AWS Organizations) add a resource "
    "policy allowing a dedicated member account organizations:CreatePolicy, UpdatePolicy, AttachPolicy, "
    "DetachPolicy and DeletePolicy (aws organizations put-resource-policy), and manage policies from there.",
)
def policy_management_delegated(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    # A standalone account has no organization policies to delegate.
    if not org.get("in_organization"):
        return
    account = inventory.account_id or "aws-account"
    management = org.get("management_account")
    if "resource_policy_error" in org:
        where = (
            f"; account {account} is a member, and only the management account or a delegated administrator may read it"
            if management and management != account
            else ""
        )
        yield error(
            account,
            ACCOUNT,
            f"Could not read the organization's resource policy: {org['resource_policy_error']}{where}",
        )
        return
    # An inventory collected before the resource policy was read has nothing to judge.
    if "resource_policy" not in org:
        return
    policy = org["resource_policy"]
    delegated = delegated_policy_management(policy, management) if policy else {}
    if delegated:
        reason = f"The organization's resource policy delegates policy management to {', '.join(delegated)}"
    elif policy:
        reason = "The organization's resource policy delegates no policy management action to a member account"
    else:
        reason = "The organization has no resource policy: policies are managed from the management account only"
    yield result(
        bool(delegated),
        account,
        ACCOUNT,
        reason,
        management_account=management,
        has_resource_policy=bool(policy),
        delegated_to=delegated,
    )


OPT_OUT = "optOut"


@aws_check(
    id="aws.organizations.ai_services_opt_out",
    title="Every account is opted out of AWS AI services keeping its content",
    severity=Severity.LOW,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Unless an account opts out, AWS AI services (Rekognition, Transcribe, Comprehend, Lex, Polly and "
    "others) may store and use the content they process to improve AWS's own models, outside the regions and "
    "retention the organization chose; an AI services opt-out policy is the only way to refuse that for every service "
    "and account.",
    remediation="Enable the AI services opt-out policy type on the organization's root and attach a policy setting "
    'services.default.opt_out_policy to optOut, with @@operators_allowed_for_child_policies ["@@none"] so no OU or '
    "account can opt back in; remove any service set to optIn.",
)
def ai_services_opt_out(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    if not org.get("in_organization"):
        return  # outside an organization there is no such policy (aws.organizations.scps_attached fails the account)
    if org.get("feature_set") == "CONSOLIDATED_BILLING":
        yield billing_only(inventory, "AI services opt-out policies")
        return
    for account_id, policy in (org.get("ai_opt_out") or {}).items():
        if "error" in policy:
            reason = f"Could not read the AI services opt-out policy of account {account_id}: {policy['error']}"
            yield error(account_id, ACCOUNT, reason)
            continue
        services = policy.get("services")
        if services is None:
            yield result(False, account_id, ACCOUNT, f"No AI services opt-out policy reaches account {account_id}")
            continue
        opted_in = sorted(name for name, setting in services.items() if setting != OPT_OUT)
        if services.get("default") != OPT_OUT:
            reason = f"Account {account_id} is not opted out by default: only the services its policy names are"
            opted_in = sorted({*opted_in, "default"})
        elif opted_in:
            reason = f"Account {account_id} is opted out by default but opted in for {', '.join(opted_in)}"
        else:
            reason = f"Account {account_id} is opted out of every AWS AI service"
        yield result(not opted_in, account_id, ACCOUNT, reason, opted_in=opted_in)
