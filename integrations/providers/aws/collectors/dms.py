"""DMS collection (regional): replication instances' exposure, Multi-AZ and upgrades, endpoints' SSL mode, and
replication tasks' logging settings."""

from __future__ import annotations

import json
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
    try:
        tasks = paginate(dms, "describe_replication_tasks", "ReplicationTasks")
        data["replication_tasks"] = [_task(t, scope.region) for t in tasks]
    except ClientError as exc:
        # Only the task logging checks depend on this listing.
        data["replication_tasks_error"] = describe_error(exc)
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
        # A Redis target sets TLS in its own settings (SslMode says none whatever it does); None: not reported.
        "redis_ssl_protocol": (e.get("RedisSettings") or {}).get("SslSecurityProtocol"),
        # How a MongoDB endpoint signs in ("no", "password"; None: not reported, DMS's default password) and whether a
        # Neptune target authorizes DMS with IAM (None: not reported, DMS's default off).
        "mongodb_auth_type": (e.get("MongoDbSettings") or {}).get("AuthType"),
        "neptune_iam_auth": (e.get("NeptuneSettings") or {}).get("IamAuthEnabled"),
        "region": region,
    }


def _task(t: Mapping[str, Any], region: str) -> dict[str, Any]:
    """A replication task with the Logging part of its settings (a JSON document DMS returns as text)."""
    task: dict[str, Any] = {
        "id": t["ReplicationTaskIdentifier"],
        "arn": t.get("ReplicationTaskArn"),
        "status": t.get("Status"),
        "migration_type": t.get("MigrationType"),
        "logging_enabled": None,
        "log_severities": {},
        "region": region,
    }
    text = t.get("ReplicationTaskSettings")
    try:
        settings = json.loads(text) if text else {}
    except ValueError:
        task["settings_error"] = "its task settings are not valid JSON"
        return task
    logging = settings.get("Logging") if isinstance(settings, dict) else None
    if isinstance(logging, dict):
        task["logging_enabled"] = _flag(logging.get("EnableLogging"))
        task["log_severities"] = {
            str(c["Id"]): str(c.get("Severity") or "")
            for c in logging.get("LogComponents") or []
            if isinstance(c, dict) and c.get("Id")
        }
    return task
