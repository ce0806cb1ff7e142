"""Helpers shared by the PostgreSQL check modules (they read the inventory only, never the server)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Evaluator, Inventory, Outcome, OutcomeStatus, Severity, check

from ..client import DEFAULT_POLICY

INTEGRATION_TYPE = "postgres"
SERVER = "PostgreSQL::Server"


def postgres_check(
    *,
    id: str,
    title: str,
    severity: Severity,
    service: str,
    resource_type: str,
    rationale: str,
    remediation: str,
    requires: tuple[str, ...] = (),
) -> Callable[[Evaluator], Evaluator]:
    """:func:`integrations.registry.check` with the integration type filled in."""
    return check(
        id=id,
        integration_type=INTEGRATION_TYPE,
        title=title,
        severity=severity,
        service=service,
        resource_type=resource_type,
        rationale=rationale,
        remediation=remediation,
        requires=requires,
    )


def result(ok: bool, resource_id: str, resource_type: str, reason: str, **observed: Any) -> Outcome:
    return Outcome(
        resource_id=resource_id,
        resource_type=resource_type,
        status=OutcomeStatus.PASS if ok else OutcomeStatus.FAIL,
        reason=reason,
        observed=observed,
    )


def error(resource_id: str, resource_type: str, reason: str, **observed: Any) -> Outcome:
    return Outcome(
        resource_id=resource_id,
        resource_type=resource_type,
        status=OutcomeStatus.ERROR,
        reason=reason,
        observed=observed,
    )


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any] | None:
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else None


def server_id(inventory: Inventory) -> str:
    return inventory.account_id or "postgres"


def policy(inventory: Inventory, key: str) -> Any:
    """A policy option of the integration (e.g. max_superusers), or its default."""
    configured = inventory.data.get("policy")
    value = configured.get(key) if isinstance(configured, Mapping) else None
    return DEFAULT_POLICY[key] if value is None else value


def collected_at(data: Mapping[str, Any]) -> datetime:
    """When the service was collected, so dates are judged as of the scan."""
    try:
        moment = datetime.fromisoformat(str(data.get("collected_at")))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def setting(inventory: Inventory, name: str) -> tuple[str | None, Outcome | None]:
    """(value, None), or (None, an error outcome) when the scan role could not see the setting.

    (None, None) means the settings service was not collected: no outcome at all.
    """
    data = service_data(inventory, "settings")
    if data is None:
        return None, None
    values = data.get("values", {})
    if name in values:
        return str(values[name]), None
    role = data.get("scan_role") or "the scan role"
    return None, error(
        server_id(inventory),
        SERVER,
        f"The setting {name} is not visible to {role}: grant it pg_read_all_settings (or scan as a superuser)",
        setting=name,
    )


def is_on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"on", "true", "yes", "1"}
