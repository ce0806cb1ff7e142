"""Threat detection collection (regional): Security Hub, GuardDuty and Inspector."""

from __future__ import annotations

from typing import Any

from ..shapes import GuardDutyRegion, SecurityHubRegion
from ..shapes_network import InspectorRegion
from ._common import Scope, optional, paginate, plain


def collect_securityhub(scope: Scope) -> SecurityHubRegion:
    hub = optional(
        lambda: scope.client("securityhub").describe_hub(),
        {"InvalidAccessException", "ResourceNotFoundException"},
    )
    return plain(
        {
            "enabled": hub is not None,
            "hub_arn": (hub or {}).get("HubArn"),
            "subscribed_at": (hub or {}).get("SubscribedAt"),
        }
    )


def collect_guardduty(scope: Scope) -> GuardDutyRegion:
    guardduty = scope.client("guardduty")
    detectors: list[dict[str, Any]] = []
    for detector_id in paginate(guardduty, "list_detectors", "DetectorIds"):
        detector = guardduty.get_detector(DetectorId=detector_id)
        detectors.append({"id": detector_id, "status": detector.get("Status"), "region": scope.region})
    return plain({"detectors": detectors})


def collect_inspector2(scope: Scope) -> InspectorRegion:
    answer = scope.client("inspector2").batch_get_account_status(accountIds=[scope.account_id])
    # An account Inspector has never been enabled for is simply absent from the answer.
    account: dict[str, Any] = next(
        (a for a in answer.get("accounts", []) if a.get("accountId") == scope.account_id), {}
    )
    return plain(
        {
            "status": account.get("state", {}).get("status"),
            "resource_state": {str(k): (v or {}).get("status") for k, v in account.get("resourceState", {}).items()},
        }
    )
