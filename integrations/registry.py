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
from datetime import datetime
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
    checks of that service report ``error`` instead of a false pass.  A regional service
    that failed in some regions only keeps the data of the others and names the failed
    ones in ``region_errors[service][region]``: its checks judge the healthy regions and
    add one error outcome per failed region.
    """

    integration_type: str
    account_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    region_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    # What the platform knows besides the collection, set by the engine before the checks run (never by a
    # connector): ``revoked_accounts`` lists the accounts an access review revoked (see ``revocation_check``).
    context: dict[str, Any] = field(default_factory=dict)

    def absorb(self, other: Inventory) -> None:
        """Merge another (partial) inventory of the same integration into this one.

        Data merges key by key: mappings recursively (a regional shape's ``regions`` gain the
        other unit's regions), lists are joined (a sharded service's resources), and any other
        value is taken from whichever unit has it (both shards read the same account setting).
        """
        self.account_id = self.account_id or other.account_id
        for service, data in other.data.items():
            self.data[service] = _merged(self.data[service], data) if service in self.data else data
        for service, message in other.errors.items():
            previous = self.errors.get(service)
            self.errors[service] = f"{previous}; {message}" if previous and previous != message else message
        for service, by_region in other.region_errors.items():
            self.region_errors.setdefault(service, {}).update(by_region)

    def settle(self) -> None:
        """A regional service that failed in every region it was collected in failed as a whole."""
        for service, by_region in list(self.region_errors.items()):
            if not by_region:
                del self.region_errors[service]
                continue
            if service in self.errors or not self.data.get(service, {}).get("regions"):
                joined = "; ".join(f"{region}: {message}" for region, message in sorted(by_region.items()))
                self.errors[service] = f"{self.errors[service]}; {joined}" if service in self.errors else joined
                self.data.pop(service, None)
                del self.region_errors[service]

    def to_json(self) -> dict[str, Any]:
        return {
            "integration_type": self.integration_type,
            "account_id": self.account_id,
            "data": self.data,
            "errors": self.errors,
            "region_errors": self.region_errors,
            "context": self.context,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Inventory:
        return cls(
            integration_type=value["integration_type"],
            account_id=value.get("account_id", ""),
            data=value.get("data", {}),
            errors=value.get("errors", {}),
            region_errors=value.get("region_errors", {}),
            context=value.get("context", {}),
        )


def _merged(mine: Any, theirs: Any) -> Any:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        merged = dict(mine)
        for key, value in theirs.items():
            merged[key] = _merged(merged[key], value) if key in merged else value
        return merged
    if isinstance(mine, list) and isinstance(theirs, list):
        return mine + theirs
    return mine if mine is not None else theirs


@dataclass(frozen=True)
class CollectionUnit:
    """One independently collected slice of an integration: some services, in one region or globally.

    The scan engine runs each unit as its own task (so one account spreads over many
    workers) and evaluates the checks once every unit of the integration is in.
    """

    key: str
    services: tuple[str, ...]
    region: str = ""
    # A heavy service may be split by resource: this unit reads the resources of shard ``shard`` of ``shards``.
    shard: int = 0
    shards: int = 1


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
        """Evaluate, turning a failed collection of a needed service into an error outcome.

        Where a needed service failed in some regions only, the healthy regions are judged
        and each failed region gets one error outcome of its own.
        """
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
        outcomes = list(self.evaluate(inventory))
        by_region: dict[str, list[str]] = {}
        for service in self.services:
            for region, message in inventory.region_errors.get(service, {}).items():
                by_region.setdefault(region, []).append(f"{service}: {message}")
        for region, messages in sorted(by_region.items()):
            outcomes.append(
                Outcome(
                    resource_id=f"{inventory.account_id or self.integration_type}/{region}",
                    resource_type=self.resource_type,
                    status=OutcomeStatus.ERROR,
                    reason=f"not judged in {region}: " + "; ".join(messages),
                    region=region,
                )
            )
        return outcomes


class Connector(Protocol):
    """What every provider's client offers the engine."""

    def test_connection(self) -> tuple[bool, str]: ...

    def collect(self, services: set[str]) -> Inventory: ...


class UnitConnector(Connector, Protocol):
    """A connector whose collection splits into units the engine may run on different workers."""

    def plan(self, services: set[str]) -> list[CollectionUnit]: ...

    def collect_unit(self, unit: CollectionUnit) -> Inventory: ...


WHOLE = "all"


def collection_plan(connector: Connector, services: set[str]) -> list[CollectionUnit]:
    """The units to collect ``services`` in: the connector's own plan, or one unit for the whole integration."""
    plan = getattr(connector, "plan", None)
    if plan is None:
        return [CollectionUnit(key=WHOLE, services=tuple(sorted(services)))]
    return list(plan(services))


def collect_unit(connector: Connector, unit: CollectionUnit) -> Inventory:
    """Collect one unit of :func:`collection_plan` (not yet settled: see :meth:`Inventory.settle`)."""
    if unit.key == WHOLE and not hasattr(connector, "collect_unit"):
        return connector.collect(set(unit.services))
    return connector.collect_unit(unit)  # type: ignore[attr-defined]


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


# --- accounts: who has access, for access reviews ----------------------------------------------------


class AccountKind(enum.StrEnum):
    USER = "user"
    ROLE = "role"
    MEMBER = "member"
    OUTSIDE_COLLABORATOR = "outside_collaborator"
    GUEST = "guest"
    SERVICE = "service"
    DATABASE_ROLE = "database_role"


@dataclass(frozen=True)
class Account:
    """One identity with access to an integration, as an access reviewer needs to see it.

    ``id`` is stable across scans (an ARN, a login, a directory object id) so a decision follows the account;
    ``privileges`` are the groups, roles and policies it holds, sorted; ``admin`` marks the ones that can
    administer the system; ``last_activity`` is the last sign-in or use the provider reports (None: never or
    unknown); ``active`` is False for an account that exists but cannot sign in (suspended, disabled).
    """

    id: str
    name: str
    kind: AccountKind
    email: str = ""
    privileges: tuple[str, ...] = ()
    admin: bool = False
    active: bool = True
    last_activity: datetime | None = None
    created: datetime | None = None


AccountExtractor = Callable[[Inventory], Iterable[Account]]


@dataclass(frozen=True)
class AccountSource:
    """How to list an integration type's accounts from its inventory (the services it reads, the function)."""

    integration_type: str
    services: tuple[str, ...]
    extract: AccountExtractor
    # Also collected on every scan, but read only when present: their failure never holds the account list back.
    optional_services: tuple[str, ...] = ()

    @property
    def collected(self) -> tuple[str, ...]:
        """Every inventory service a scan must collect for the account list."""
        return (*self.services, *self.optional_services)

    def accounts(self, inventory: Inventory) -> list[Account] | None:
        """The accounts of this inventory, or None when a service they come from was not (fully) collected."""
        if any(s in inventory.errors or s in inventory.region_errors or s not in inventory.data for s in self.services):
            return None
        return sorted(self.extract(inventory), key=lambda a: (a.kind, a.id))


_ACCOUNT_SOURCES: dict[str, AccountSource] = {}


def register_accounts(
    *,
    integration_type: str,
    services: tuple[str, ...],
    extract: AccountExtractor,
    optional_services: tuple[str, ...] = (),
) -> AccountSource:
    source = AccountSource(
        integration_type=integration_type, services=services, extract=extract, optional_services=optional_services
    )
    _ACCOUNT_SOURCES[integration_type] = source
    return source


def account_source(integration_type: str) -> AccountSource | None:
    return _ACCOUNT_SOURCES.get(integration_type)


def account_sources() -> list[AccountSource]:
    return sorted(_ACCOUNT_SOURCES.values(), key=lambda s: s.integration_type)


REVOCATION_CHECK_SUFFIX = "access_review.revocations_applied"


def revocation_check(source: AccountSource, *, title: str, resource_type: str) -> Check:
    """The check that an access review's revocations took effect: every revoked account must be gone.

    The engine puts the integration's revoked accounts in ``inventory.context["revoked_accounts"]`` (each a
    mapping with ``id``, ``name`` and ``reason``); an account still present and active fails, one that is gone
    (or can no longer sign in) passes.  With nothing revoked the check has nothing to judge.
    """

    def evaluate(inventory: Inventory) -> Iterable[Outcome]:
        present = {a.id: a for a in source.extract(inventory)}
        for revoked in inventory.context.get("revoked_accounts", []):
            account = present.get(revoked["id"])
            still = account is not None and account.active
            yield outcome(
                not still,
                revoked["id"],
                resource_type,
                (
                    f"{revoked['name']} was revoked ({revoked['reason']}) but still has access"
                    if still
                    else f"{revoked['name']} was revoked ({revoked['reason']}) and no longer has access"
                ),
                revoked_by=revoked.get("revoked_by", ""),
                revoked_at=revoked.get("revoked_at", ""),
                present=account is not None,
            )

    return register(
        Check(
            id=f"{source.integration_type}.{REVOCATION_CHECK_SUFFIX}",
            integration_type=source.integration_type,
            title=title,
            severity=Severity.HIGH,
            # Its own service name (ids read "<type>.access_review.…"); what it reads is in ``requires``.
            service="access_review",
            resource_type=resource_type,
            rationale=(
                "An access review is only worth its evidence if what reviewers revoked is really removed; an account "
                "revoked on paper but still able to sign in is exactly the finding auditors look for."
            ),
            remediation=(
                "Remove or disable the account in the provider (or reverse the decision in the access review with a "
                "note saying why it stays), then scan again."
            ),
            evaluate=evaluate,
            requires=source.services,
        )
    )
