"""AWS Transfer Family collection (regional): the protocols and the security policy of each server."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_platform import TransferRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most

# The listing leaves out the protocols, so each server costs a DescribeServer call. Transfer Family's quota is 50
# servers per region; past this many the rest are left unread (and the check says so).
MAX_SERVERS = 1_000
# ListServers gives at most 1,000 a page.
_PAGE_SIZE = 1_000
# What Transfer Family answers for a server deleted since it was listed.
_GONE = "ResourceNotFoundException"


def collect_transfer(scope: Scope) -> TransferRegion:
    transfer = scope.client("transfer")
    listed, more = paginate_at_most(
        transfer, "list_servers", "Servers", MAX_SERVERS, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    servers = concurrently(functools.partial(_server, transfer, scope), listed)
    return bounded_region("servers", [s for s in servers if s is not None], more, MAX_SERVERS)


def _server(transfer: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    server_id = listed["ServerId"]
    server: dict[str, Any] = {
        "id": server_id,
        "arn": listed.get("Arn")
        or f"arn:{scope.partition}:transfer:{scope.region}:{scope.account_id}:server/{server_id}",
        "state": listed.get("State"),
        "endpoint_type": listed.get("EndpointType"),
        "protocols": None,
        "region": scope.region,
    }
    try:
        described = transfer.describe_server(ServerId=server_id)["Server"]
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        server["describe_error"] = describe_error(exc)
        return server
    server["state"] = described.get("State") or server["state"]
    server["endpoint_type"] = described.get("EndpointType") or server["endpoint_type"]
    protocols = described.get("Protocols")
    server["protocols"] = [str(p) for p in protocols] if protocols else None
    server["security_policy"] = described.get("SecurityPolicyName") or None
    return server
