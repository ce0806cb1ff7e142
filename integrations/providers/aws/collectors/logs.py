"""CloudWatch Logs collection (regional): each log group's retention and KMS key."""

from __future__ import annotations

from ..shapes_storage import LogsRegion
from ._common import Scope, bounded_region, paginate_at_most

# Log groups come 50 to a page and an account can hold one per Lambda function, build and job; past this many in a
# region the rest are left unread (and the checks say so) rather than spend hundreds of throttled calls on them.
MAX_LOG_GROUPS = 5_000


def collect_logs(scope: Scope) -> LogsRegion:
    listed, more = paginate_at_most(scope.client("logs"), "describe_log_groups", "logGroups", MAX_LOG_GROUPS)
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
    return bounded_region("log_groups", groups, more, MAX_LOG_GROUPS)
