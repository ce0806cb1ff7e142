"""Organizations SCP guardrail check against moto."""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, aws, connector, json_reply, only, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.organizations.scps_attached"
DENY_LEAVING = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
    }
)


def _member(org: Any, name: str) -> str:
    status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
    return str(status["AccountId"])


def _scp(org: Any, name: str) -> str:
    policy = org.create_policy(Name=name, Description=name, Content=DENY_LEAVING, Type="SERVICE_CONTROL_POLICY")
    return str(policy["Policy"]["PolicySummary"]["Id"])


def test_an_account_outside_any_organization_fails(moto_reset: str) -> None:
    # given an account that belongs to no organization
    # when the check runs
    outcome = only(scan(moto_reset, CHECK))
    # then the account fails
    assert (outcome.resource_id, outcome.status, outcome.observed["in_organization"]) == (ACCOUNT, FAIL, False)


def test_members_need_a_restricting_scp_through_themselves_their_ou_or_the_root(moto_reset: str) -> None:
    # given an organization managed by the scanned account, with a member under an OU carrying a customer SCP,
    # a member attached to a customer SCP directly, and a member under the root with only FullAWSAccess
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    in_ou, direct, bare = _member(org, "in-ou"), _member(org, "direct"), _member(org, "bare")
    org.move_account(AccountId=in_ou, SourceParentId=root, DestinationParentId=ou)
    org.attach_policy(PolicyId=_scp(org, "deny-leave-ou"), TargetId=ou)
    org.attach_policy(PolicyId=_scp(org, "deny-leave-account"), TargetId=direct)
    # when the check runs
    outcomes = scan(moto_reset, CHECK)
    # then only the member with FullAWSAccess alone fails; the management account itself is not judged
    assert statuses(outcomes) == {in_ou: PASS, direct: PASS, bare: FAIL}
    passing = next(o for o in outcomes if o.resource_id == in_ou)
    assert (passing.observed["scps"], passing.observed["attached_to"]) == (["deny-leave-ou"], [ou])


def test_a_refused_policy_lookup_errors_that_account_only(moto_reset: str) -> None:
    # given an organization with one member, and ListPoliciesForTarget refused (as for a member account)
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    member = _member(org, "member")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.organizations.ListPoliciesForTarget",
        lambda **_: json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400),
    )
    # when the check runs
    inventory = built.collect({"organizations"})
    # then the collection succeeds and the check reports an error for that account
    assert inventory.errors == {}
    outcome = only(run(inventory, CHECK))
    assert (outcome.resource_id, outcome.status) == (member, ERROR)
    assert "AccessDeniedException" in outcome.reason


def test_an_organization_without_members_has_nothing_to_restrict(moto_reset: str) -> None:
    # given an organization whose only account is the scanned management account
    aws(moto_reset, "organizations").create_organization(FeatureSet="ALL")
    # when the check runs
    outcome = only(scan(moto_reset, CHECK))
    # then the account passes with no members judged
    assert (outcome.resource_id, outcome.status, outcome.observed["members"]) == (ACCOUNT, PASS, 0)


ADMINS = "aws.organizations.delegated_administrators_active"


def test_a_delegated_administrator_on_a_suspended_account_fails(moto_reset: str) -> None:
    # given an organization with GuardDuty delegated to an active member and Config to a member since closed
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    active, closed = _member(org, "security"), _member(org, "old-audit")
    org.register_delegated_administrator(AccountId=active, ServicePrincipal="guardduty.amazonaws.com")
    org.register_delegated_administrator(AccountId=closed, ServicePrincipal="config-multiaccountsetup.amazonaws.com")
    org.close_account(AccountId=closed)
    # when the check runs
    outcomes = scan(moto_reset, ADMINS)
    # then the active administrator passes and the suspended one fails, naming the orphaned service
    assert statuses(outcomes) == {active: PASS, closed: FAIL}
    failed = next(o for o in outcomes if o.resource_id == closed)
    assert failed.observed["services"] == ["config-multiaccountsetup.amazonaws.com"]
    assert failed.observed["status"] == "SUSPENDED"


def test_no_delegated_administrators_gives_no_outcome(moto_reset: str) -> None:
    # given an organization with a member but no delegated administrator
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    _member(org, "member")
    # when the check runs
    # then there is nothing to judge
    assert scan(moto_reset, ADMINS) == []


def test_a_refused_delegated_administrator_listing_errors_that_check_only(moto_reset: str) -> None:
    # given an organization with a member, where ListDelegatedAdministrators is refused
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    member = _member(org, "member")
    built = connector(moto_reset)
    built.session.events.register(
        "before-send.organizations.ListDelegatedAdministrators",
        lambda **_: json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400),
    )
    # when both organization checks run on one collection
    inventory = built.collect({"organizations"})
    # then the delegated administrator check errors and the SCP check still judges the member
    assert inventory.errors == {}
    outcome = only(run(inventory, ADMINS))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, ERROR)
    assert statuses(run(inventory, CHECK)) == {member: FAIL}
