"""What every AWS collector uses: its scope, the boto3 response helpers and the error wording."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from botocore.client import BaseClient
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from complywise import egress

from ..permissions import BEYOND_SECURITY_AUDIT
from ..shapes import PolicyDocument

# Per-resource reads (a bucket's settings, a key's policy) run this many at a time within one collector: one
# at a time, reading 1,000 buckets was about 80 % of a whole scan. boto3 clients are safe to share across threads,
# and the adaptive retry mode slows the client down when AWS throttles.
PER_RESOURCE_WORKERS = 16
_T = TypeVar("_T")
_R = TypeVar("_R")


def concurrently(read: Callable[[_T], _R], items: Iterable[_T], *, workers: int | None = None) -> list[_R]:
    """``[read(item) for item in items]`` with up to ``workers`` reads in flight; results keep the items' order.

    An exception from one read is raised here, after the reads already started have finished.
    """
    listed = list(items)
    workers = PER_RESOURCE_WORKERS if workers is None else workers
    if len(listed) <= 1 or workers <= 1:
        return [read(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(workers, len(listed)), thread_name_prefix="aws-read") as pool:
        return list(pool.map(read, listed))


class AwsConnectorError(Exception):
    """A collection problem that is neither a ClientError nor a BotoCoreError."""


@dataclass(frozen=True)
class Scope:
    """What one collection task may use: its region and the pre-built clients."""

    account_id: str
    partition: str
    region: str
    global_region: str
    clients: Mapping[tuple[str, str], BaseClient]
    report_attempts: int
    report_first_pause: float
    # A sharded collection unit reads only the resources whose name falls in its shard (see ``owns``).
    shard: int = 0
    shards: int = 1

    def owns(self, name: str) -> bool:
        """Whether this scope's shard reads the resource called ``name`` (a stable split, the same in every process)."""
        return self.shards <= 1 or zlib.crc32(name.encode()) % self.shards == self.shard

    def client(self, name: str, region: str | None = None) -> BaseClient:
        key = (name, region or self.region)
        try:
            return self.clients[key]
        except KeyError:
            raise AwsConnectorError(f"no {name} client for {key[1]}") from None


def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def subnet_group(name: str, group: Mapping[str, Any]) -> dict[str, Any]:
    """A subnet group as ElastiCache and RDS (Neptune) answer it, under its ``name``: its VPC and subnet ids."""
    subnets = group.get("Subnets") or []
    return {
        "name": name,
        "vpc_id": group.get("VpcId"),
        "subnet_ids": [str(s["SubnetIdentifier"]) for s in subnets if s.get("SubnetIdentifier")],
    }


def plain(value: Any) -> Any:
    """Turn a boto3 response fragment into JSON-serialisable data."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def paginate(client: BaseClient, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def paginate_at_most(client: BaseClient, operation: str, key: str, limit: int, **kwargs: Any) -> tuple[list[Any], bool]:
    """The first ``limit`` items of a listing, and whether there were more (the pages beyond are not asked for)."""
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
        if len(items) > limit:
            return items[:limit], True
    return items, False


def follow_next_token(
    call: Callable[..., Mapping[str, Any]], key: str, *, limit: int | None = None, **kwargs: Any
) -> tuple[list[Any], bool]:
    """The items under ``key`` of a listing botocore has no paginator for, following its NextToken; an empty page
    ends it too (a token that never runs out must not loop forever). With ``limit``: the first ``limit`` items and
    whether there were more (the pages beyond are not asked for)."""
    items: list[Any] = []
    token: str | None = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        batch = page.get(key) or []
        items.extend(batch)
        if limit is not None and len(items) > limit:
            return items[:limit], True
        token = page.get("NextToken")
        if not token or not batch:
            return items, False


def bounded_region(key: str, resources: list[Any], more: bool, limit: int) -> Any:
    """A region shape holding ``resources`` under ``key`` (made plain), with ``truncated_at`` set to ``limit`` when
    the listing held more than were read, so the checks can say the region was read in part."""
    data: dict[str, Any] = {key: resources}
    if more:
        data["truncated_at"] = limit
    return plain(data)


def optional(call: Callable[[], Any], missing: Iterable[str]) -> Any:
    """Run ``call``; an error whose code says "not configured" means None, not a failure."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in set(missing):
            return None
        raise


def policy_document(text: str | None) -> PolicyDocument | None:
    """A resource policy as AWS stores it (JSON text): None when there is none, ``{"unparsable": text}`` when
    it is not a JSON object, so a check can say so instead of judging it."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return {"unparsable": text}
    return document if isinstance(document, dict) else {"unparsable": text}


def bucket_policy(s3: BaseClient, name: str) -> PolicyDocument | None:
    """The bucket's policy document (see :func:`policy_document`)."""
    return policy_document(optional(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], {"NoSuchBucketPolicy"}))


def web_acl_of(scope: Scope, arn: str) -> dict[str, Any]:
    """The WAFv2 web ACL associated with the resource ``arn`` (``web_acl``: its ARN, None for none; ``web_acl_name``),
    or why it could not be read (``web_acl_error``), kept on the resource so only its WAF check reports it."""
    try:
        acl = scope.client("wafv2").get_web_acl_for_resource(ResourceArn=arn).get("WebACL") or {}
    except (ClientError, BotoCoreError, ResponseParserError, AwsConnectorError) as exc:
        return {"web_acl_error": describe_error(exc)}
    return {"web_acl": acl.get("ARN"), "web_acl_name": acl.get("Name")}


def describe_error(exc: BaseException) -> str:
    """A one-line, human explanation of a boto3 failure (the connector redacts its credentials from it).

    Built from error codes and HTTP statuses only: the endpoint's own words (an error
    message, a body botocore could not parse) are never repeated, so a connection test
    cannot be used to read what some server answers.
    """
    refusal = egress.refusal_in(exc)
    if refusal is not None:
        return f"could not reach the AWS endpoint: {refusal}"
    if isinstance(exc, ClientError):
        raw_code = error_code(exc)
        code = raw_code if _ERROR_CODE.match(raw_code) else "an unrecognised error"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"{exc.operation_name} failed with {code}"
        if isinstance(status, int):
            text += f" (HTTP {status})"
        hint = _HINTS.get(raw_code)
        extra_action = _BEYOND_SECURITY_AUDIT.get(exc.operation_name)
        if extra_action and raw_code in _DENIED:
            # The generic hint would send the user to SecurityAudit, which does not grant this action.
            hint = (
                f"the principal lacks {extra_action}, which SecurityAudit does not grant; add it to the scanning role"
            )
        if hint:
            text += f": {hint}"
        return text
    endpoint = getattr(exc, "kwargs", {}).get("endpoint_url") or "(unknown)"
    if isinstance(exc, ReadTimeoutError):
        return f"AWS did not answer in time ({endpoint})"
    if isinstance(exc, ConnectTimeoutError):
        return f"could not reach the AWS endpoint {endpoint} (the connection timed out)"
    if isinstance(exc, EndpointConnectionError):
        return f"could not reach the AWS endpoint {endpoint} (the connection failed)"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials were supplied"
    if isinstance(exc, ResponseParserError):
        return "the endpoint did not answer like AWS (its response could not be parsed)"
    return f"the AWS request failed ({type(exc).__name__})"


# What an AWS error code looks like; anything else is not repeated to the user.
_ERROR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_BAD_CREDENTIALS = "AWS rejected the access key; check the access key id and secret access key"
_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
# API operation name -> the IAM action it needs, for the actions SecurityAudit does not grant.
_BEYOND_SECURITY_AUDIT = {action.partition(":")[2]: action for action in BEYOND_SECURITY_AUDIT}
_HINTS: dict[str, str] = {
    "InvalidClientTokenId": _BAD_CREDENTIALS,
    "UnrecognizedClientException": _BAD_CREDENTIALS,
    "SignatureDoesNotMatch": _BAD_CREDENTIALS,
    "InvalidAccessKeyId": _BAD_CREDENTIALS,
    "AuthFailure": _BAD_CREDENTIALS,
    "ExpiredToken": "the session token has expired; supply fresh credentials",
    "ExpiredTokenException": "the session token has expired; supply fresh credentials",
    "AccessDenied": "the principal lacks a permission that SecurityAudit grants",
    "AccessDeniedException": "the principal lacks a permission that SecurityAudit grants",
}
