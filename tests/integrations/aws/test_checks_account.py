"""AWS account checks against moto: the security alternate contact (CIS AWS 1.2)."""

from __future__ import annotations

from integrations.registry import OutcomeStatus
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
