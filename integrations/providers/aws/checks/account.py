"""AWS account checks: the contacts AWS uses to reach the account's owners."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Account
from ._common import ACCOUNT, aws_check, result, service_data


def _account_data(inventory: Inventory) -> Account:
    return service_data(inventory, "account")


@aws_check(
    id="aws.account.security_contact_registered",
    title="A security contact is registered for the account",
    severity=Severity.MEDIUM,
    service="account",
    resource_type=ACCOUNT,
    rationale="AWS sends abuse reports and security notices to the security contact; without one they reach "
    "whoever reads the root e-mail, if anyone does.",
    remediation="Register a security alternate contact (a monitored team mailbox and phone number) under Account "
    "settings, or with aws account put-alternate-contact --alternate-contact-type SECURITY.",
)
def security_contact_registered(inventory: Inventory) -> Iterable[Outcome]:
    if "account" not in inventory.data:
        return []
    contact = _account_data(inventory).get("security_contact")
    account = inventory.account_id or "aws-account"
    if not contact:
        return [result(False, account, ACCOUNT, "No security contact is registered for the account")]
    # AWS requires every field when a contact is saved; an e-mail address is what a notice needs.
    reachable = bool(contact.get("has_email"))
    reason = (
        "A security contact with an e-mail address is registered"
        if reachable
        else "The registered security contact has no e-mail address"
    )
    return [result(reachable, account, ACCOUNT, reason, security_contact=dict(contact))]
