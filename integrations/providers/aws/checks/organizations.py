"""AWS Organizations checks: service control policies as guardrails on the organization's accounts."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import Organizations
from ._common import ACCOUNT, aws_check, error, result, service_data


def _organizations(inventory: Inventory) -> Organizations:
    return service_data(inventory, "organizations")


@aws_check(
    id="aws.organizations.scps_attached",
    title="Service control policies restrict the organization's accounts",
    severity=Severity.MEDIUM,
    service="organizations",
    resource_type=ACCOUNT,
    rationale="Service control policies cap what even an account's administrators can do (leave the "
    "organization, turn off logging, use unapproved regions), so one compromised account cannot undo the "
    "baseline.",
    remediation="Enable all features in AWS Organizations and attach baseline SCPs (besides FullAWSAccess) to the "
    "root or the OUs holding your accounts.",
)
def scps_attached(inventory: Inventory) -> Iterable[Outcome]:
    org = _organizations(inventory)
    if "in_organization" not in org:
        return
    account = inventory.account_id or "aws-account"
    if not org.get("in_organization"):
        yield result(False, account, ACCOUNT, "The account is not part of an AWS organization", in_organization=False)
        return
    if org.get("feature_set") == "CONSOLIDATED_BILLING":
        yield result(
            False,
            account,
            ACCOUNT,
            "The organization uses consolidated billing only, which has no service control policies",
            feature_set="CONSOLIDATED_BILLING",
        )
        return
    if not org.get("accounts"):
        yield result(True, account, ACCOUNT, "The organization has no member accounts to restrict", members=0)
        return
    for member in org.get("accounts", []):
        member_id = str(member.get("id"))
        if "scps_error" in member:
            yield error(member_id, ACCOUNT, f"Could not read the SCPs of account {member_id}: {member['scps_error']}")
            continue
        # FullAWSAccess (AWS-managed) allows everything; only customer policies can restrict.
        restricting = [p for p in member.get("scps", []) if not p.get("aws_managed")]
        names = sorted({str(p.get("name") or p.get("id")) for p in restricting})
        reason = (
            f"Account {member_id} is restricted by SCP(s) {', '.join(names)}"
            if names
            else f"Account {member_id} has no SCP other than FullAWSAccess"
        )
        yield result(
            bool(names),
            member_id,
            ACCOUNT,
            reason,
            scps=names,
            attached_to=sorted({str(p.get("target")) for p in restricting}),
        )
