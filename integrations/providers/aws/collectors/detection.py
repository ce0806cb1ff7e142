"""Threat detection collection (regional): Security Hub, GuardDuty, Inspector and Macie."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..shapes import GuardDutyRegion, SecurityHubRegion
from ..shapes_network import InspectorRegion, MacieRegion
from ._common import Scope, error_code, optional, paginate, plain

# How AWS words the refusal it gives an account without Macie; any other AccessDeniedException is a missing
# permission and fails the region's collection instead.
_MACIE_OFF_MESSAGE = "macie is not enabled"


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


def collect_macie(scope: Scope) -> MacieRegion:
    try:
        session = scope.client("macie2").get_macie_session()
    except ClientError as exc:
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        # AWS says "not enabled" with AccessDeniedException; moto (after DisableMacie) with ResourceNotFoundException.
        if code == "ResourceNotFoundException" or (code == "AccessDeniedException" and _MACIE_OFF_MESSAGE in message):
            return {"status": None, "not_enabled_answer": code}
        raise
    return {"status": session.get("status")}
