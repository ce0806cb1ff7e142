"""DataSync collection (regional): each task's CloudWatch Logs group, log level and task mode."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_analytics import DataSyncRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most

# The listing names each task only, so each costs a DescribeTask call; past this many in a region the rest are left
# unread (and the check says so).
MAX_TASKS = 1_000
# ListTasks gives at most 100 a page.
_PAGE_SIZE = 100


def collect_datasync(scope: Scope) -> DataSyncRegion:
    datasync = scope.client("datasync")
    listed, more = paginate_at_most(
        datasync, "list_tasks", "Tasks", MAX_TASKS, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    found = concurrently(functools.partial(_task, datasync, scope.region), listed)
    return bounded_region("tasks", [t for t in found if t is not None], more, MAX_TASKS)


def _task(datasync: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    arn = str(listed["TaskArn"])
    task: dict[str, Any] = {
        "arn": arn,
        "name": listed.get("Name") or None,
        "status": listed.get("Status"),
        "log_group_arn": None,
        "log_level": None,
        "task_mode": None,
        "region": region,
    }
    try:
        described = datasync.describe_task(TaskArn=arn)
    except ClientError as exc:
        # DataSync answers a task it no longer knows with InvalidRequestException: deleted since the listing.
        if error_code(exc) == "InvalidRequestException":
            return None
        task["describe_error"] = describe_error(exc)
        return task
    task.update(
        name=described.get("Name") or task["name"],
        status=described.get("Status") or task["status"],
        log_group_arn=described.get("CloudWatchLogGroupArn") or None,
        log_level=(described.get("Options") or {}).get("LogLevel"),
        task_mode=described.get("TaskMode"),
    )
    return task
