"""Checks on CloudWatch Logs log groups: how long they keep events and whether a KMS key protects them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import LogGroup, LogsRegion
from ._common import aws_check, partial_read, regions, result

LOG_GROUP = "AWS::Logs::LogGroup"
MIN_RETENTION_DAYS = 365


def _log_groups(inventory: Inventory) -> Iterator[LogGroup | Outcome]:
    """Every log group read, and an error outcome for a region that held more than the collector reads."""
    data: LogsRegion
    for region, data in regions(inventory, "logs"):
        yield from data.get("log_groups", [])
        partial = partial_read(inventory, region, data, noun="log groups", resource_type=LOG_GROUP)
        if partial is not None:
            yield partial


@aws_check(
    id="aws.logs.retention_at_least_365_days",
    title="CloudWatch Logs log groups keep events for at least a year",
    severity=Severity.MEDIUM,
    service="logs",
    resource_type=LOG_GROUP,
    rationale="Breaches are often found months after they start; logs kept for a year let an investigation reach "
    "back to the first signs, and many audit regimes ask for that much history.",
    remediation="Set the log group's retention to 365 days or more (or to never expire), or export the events to "
    "storage that keeps them that long.",
)
def retention_at_least_365_days(inventory: Inventory) -> Iterable[Outcome]:
    for group in _log_groups(inventory):
        if isinstance(group, Outcome):
            yield group
            continue
        name = str(group.get("name"))
        days = group.get("retention_days")
        if days is None:
            ok, reason = True, f"Log group {name} has no retention setting, so its events never expire"
        else:
            ok = int(days) >= MIN_RETENTION_DAYS
            reason = f"Log group {name} keeps events for {days} days" + ("" if ok else f", under {MIN_RETENTION_DAYS}")
        yield result(ok, name, LOG_GROUP, reason, region=str(group.get("region", "")), retention_days=days)


@aws_check(
    id="aws.logs.kms_encrypted",
    title="CloudWatch Logs log groups are encrypted with a KMS key",
    severity=Severity.LOW,
    service="logs",
    resource_type=LOG_GROUP,
    rationale="CloudWatch Logs always encrypts stored events, but only a KMS key of the account's own makes reading "
    "them need a key permission it controls, logs each use of the key, and lets it revoke access.",
    remediation="Associate a customer-managed KMS key with the log group (its key policy must allow the CloudWatch "
    "Logs service principal of the region).",
)
def kms_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for group in _log_groups(inventory):
        if isinstance(group, Outcome):
            yield group
            continue
        name = str(group.get("name"))
        key = group.get("kms_key_id")
        reason = (
            f"Log group {name} is encrypted with KMS key {key}"
            if key
            else f"Log group {name} has no KMS key (only the service's default encryption)"
        )
        yield result(bool(key), name, LOG_GROUP, reason, region=str(group.get("region", "")), kms_key_id=key)
