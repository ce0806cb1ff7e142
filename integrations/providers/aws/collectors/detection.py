"""Threat detection collection (regional): Security Hub and GuardDuty."""

from __future__ import annotations

from typing import Any

from ..shapes import GuardDutyRegion, SecurityHubRegion
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
