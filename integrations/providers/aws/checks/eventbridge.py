"""Checks on EventBridge event buses: no resource policy letting anyone put events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_platform import EventBus
from ._common import as_list, aws_check, error, items, result, statements
from ._policies import public_statements

EVENT_BUS = "AWS::Events::EventBus"
PUT_EVENTS = "events:putevents"


def _buses(inventory: Inventory) -> Iterator[EventBus]:
    return items(inventory, "eventbridge", "buses")


def _any_account(principal: Any) -> bool:
    """An AWS principal naming every account's root (``arn:aws:iam::*:root``): how moto, and possibly AWS, writes
    PutPermission's Principal "*"; it admits every AWS account, so it is read as anyone."""
    return isinstance(principal, str) and principal.startswith("arn:") and principal.split(":")[4:5] == ["*"]


def _as_anyone(statement: Mapping[str, Any]) -> Mapping[str, Any]:
    principal = statement.get("Principal")
    if isinstance(principal, Mapping) and any(_any_account(p) for p in as_list(principal.get("AWS"))):
        return {**statement, "Principal": "*"}
    return statement


def _open_to_put(document: Any) -> list[str]:
    """The actions of the statements letting any principal put events without a condition narrowing who (an
    action pattern such as events:* or * covers PutEvents too)."""
    if isinstance(document, Mapping):
        document = {**document, "Statement": [_as_anyone(s) for s in statements(document)]}
    return sorted(
        {
            str(action)
            for statement in public_statements(document)
            if any(fnmatchcase(PUT_EVENTS, str(a).lower()) for a in as_list(statement.get("Action")))
            for action in as_list(statement.get("Action"))
        }
    )


@aws_check(
    id="aws.eventbridge.bus_policy_not_public",
    title="EventBridge event buses do not let anyone put events",
    severity=Severity.HIGH,
    service="eventbridge",
    resource_type=EVENT_BUS,
    rationale='A bus policy allowing Principal "*" to call PutEvents without an account, organisation or source '
    "condition lets any AWS account inject events, which the bus's rules then deliver to their targets: Lambda "
    "functions, Step Functions, queues, or other accounts' buses.",
    remediation="Name the accounts in the policy, or add an aws:PrincipalOrgID or aws:SourceAccount condition "
    "(PutPermission, or the bus's policy).",
)
def bus_policy_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for bus in _buses(inventory):
        policy = bus.get("policy")
        label = f"Event bus {bus['name']}"
        if isinstance(policy, dict) and "unparsable" in policy:
            yield error(bus["arn"], EVENT_BUS, f"{label} has a resource policy that is not JSON", region=bus["region"])
            continue
        actions = _open_to_put(policy)
        if actions:
            reason = f"{label} lets anyone put events ({', '.join(actions)})"
        elif policy:
            reason = f"{label} lets only named or conditioned principals put events"
        else:
            reason = f"{label} has no resource policy: only its own account can put events"
        yield result(not actions, bus["arn"], EVENT_BUS, reason, region=bus["region"], public_actions=actions)
