"""S3 check on access granted to other AWS accounts by bucket policies (no AWS calls happen here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Bucket
from ._common import as_list, aws_check, error, principal_is_anyone, statements
from .s3_exposure import BUCKET, Verdict, each_bucket

# An account id alone, or the account field of an IAM or STS principal ARN (root, user, role, assumed role).
_ACCOUNT = re.compile(r"(?:arn:aws[a-z-]*:(?:iam|sts)::)?(\d{12})(?::.*)?", re.IGNORECASE)
# Condition keys whose values name the calling principal's account (or its ARN, which holds the account).
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:principalarn"})
# Condition keys tying the caller to an AWS Organization (or organizational units of one).
_ORGANIZATION_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
# Operators that require the key to hold one of the values given (negated, IfExists and Null ones do not).
_MATCHING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})


def _pinned_values(condition: Any, keys: frozenset[str]) -> list[str]:
    """The concrete values a condition requires one of ``keys`` to match."""
    if not isinstance(condition, Mapping):
        return []
    found: list[str] = []
    for operator, tests in condition.items():
        # ForAllValues is left out: it holds when the request carries no value for the key at all.
        name = str(operator).lower().removeprefix("foranyvalue:")
        if name not in _MATCHING_OPERATORS or not isinstance(tests, Mapping):
            continue
        for key, value in tests.items():
            if str(key).lower() in keys:
                found.extend(str(v) for v in as_list(value) if str(v) != "*")
    return found


def _accounts(values: Iterable[Any]) -> set[str]:
    return {match.group(1) for v in values if (match := _ACCOUNT.fullmatch(str(v).strip()))}


def _granted_accounts(statement: Mapping[str, Any]) -> set[str]:
    """The accounts an Allow statement names: as AWS principals, or, for Principal "*", in a condition on
    aws:PrincipalAccount or aws:PrincipalArn (a "*" statement without one is the public-policy check's concern)."""
    principal = statement.get("Principal")
    if principal_is_anyone(principal):
        return _accounts(_pinned_values(statement.get("Condition"), _ACCOUNT_KEYS))
    if isinstance(principal, Mapping):
        return _accounts(as_list(principal.get("AWS")))
    return set()


def cross_account_grants(document: Any, own_account: str) -> tuple[list[str], list[str], list[str]]:
    """(accounts granted outside any organisation condition, accounts granted only within one, the organisation ids
    or paths those conditions name), other than ``own_account``, from the document's Allow statements."""
    external: set[str] = set()
    in_organization: set[str] = set()
    organizations: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        others = _granted_accounts(statement) - {own_account}
        if not others:
            continue
        pinned = _pinned_values(statement.get("Condition"), _ORGANIZATION_KEYS)
        if pinned:
            in_organization |= others
            organizations.update(pinned)
        else:
            external |= others
    return sorted(external), sorted(in_organization - external), sorted(organizations)


@aws_check(
    id="aws.s3.bucket_no_cross_account_access",
    title="S3 bucket policies grant no access to other AWS accounts",
    severity=Severity.MEDIUM,
    service="s3",
    resource_type=BUCKET,
    rationale="A bucket policy naming another account lets that account's principals, whoever it delegates to, "
    "reach the data under the other account's controls, not this one's; such sharing should be deliberate, limited "
    "to accounts of the same organisation, and reviewed like any other access outside the account.",
    remediation="Remove the other account from the bucket policy, or narrow the statement to the organisation with an "
    "aws:PrincipalOrgID condition; for sharing that must stay, record the approval and scope the actions and object "
    "prefixes to what the other account needs.",
)
def bucket_no_cross_account_access(inventory: Inventory) -> Iterable[Outcome]:
    own = inventory.account_id
    if not own:
        reason = "The scanned account's id is unknown, so other accounts in bucket policies cannot be told apart"
        return [error("aws-account", BUCKET, reason)]

    def judge(bucket: Bucket, name: str) -> Verdict:
        policy = bucket.get("policy")
        external, in_organization, organizations = cross_account_grants(policy, own)
        public = any(s.get("Effect") == "Allow" and principal_is_anyone(s.get("Principal")) for s in statements(policy))
        if not policy:
            reason = f"Bucket {name} has no bucket policy"
        elif external:
            reason = f"Bucket {name}'s policy grants access to other account(s) {', '.join(external)}"
        elif in_organization:
            reason = (
                f"Bucket {name}'s policy grants other account(s) {', '.join(in_organization)} access only within "
                f"organization {', '.join(organizations)}"
            )
        else:
            reason = f"Bucket {name}'s policy grants no other account access"
        if public and not external:
            reason += " (statements for any principal are judged by aws.s3.bucket_policy_not_public)"
        observed = {
            "other_accounts": external,
            "organization_accounts": in_organization,
            "organization_conditions": organizations,
        }
        return not external, reason, observed

    return each_bucket(inventory, "policy", judge)
