"""Amazon MQ collection (regional): each broker's logging, network exposure and minor version upgrades."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_containers import MqRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate_at_most

# The listing leaves out every setting judged, so each broker costs a DescribeBroker call. Amazon MQ's quota is 50
# brokers per region (raised on request); past this many the rest are left unread (and the checks say so).
MAX_BROKERS = 1_000
# ListBrokers gives at most 100 a page.
_PAGE_SIZE = 100
# What Amazon MQ answers for a broker deleted since it was listed.
_GONE = "NotFoundException"


def collect_mq(scope: Scope) -> MqRegion:
    mq = scope.client("mq")
    listed, more = paginate_at_most(
        mq, "list_brokers", "BrokerSummaries", MAX_BROKERS, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    brokers = concurrently(functools.partial(_broker, mq, scope), listed)
    return bounded_region("brokers", [b for b in brokers if b is not None], more, MAX_BROKERS)


def _broker(mq: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    if listed.get("BrokerState") == "DELETION_IN_PROGRESS":
        return None
    broker_id = listed["BrokerId"]
    broker: dict[str, Any] = {
        "id": broker_id,
        "arn": listed.get("BrokerArn")
        or f"arn:{scope.partition}:mq:{scope.region}:{scope.account_id}:broker:{broker_id}",
        "name": listed.get("BrokerName"),
        "engine": listed.get("EngineType"),
        "state": listed.get("BrokerState"),
        "general_logs": False,
        "audit_logs": False,
        "publicly_accessible": None,
        "auto_minor_version_upgrade": None,
        "deployment_mode": listed.get("DeploymentMode"),
        "region": scope.region,
    }
    try:
        described = mq.describe_broker(BrokerId=broker_id)
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return None
        broker["describe_error"] = describe_error(exc)
        return broker
    logs = described.get("Logs") or {}
    broker["engine"] = described.get("EngineType") or broker["engine"]
    broker["state"] = described.get("BrokerState") or broker["state"]
    broker["general_logs"] = logs.get("General") is True
    broker["audit_logs"] = logs.get("Audit") is True
    broker["publicly_accessible"] = described.get("PubliclyAccessible")
    broker["auto_minor_version_upgrade"] = described.get("AutoMinorVersionUpgrade")
    broker["deployment_mode"] = described.get("DeploymentMode") or broker["deployment_mode"]
    return broker
