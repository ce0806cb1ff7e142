"""Who has access to the AWS account, for access reviews: its IAM users and the roles people or workloads assume.

Read from the ``iam`` service only (users, groups, roles, policies and the credential report).  The root user is
left out: it cannot be revoked, and its own checks (MFA, no access keys, not used) judge it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import parse_time, statements
from .checks.iam._data import ROOT_ROW, active_keys, iam_data
from .checks.iam.policies import grants_everything
from .shapes import CredentialReportRow, IamUser

ADMINISTRATOR_ACCESS = ":iam::aws:policy/AdministratorAccess"
# Service-linked roles belong to AWS services; nobody in the account can assume them or decide to revoke them.
SERVICE_LINKED_PATH = ":role/aws-service-role/"


def _policy_name(arn: Any) -> str:
    return str(arn).rsplit("/", 1)[-1]


class _Grants:
    """Which managed policy ARNs and which inline policies (by owner ARN) allow every action on every resource."""

    def __init__(self, iam: Mapping[str, Any]) -> None:
        self.full_admin_policies = {
            str(p.get("arn"))
            for p in iam.get("policies", [])
            if any(grants_everything(s) for s in statements(p.get("document")))
        }
        self.inline_by_owner: dict[str, list[str]] = {}
        self.full_admin_owners: set[str] = set()
        for policy in iam.get("inline_policies", []):
            owner = str(policy.get("owner_arn"))
            self.inline_by_owner.setdefault(owner, []).append(str(policy.get("name")))
            if any(grants_everything(s) for s in statements(policy.get("document"))):
                self.full_admin_owners.add(owner)

    def is_admin(self, owner_arn: str, attached: Iterable[Any]) -> bool:
        # The same two routes the IAM checks judge: AdministratorAccess (or any policy allowing "*" on "*")
        # attached, or an inline policy allowing "*" on "*".
        return owner_arn in self.full_admin_owners or any(
            str(arn).endswith(ADMINISTRATOR_ACCESS) or str(arn) in self.full_admin_policies for arn in attached
        )


def _last_used(row: Mapping[str, Any] | None) -> datetime | None:
    if row is None:
        return None
    used = [
        parse_time(row.get(key))
        for key in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
    ]
    return max((moment for moment in used if moment is not None), default=None)


def _can_sign_in(row: Mapping[str, Any] | None) -> bool:
    # A user missing from the credential report (created after it was generated) is assumed to have access:
    # a revoked user must never pass on a gap in the data.
    if row is None:
        return True
    return row.get("password_enabled") is True or bool(active_keys(row))


def _user(user: IamUser, row: CredentialReportRow | None, grants: _Grants, groups: Mapping[str, Any]) -> Account:
    arn = str(user.get("arn"))
    group_names = [str(g) for g in user.get("groups", [])]
    attached = list(user.get("attached_policies", []))
    admin = grants.is_admin(arn, attached) or any(
        grants.is_admin(str(groups[g].get("arn")), groups[g].get("attached_policies", []))
        for g in group_names
        if g in groups
    )
    privileges = (
        [f"group:{g}" for g in group_names]
        + [f"policy:{_policy_name(p)}" for p in attached]
        + [f"inline:{name}" for name in grants.inline_by_owner.get(arn, [])]
    )
    return Account(
        id=arn,
        name=str(user.get("name")),
        kind=AccountKind.USER,
        privileges=tuple(sorted(set(privileges))),
        admin=admin,
        active=_can_sign_in(row),
        last_activity=_last_used(row),
        created=parse_time(user.get("created")),
    )


def accounts(inventory: Inventory) -> Iterator[Account]:
    iam = iam_data(inventory)
    grants = _Grants(iam)
    groups = {str(g.get("name")): g for g in iam.get("groups", [])}
    report = {str(r.get("user")): r for r in iam.get("credential_report", []) if r.get("user") != ROOT_ROW}
    for user in iam.get("users", []):
        yield _user(user, report.get(str(user.get("name"))), grants, groups)
    for role in iam.get("roles", []):
        arn = str(role.get("arn"))
        if SERVICE_LINKED_PATH in arn:
            continue
        attached = list(role.get("attached_policies", []))
        privileges = [f"policy:{_policy_name(p)}" for p in attached] + [
            f"inline:{name}" for name in grants.inline_by_owner.get(arn, [])
        ]
        yield Account(
            id=arn,
            name=str(role.get("name")),
            kind=AccountKind.ROLE,
            privileges=tuple(sorted(set(privileges))),
            admin=grants.is_admin(arn, attached),
            # A role has no credentials of its own to switch off: whoever its trust policy names can assume it.
            active=True,
            last_activity=parse_time(role.get("last_used")),
            created=parse_time(role.get("created")),
        )


SOURCE = register_accounts(integration_type="aws", services=("iam",), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (AWS)",
    resource_type="AWS::IAM::Principal",
)
