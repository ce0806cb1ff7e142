"""Threat detection collection (regional): Security Hub, GuardDuty (with who administers each detector), Inspector and
Macie."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes import SecurityHubRegion
from ..shapes_network import INSPECTOR_OVERDUE_DAYS, GuardDutyRegion, InspectorRegion, MacieRegion
from ._common import Scope, describe_error, error_code, optional, paginate, plain

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


# High is 7.0-8.9 and Critical 9.0-10.0 on GuardDuty's scale; archived findings are the ones someone dealt with.
HIGH_SEVERITY = 7
_ACTIVE_HIGH_FINDINGS = {
    "Criterion": {"severity": {"GreaterThanOrEqual": HIGH_SEVERITY}, "service.archived": {"Equals": ["false"]}}
}
# One page of ids is enough to say there are findings and to name their types; the count says "or more" beyond it.
_FINDINGS_PAGE = 50


def collect_guardduty(scope: Scope) -> GuardDutyRegion:
    guardduty = scope.client("guardduty")
    detectors: list[dict[str, Any]] = []
    for detector_id in paginate(guardduty, "list_detectors", "DetectorIds"):
        detector = guardduty.get_detector(DetectorId=detector_id)
        kubernetes = (detector.get("DataSources") or {}).get("Kubernetes") or {}
        found: dict[str, Any] = {
            "id": detector_id,
            "status": detector.get("Status"),
            "region": scope.region,
            "features": {str(f.get("Name")): f.get("Status") for f in detector.get("Features") or [] if f.get("Name")},
            "kubernetes_audit_logs": (kubernetes.get("AuditLogs") or {}).get("Status"),
        }
        if found["status"] == "ENABLED":
            found.update(_guardduty_high_findings(guardduty, detector_id))
            found.update(_guardduty_administrator(guardduty, detector_id))
            if found.get("administrator", False) is None:
                # A detector nobody administers may be the administrator itself: a delegated administrator that is
                # not the management account cannot list the organization's administrators, but it has members.
                found.update(_guardduty_members(guardduty, detector_id))
        detectors.append(found)
    region: dict[str, Any] = {"detectors": detectors}
    if any(d["status"] == "ENABLED" for d in detectors):
        # Only the organization's management account may list its delegated administrators: any other account is
        # refused, which is kept (not raised) as the checks reading it need it only when a detector has no
        # administrator.
        try:
            admins = paginate(guardduty, "list_organization_admin_accounts", "AdminAccounts")
            region["organization_admins"] = [
                {"account_id": a.get("AdminAccountId"), "status": a.get("AdminStatus")} for a in admins
            ]
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            region["organization_admins_error"] = describe_error(exc)
    return plain(region)


def _guardduty_high_findings(guardduty: BaseClient, detector_id: str) -> dict[str, Any]:
    """The detector's active (unarchived) findings of High or Critical severity: how many (up to a page) and their
    types; or why they could not be read."""
    try:
        page = guardduty.list_findings(
            DetectorId=detector_id, FindingCriteria=_ACTIVE_HIGH_FINDINGS, MaxResults=_FINDINGS_PAGE
        )
        ids = list(page.get("FindingIds") or [])
        findings = guardduty.get_findings(DetectorId=detector_id, FindingIds=ids).get("Findings", []) if ids else []
    except ClientError as exc:
        return {"high_findings_error": describe_error(exc)}
    return {
        "high_findings": {
            "count": len(ids),
            "more": bool(page.get("NextToken")),
            "types": sorted({str(f.get("Type")) for f in findings if f.get("Type")}),
            "highest_severity": max((float(f.get("Severity") or 0) for f in findings), default=None),
        }
    }


def _guardduty_administrator(guardduty: BaseClient, detector_id: str) -> dict[str, Any]:
    try:
        answer = guardduty.get_administrator_account(DetectorId=detector_id).get("Administrator") or {}
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        return {"administrator_error": describe_error(exc)}
    if not answer.get("AccountId"):
        return {"administrator": None}
    return {
        "administrator": {
            "account_id": answer.get("AccountId"),
            "relationship_status": answer.get("RelationshipStatus"),
        }
    }


def _guardduty_members(guardduty: BaseClient, detector_id: str) -> dict[str, Any]:
    try:
        answer = guardduty.list_members(DetectorId=detector_id, OnlyAssociated="true", MaxResults=1)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        return {"members_error": describe_error(exc)}
    # One page of one member says enough: the detector administers at least one other account.
    return {"has_members": bool(answer.get("Members"))}


def collect_inspector2(scope: Scope) -> InspectorRegion:
    inspector = scope.client("inspector2")
    answer = inspector.batch_get_account_status(accountIds=[scope.account_id])
    # An account Inspector has never been enabled for is simply absent from the answer.
    account: dict[str, Any] = next(
        (a for a in answer.get("accounts", []) if a.get("accountId") == scope.account_id), {}
    )
    region: dict[str, Any] = {
        "status": account.get("state", {}).get("status"),
        "resource_state": {str(k): (v or {}).get("status") for k, v in account.get("resourceState", {}).items()},
    }
    if region["status"] == "ENABLED":
        region.update(_inspector_findings(inspector))
    return plain(region)


_OVERDUE_SEVERITIES = ("CRITICAL", "HIGH")
# One page says there are such findings and names the first of them; the count says "or more" beyond it.
_INSPECTOR_PAGE = 100
# The vulnerabilities and resources an outcome names (all are counted).
_INSPECTOR_NAMED = 20


def _active(*criteria: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}], **dict(criteria)}


def _severity(finding: Mapping[str, Any]) -> str:
    return str(finding.get("severity") or "").upper()


def _inspector_findings(inspector: BaseClient) -> dict[str, Any]:
    """Three reads of the region's active findings, each kept (or its error) on its own key: the critical ones, the
    critical and high ones first seen over ``INSPECTOR_OVERDUE_DAYS`` ago, and the ones with a public exploit."""
    cutoff = datetime.now(UTC) - timedelta(days=INSPECTOR_OVERDUE_DAYS)
    reads: dict[str, tuple[dict[str, Any], Callable[[Mapping[str, Any]], bool]]] = {
        "critical_findings": (
            _active(("severity", [{"comparison": "EQUALS", "value": "CRITICAL"}])),
            lambda f: _severity(f) == "CRITICAL",
        ),
        "overdue_findings": (
            _active(
                ("severity", [{"comparison": "EQUALS", "value": s} for s in _OVERDUE_SEVERITIES]),
                ("firstObservedAt", [{"endInclusive": cutoff}]),
            ),
            lambda f: _severity(f) in _OVERDUE_SEVERITIES and _seen_by(f, cutoff),
        ),
        "exploitable_findings": (
            _active(("exploitAvailable", [{"comparison": "EQUALS", "value": "YES"}])),
            lambda f: f.get("exploitAvailable") == "YES",
        ),
    }
    found: dict[str, Any] = {}
    for key, (criteria, keep) in reads.items():
        try:
            page = inspector.list_findings(filterCriteria=criteria, maxResults=_INSPECTOR_PAGE)
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            found[f"{key}_error"] = describe_error(exc)
            continue
        # The filter is asked for, and each finding judged again: what is counted is what was asked for.
        kept = [f for f in page.get("findings") or [] if f.get("status") == "ACTIVE" and keep(f)]
        found[key] = _summary(kept, more=bool(page.get("nextToken")))
    return found


def _seen_by(finding: Mapping[str, Any], cutoff: datetime) -> bool:
    seen = _first_seen(finding)
    return seen is not None and seen <= cutoff


def _first_seen(finding: Mapping[str, Any]) -> datetime | None:
    seen = finding.get("firstObservedAt")
    return seen if isinstance(seen, datetime) else None


def _summary(findings: list[Mapping[str, Any]], *, more: bool) -> dict[str, Any]:
    vulnerabilities = sorted(
        {str(v) for f in findings if (v := (f.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId"))}
    )
    resources = sorted({str(r.get("id")) for f in findings for r in f.get("resources") or [] if r.get("id")})
    seen = [when for f in findings if (when := _first_seen(f)) is not None]
    return {
        "count": len(findings),
        "more": more,
        "vulnerabilities": vulnerabilities[:_INSPECTOR_NAMED],
        "resources": resources[:_INSPECTOR_NAMED],
        "first_seen": min(seen) if seen else None,
    }


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
