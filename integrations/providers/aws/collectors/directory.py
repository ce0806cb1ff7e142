"""Directory Service collection (regional): each directory's type, stage, RADIUS (multi-factor) servers and protocol,
and the CloudWatch Logs log groups its domain controllers' security logs are forwarded to."""

from __future__ import annotations

from collections import defaultdict

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes_directory import DirectoryServiceRegion
from ._common import Scope, describe_error, paginate, plain


def collect_directoryservice(scope: Scope) -> DirectoryServiceRegion:
    client = scope.client("ds")
    # A region holds a few directories at most (AWS's default limits are ten of each type), so all are read.
    described = paginate(client, "describe_directories", "DirectoryDescriptions")
    found: DirectoryServiceRegion = plain(
        {
            "directories": [
                {
                    "id": d.get("DirectoryId"),
                    "name": d.get("Name"),
                    "type": d.get("Type"),
                    "stage": d.get("Stage"),
                    "radius_servers": sorted(
                        str(s) for s in (d.get("RadiusSettings") or {}).get("RadiusServers") or []
                    ),
                    "radius_status": d.get("RadiusStatus"),
                    # PAP, CHAP, MS-CHAPv1 or MS-CHAPv2: how the directory sends the password to the RADIUS server.
                    "radius_protocol": (d.get("RadiusSettings") or {}).get("AuthenticationProtocol"),
                    "region": scope.region,
                }
                for d in described
                if d.get("DirectoryId")
            ]
        }
    )
    if found["directories"]:
        # One listing for the region's directories (a region without any costs no call); a failure is kept for the
        # log forwarding check alone.
        try:
            subscriptions = paginate(client, "list_log_subscriptions", "LogSubscriptions")
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            found["log_subscriptions_error"] = describe_error(exc)
            return found
        log_groups: dict[str, list[str]] = defaultdict(list)
        for subscription in subscriptions:
            log_groups[str(subscription.get("DirectoryId"))].append(str(subscription.get("LogGroupName")))
        for directory in found["directories"]:
            directory["log_groups"] = sorted(log_groups.get(directory["id"], []))
    return found
