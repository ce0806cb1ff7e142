"""CloudWatch Logs collection (regional): each log group's retention and KMS key, and the account's resource
policies."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_storage import LogsRegion
from ._common import Scope, bounded_region, describe_error, paginate, paginate_at_most, policy_document

# Log groups come 50 to a page and an account can hold one per Lambda function, build and job; past this many in a
# region the rest are left unread (and the checks say so) rather than spend hundreds of throttled calls on them.
MAX_LOG_GROUPS = 5_000


def collect_logs(scope: Scope) -> LogsRegion:
    logs = scope.client("logs")
    listed, more = paginate_at_most(logs, "describe_log_groups", "logGroups", MAX_LOG_GROUPS)
    groups = [
        {
            "name": g["logGroupName"],
            # "arn" ends in ":*" (the group's streams); logGroupArn, where AWS gives it, is the group itself.
            "arn": g.get("logGroupArn") or str(g.get("arn") or "").removesuffix(":*") or None,
            "retention_days": g.get("retentionInDays"),
            "kms_key_id": g.get("kmsKeyId"),
            "region": scope.region,
        }
        for g in listed
    ]
    data = bounded_region("log_groups", groups, more, MAX_LOG_GROUPS)
    data.update(_resource_policies(logs, scope.region))
    return data


def _resource_policies(logs: BaseClient, region: str) -> dict[str, Any]:
    """The region's CloudWatch Logs resource policies (which let services, or other principals, write to or read the
    account's log groups), or why they could not be listed: only their check depends on them."""
    try:
        listed = paginate(logs, "describe_resource_policies", "resourcePolicies")
    except ClientError as exc:
        return {"resource_policies_error": describe_error(exc)}
    return {
        "resource_policies": [
            {"name": p["policyName"], "policy": policy_document(p.get("policyDocument")), "region": region}
            for p in listed
        ]
    }
