"""CloudTrail S3 data event checks: object-level write and read logging for every bucket."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_logging import Trail
from ._common import ACCOUNT, as_list, aws_check, error, regions, result
from .cloudtrail import trails

# "All current and future buckets" as a basic event selector writes it, in any partition.
_ALL_BUCKETS = re.compile(r"^arn:[a-z-]+:s3(:::)?$")
S3_OBJECT = "AWS::S3::Object"
# ReadWriteType of a basic selector -> the kinds of data events it records.
_BASIC_KINDS = {"All": {"write", "read"}, "WriteOnly": {"write"}, "ReadOnly": {"read"}}


def _basic_covers(selector: Mapping[str, Any], kind: str) -> bool:
    if kind not in _BASIC_KINDS.get(str(selector.get("ReadWriteType", "All")), set()):
        return False
    return any(
        resource.get("Type") == S3_OBJECT and any(_ALL_BUCKETS.match(str(v)) for v in as_list(resource.get("Values")))
        for resource in as_list(selector.get("DataResources"))
        if isinstance(resource, Mapping)
    )


def _read_only_allows(field: Mapping[str, Any], kind: str) -> bool:
    # readOnly "true" selects read events, "false" write events.
    wanted = "true" if kind == "read" else "false"
    equals = [str(v).lower() for v in as_list(field.get("Equals"))]
    not_equals = [str(v).lower() for v in as_list(field.get("NotEquals"))]
    if equals and wanted not in equals:
        return False
    return wanted not in not_equals


def _advanced_covers(selector: Mapping[str, Any], kind: str) -> bool:
    fields = [f for f in as_list(selector.get("FieldSelectors")) if isinstance(f, Mapping)]
    names = {str(f.get("Field")) for f in fields}
    category = any(f.get("Field") == "eventCategory" and "Data" in as_list(f.get("Equals")) for f in fields)
    s3_objects = any(f.get("Field") == "resources.type" and S3_OBJECT in as_list(f.get("Equals")) for f in fields)
    # Any other field (resources.ARN, eventName, eventSource...) narrows the selector to some buckets or events.
    if not (category and s3_objects) or names - {"eventCategory", "resources.type", "readOnly"}:
        return False
    return all(_read_only_allows(f, kind) for f in fields if f.get("Field") == "readOnly")


def records_s3_data_events(trail: Trail, kind: str) -> bool:
    """Whether the trail records S3 object-level ``kind`` ("write" or "read") events for every bucket."""
    basic = any(_basic_covers(s, kind) for s in trail.get("event_selectors") or [] if isinstance(s, Mapping))
    advanced = any(
        _advanced_covers(s, kind) for s in trail.get("advanced_event_selectors") or [] if isinstance(s, Mapping)
    )
    return basic or advanced


def _judge(inventory: Inventory, kind: str) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    every = trails(inventory)
    for region, _ in regions(inventory, "cloudtrail"):
        # A trail covers a region when it is multi-region or lives there.
        covering = [t for t in every if t.get("is_multi_region") or t.get("home_region") == region]
        good = [t for t in covering if t.get("is_logging") and records_s3_data_events(t, kind)]
        if good:
            yield result(
                True,
                account,
                ACCOUNT,
                f"Trail {good[0].get('name')} records S3 object-level {kind} events for all buckets in {region}",
                region=region,
                trail=good[0].get("arn"),
            )
            continue
        unreadable = [t for t in covering if t.get("status_error")]
        if unreadable:
            yield error(
                account,
                ACCOUNT,
                f"No readable trail records S3 object-level {kind} events in {region}; the settings of "
                f"{', '.join(str(t.get('name')) for t in unreadable)} could not be read",
                region=region,
            )
            continue
        yield result(
            False,
            account,
            ACCOUNT,
            f"No logging trail records S3 object-level {kind} events for all buckets in {region}",
            region=region,
            trails=[str(t.get("name")) for t in covering],
        )


@aws_check(
    id="aws.cloudtrail.s3_write_data_events",
    title="CloudTrail records S3 object-level write events for all buckets",
    severity=Severity.MEDIUM,
    service="cloudtrail",
    resource_type=ACCOUNT,
    rationale="Management events do not show who uploaded, overwrote or deleted an object; without write data "
    "events tampering with stored data leaves no trace.",
    remediation="On a multi-region trail, add a data event selector for S3 objects in all buckets recording write "
    "events (basic: ReadWriteType WriteOnly or All with arn:aws:s3; advanced: eventCategory Data, "
    "resources.type AWS::S3::Object).",
)
def s3_write_data_events(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, "write")


@aws_check(
    id="aws.cloudtrail.s3_read_data_events",
    title="CloudTrail records S3 object-level read events for all buckets",
    severity=Severity.MEDIUM,
    service="cloudtrail",
    resource_type=ACCOUNT,
    rationale="Management events do not show who downloaded an object; without read data events a data "
    "exfiltration cannot be traced or scoped.",
    remediation="On a multi-region trail, add a data event selector for S3 objects in all buckets recording read "
    "events (basic: ReadWriteType ReadOnly or All with arn:aws:s3; advanced: eventCategory Data, "
    "resources.type AWS::S3::Object).",
)
def s3_read_data_events(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, "read")
