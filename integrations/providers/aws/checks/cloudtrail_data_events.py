"""CloudTrail data event checks: S3 object-level write and read logging for every bucket, and Lambda invocations
logged for every function."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_logging import Trail
from ._common import ACCOUNT, as_list, aws_check, error, regions, result
from .cloudtrail import trails

# "All current and future buckets" / "all functions" as a basic event selector writes them, in any partition.
_ALL_BUCKETS = re.compile(r"^arn:[a-z-]+:s3(:::)?$")
_ALL_FUNCTIONS = re.compile(r"^arn:[a-z-]+:lambda:?$")
S3_OBJECT = "AWS::S3::Object"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
# ReadWriteType of a basic selector -> the kinds of data events it records.
_BASIC_KINDS = {"All": {"write", "read"}, "WriteOnly": {"write"}, "ReadOnly": {"read"}}


def _basic_covers(selector: Mapping[str, Any], kind: str, resource_type: str, everything: re.Pattern[str]) -> bool:
    if kind not in _BASIC_KINDS.get(str(selector.get("ReadWriteType", "All")), set()):
        return False
    return any(
        resource.get("Type") == resource_type and any(everything.match(str(v)) for v in as_list(resource.get("Values")))
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


def _advanced_covers(selector: Mapping[str, Any], kind: str, resource_type: str) -> bool:
    fields = [f for f in as_list(selector.get("FieldSelectors")) if isinstance(f, Mapping)]
    names = {str(f.get("Field")) for f in fields}
    category = any(f.get("Field") == "eventCategory" and "Data" in as_list(f.get("Equals")) for f in fields)
    typed = any(f.get("Field") == "resources.type" and resource_type in as_list(f.get("Equals")) for f in fields)
    # Any other field (resources.ARN, eventName, eventSource...) narrows the selector to some resources or events.
    if not (category and typed) or names - {"eventCategory", "resources.type", "readOnly"}:
        return False
    return all(_read_only_allows(f, kind) for f in fields if f.get("Field") == "readOnly")


def _records(trail: Trail, kind: str, resource_type: str, everything: re.Pattern[str]) -> bool:
    basic = any(
        _basic_covers(s, kind, resource_type, everything)
        for s in trail.get("event_selectors") or []
        if isinstance(s, Mapping)
    )
    advanced = any(
        _advanced_covers(s, kind, resource_type)
        for s in trail.get("advanced_event_selectors") or []
        if isinstance(s, Mapping)
    )
    return basic or advanced


def records_s3_data_events(trail: Trail, kind: str) -> bool:
    """Whether the trail records S3 object-level ``kind`` ("write" or "read") events for every bucket."""
    return _records(trail, kind, S3_OBJECT, _ALL_BUCKETS)


def records_lambda_invocations(trail: Trail) -> bool:
    """Whether the trail records every function's Invoke data events (a write event: readOnly false)."""
    return _records(trail, "write", LAMBDA_FUNCTION, _ALL_FUNCTIONS)


def _covering(inventory: Inventory, region: str) -> list[Trail]:
    # A trail covers a region when it is multi-region or lives there.
    return [t for t in trails(inventory) if t.get("is_multi_region") or t.get("home_region") == region]


def _judge(inventory: Inventory, kind: str) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    for region, _ in regions(inventory, "cloudtrail"):
        covering = _covering(inventory, region)
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


@aws_check(
    id="aws.cloudtrail.lambda_data_events",
    title="CloudTrail records Lambda invocations for all functions",
    severity=Severity.LOW,
    service="cloudtrail",
    resource_type=ACCOUNT,
    rationale="Management events show who created or changed a function, not who ran it: without Invoke data events "
    "a function called with stolen credentials, or used to reach data its role can read, leaves no record of the "
    "caller or the time.",
    remediation="On a multi-region trail, add a data event selector for all Lambda functions (basic: DataResources "
    "Type AWS::Lambda::Function with arn:aws:lambda, ReadWriteType All or WriteOnly; advanced: eventCategory Data, "
    "resources.type AWS::Lambda::Function).",
    requires=("cloudtrail", "lambda"),
)
def lambda_data_events(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    functions = {region: len(data.get("functions") or []) for region, data in regions(inventory, "lambda")}
    for region, _ in regions(inventory, "cloudtrail"):
        count = functions.get(region, 0)
        if not count:
            continue  # no function here to be invoked (or Lambda was not read): nothing to judge
        noun = f"{count} function{'' if count == 1 else 's'}"
        covering = _covering(inventory, region)
        good = [t for t in covering if t.get("is_logging") and records_lambda_invocations(t)]
        if good:
            reason = f"Trail {good[0].get('name')} records Lambda invocations of all functions in {region} ({noun})"
            yield result(True, account, ACCOUNT, reason, region=region, trail=good[0].get("arn"), functions=count)
            continue
        unreadable = [t for t in covering if t.get("status_error")]
        if unreadable:
            hidden = ", ".join(str(t.get("name")) for t in unreadable)
            reason = (
                f"No readable trail records Lambda invocations in {region} ({noun}); the settings of {hidden} could "
                "not be read"
            )
            yield error(account, ACCOUNT, reason, region=region)
            continue
        reason = f"No logging trail records Lambda invocations of all functions in {region} ({noun})"
        names = [str(t.get("name")) for t in covering]
        yield result(False, account, ACCOUNT, reason, region=region, trails=names, functions=count)
