"""IAM checks on who may assume roles: service trusts open to the confused deputy, and sts:AssumeRole on every role.

The confused-deputy check judges only the service principals whose own documentation shows a role trust policy
conditioned on aws:SourceArn / aws:SourceAccount (the services pass those keys when they assume a role for a
resource). Compute services (ec2, lambda, ecs-tasks, ...) assume execution roles without a source resource to pin,
and a condition there breaks the role, so they are not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
