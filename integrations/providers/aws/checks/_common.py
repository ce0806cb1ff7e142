"""Helpers shared by the AWS check modules (no AWS calls happen here).

The accessors hand out the collected data untyped; each check module narrows it to its
shape from ``..shapes`` in a small typed accessor of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Inventory, checks_of, error_outcome, outcome

INTEGRATION_TYPE = "aws"

ACCOUNT = "AWS::::Account"

# Credential-report placeholders that mean "no date".
_NO_DATE = {"", "N/A", "no_information", "not_supported"}


aws_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def service_data(inventory: Inventory, service: str) -> Any:
    """A global service's shape (``shapes.Iam``, ``shapes.S3``), or {} when it was not collected."""
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else {}


def regions(inventory: Inventory, service: str) -> Iterator[tuple[str, Any]]:
    """(region, data) for every region a regional service was collected in, in order; data is its region shape."""
    collected = service_data(inventory, service).get("regions", {})
    for region in sorted(collected):
        yield region, collected[region] or {}


def items(inventory: Inventory, service: str, key: str) -> Iterator[Any]:
    """Every resource of one kind across the collected regions of a regional service."""
    for _, data in regions(inventory, service):
        yield from data.get(key, [])


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str) or value.strip() in _NO_DATE:
        return None
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def scan_time(data: Mapping[str, Any]) -> datetime:
    """When the service was collected, so ages are measured from the scan, not from now."""
    return parse_time(data.get("collected_at")) or datetime.now(UTC)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def principal_is_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in as_list(principal.get("AWS"))
    return False
