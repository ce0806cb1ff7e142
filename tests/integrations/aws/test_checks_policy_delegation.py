"""Delegated policy management (CIS AWS 7.0.0 2.1.5): moto has no Organizations DescribeResourcePolicy (it answers
500), so the organization lives in moto while a before-send hook answers that one call as AWS does; the policy
variants are judged on hand-built inventories."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, aws, connector, inventory, json_reply, only, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.organizations.policy_management_delegated"
EVENT = "before-send.organizations.DescribeResourcePolicy"
MEMBER = "111122223333"
MANAGE = ["organizations:CreatePolicy", "organizations:UpdatePolicy", "organizations:AttachPolicy"]


def _statement(principal: Any, actions: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": actions, "Resource": "*", **extra}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _policy_reply(document: dict[str, Any] | str) -> Any:
    content = document if isinstance(document, str) else json.dumps(document)
    summary = {"Id": "rp-example", "Arn": f"arn:aws:organizations::{ACCOUNT}:resourcepolicy/o-example/rp-example"}
    return json_reply({"ResourcePolicy": {"ResourcePolicySummary": summary, "Content": content}})


def _collect(endpoint: str, reply: Any) -> Inventory:
    """The organizations service from moto, DescribeResourcePolicy answered by ``reply`` (None: moto's own 500)."""
    built = connector(endpoint)
    if reply is not None:
        built.session.events.register(EVENT, lambda **_: reply)
    collected = built.collect({"organizations"})
    assert collected.errors == {}
    return collected


def _organization(endpoint: str) -> str:
    org = aws(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="policy-admin", Email="policy-admin@example.com")["CreateAccountStatus"]
    return str(status["AccountId"])


def _hand_built(policy: dict[str, Any] | None, management: str = ACCOUNT) -> Inventory:
    return inventory(
        organizations={
            "in_organization": True,
            "feature_set": "ALL",
            "management_account": management,
            "accounts": [],
            "resource_policy": policy,
        }
    )


# --- against moto -----------------------------------------------------------------------------------------


def test_a_policy_delegating_policy_management_to_a_member_passes(moto_reset: str) -> None:
    # given an organization whose resource policy lets a member account's role manage policies
    member = _organization(moto_reset)
    role = f"arn:aws:iam::{member}:role/PolicyAdmins"
    reply = _policy_reply(_policy(_statement({"AWS": role}, [*MANAGE, "organizations:DescribeOrganization"])))
    # when the check runs
    outcome = only(run(_collect(moto_reset, reply), CHECK))
    # then the account passes, naming the member and the delegated actions
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.observed["delegated_to"] == {member: sorted(MANAGE)}
    assert member in outcome.reason


def test_an_organization_without_a_resource_policy_fails(moto_reset: str) -> None:
    # given an organization for which AWS answers that no resource policy exists
    _organization(moto_reset)
    missing = json_reply({"__type": "ResourcePolicyNotFoundException", "Message": "none"}, 400)
    # when the check runs
    outcome = only(run(_collect(moto_reset, missing), CHECK))
    # then it fails: policies are managed from the management account only
    assert (outcome.status, outcome.observed["has_resource_policy"]) == (FAIL, False)
    assert outcome.reason.startswith("The organization has no resource policy")


def test_moto_not_implementing_the_call_leaves_the_check_unjudged(moto_reset: str) -> None:
    # given moto, which answers DescribeResourcePolicy with a 500, and an organization with a bare member
    member = _organization(moto_reset)
    # when the organization is collected and both organization checks run
    collected = _collect(moto_reset, None)
    outcome = only(run(collected, CHECK))
    # then this check is an error naming the call, never a pass, and the SCP check still judges the member
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, ERROR)
    assert "DescribeResourcePolicy failed" in outcome.reason
    assert statuses(run(collected, "aws.organizations.scps_attached")) == {member: FAIL}


def test_a_refused_policy_read_is_an_error(moto_reset: str) -> None:
    # given an organization where reading the resource policy is refused
    _organization(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 400)
    # when the check runs
    outcome = only(run(_collect(moto_reset, denied), CHECK))
    # then it is an error with AWS's answer, not a fail
    assert outcome.status == ERROR
    assert "DescribeResourcePolicy failed with AccessDeniedException" in outcome.reason


def test_a_policy_that_is_not_json_is_an_error(moto_reset: str) -> None:
    # given a resource policy whose content is not a JSON object
    _organization(moto_reset)
    # when the check runs
    outcome = only(run(_collect(moto_reset, _policy_reply("not json")), CHECK))
    # then it is not judged
    assert outcome.status == ERROR
    assert "not a JSON object" in outcome.reason


def test_a_standalone_account_has_nothing_to_delegate(moto_reset: str) -> None:
    # given an account that belongs to no organization
    # when the check runs
    # then there is no outcome (and no DescribeResourcePolicy call to fail)
    assert scan(moto_reset, CHECK) == []


# --- hand-built inventories: the policy variants moto cannot serve -------------------------------------------


@pytest.mark.parametrize(
    ("statements", "delegated"),
    [
        # the account id as principal, and a wildcard over every Organizations action
        ([_statement({"AWS": MEMBER}, "organizations:*")], {MEMBER: 7}),
        # a wildcard over the policy actions only, with a condition limiting the policy types
        (
            [
                _statement(
                    {"AWS": f"arn:aws:iam::{MEMBER}:root"},
                    ["organizations:*Policy"],
                    Condition={"StringEquals": {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}},
                )
            ],
            {MEMBER: 5},
        ),
        # NotAction leaving the policy actions allowed
        ([{"Effect": "Allow", "Principal": {"AWS": MEMBER}, "NotAction": "organizations:Describe*"}], {MEMBER: 7}),
        # read-only delegation
        ([_statement({"AWS": MEMBER}, ["organizations:Describe*", "organizations:List*"])], {}),
        # the management account delegating to itself
        ([_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, MANAGE)], {}),
        # anyone, rather than a member account
        ([_statement("*", MANAGE)], {}),
        # allowed, then taken back by an unconditional Deny for everyone
        ([_statement({"AWS": MEMBER}, MANAGE), _statement("*", "organizations:*", effect="Deny")], {}),
        # a conditional Deny is not assumed to apply
        (
            [
                _statement({"AWS": MEMBER}, MANAGE),
                _statement(
                    {"AWS": MEMBER},
                    MANAGE,
                    effect="Deny",
                    Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}},
                ),
            ],
            {MEMBER: 3},
        ),
    ],
)
def test_what_counts_as_delegated_policy_management(
    statements: list[dict[str, Any]], delegated: dict[str, int]
) -> None:
    # given an organization's resource policy
    # when the check judges it
    outcome = only(run(_hand_built(_policy(*statements)), CHECK))
    # then it passes only when a member account is allowed policy management actions
    assert outcome.status == (PASS if delegated else FAIL)
    assert {account: len(actions) for account, actions in outcome.observed["delegated_to"].items()} == delegated


def test_a_member_account_refused_the_policy_is_told_why() -> None:
    # given a scan from a plain member account, which AWS refuses the organization's resource policy
    refused = inventory(
        organizations={
            "in_organization": True,
            "management_account": "999999999999",
            "accounts": [{"id": ACCOUNT, "scps": []}],
            "resource_policy_error": "DescribeResourcePolicy failed with AccessDeniedException (HTTP 400)",
        }
    )
    # when the check runs
    outcome = only(run(refused, CHECK))
    # then it is an error saying which accounts may read the policy
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, ERROR)
    assert "only the management account or a delegated administrator may read it" in outcome.reason


def test_an_inventory_collected_before_the_policy_was_read_is_not_judged() -> None:
    # given an organizations inventory without the resource policy fields
    older = inventory(organizations={"in_organization": True, "management_account": ACCOUNT, "accounts": []})
    # when the check runs
    # then there is nothing to judge
    assert run(older, CHECK) == []
