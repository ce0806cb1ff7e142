"""The check registry: the contract between connectors and the scan engine.

A connector collects an *inventory* once per scan (the only part that talks to the
outside world); every check is a pure function from that inventory to per-resource
outcomes.  The scan engine only ever reads this module, never a provider SDK.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class OutcomeStatus(models.TextChoices):
    """The one status of a check on a resource: checks return it, CheckOutcome stores it (scans.choices)."""

    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"


@dataclass(frozen=True)
class Outcome:
    """The result of one check on one resource."""

    resource_id: str
    resource_type: str
    status: OutcomeStatus
    reason: str
    region: str = ""
    observed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Inventory:
    """What a connector collected, keyed by service.

    ``data[service]`` holds whatever the connector's collector produced for that
    service; ``errors[service]`` holds the message of a collection that failed, so the
    checks of that service report ``error`` instead of a false pass.
    """

    integration_type: str
    account_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


Evaluator = Callable[[Inventory], Iterable[Outcome]]


@dataclass(frozen=True)
class Check:
    id: str
    integration_type: str
    title: str
    severity: Severity
    service: str
    resource_type: str
    rationale: str
    remediation: str
    evaluate: Evaluator
    # Inventory services the check reads; defaults to (service,).
    requires: tuple[str, ...] = ()

    @property
    def services(self) -> tuple[str, ...]:
        return self.requires or (self.service,)

    def run(self, inventory: Inventory) -> list[Outcome]:
        """Evaluate, turning a failed collection of a needed service into an error outcome."""
        failed = [s for s in self.services if s in inventory.errors]
        if failed:
            return [
                Outcome(
                    resource_id=inventory.account_id or self.integration_type,
                    resource_type=self.resource_type,
                    status=OutcomeStatus.ERROR,
                    reason="; ".join(f"{s}: {inventory.errors[s]}" for s in failed),
                )
            ]
        return list(self.evaluate(inventory))


class Connector(Protocol):
    """What every provider's client offers the engine."""

    def test_connection(self) -> tuple[bool, str]: ...

    def collect(self, services: set[str]) -> Inventory: ...


class DuplicateCheckError(Exception):
    pass


_REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    if check.id in _REGISTRY and _REGISTRY[check.id] is not check:
        raise DuplicateCheckError(check.id)
    _REGISTRY[check.id] = check
    return check


def check(
    *,
    id: str,
    integration_type: str,
    title: str,
    severity: Severity,
    service: str,
    resource_type: str,
    rationale: str,
    remediation: str,
    requires: tuple[str, ...] = (),
) -> Callable[[Evaluator], Evaluator]:
    """Decorator form of :func:`register` for a check's evaluate function."""

    def decorator(fn: Evaluator) -> Evaluator:
        register(
            Check(
                id=id,
                integration_type=integration_type,
                title=title,
                severity=severity,
                service=service,
                resource_type=resource_type,
                rationale=rationale,
                remediation=remediation,
                evaluate=fn,
                requires=requires,
            )
        )
        return fn

    return decorator


def checks_of(integration_type: str) -> Callable[..., Callable[[Evaluator], Evaluator]]:
    """The :func:`check` decorator with the integration type filled in, for one provider's modules."""
    return functools.partial(check, integration_type=integration_type)


def outcome(
    ok: bool, resource_id: str, resource_type: str, reason: str, *, region: str = "", **observed: Any
) -> Outcome:
    """A pass (``ok``) or fail outcome, with the observed values as keyword arguments."""
    return Outcome(
        resource_id=resource_id,
        resource_type=resource_type,
        status=OutcomeStatus.PASS if ok else OutcomeStatus.FAIL,
        reason=reason,
        region=region,
        observed=observed,
    )


def error_outcome(resource_id: str, resource_type: str, reason: str, *, region: str = "", **observed: Any) -> Outcome:
    """An outcome for a resource the check could not judge (never counted as a pass)."""
    return Outcome(
        resource_id=resource_id,
        resource_type=resource_type,
        status=OutcomeStatus.ERROR,
        reason=reason,
        region=region,
        observed=observed,
    )


def all_checks(integration_type: str | None = None) -> list[Check]:
    """Every registered check (the providers register theirs when the integrations app is ready)."""
    checks = sorted(_REGISTRY.values(), key=lambda c: c.id)
    if integration_type:
        checks = [c for c in checks if c.integration_type == integration_type]
    return checks


def get_check(check_id: str) -> Check | None:
    return _REGISTRY.get(check_id)
