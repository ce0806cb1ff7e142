"""AWS account checks: the contacts AWS uses to reach the account's owners (alternate and primary contacts)."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Account, AlternateContact
from ._common import ACCOUNT, aws_check, error, result, service_data


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


# What a reachable primary contact needs; the address is kept in the outcome but not required.
_PRIMARY_FIELDS = (("has_full_name", "full name"), ("has_phone", "phone number"))


@aws_check(
    id="aws.account.contact_information_registered",
    title="The account's primary contact has a name and phone number",
    severity=Severity.LOW,
    service="account",
    resource_type=ACCOUNT,
    rationale="AWS calls or writes to the primary contact about billing, abuse and account security; without a "
    "name and a reachable number those notices have no one to answer them.",
    remediation="Fill in the primary contact (full name, phone number, address) under Account settings, or with aws "
    "account put-contact-information; use a number and name that reach a team rather than one person.",
)
def contact_information_registered(inventory: Inventory) -> Iterable[Outcome]:
    data = _account_data(inventory)
    account = inventory.account_id or "aws-account"
    if "contact_information_error" in data:
        return [
            error(
                account, ACCOUNT, f"Could not read the primary contact information: {data['contact_information_error']}"
            )
        ]
    # An inventory collected before the primary contact was read has nothing to judge.
    if "contact_information" not in data:
        return []
    contact = data["contact_information"]
    if not contact:
        return [result(False, account, ACCOUNT, "No primary contact information is registered for the account")]
    missing = [label for key, label in _PRIMARY_FIELDS if not contact.get(key)]
    reason = (
        "The primary contact has a full name and phone number"
        if not missing
        else f"The primary contact has no {' and no '.join(missing)}"
    )
    return [result(not missing, account, ACCOUNT, reason, contact_information=dict(contact))]


@aws_check(
    id="aws.account.alternate_contacts_registered",
    title="Billing, operations and security contacts are registered, the security one on its own address",
    severity=Severity.LOW,
    service="account",
    resource_type=ACCOUNT,
    rationale="AWS writes to each alternate contact about its own matters: invoices and payment problems, service "
    "events and maintenance, abuse reports and security notices. Without all three, the notices of a missing type "
    "go to the root e-mail; a security contact sharing the billing or operations mailbox puts security notices "
    "among invoices and maintenance mail, where they wait.",
    remediation="Register a billing, an operations and a security alternate contact under Account settings (or aws "
    "account put-alternate-contact), each a monitored team mailbox; give the security contact the security team's "
    "own address.",
)
def alternate_contacts_registered(inventory: Inventory) -> Iterable[Outcome]:
    data = _account_data(inventory)
    account = inventory.account_id or "aws-account"
    if "alternate_contacts_error" in data:
        reason = f"Could not read the billing and operations contacts: {data['alternate_contacts_error']}"
        return [error(account, ACCOUNT, reason)]
    # An inventory collected before the billing and operations contacts were read has nothing to judge.
    if "billing_contact" not in data:
        return []
    contacts: dict[str, AlternateContact | None] = {
        "billing": data.get("billing_contact"),
        "operations": data.get("operations_contact"),
        "security": data.get("security_contact"),
    }
    missing = [label for label, contact in contacts.items() if not (contact and contact.get("has_email"))]
    security = contacts["security"]
    shared = [kind.lower() for kind in security.get("shares_email_with", [])] if security else []
    problems = []
    if missing:
        problems.append(f"no {' or '.join(missing)} contact with an e-mail address is registered")
    if shared:
        problems.append(f"the security contact shares its e-mail address with the {' and '.join(shared)} contact")
    said = "; ".join(problems)
    reason = (
        f"{said[:1].upper()}{said[1:]}"
        if problems
        else "Billing, operations and security contacts are registered, the security contact on an address of its own"
    )
    return [result(not problems, account, ACCOUNT, reason, missing_contacts=missing, security_shares_email_with=shared)]
