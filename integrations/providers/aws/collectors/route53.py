"""Route 53 collection (global): the hosted zones, and where each one's DNS queries are logged."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..shapes_devtools import Route53
from ._common import Scope, describe_error, paginate, plain

_ZONE_PREFIX = "/hostedzone/"


def collect_route53(scope: Scope) -> Route53:
    route53 = scope.client("route53", scope.global_region)
    # The zones' own listing holds all that is judged but query logging; no per-zone call is needed.
    zones = paginate(route53, "list_hosted_zones", "HostedZones")
    data: dict[str, Any] = {}
    logged: dict[str, str] = {}
    try:
        # One listing of every query logging configuration of the account (AWS allows one per zone), rather than a
        # call per zone.
        for config in paginate(route53, "list_query_logging_configs", "QueryLoggingConfigs"):
            logged[_zone_id(str(config["HostedZoneId"]))] = str(config.get("CloudWatchLogsLogGroupArn") or "")
    except ClientError as exc:
        data["query_logging_error"] = describe_error(exc)
    data["hosted_zones"] = [
        {
            "id": (zone_id := _zone_id(str(zone["Id"]))),
            "arn": f"arn:{scope.partition}:route53:::hostedzone/{zone_id}",
            "name": str(zone.get("Name") or ""),
            "private": (zone.get("Config") or {}).get("PrivateZone") is True,
            "query_logging_log_group": logged.get(zone_id) or None,
        }
        for zone in zones
    ]
    return plain(data)


def _zone_id(value: str) -> str:
    return value.removeprefix(_ZONE_PREFIX)
