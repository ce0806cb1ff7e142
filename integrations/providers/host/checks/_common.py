"""Helpers shared by the host check modules (they read the inventory only, never the host)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from integrations.registry import Evaluator, Inventory, Outcome, OutcomeStatus, Severity, check

INTEGRATION_TYPE = "host"


def host_check(
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
    """The collected data of a service, or None when it was not collected (no outcome then)."""
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else None


def host_name(inventory: Inventory) -> str:
    return inventory.account_id or "host"


def resource(inventory: Inventory, what: str) -> str:
    """A resource id such as "web-1:/etc/ssh/sshd_config"."""
    return f"{host_name(inventory)}:{what}"
