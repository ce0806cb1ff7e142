"""AWS account checks against moto: the security alternate contact (CIS AWS 1.2), all three alternate contacts,
and the primary contact."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    answer,
    aws,
    connector,
    inventory,
    json_reply,
    only,
    run,
    scan,
    services_for,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.account.security_contact_registered"


def test_registered_security_contact_passes_without_keeping_its_details(moto_reset: str) -> None:
    # given a security alternate contact registered for the account (and a billing one, which does not count)
    account = aws(moto_reset, "account")
    account.put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="security@example.com",
        Name="Security team",
        PhoneNumber="+15555550100",
        Title="SOC",
    )
    # when the check runs
    outcome = only(scan(moto_reset, CHECK))
    # then the account passes, and the inventory holds which fields are set, not the address or number
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.observed["security_contact"] == {
        "type": "SECURITY",
        "has_name": True,
        "has_email": True,
        "has_phone": True,
        "shares_email_with": [],
    }


def test_only_a_billing_contact_fails(moto_reset: str) -> None:
    # given an account with a billing contact but no security contact
    aws(moto_reset, "account").put_alternate_contact(
        AlternateContactType="BILLING",
        EmailAddress="billing@example.com",
        Name="Billing",
        PhoneNumber="+15555550101",
        Title="AP",
    )
    # when the check runs
    outcome = only(scan(moto_reset, CHECK))
    # then it fails
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert outcome.reason == "No security contact is registered for the account"


def test_contact_without_email_fails() -> None:
    # given a security contact lacking an e-mail address (AWS refuses to save one, so moto cannot hold it)
    inv = inventory(
        account={"security_contact": {"type": "SECURITY", "has_name": True, "has_email": False, "has_phone": True}}
    )
    # when the check runs
    outcome = only(run(inv, CHECK))
    # then it fails
    assert outcome.status == FAIL
    assert outcome.reason == "The registered security contact has no e-mail address"


def test_denied_contact_read_is_an_error_for_this_check_only(moto_reset: str) -> None:
    # given a principal that may not read alternate contacts, in an account with one IAM user
    aws(moto_reset, "iam").create_user(UserName="alice")
    built = connector(moto_reset)
    denied = answer([lambda: json_reply({"__type": "AccessDeniedException", "message": "no"}, status=403)])
    built.session.events.register("before-send.account.GetAlternateContact", denied)
    services = services_for([CHECK, "aws.iam.user_no_administrator_access"])
    # when the account and IAM are collected
    inv = built.collect(services)
    # then the security contact check reports an error, and IAM was still collected and judged
    outcome = only(run(inv, CHECK))
    assert outcome.status == ERROR
    assert "GetAlternateContact failed with AccessDeniedException (HTTP 403)" in outcome.reason
    assert set(inv.errors) == {"account"}
    assert [(o.resource_id, o.status) for o in run(inv, "aws.iam.user_no_administrator_access")] == [("alice", PASS)]


# --- primary contact (CIS AWS 7.0.0 2.2) ---------------------------------------------------------------------
# moto has no GetContactInformation (its server answers 404): the account's other calls go to moto while a
# before-send hook answers that one as AWS does, and the field variants are judged on hand-built inventories.

PRIMARY = "aws.account.contact_information_registered"
PRIMARY_EVENT = "before-send.account.GetContactInformation"
FULL_CONTACT = {
    "FullName": "Cloud Operations",
    "PhoneNumber": "+15555550102",
    "AddressLine1": "1 Example Way",
    "City": "Springfield",
    "CountryCode": "US",
    "PostalCode": "12345",
}


def _collect_primary(endpoint: str, reply: Any) -> Inventory:
    built = connector(endpoint)
    if reply is not None:
        built.session.events.register(PRIMARY_EVENT, lambda **_: reply)
    collected = built.collect({"account"})
    assert collected.errors == {}
    return collected


def test_a_primary_contact_with_name_and_phone_passes_without_keeping_them(moto_reset: str) -> None:
    # given an account whose primary contact is filled in
    collected = _collect_primary(moto_reset, json_reply({"ContactInformation": FULL_CONTACT}))
    # when the check runs
    outcome = only(run(collected, PRIMARY))
    # then it passes, and neither the inventory nor the outcome holds the name, number or address
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    expected = {"has_full_name": True, "has_phone": True, "has_address": True}
    assert collected.data["account"]["contact_information"] == outcome.observed["contact_information"] == expected
    assert "Cloud Operations" not in json.dumps(collected.data)


def test_no_primary_contact_fails(moto_reset: str) -> None:
    # given an account for which AWS answers that no contact information exists
    missing = json_reply({"__type": "ResourceNotFoundException", "message": "none"}, status=404)
    # when the check runs
    outcome = only(run(_collect_primary(moto_reset, missing), PRIMARY))
    # then it fails
    assert (outcome.status, outcome.reason) == (FAIL, "No primary contact information is registered for the account")


def test_a_denied_primary_contact_read_names_the_missing_permission(moto_reset: str) -> None:
    # given a role without account:GetContactInformation (SecurityAudit does not grant it) and a security contact
    aws(moto_reset, "account").put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="security@example.com",
        Name="Security team",
        PhoneNumber="+15555550100",
        Title="SOC",
    )
    denied = json_reply({"__type": "AccessDeniedException", "message": "no"}, status=403)
    # when the account is collected and both account checks run
    collected = _collect_primary(moto_reset, denied)
    outcome = only(run(collected, PRIMARY))
    # then this check is an error naming the action to add, and the security contact is still judged
    assert outcome.status == ERROR
    assert "account:GetContactInformation, which SecurityAudit does not grant" in outcome.reason
    assert only(run(collected, CHECK)).status == PASS


def test_moto_not_serving_the_call_leaves_the_check_unjudged(moto_reset: str) -> None:
    # given moto, which has no GetContactInformation
    # when the account is collected without a hook
    outcome = only(run(_collect_primary(moto_reset, None), PRIMARY))
    # then the check is an error, never a pass
    assert outcome.status == ERROR
    assert "GetContactInformation failed" in outcome.reason


@pytest.mark.parametrize(
    ("contact", "status", "reason"),
    [
        (
            {"has_full_name": True, "has_phone": True, "has_address": False},
            PASS,
            "The primary contact has a full name and phone number",
        ),
        (
            {"has_full_name": True, "has_phone": False, "has_address": True},
            FAIL,
            "The primary contact has no phone number",
        ),
        (
            {"has_full_name": False, "has_phone": False, "has_address": True},
            FAIL,
            "The primary contact has no full name and no phone number",
        ),
    ],
)
def test_a_primary_contact_needs_a_name_and_a_phone_number(
    contact: dict[str, bool], status: OutcomeStatus, reason: str
) -> None:
    # given a primary contact with some fields missing (AWS requires them when saving, so moto cannot hold these)
    inv = inventory(account={"security_contact": None, "contact_information": contact})
    # when the check runs
    outcome = only(run(inv, PRIMARY))
    # then only a name and a phone number together pass
    assert (outcome.status, outcome.reason) == (status, reason)


def test_an_inventory_collected_before_the_primary_contact_was_read_is_not_judged() -> None:
    # given an account inventory without the primary contact fields
    # when the check runs
    # then there is nothing to judge
    assert run(inventory(account={"security_contact": None}), PRIMARY) == []


# --- alternate contacts: billing, operations and security ------------------------------------------------------

ALTERNATES = "aws.account.alternate_contacts_registered"


def _register(endpoint: str, **addresses: str) -> None:
    """Register an alternate contact per ``addresses`` entry (``security="soc@example.com"``...)."""
    account = aws(endpoint, "account")
    for kind, address in addresses.items():
        account.put_alternate_contact(
            AlternateContactType=kind.upper(),
            EmailAddress=address,
            Name=f"{kind} team",
            PhoneNumber="+15555550100",
            Title=kind,
        )


def test_three_contacts_on_their_own_addresses_pass_without_keeping_them(moto_reset: str) -> None:
    # given billing, operations and security contacts, the security one on its own address
    _register(moto_reset, billing="ap@example.com", operations="ops@example.com", security="soc@example.com")
    # when the account is collected and the check runs
    collected = connector(moto_reset).collect({"account"})
    outcome = only(run(collected, ALTERNATES))
    # then it passes, and no address was kept
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.reason == (
        "Billing, operations and security contacts are registered, the security contact on an address of its own"
    )
    assert "example.com" not in json.dumps(collected.data)


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        ({"security": "soc@example.com"}, "No billing or operations contact with an e-mail address is registered"),
        (
            {"billing": "ap@example.com", "operations": "ops@example.com"},
            "No security contact with an e-mail address is registered",
        ),
        (
            {"billing": "ap@example.com", "operations": "Team@Example.com", "security": " team@example.com"},
            "The security contact shares its e-mail address with the operations contact",
        ),
        (
            {"billing": "team@example.com", "security": "team@example.com"},
            "No operations contact with an e-mail address is registered; the security contact shares its e-mail "
            "address with the billing contact",
        ),
    ],
)
def test_a_missing_contact_or_a_security_contact_on_a_shared_address_fails(
    moto_reset: str, addresses: dict[str, str], reason: str
) -> None:
    # given some alternate contacts missing, or the security contact on another contact's address (however written)
    _register(moto_reset, **addresses)
    # when the check runs
    outcome = only(scan(moto_reset, ALTERNATES))
    # then it fails naming what is missing or shared
    assert (outcome.status, outcome.reason) == (FAIL, reason)


def test_billing_and_operations_may_share_an_address(moto_reset: str) -> None:
    # given billing and operations contacts on one finance-and-operations mailbox, and a security contact of its own
    _register(moto_reset, billing="office@example.com", operations="office@example.com", security="soc@example.com")
    # when the check runs
    # then it passes: only security notices must not wait among invoices and maintenance mail
    assert only(scan(moto_reset, ALTERNATES)).status == PASS


def test_a_failed_billing_read_is_an_error_here_and_the_security_contact_is_still_judged(moto_reset: str) -> None:
    # given a security contact, and a role whose policy allows GetAlternateContact for the SECURITY type only (the
    # account:AlternateContactTypes condition key), so the second read (the billing contact's) is refused
    _register(moto_reset, security="soc@example.com")
    built = connector(moto_reset)
    failing = json_reply({"__type": "AccessDeniedException", "message": "not this type"}, status=403)
    built.session.events.register(
        "before-send.account.GetAlternateContact", answer([lambda: None, lambda: failing, lambda: None])
    )
    # when the account is collected and both alternate contact checks run
    collected = built.collect({"account"})
    # then this check is an error saying what failed, and the security contact check still passes
    outcome = only(run(collected, ALTERNATES))
    assert outcome.status == ERROR
    assert outcome.reason.startswith(
        "Could not read the billing and operations contacts: GetAlternateContact failed with AccessDeniedException"
    )
    assert only(run(collected, CHECK)).status == PASS


def test_an_inventory_collected_before_the_other_contacts_were_read_is_not_judged() -> None:
    # given an account inventory with only the security contact
    # when the check runs
    # then there is nothing to judge
    assert run(inventory(account={"security_contact": None}), ALTERNATES) == []
