"""Checks on the domains registered through Route 53 (renewal, transfer lock, contact privacy) against moto."""

from __future__ import annotations

from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_devtools import register_domain
from tests.integrations.aws.support import aws, collect, connector, json_reply, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
RENEW = "aws.route53domains.auto_renew_enabled"
LOCK = "aws.route53domains.transfer_lock_enabled"
PRIVACY = "aws.route53domains.contact_privacy_enabled"
CHECKS = [RENEW, LOCK, PRIVACY]


def test_a_guarded_domain_passes_and_a_neglected_one_fails_every_check(moto_reset: str) -> None:
    # given a domain renewing itself, locked and private, and one not renewing, unlocked and public
    guarded = register_domain(moto_reset, "example.com")
    neglected = register_domain(
        moto_reset,
        "example.net",
        AutoRenew=False,
        PrivacyProtectAdminContact=False,
        PrivacyProtectRegistrantContact=False,
        PrivacyProtectTechContact=False,
    )
    aws(moto_reset, "route53domains").disable_domain_transfer_lock(DomainName=neglected)
    # when the three checks run on one collection
    collected = collect(moto_reset, CHECKS)
    # then the guarded domain passes all three and the neglected one fails them
    assert {check: statuses(run(collected, check)) for check in CHECKS} == {
        check: {guarded: PASS, neglected: FAIL} for check in CHECKS
    }
    reasons = {(check, o.resource_id): o.reason for check in CHECKS for o in run(collected, check)}
    assert reasons[(LOCK, neglected)] == "Domain example.net is not locked against transfer"
    assert reasons[(LOCK, guarded)] == "Domain example.com is locked against transfer"
    assert reasons[(PRIVACY, neglected)] == (
        "Domain example.net publishes the details of its registrant, admin, tech contact(s)"
    )
    assert reasons[(PRIVACY, guarded)] == "Domain example.com hides the details of all its contacts"
    assert reasons[(RENEW, neglected)].startswith("Domain example.net does not renew automatically (expires ")
    # and a lock turned back on counts again
    aws(moto_reset, "route53domains").enable_domain_transfer_lock(DomainName=neglected)
    assert statuses(run(collect(moto_reset, [LOCK]), LOCK)) == {guarded: PASS, neglected: PASS}


def test_one_contact_left_public_fails_naming_it(moto_reset: str) -> None:
    # given a domain hiding its registrant and admin contacts but not its technical one
    name = register_domain(moto_reset, "example.org", PrivacyProtectTechContact=False)
    # when the privacy check runs
    outcomes = run(collect(moto_reset, [PRIVACY]), PRIVACY)
    # then it fails naming the technical contact
    assert statuses(outcomes) == {name: FAIL}
    assert outcomes[0].observed == {"exposed_contacts": ["tech"]}


def test_a_domain_whose_details_cannot_be_read_is_an_error_for_the_checks_that_need_them(moto_reset: str) -> None:
    # given a domain, and Route 53 Domains refusing GetDomainDetail
    name = register_domain(moto_reset, "example.com")
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "message": "denied"}, 400)
    built.session.events.register("before-send.route53domains.GetDomainDetail", lambda **_: denied)
    collected = built.collect({"route53domains"})
    # when the checks run
    # then the lock and privacy checks are errors naming the refusal, and renewal (from the listing) is judged
    for check in (LOCK, PRIVACY):
        (outcome,) = run(collected, check)
        assert (outcome.resource_id, outcome.status) == (name, ERROR)
        assert outcome.reason.startswith("Could not read the details of domain example.com: GetDomainDetail failed")
    assert statuses(run(collected, RENEW)) == {name: PASS}
