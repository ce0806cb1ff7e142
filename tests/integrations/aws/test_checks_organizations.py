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


# --- AI services opt-out ----------------------------------------------------------------------------------------------

AI_OPT_OUT = "aws.organizations.ai_services_opt_out"


def _ai_policy(org: Any, name: str, services: dict[str, Any]) -> str:
    content = json.dumps({"services": services})
    policy = org.create_policy(Name=name, Description=name, Content=content, Type="AISERVICES_OPT_OUT_POLICY")
    return str(policy["Policy"]["PolicySummary"]["Id"])


def _opt(setting: str, *, locked: bool = False) -> dict[str, Any]:
    value: dict[str, Any] = {"@@assign": setting}
    if locked:
        value["@@operators_allowed_for_child_policies"] = ["@@none"]
    return {"opt_out_policy": value}


def _research_ou(endpoint: str) -> tuple[Any, str, str, str]:
    """An organization with all features, its root, an OU "research" under it and a member account in that OU."""
    org = aws(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="research")["OrganizationalUnit"]["Id"]
    member = _member(org, "research")
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    return org, root, ou, member


def test_accounts_pass_when_their_effective_policy_opts_out_of_every_ai_service(moto_reset: str) -> None:
    # given an organization whose root opts every service out by default (locking the default), a member under an OU
    # whose policy opts Rekognition back in (a service the root did not name, so not locked), and a member under the
    # root
    org, root, ou, locked_in = _research_ou(moto_reset)
    plain_member = _member(org, "plain")
    org.attach_policy(PolicyId=_ai_policy(org, "opt-out-all", {"default": _opt("optOut", locked=True)}), TargetId=root)
    org.attach_policy(PolicyId=_ai_policy(org, "rekognition-in", {"rekognition": _opt("optIn")}), TargetId=ou)
    # when the check runs
    outcomes = scan(moto_reset, AI_OPT_OUT)
    # then the management account and the member under the root pass, and the OU's member fails: its opt-in applies
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert statuses(outcomes)[ACCOUNT] == PASS
    assert statuses(outcomes)[plain_member] == PASS
    assert reasons[ACCOUNT] == f"Account {ACCOUNT} is opted out of every AWS AI service"
    assert statuses(outcomes)[locked_in] == FAIL
    assert reasons[locked_in] == f"Account {locked_in} is opted out by default but opted in for rekognition"


def test_accounts_no_policy_reaches_fail_and_a_policy_naming_some_services_is_not_enough(moto_reset: str) -> None:
    # given an OU whose policy opts Rekognition out (nothing sets the default), a member under it, and a member under
    # the root, which no policy reaches
    org, _, ou, member = _research_ou(moto_reset)
    untouched = _member(org, "untouched")
    org.attach_policy(PolicyId=_ai_policy(org, "rekognition-out", {"rekognition": _opt("optOut")}), TargetId=ou)
    # when the check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, AI_OPT_OUT)}
    # then the member fails for the services left at AWS's default, and the others fail for having no policy
    assert {rid: o.status for rid, o in outcomes.items()} == {member: FAIL, untouched: FAIL, ACCOUNT: FAIL}
    assert outcomes[member].reason == (
        f"Account {member} is not opted out by default: only the services its policy names are"
    )
    assert outcomes[member].observed["opted_in"] == ["default"]
    assert outcomes[untouched].reason == f"No AI services opt-out policy reaches account {untouched}"


def test_an_opt_in_below_a_locked_opt_out_does_not_apply(moto_reset: str) -> None:
    # given a root opting every service out and locking it, and an OU whose policy opts every service back in
    org, root, ou, member = _research_ou(moto_reset)
    org.attach_policy(PolicyId=_ai_policy(org, "all-out", {"default": _opt("optOut", locked=True)}), TargetId=root)
    org.attach_policy(PolicyId=_ai_policy(org, "all-in", {"default": _opt("optIn")}), TargetId=ou)
    # when the check runs
    outcomes = scan(moto_reset, AI_OPT_OUT)
    # then the member's effective policy keeps the root's opt-out, and it passes
    assert statuses(outcomes) == {member: PASS, ACCOUNT: PASS}


def test_a_refused_effective_policy_errors_that_account_only(moto_reset: str) -> None:
    # given an organization with a member, and DescribeEffectivePolicy refused
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="ALL")
    member = _member(org, "workloads")
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=400)
    built.session.events.register("before-send.organizations.DescribeEffectivePolicy", lambda **_: refusal)
    inventory = built.collect({"organizations"})
    # when the check runs
    outcomes = run(inventory, AI_OPT_OUT)
    # then each account is an error naming the refusal, and the SCP check still judges the member
    assert statuses(outcomes) == {ACCOUNT: ERROR, member: ERROR}
    assert next(iter(outcomes)).reason.startswith("Could not read the AI services opt-out policy of account ")
    assert statuses(run(inventory, CHECK)) == {member: FAIL}


def test_an_organization_with_consolidated_billing_only_fails_and_a_lone_account_is_not_judged(moto_reset: str) -> None:
    # given an account outside any organization, then the check has nothing to judge
    assert scan(moto_reset, AI_OPT_OUT) == []
    # given an organization created with consolidated billing only (no policy types at all)
    org = aws(moto_reset, "organizations")
    org.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    _member(org, "member")
    # when the check runs, then the scanned account fails, saying why
    outcome = only(scan(moto_reset, AI_OPT_OUT))
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert (
        outcome.reason == "The organization uses consolidated billing only, which has no AI services opt-out policies"
    )
