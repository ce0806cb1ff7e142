"""Athena collection (regional): each enabled workgroup's query result encryption and CloudWatch metrics."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_analytics import AthenaRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, follow_next_token

# Each workgroup costs a GetWorkGroup beyond the listing (AWS's default quota is 1,000 a region); past this many a
# region's rest are left unread, and the checks say so.
MAX_WORK_GROUPS = 1_000
# ListWorkGroups gives at most 50 a page (and botocore has no paginator for it).
_PAGE_SIZE = 50
PRIMARY = "primary"


def collect_athena(scope: Scope) -> AthenaRegion:
    client = scope.client("athena")
    listed, more = _work_groups(client)
    enabled = [w for w in listed if w.get("State") == "ENABLED"]
    read = concurrently(functools.partial(_work_group, client, scope.region), enabled)
    return bounded_region("work_groups", [w for w in read if w is not None], more, MAX_WORK_GROUPS)


def _work_groups(client: BaseClient) -> tuple[list[Mapping[str, Any]], bool]:
    return follow_next_token(client.list_work_groups, "WorkGroups", limit=MAX_WORK_GROUPS, MaxResults=_PAGE_SIZE)


def _work_group(client: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    work_group: dict[str, Any] = {"name": str(listed["Name"]), "region": region}
    try:
        described = client.get_work_group(WorkGroup=work_group["name"]).get("WorkGroup")
        if not described:
            return None  # deleted between the listing and this read
        # Every region has a primary workgroup: whether anyone uses it decides whether it is judged.
        has_queries = None
        if work_group["name"] == PRIMARY:
            ran = client.list_query_executions(WorkGroup=PRIMARY, MaxResults=1).get("QueryExecutionIds")
            has_queries = bool(ran)
    except ClientError as exc:
        if error_code(exc) == "InvalidRequestException" and "not found" in str(exc).lower():
            return None  # deleted between the listing and this read
        work_group["describe_error"] = describe_error(exc)
        return work_group
    configuration = described.get("Configuration") or {}
    encryption = (configuration.get("ResultConfiguration") or {}).get("EncryptionConfiguration") or {}
    work_group.update(
        {
            "encryption_option": encryption.get("EncryptionOption"),
            "enforced": configuration.get("EnforceWorkGroupConfiguration") is True,
            "minimum_encryption": configuration.get("EnableMinimumEncryptionConfiguration") is True,
            "managed_results": (configuration.get("ManagedQueryResultsConfiguration") or {}).get("Enabled") is True,
            "metrics": configuration.get("PublishCloudWatchMetricsEnabled") is True,
            "has_queries": has_queries,
        }
    )
    return work_group
