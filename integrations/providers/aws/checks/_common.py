"""Helpers shared by the AWS check modules (no AWS calls happen here).

The accessors hand out the collected data untyped; each check module narrows it to its
shape from ``..shapes`` in a small typed accessor of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Inventory, Outcome, checks_of, error_outcome, outcome

INTEGRATION_TYPE = "aws"

ACCOUNT = "AWS::::Account"

# Credential-report placeholders that mean "no date".
_NO_DATE = {"", "N/A", "no_information", "not_supported"}


aws_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def partition_of(region: str) -> str:
    """The ARN partition of a region's resources."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def regional_arn(service: str, region: str, account: str, resource: str) -> str:
    """The ARN of a regional resource whose inventory entry carries only its id or name."""
    return f"arn:{partition_of(region)}:{service}:{region}:{account}:{resource}"


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


def described_items(
    inventory: Inventory,
    service: str,
    key: str,
    *,
    noun: str,
    resource_type: str,
    resource_id: Callable[[Any], str],
    label: Callable[[Any], str],
) -> Iterator[Any]:
    """Like :func:`items`, for resources listed and then described one by one, with the two reads' failures said:
    a resource whose own description failed (its ``describe_error``) becomes an error outcome naming it, and a
    region that held more ``noun`` than its collector reads (its ``truncated_at``) gets an error outcome, so a partial
    read is never taken for a whole one."""
    for region, data in regions(inventory, service):
        for found in data.get(key, []):
            if found.get("describe_error"):
                reason = f"Could not describe {label(found)}: {found['describe_error']}"
                yield error_outcome(resource_id(found), resource_type, reason, region=region)
            else:
                yield found
        partial = partial_read(inventory, region, data, noun=noun, resource_type=resource_type)
        if partial is not None:
            yield partial


# A resource's verdict: whether it passes, why, and what was observed (kept on the outcome).
Verdict = tuple[bool, str, dict[str, Any]]


def judge_described(
    inventory: Inventory,
    service: str,
    key: str,
    *,
    noun: str,
    resource_type: str,
    resource_id: Callable[[Any], str],
    label: Callable[[Any], str],
    judge: Callable[[Any], Verdict | None],
) -> Iterator[Outcome]:
    """An outcome per resource :func:`described_items` hands out, from ``judge`` (None: the resource is not judged),
    with that function's error outcomes for what could not be read passed on."""
    for found in described_items(
        inventory, service, key, noun=noun, resource_type=resource_type, resource_id=resource_id, label=label
    ):
        if isinstance(found, Outcome):
            yield found
            continue
        verdict = judge(found)
        if verdict is not None:
            ok, reason, observed = verdict
            yield outcome(ok, resource_id(found), resource_type, reason, region=found["region"], **observed)


def nested_items(
    inventory: Inventory,
    service: str,
    key: str,
    child_key: str,
    *,
    noun: str,
    resource_type: str,
    label: Callable[[Any], str],
) -> Iterator[tuple[Any, Any] | Outcome]:
    """(parent, child) for every ``child_key`` item of every ``key`` resource (each API's stages), with the reads'
    failures said: a parent whose children could not be read (its ``<child_key>_error``) becomes an error outcome
    naming it (``label``), and a region that held more ``noun`` than its collector reads gets one too."""
    for region, data in regions(inventory, service):
        for parent in data.get(key, []):
            failure = parent.get(f"{child_key}_error")
            if failure:
                reason = f"Could not read the {child_key} of {label(parent)}: {failure}"
                yield error_outcome(str(parent.get("arn") or parent.get("id")), resource_type, reason, region=region)
                continue
            for child in parent.get(child_key, []):
                yield parent, child
        partial = partial_read(inventory, region, data, noun=noun, resource_type=resource_type)
        if partial is not None:
            yield partial


def listed_items(inventory: Inventory, service: str, key: str, *, noun: str, resource_type: str) -> Iterator[Any]:
    """Like :func:`items`, with an error outcome for each region whose ``key`` listing failed (its ``<key>_error``)
    instead of taking the missing listing for an empty one."""
    for region, data in regions(inventory, service):
        failure = data.get(f"{key}_error")
        if failure:
            reason = f"Could not list the {noun} in {region}: {failure}"
            yield error_outcome(inventory.account_id or "aws-account", resource_type, reason, region=region)
            continue
        yield from data.get(key, [])


def regional_listing(
    inventory: Inventory,
    service: str,
    key: str,
    *,
    noun: str,
    resource_type: str,
    resource_id: Callable[[Any], str] | None = None,
    label: Callable[[Any], str] | None = None,
) -> Iterator[tuple[str, Any] | Outcome]:
    """Each ``key`` resource with its region, for a service that keeps several listings per region: an error outcome
    for a region whose listing failed (``<key>_error``) or was cut short (``<key>_truncated_at``), so neither is
    taken for a whole one; with ``resource_id`` and ``label``, a resource whose own description failed (its
    ``describe_error``) becomes an error outcome naming it."""
    account = inventory.account_id or "aws-account"
    for region, data in regions(inventory, service):
        failure = data.get(f"{key}_error")
        if failure:
            reason = f"Could not list the {noun} in {region}: {failure}"
            yield error_outcome(account, resource_type, reason, region=region)
            continue
        for found in data.get(key, []):
            if found.get("describe_error") and resource_id and label:
                reason = f"Could not describe {label(found)}: {found['describe_error']}"
                yield error_outcome(resource_id(found), resource_type, reason, region=region)
            else:
                yield region, found
        limit = data.get(f"{key}_truncated_at")
        if limit:
            reason = f"{region} holds more than {limit} {noun}; only the first {limit} were read and judged"
            yield error_outcome(account, resource_type, reason, region=region, read=limit)


def partial_read(
    inventory: Inventory, region: str, data: Mapping[str, Any], *, noun: str, resource_type: str
) -> Outcome | None:
    """An error outcome for a region its collector read only in part (``truncated_at``: more ``noun`` than it
    reads), so a partial read is never taken for a whole one; None when the region was read whole."""
    limit = data.get("truncated_at")
    if not limit:
        return None
    reason = f"{region} holds more than {limit} {noun}; only the first {limit} were read and judged"
    return error_outcome(inventory.account_id or "aws-account", resource_type, reason, region=region, read=limit)


def bounded_listed_items(
    inventory: Inventory, service: str, key: str, *, noun: str, resource_type: str
) -> Iterator[Any]:
    """:func:`listed_items`, then an error outcome (:func:`partial_read`) for each region read only in part."""
    yield from listed_items(inventory, service, key, noun=noun, resource_type=resource_type)
    for region, data in regions(inventory, service):
        partial = partial_read(inventory, region, data, noun=noun, resource_type=resource_type)
        if partial is not None:
            yield partial


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
