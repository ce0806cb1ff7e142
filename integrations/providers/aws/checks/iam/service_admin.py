"""IAM checks on control of KMS and CloudTrail, and on AdministratorAccess held by roles and groups.

The two service checks judge the same policies as aws.iam.policy_no_wildcard_service_admin (attached customer-managed
and inline), one service each, and read them as IAM does: an Allow on Resource "*" whose action pattern covers every
action of the service (``kms:*``, ``KMS:*``, ``*:*``; not ``kms:*Key*``), or whose NotAction leaves every one of them
allowed, counts, unless an unconditioned Deny in the same policy takes the whole service back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ...shapes import IamRole, PolicyDocument
from .._common import as_list, aws_check, result, statements
from ._data import POLICY, iam_data
from .admin import ADMINISTRATOR_ACCESS, ROLE, judged_documents
from .escalation import allowed_on_everything
from .policies import granting_actions, grants_everything

GROUP = "AWS::IAM::Group"
# Made-up action names no policy spells out (NUL characters): only a wildcard running past "<service>:" matches them,
# at one character and at many, so a policy allowing both allows every action of the service, present and future.
_PROBE_NAMES = ("\0", "\0" * 200)
# Role paths AWS keeps for the roles it creates and maintains itself (role ARN: role<path><name>).
SERVICE_LINKED_PATH = "/aws-service-role/"
IDENTITY_CENTER_PATH = "/aws-reserved/sso.amazonaws.com/"


def allows_whole_service(document: PolicyDocument, service: str) -> bool:
    """Whether the document allows every action of ``service`` on every resource (see the module's docstring)."""
    return all(allowed_on_everything(document, f"{service}:{name}") for name in _PROBE_NAMES)


def _whole_service_outcomes(inventory: Inventory, service: str, product: str, power: str) -> Iterable[Outcome]:
    # A policy allowing "*" on "*" already holds everything: aws.iam.no_full_admin_policies and
    # aws.iam.inline_policy_no_full_admin judge it, so it yields no outcome here (as for the escalation check).
    for resource_id, resource_type, label, document in judged_documents(inventory):
        if any(grants_everything(s) for s in statements(document)):
            continue
        grants = (
            granting_actions(document, lambda d: allows_whole_service(d, service))
            if allows_whole_service(document, service)
            else []
        )
        reason = (
            f"{label} allows every {product} action on every resource ({'; '.join(grants)}), which {power}"
            if grants
            else f"{label} does not allow every {product} action on every resource"
        )
        yield result(not grants, resource_id, resource_type, reason, service=service, granted_by=grants)


@aws_check(
    id="aws.iam.policy_no_full_kms_access",
    title="No customer or inline policy allows every KMS action on every key",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=POLICY,
    rationale="Every KMS action on every resource lets the holder decrypt whatever the keys protect, rewrite key "
    "policies to hand keys to others, and disable keys or schedule their deletion, which makes every copy of the "
    "data they encrypt unreadable; key administration and key use belong to different, named people and workloads.",
    remediation="Replace kms:* (or the wildcard or NotAction that amounts to it) with the KMS actions the holder "
    "needs, on the key ARNs it needs them for; keep ScheduleKeyDeletion, DisableKey and PutKeyPolicy to key "
    "administrators.",
)
def policy_no_full_kms_access(inventory: Inventory) -> Iterable[Outcome]:
    return _whole_service_outcomes(
        inventory, "kms", "KMS", "includes decrypting with, disabling and scheduling the deletion of every key"
    )


@aws_check(
    id="aws.iam.policy_no_full_cloudtrail_access",
    title="No customer or inline policy allows every CloudTrail action",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=POLICY,
    rationale="Every CloudTrail action on every resource lets the holder stop logging, delete trails and event data "
    "stores, or point a trail elsewhere and change its selectors, so whatever else it does can go unrecorded; the "
    "audit trail should be changeable only by the few who administer it.",
    remediation="Replace cloudtrail:* (or the wildcard or NotAction that amounts to it) with the read actions "
    "(Describe*, Get*, List*, LookupEvents) the holder needs; keep StopLogging, DeleteTrail, UpdateTrail and "
    "PutEventSelectors to the logging administrators, and protect organization trails with an SCP.",
)
def policy_no_full_cloudtrail_access(inventory: Inventory) -> Iterable[Outcome]:
    return _whole_service_outcomes(
        inventory, "cloudtrail", "CloudTrail", "includes stopping logging and deleting or redirecting every trail"
    )


def _has_administrator_access(attached: Iterable[Any]) -> bool:
    return any(str(arn).endswith(ADMINISTRATOR_ACCESS) for arn in attached)


def role_path(role: IamRole) -> str:
    """The role's path, read from its ARN (``arn:<partition>:iam::<account>:role<path><name>``)."""
    resource = str(role.get("arn", "")).split(":", 5)[-1]
    inner = resource.removeprefix("role")
    return inner.rsplit("/", 1)[0] + "/" if inner.count("/") > 1 else "/"


def _trusted(role: IamRole) -> list[str]:
    """Who the trust policy's Allow statements name (AWS principals, services, identity providers)."""
    found: list[str] = []
    for statement in statements(role.get("trust_policy")):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow":
            continue
        if isinstance(principal, Mapping):
            found.extend(str(p) for kind in sorted(principal) for p in as_list(principal[kind]))
        elif principal is not None:
            found.append(str(principal))
    return sorted(set(found))


@aws_check(
    id="aws.iam.role_no_administrator_access",
    title="No IAM role has the AdministratorAccess policy",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=ROLE,
    rationale="Whoever the trust policy lets assume a role holding AdministratorAccess, and any workload running "
    "as it, can do anything in the account; a compromised instance, function or pipeline then means a compromised "
    "account. Workloads need a few actions, and people who administer should receive it through IAM Identity Center "
    "permission sets, assigned and reviewed there.",
    remediation="Detach AdministratorAccess and attach a policy with the actions the role's users or workload need; "
    "keep at most one break-glass administrator role, trusted only by named principals with MFA, and accept it as a "
    "documented exception.",
)
def role_no_administrator_access(inventory: Inventory) -> Iterable[Outcome]:
    # Roles AWS manages itself are exempt and pass with a reason saying so (rather than being left out), so the
    # report still lists every role holding the policy: a service-linked role's policies are AWS's to attach, and an
    # Identity Center role mirrors a permission set, which is assigned, changed and reviewed in Identity Center.
    for role in iam_data(inventory).get("roles", []):
        name = str(role.get("name"))
        path = role_path(role)
        admin = _has_administrator_access(role.get("attached_policies", []))
        trusted = _trusted(role)
        exempt = ""
        if not admin:
            reason = f"Role {name} does not have AdministratorAccess"
        elif path.startswith(SERVICE_LINKED_PATH):
            exempt = "service-linked"
            reason = (
                f"Role {name} has AdministratorAccess but is service-linked (path {path}): AWS manages its policies"
            )
        elif path.startswith(IDENTITY_CENTER_PATH):
            exempt = "identity-center"
            reason = (
                f"Role {name} has AdministratorAccess from an IAM Identity Center permission set (path {path}): "
                "who receives it is assigned and reviewed in Identity Center"
            )
        else:
            shown = ", ".join(trusted[:3]) + (f" and {len(trusted) - 3} more" if len(trusted) > 3 else "")
            reason = f"Role {name} has AdministratorAccess attached; it trusts {shown or 'no principal'}"
        yield result(
            not admin or bool(exempt),
            name,
            ROLE,
            reason,
            arn=role.get("arn"),
            path=path,
            administrator_access=admin,
            exempt=exempt or None,
            trusted_principals=trusted,
        )


@aws_check(
    id="aws.iam.group_no_administrator_access",
    title="No IAM group has the AdministratorAccess policy",
    severity=Severity.HIGH,
    service="iam",
    resource_type=GROUP,
    rationale="A group holding AdministratorAccess gives full control of the account to every IAM user added to "
    "it, each with long-lived credentials, and to anyone added later; membership is easy to grant and rarely "
    "reviewed as the administrative grant it is.",
    remediation="Detach AdministratorAccess from the group and attach the policies its members' duties need; grant "
    "administration through IAM Identity Center or a role assumed with MFA instead of group membership.",
)
def group_no_administrator_access(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    users = iam.get("users", [])
    for group in iam.get("groups", []):
        name = str(group.get("name"))
        admin = _has_administrator_access(group.get("attached_policies", []))
        members = sorted(str(u.get("name")) for u in users if name in u.get("groups", []))
        if not admin:
            reason = f"Group {name} does not have AdministratorAccess"
        elif members:
            reason = (
                f"Group {name} has AdministratorAccess, handing it to {len(members)} member(s): {', '.join(members)}"
            )
        else:
            reason = f"Group {name} has AdministratorAccess (no members now; anyone added gets it)"
        yield result(not admin, name, GROUP, reason, arn=group.get("arn"), administrator_access=admin, members=members)
