"""EventBridge collection (regional): each event bus's resource policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_platform import EventBridgeRegion
from ._common import Scope, follow_next_token, plain, policy_document

# ListEventBuses carries each bus's policy (no per-bus call), 100 to a page, and EventBridge's quota of 100 buses
# per region keeps it short: it is read whole. botocore has no paginator for it.
_PAGE_SIZE = 100


def collect_eventbridge(scope: Scope) -> EventBridgeRegion:
    buses, _ = follow_next_token(scope.client("events").list_event_buses, "EventBuses", Limit=_PAGE_SIZE)
    return plain({"buses": [_bus(scope, bus) for bus in buses]})


def _bus(scope: Scope, bus: Mapping[str, Any]) -> dict[str, Any]:
    name = str(bus["Name"])
    return {
        "name": name,
        "arn": bus.get("Arn") or f"arn:{scope.partition}:events:{scope.region}:{scope.account_id}:event-bus/{name}",
        "policy": policy_document(bus.get("Policy")),
        "region": scope.region,
    }
