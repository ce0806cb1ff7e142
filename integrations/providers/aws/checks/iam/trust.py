"""IAM checks on who may assume roles: service trusts open to the confused deputy, GitHub Actions trusts open to any
repository, other accounts trusted with ReadOnlyAccess, and sts:AssumeRole on every role.

The confused-deputy check judges only the service principals whose own documentation shows a role trust policy
conditioned on aws:SourceArn / aws:SourceAccount (the services pass those keys when they assume a role for a
resource). Compute services (ec2, lambda, ecs-tasks, ...) assume execution roles without a source resource to pin,
and a condition there breaks the role, so they are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from .._common import as_list, aws_check, result, statements
from .._policies import pins_key
from ._data import POLICY, iam_data
from .admin import ROLE, judged_documents
from .escalation import allowed_on_everything
from .policies import grants_everything

# Services documenting aws:SourceArn / aws:SourceAccount in the trust policies of the roles they assume.
SOURCE_AWARE_SERVICES = frozenset(
    {
        "bedrock.amazonaws.com",
        "codebuild.amazonaws.com",
        "config.amazonaws.com",
        "datasync.amazonaws.com",
        "personalize.amazonaws.com",
        "scheduler.amazonaws.com",
        "ssm.amazonaws.com",
        "states.amazonaws.com",
        "transfer.amazonaws.com",
    }
)
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"})
SERVICE_LINKED_PATH = ":role/aws-service-role/"
READ_ONLY_ACCESS = ":iam::aws:policy/ReadOnlyAccess"
# GitHub's OIDC issuer (…/<enterprise> for an enterprise's own issuer), as the identity provider's ARN ends.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
# Operators that can only narrow the subject to the values they list: not negations, not IfExists variants, and not
# ForAllValues, which holds for a token without the key at all.
_NARROWING_OPERATORS = frozenset({"stringequals", "stringlike", "foranyvalue:stringequals", "foranyvalue:stringlike"})
# A subject naming an owner (user or organisation) or a repository without a wildcard in it: GitHub's default
# "repo:<owner>/<repo>:…", or a customised claim leading with the repository or its owner.
_NAMED_SUBJECT = re.compile(r"^(repo|repository|repository_owner|repository_owner_id|repository_id):[^*?:/]+(/|:|$)")


def _pins_source(condition: Any) -> bool:
    """Whether a condition tests a source key with a concrete value (IfExists and Null tests do not pin one)."""
    return pins_key(condition, SOURCE_KEYS)


def _judged_services(trust: Any) -> tuple[set[str], set[str]]:
    """(the judged services the trust policy allows, those of them allowed without a source condition)."""
    trusted: set[str] = set()
    unpinned: set[str] = set()
    for statement in statements(trust):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow" or not isinstance(principal, Mapping):
            continue
        services = {str(s) for s in as_list(principal.get("Service")) if str(s).lower() in SOURCE_AWARE_SERVICES}
        trusted |= services
        if not _pins_source(statement.get("Condition")):
            unpinned |= services
    return trusted, unpinned


@aws_check(
    id="aws.iam.role_trust_confused_deputy",
    title="Service roles pin the source account or resource that may have them assumed",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=ROLE,
    rationale="A role trusting a service principal with no aws:SourceArn or aws:SourceAccount condition can be "
    "assumed by that service on behalf of any customer's resource: another account that learns the role's ARN can "
    "point its own resource at it and have the service act with the role's permissions (the confused deputy).",
    remediation="Add a condition on aws:SourceAccount (the account's ID) and, where possible, aws:SourceArn (the "
    "resources that use the role) to each statement trusting the service.",
)
def role_trust_confused_deputy(inventory: Inventory) -> Iterable[Outcome]:
    for role in iam_data(inventory).get("roles", []):
        name, arn = str(role.get("name")), str(role.get("arn"))
        if SERVICE_LINKED_PATH in arn:
            continue  # AWS writes and maintains service-linked roles' trust policies
        trusted, unpinned = _judged_services(role.get("trust_policy"))
        if not trusted:
            continue  # trusts none of the judged services
        services = sorted(unpinned)
        if services:
            reason = f"Role {name} trusts {', '.join(services)} with no aws:SourceAccount or aws:SourceArn condition"
        else:
            reason = f"Role {name} trusts its services only for a named source account or resource"
        yield result(not services, name, ROLE, reason, arn=arn, unpinned_services=services)


def _github_issuers(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if statement.get("Effect") != "Allow" or not isinstance(principal, Mapping):
        return []
    federated = [str(f) for f in as_list(principal.get("Federated"))]
    return [f.split("oidc-provider/", 1)[-1] for f in federated if GITHUB_ISSUER in f]


def _subjects(condition: Any, issuer: str) -> list[str] | None:
    """The subjects a statement's condition narrows ``issuer``'s tokens to; None when it does not narrow them."""
    if not isinstance(condition, Mapping):
        return None
    found: list[str] = []
    for operator, tests in condition.items():
        if str(operator).lower() not in _NARROWING_OPERATORS or not isinstance(tests, Mapping):
            continue
        for key, value in tests.items():
            if str(key).lower() == f"{issuer.lower()}:sub":
                found += [str(v) for v in as_list(value)]
    return found or None


def _open_github_trusts(trust: Any) -> Iterator[str]:
    """Why each GitHub Actions trust of the policy lets in workflows of repositories beyond a named owner."""
    for statement in statements(trust):
        for issuer in _github_issuers(statement):
            subjects = _subjects(statement.get("Condition"), issuer)
            if subjects is None:
                yield f"{issuer} with no condition on the token's subject (sub)"
                continue
            loose = sorted(s for s in subjects if not _NAMED_SUBJECT.match(s.lower()))
            if loose:
                yield f"{issuer} for subject(s) {', '.join(loose)}, which name no owner or repository"


@aws_check(
    id="aws.iam.role_trust_github_actions_subject_restricted",
    title="Roles trusting GitHub Actions name the repositories whose workflows may assume them",
    severity=Severity.HIGH,
    service="iam",
    resource_type=ROLE,
    rationale="GitHub signs an OIDC token for every workflow run of every repository on GitHub, so a role trusting "
    "GitHub's identity provider with no condition on the token's subject, or a subject such as repo:*, can be "
    "assumed by anyone able to run a workflow in a repository of their own.",
    remediation="Add a StringEquals or StringLike condition on token.actions.githubusercontent.com:sub naming the "
    "owner and repository (and, better, the branch or environment), for example "
    "repo:example-org/payments:environment:production, to each statement trusting the provider.",
)
def role_trust_github_actions_subject_restricted(inventory: Inventory) -> Iterable[Outcome]:
    for role in iam_data(inventory).get("roles", []):
        name, arn, trust = str(role.get("name")), str(role.get("arn")), role.get("trust_policy")
        if not any(_github_issuers(s) for s in statements(trust)):
            continue  # trusts no GitHub Actions identity provider
        problems = list(_open_github_trusts(trust))
        if problems:
            reason = f"Role {name} trusts " + "; ".join(problems)
        else:
            reason = f"Role {name} trusts GitHub Actions only for workflows of named owners or repositories"
        yield result(not problems, name, ROLE, reason, arn=arn, open_trusts=problems)


def _account_of(principal: str) -> str | None:
    """The account an AWS principal of a trust policy belongs to ("*": anyone's)."""
    if principal == "*" or principal.isdigit():
        return principal
    parts = principal.split(":")
    if principal.startswith("arn:") and len(parts) >= 6:
        return parts[4]
    return None  # the unique id IAM leaves in place of a deleted principal: nobody can be it again


def _trusted_accounts(trust: Any) -> set[str]:
    """The accounts (or "*" for anyone) whose principals the trust policy's Allow statements name."""
    found: set[str] = set()
    for statement in statements(trust):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow":
            continue
        named = ["*"] if principal == "*" else as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
        found |= {account for account in map(_account_of, map(str, named)) if account}
    return found


@aws_check(
    id="aws.iam.role_cross_account_read_only_access",
    title="Roles other accounts may assume do not hold ReadOnlyAccess",
    severity=Severity.HIGH,
    service="iam",
    resource_type=ROLE,
    rationale="AWS's ReadOnlyAccess reads data, not only settings: objects in every bucket the account's keys do not "
    "guard, items of every DynamoDB table, queued messages, logs and code. A role holding it that another account "
    "may assume hands that account, and whoever controls its principals, a copy of the account's data; a partner or "
    "tool reviewing the configuration needs SecurityAudit or ViewOnlyAccess.",
    remediation="Replace ReadOnlyAccess on the role with SecurityAudit or ViewOnlyAccess (or a policy naming what the "
    "other account must read), or remove the other account from the role's trust policy.",
)
def role_cross_account_read_only_access(inventory: Inventory) -> Iterable[Outcome]:
    own = inventory.account_id
    for role in iam_data(inventory).get("roles", []):
        others = sorted(a for a in _trusted_accounts(role.get("trust_policy")) if a != own)
        if not others:
            continue  # only this account's principals (or services, or identity providers) may assume it
        name, arn = str(role.get("name")), str(role.get("arn"))
        holds = any(str(policy).endswith(READ_ONLY_ACCESS) for policy in role.get("attached_policies", []))
        verb = "holds" if holds else "does not hold"
        reason = f"Role {name}, which {', '.join(others)} may assume, {verb} ReadOnlyAccess"
        yield result(not holds, name, ROLE, reason, arn=arn, other_accounts=others)


@aws_check(
    id="aws.iam.policy_no_wildcard_assume_role",
    title="No customer or inline policy allows sts:AssumeRole on every role",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=POLICY,
    rationale='sts:AssumeRole on Resource "*" lets the holder assume every role that trusts its account, '
    "including roles far more privileged than itself, and any role trusting it in the future.",
    remediation="Name the roles the holder must assume in the statement's Resource, and keep the role trust "
    "policies naming only the principals that need them.",
)
def policy_no_wildcard_assume_role(inventory: Inventory) -> Iterable[Outcome]:
    # As for aws.iam.policy_no_privilege_escalation: a policy allowing "*" on "*" is the full-admin checks' to judge.
    for resource_id, resource_type, label, document in judged_documents(inventory):
        if any(grants_everything(s) for s in statements(document)):
            continue
        wildcard = allowed_on_everything(document, "sts:AssumeRole")
        reason = f"{label} {'allows' if wildcard else 'does not allow'} sts:AssumeRole on every resource"
        yield result(not wildcard, resource_id, resource_type, reason)
