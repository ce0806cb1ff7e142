"""Amazon SES sending identity checks (DKIM signing, sending authorization policies) against moto."""

from __future__ import annotations

import json

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    aws,
    collect,
    connector,
    inventory,
    json_reply,
    only,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
DKIM = "aws.ses.domain_dkim_signing"
PUBLIC = "aws.ses.identity_policy_not_public"


def _policy(principal: object) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                    "Resource": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com",
                }
            ],
        }
    )


def test_domains_pass_when_they_sign_with_dkim_and_addresses_are_not_judged(moto_reset: str) -> None:
    # given a domain signing with a verified DKIM key, a domain that does not sign (moto starts a domain created
    # without DKIM settings there), and an address identity
    sesv2 = aws(moto_reset, "sesv2")
    sesv2.create_email_identity(
        EmailIdentity="example.com", DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"}
    )
    sesv2.create_email_identity(EmailIdentity="legacy.example.org")
    sesv2.create_email_identity(EmailIdentity="alerts@example.com")
    # when the DKIM check runs
    outcomes = run(collect(moto_reset, [DKIM]), DKIM)
    # then the signing domain passes and the other fails; the address is judged through its domain
    assert statuses(outcomes) == {"example.com": PASS, "legacy.example.org": FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["example.com"] == "SES identity example.com signs its mail with DKIM"
    assert reasons["legacy.example.org"] == "SES identity legacy.example.org does not sign its mail with DKIM"


def test_a_policy_for_any_principal_fails_and_named_senders_pass(moto_reset: str) -> None:
    # given identities with a policy for anyone, a policy naming another account, and no policy
    sesv2 = aws(moto_reset, "sesv2")
    for name in ("example.com", "partner.example.com", "quiet.example.com"):
        sesv2.create_email_identity(EmailIdentity=name)
    sesv2.create_email_identity_policy(EmailIdentity="example.com", PolicyName="anyone", Policy=_policy("*"))
    sesv2.create_email_identity_policy(
        EmailIdentity="partner.example.com",
        PolicyName="partner",
        Policy=_policy({"AWS": "arn:aws:iam::111122223333:root"}),
    )
    # when the policy check runs
    outcomes = run(collect(moto_reset, [PUBLIC]), PUBLIC)
    # then only the identity open to anyone fails, naming the policy and what it allows
    assert statuses(outcomes) == {"example.com": FAIL, "partner.example.com": PASS, "quiet.example.com": PASS}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["example.com"] == (
        "SES identity example.com's policy anyone lets any principal ses:SendEmail, ses:SendRawEmail"
    )
    assert reasons["partner.example.com"] == (
        "SES identity partner.example.com's sending authorization policies name who may send"
    )
    assert reasons["quiet.example.com"] == "SES identity quiet.example.com has no sending authorization policy"


def test_an_identity_that_cannot_be_read_is_an_error_for_both_checks(moto_reset: str) -> None:
    # given a domain identity, and SES refusing to describe it
    aws(moto_reset, "sesv2").create_email_identity(EmailIdentity="example.com")
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403)
    built.session.events.register("before-send.sesv2.GetEmailIdentity", lambda **_: denied)
    collected = built.collect({"ses"})
    # when both checks run
    for check in (DKIM, PUBLIC):
        outcome = only(run(collected, check))
        # then each is an error naming the refusal
        assert (outcome.resource_id, outcome.status) == ("example.com", ERROR)
        assert "GetEmailIdentity failed with AccessDeniedException" in outcome.reason


def test_a_domain_whose_dkim_records_are_not_verified_yet_fails() -> None:
    # given a domain with DKIM signing on whose DNS records SES has not found yet (moto verifies at once, so the
    # inventory is built by hand)
    pending = {"name": "new.example.com", "region": REGION, "type": "DOMAIN", "dkim_signing_enabled": True}
    built = inventory(ses={"regions": {REGION: {"identities": [{**pending, "dkim_status": "PENDING"}]}}})
    # when the DKIM check runs
    outcome = only(run(built, DKIM))
    # then it fails, saying the records are pending
    assert outcome.status == FAIL
    assert outcome.reason == "SES identity new.example.com has DKIM signing on, but its DKIM records are PENDING"
