"""What the SaaS providers' checks share (Okta, Google Workspace, Entra ID): inventory reads and their timestamps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Inventory


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any]:
    """A service's shape, or {} when it was not collected."""
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else {}


def parse_time(value: Any) -> datetime | None:
    """An API timestamp ("2025-01-31T09:00:00.000Z") as an aware datetime; None when absent or malformed.

    Graph may write 7 fractional digits, and Python 3.11 reads at most 6: the seventh is dropped.
    """
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days_between(earlier: datetime, later: datetime) -> int:
    return max((later - earlier).days, 0)


def collected_at(data: Mapping[str, Any]) -> datetime:
    """When a service's data was collected (its ``collected_at``), else now."""
    return parse_time(data.get("collected_at")) or datetime.now(UTC)
