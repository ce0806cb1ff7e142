"""DMS collection (regional): replication instances' exposure, Multi-AZ and upgrades, and endpoints' SSL mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..shapes_databases import DmsRegion
from ._common import Scope, describe_error, paginate, plain


def collect_dms(scope: Scope) -> DmsRegion:
    dms = scope.client("dms")
    listed = paginate(dms, "describe_replication_instances", "ReplicationInstances")
    data: dict[str, Any] = {"replication_instances": [_instance(i, scope.region) for i in listed]}
    try:
        data["endpoints"] = [_endpoint(e, scope.region) for e in paginate(dms, "describe_endpoints", "Endpoints")]
    except ClientError as exc:
        # Only the endpoint check depends on this listing.
        data["endpoints_error"] = describe_error(exc)
    return plain(data)


def _flag(value: Any) -> bool | None:
    # Kept as reported: a missing setting is read as AWS's default by the check, not taken for False here.
    return value if isinstance(value, bool) else None


def _instance(i: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": i["ReplicationInstanceIdentifier"],
        "arn": i.get("ReplicationInstanceArn"),
        "status": i.get("ReplicationInstanceStatus"),
        "publicly_accessible": _flag(i.get("PubliclyAccessible")),
        "multi_az": _flag(i.get("MultiAZ")),
        "auto_minor_version_upgrade": _flag(i.get("AutoMinorVersionUpgrade")),
        "region": region,
    }


def _endpoint(e: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": e["EndpointIdentifier"],
        "arn": e.get("EndpointArn"),
        "endpoint_type": e.get("EndpointType"),
        "engine": e.get("EngineName"),
        "ssl_mode": e.get("SslMode"),
        "region": region,
    }
