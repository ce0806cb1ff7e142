"""Detection services that should be on in every region: Security Hub, GuardDuty, Inspector, and Macie for
sensitive data in S3; and GuardDuty's high-severity findings dealt with."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import SecurityHubRegion
from ..shapes_network import (
    INSPECTOR_OVERDUE_DAYS,
    GuardDutyRegion,
    InspectorFindings,
    InspectorRegion,
    MacieRegion,
)
from ._common import ACCOUNT, aws_check, error, regions, result

DETECTOR = "AWS::GuardDuty::Detector"


def _securityhub_regions(inventory: Inventory) -> Iterator[tuple[str, SecurityHubRegion]]:
    return regions(inventory, "securityhub")


def _guardduty_regions(inventory: Inventory) -> Iterator[tuple[str, GuardDutyRegion]]:
    return regions(inventory, "guardduty")


def _inspector_regions(inventory: Inventory) -> Iterator[tuple[str, InspectorRegion]]:
    return regions(inventory, "inspector2")


def _macie_regions(inventory: Inventory) -> Iterator[tuple[str, MacieRegion]]:
    return regions(inventory, "macie")


@aws_check(
    id="aws.securityhub.enabled",
    title="Security Hub is enabled in every scanned region",
    severity=Severity.MEDIUM,
    service="securityhub",
    resource_type=ACCOUNT,
    rationale="Security Hub gathers findings from AWS services and partner tools in one place and checks "
    "configuration continuously between scans.",
    remediation="Enable Security Hub in each region (through the delegated administrator when using Organizations).",
)
def securityhub_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _securityhub_regions(inventory):
        enabled = bool(data.get("enabled"))
        reason = f"Security Hub is enabled in {region}" if enabled else f"Security Hub is not enabled in {region}"
        yield result(
            enabled, inventory.account_id or "aws-account", ACCOUNT, reason, region=region, hub_arn=data.get("hub_arn")
        )


@aws_check(
    id="aws.guardduty.enabled",
    title="GuardDuty is enabled in every scanned region",
    severity=Severity.MEDIUM,
    service="guardduty",
    resource_type=ACCOUNT,
    rationale="GuardDuty watches CloudTrail, VPC flow and DNS activity for signs of compromise such as "
    "credential misuse or crypto-mining.",
    remediation="Create and enable a GuardDuty detector in each region.",
)
def guardduty_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _guardduty_regions(inventory):
        detectors = list(data.get("detectors", []))
        enabled = [d.get("id") for d in detectors if d.get("status") == "ENABLED"]
        if enabled:
            reason = f"GuardDuty detector {enabled[0]} is enabled in {region}"
        elif detectors:
            reason = f"GuardDuty detector(s) in {region} are suspended"
        else:
            reason = f"GuardDuty has no detector in {region}"
        yield result(
            bool(enabled),
            inventory.account_id or "aws-account",
            ACCOUNT,
            reason,
            region=region,
            detectors=[{"id": d.get("id"), "status": d.get("status")} for d in detectors],
        )


@aws_check(
    id="aws.guardduty.no_high_severity_findings",
    title="GuardDuty has no active high or critical severity findings",
    severity=Severity.HIGH,
    service="guardduty",
    resource_type=DETECTOR,
    rationale="A high or critical GuardDuty finding reports a resource that is probably compromised (a backdoor, "
    "crypto-mining, credentials used from outside AWS); one still active, not archived after triage, is a threat "
    "nobody has closed, or an alert nobody reads.",
    remediation="Triage each finding (GuardDuty console, Findings, severity High and Critical): contain and remediate "
    "what it reports, then archive it; send new findings to the responders (EventBridge to SNS or a ticketing "
    "system) and suppress known-benign patterns with a suppression rule rather than leaving them open.",
)
def guardduty_no_high_severity_findings(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _guardduty_regions(inventory):
        for detector in data.get("detectors", []):
            if detector.get("status") != "ENABLED":
                continue  # a suspended detector reports nothing: aws.guardduty.enabled fails the region
            detector_id = str(detector.get("id"))
            if detector.get("high_findings_error"):
                reason = (
                    f"Could not read GuardDuty findings of detector {detector_id}: {detector['high_findings_error']}"
                )
                yield error(detector_id, DETECTOR, reason, region=region)
                continue
            found = detector.get("high_findings")
            if found is None:
                continue  # collected before findings were read
            count = f"{found['count']}{' or more' if found['more'] else ''}"
            if found["count"]:
                reason = (
                    f"GuardDuty in {region} has {count} active high or critical finding(s): {', '.join(found['types'])}"
                )
            else:
                reason = f"GuardDuty in {region} has no active high or critical finding"
            yield result(
                not found["count"],
                detector_id,
                DETECTOR,
                reason,
                region=region,
                finding_count=found["count"],
                more=found["more"],
                types=found["types"],
                highest_severity=found["highest_severity"],
            )


@aws_check(
    id="aws.inspector2.enabled",
    title="Amazon Inspector scans EC2 instances and ECR images in every scanned region",
    severity=Severity.MEDIUM,
    service="inspector2",
    resource_type=ACCOUNT,
    rationale="Inspector continuously matches installed packages and container images against known "
    "vulnerabilities, which patch management needs as its input.",
    remediation="Activate Amazon Inspector in each region with EC2 and ECR scanning (through the delegated "
    "administrator when using Organizations).",
)
def inspector2_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _inspector_regions(inventory):
        states = data.get("resource_state") or {}
        off = [kind for kind in ("ec2", "ecr") if states.get(kind) != "ENABLED"]
        if data.get("status") != "ENABLED":
            reason = f"Amazon Inspector is not enabled in {region}"
        elif off:
            reason = f"Amazon Inspector in {region} does not scan {', '.join(k.upper() for k in off)}"
        else:
            reason = f"Amazon Inspector scans EC2 and ECR in {region}"
        ok = data.get("status") == "ENABLED" and not off
        yield result(
            ok,
            inventory.account_id or "aws-account",
            ACCOUNT,
            reason,
            region=region,
            status=data.get("status"),
            resource_state=states,
        )


@aws_check(
    id="aws.inspector2.no_active_critical_findings",
    title="Amazon Inspector has no active critical vulnerability findings",
    severity=Severity.HIGH,
    service="inspector2",
    resource_type=ACCOUNT,
    rationale="A critical Inspector finding is a vulnerability with a known, usually remotely exploitable, flaw "
    "(CVSS 9 or more) in software an instance, image or function runs; one still active has not been patched, and "
    "PCI DSS and most policies give critical fixes a month at most.",
    remediation="Patch or rebuild what each finding names (Systems Manager Patch Manager for instances, a rebuilt "
    "image or function package with the fixed version), and redeploy; Inspector closes the finding on its next scan. "
    "Suppress a finding with a suppression rule only when the flaw cannot be reached, and record why.",
)
def inspector2_no_active_critical_findings(inventory: Inventory) -> Iterable[Outcome]:
    return _finding_outcomes(inventory, "critical_findings", _critical_reason)


def _critical_reason(region: str, found: InspectorFindings, count: str, named: str) -> str:
    if found["count"]:
        return f"Amazon Inspector in {region} has {count} active critical finding(s): {named}"
    return f"Amazon Inspector in {region} has no active critical finding"


def _finding_outcomes(
    inventory: Inventory,
    key: str,
    describe: Callable[[str, InspectorFindings, str, str], str],
    *,
    dated: bool = False,
) -> Iterator[Outcome]:
    """Per region where Inspector is enabled, a pass when its ``key`` read found no finding, else a failure that
    ``describe`` words (given the region, what was found, its count and the vulnerabilities it names, in words); an
    error when the read failed.
    Regions collected before ``key`` was read give nothing."""
    account = inventory.account_id or "aws-account"
    for region, data in _inspector_regions(inventory):
        if data.get("status") != "ENABLED":
            continue  # nothing is scanned: aws.inspector2.enabled fails the region
        failure = data.get(f"{key}_error")
        if failure:
            reason = f"Could not read Amazon Inspector findings in {region}: {failure}"
            yield error(account, ACCOUNT, reason, region=region)
            continue
        found = cast("InspectorFindings | None", data.get(key))
        if found is None:
            continue
        count = f"{found['count']}{' or more' if found['more'] else ''}"
        named = ", ".join(found["vulnerabilities"]) or "no vulnerability id given"
        observed = {
            "finding_count": found["count"],
            "more": found["more"],
            "vulnerabilities": found["vulnerabilities"],
            "resources": found["resources"],
        }
        if dated:
            observed["first_seen"] = found.get("first_seen")
        yield result(
            not found["count"], account, ACCOUNT, describe(region, found, count, named), region=region, **observed
        )


@aws_check(
    id="aws.inspector2.no_overdue_findings",
    title=f"Amazon Inspector has no critical or high finding left open over {INSPECTOR_OVERDUE_DAYS} days",
    severity=Severity.HIGH,
    service="inspector2",
    resource_type=ACCOUNT,
    rationale="A vulnerability management programme is judged on how long known flaws stay open, not on whether "
    "scanning runs: PCI DSS and FedRAMP give critical and high vulnerabilities a month. An active critical or high "
    "finding first seen longer ago than that shows patching is not keeping up, and attackers have had that long "
    "to find it.",
    remediation="Patch or rebuild what the oldest findings name first (Patch Manager for instances, rebuilt images "
    "and function packages), then work through the rest; where a flaw cannot be reached, suppress the finding with "
    "a suppression rule and record the risk acceptance, so the open backlog shows only what still needs fixing.",
)
def inspector2_no_overdue_findings(inventory: Inventory) -> Iterable[Outcome]:
    return _finding_outcomes(inventory, "overdue_findings", _overdue_reason, dated=True)


def _overdue_reason(region: str, found: InspectorFindings, count: str, named: str) -> str:
    if not found["count"]:
        return f"Amazon Inspector in {region} has no critical or high finding open over {INSPECTOR_OVERDUE_DAYS} days"
    first_seen = found.get("first_seen")
    since = f", the oldest first seen {first_seen[:10]}" if first_seen else ""
    return (
        f"Amazon Inspector in {region} has {count} critical or high finding(s) open over {INSPECTOR_OVERDUE_DAYS} days"
        f"{since}: {named}"
    )


@aws_check(
    id="aws.inspector2.no_active_exploitable_findings",
    title="Amazon Inspector has no active finding with a public exploit",
    severity=Severity.HIGH,
    service="inspector2",
    resource_type=ACCOUNT,
    rationale="Inspector marks a finding exploitAvailable when exploit code for the vulnerability is public; from "
    "then on attacking it takes no skill, and such flaws are the ones seen exploited in the wild, whatever their "
    "CVSS score. They are the first to fix, ahead of severity order.",
    remediation="Patch or rebuild what each finding names ahead of the rest of the backlog and redeploy; Inspector "
    "closes the finding on its next scan. Where the flaw cannot be reached, suppress the finding with a suppression "
    "rule and record why.",
)
def inspector2_no_active_exploitable_findings(inventory: Inventory) -> Iterable[Outcome]:
    return _finding_outcomes(inventory, "exploitable_findings", _exploitable_reason)


def _exploitable_reason(region: str, found: InspectorFindings, count: str, named: str) -> str:
    if not found["count"]:
        return f"Amazon Inspector in {region} has no active finding with a public exploit"
    return f"Amazon Inspector in {region} has {count} active finding(s) with a public exploit: {named}"


@aws_check(
    id="aws.macie.enabled",
    title="Amazon Macie is enabled in every scanned region",
    severity=Severity.MEDIUM,
    service="macie",
    resource_type=ACCOUNT,
    rationale="Macie inventories the region's S3 buckets and finds personal and other sensitive data in them, so "
    "the data can be classified and protected where it actually lies rather than where it is assumed to be.",
    remediation="Enable Amazon Macie in each region (through the Macie delegated administrator when using "
    "Organizations) and turn on automated sensitive data discovery or schedule discovery jobs for the buckets.",
)
def macie_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in _macie_regions(inventory):
        status = data.get("status")
        if status == "ENABLED":
            reason = f"Amazon Macie is enabled in {region}"
        elif status:
            reason = f"Amazon Macie is {str(status).lower()} in {region}, not enabled"
        else:
            reason = f"Amazon Macie is not enabled in {region}"
        yield result(
            status == "ENABLED", inventory.account_id or "aws-account", ACCOUNT, reason, region=region, status=status
        )
