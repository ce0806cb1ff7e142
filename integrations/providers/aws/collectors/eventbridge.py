"""EventBridge collection (regional): each event bus's resource policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_platform import EventBridgeRegion
from ._common import Scope, plain, policy_document

# ListEventBuses carries each bus's policy (no per-bus call), 100 to a page, and EventBridge's quota of 100 buses
# per region keeps it short: it is read whole. botocore has no paginator for it, so NextToken is followed here.
_PAGE_SIZE = 100


def collect_eventbridge(scope: Scope) -> EventBridgeRegion:
    events = scope.client("events")
    buses: list[Mapping[str, Any]] = []
    token: str | None = None
    while True:
        page = events.list_event_buses(Limit=_PAGE_SIZE, **({"NextToken": token} if token else {}))
        buses.extend(page.get("EventBuses", []))
        token = page.get("NextToken")
        # An empty page ends the listing too: a token that never runs out must not loop forever.
        if not token or not page.get("EventBuses"):
            break
    return plain({"buses": [_bus(scope, bus) for bus in buses]})


def _bus(scope: Scope, bus: Mapping[str, Any]) -> dict[str, Any]:
    name = str(bus["Name"])
    return {
        "name": name,
        "arn": bus.get("Arn") or f"arn:{scope.partition}:events:{scope.region}:{scope.account_id}:event-bus/{name}",
        "policy": policy_document(bus.get("Policy")),
        "region": scope.region,
    }
