"""Network Firewall policy checks (default actions for full and fragmented packets, rule groups), on policies and
firewalls created through moto's server (policies from tests.moto_additions)."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
FULL = "aws.networkfirewall.policy_default_action_full_packets"
FRAGMENTED = "aws.networkfirewall.policy_default_action_fragmented_packets"
RULE_GROUPS = "aws.networkfirewall.policy_has_rule_groups"
CHECKS = [FULL, FRAGMENTED, RULE_GROUPS]
STATEFUL = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:stateful-rulegroup/domains"


def _policy(endpoint: str, name: str, **rules: Any) -> str:
    created = aws(endpoint, "network-firewall").create_firewall_policy(FirewallPolicyName=name, FirewallPolicy=rules)
    return str(created["FirewallPolicyResponse"]["FirewallPolicyArn"])


def _firewall(endpoint: str, name: str, policy: str) -> None:
    aws(endpoint, "network-firewall").create_firewall(
        FirewallName=name, FirewallPolicyArn=policy, VpcId="vpc-0a1b2c3d", SubnetMappings=[{"SubnetId": "subnet-1"}]
    )


def test_policies_in_use_are_judged_once_each(moto_reset: str) -> None:
    # given a strict policy used by two firewalls, a loose one used by a third, and one no firewall uses
    strict = _policy(
        moto_reset,
        "strict",
        StatelessDefaultActions=["aws:forward_to_sfe"],
        StatelessFragmentDefaultActions=["aws:drop"],
        StatefulRuleGroupReferences=[{"ResourceArn": STATEFUL}],
    )
    loose = _policy(
        moto_reset, "loose", StatelessDefaultActions=["aws:pass"], StatelessFragmentDefaultActions=["aws:pass"]
    )
    _policy(moto_reset, "unused", StatelessDefaultActions=["aws:pass"], StatelessFragmentDefaultActions=["aws:pass"])
    _firewall(moto_reset, "edge-a", strict)
    _firewall(moto_reset, "edge-b", strict)
    _firewall(moto_reset, "lab", loose)
    # when the three checks run on one collection
    collected = collect(moto_reset, CHECKS)
    outcomes = {cid: run(collected, cid) for cid in CHECKS}
    # then the strict policy passes each and the loose one fails each, one outcome per policy, saying why
    assert {cid: statuses(found) for cid, found in outcomes.items()} == {
        cid: {strict: PASS, loose: FAIL} for cid in CHECKS
    }
    reasons = {cid: {o.resource_id: o.reason for o in found} for cid, found in outcomes.items()}
    assert (
        reasons[FULL][strict] == "Firewall policy strict sends packets no stateless rule matched to aws:forward_to_sfe"
    )
    assert reasons[FRAGMENTED][loose] == (
        "Firewall policy loose lets fragmented packets no stateless rule matched through uninspected (aws:pass)"
    )
    assert reasons[RULE_GROUPS] == {
        strict: "Firewall policy strict holds 0 stateless and 1 stateful rule group(s)",
        loose: "Firewall policy loose holds no rule group",
    }


def test_a_policy_changed_later_is_judged_as_it_now_stands(moto_reset: str) -> None:
    # given a firewall whose policy first passes fragments, then is updated to drop them
    client = aws(moto_reset, "network-firewall")
    policy = _policy(
        moto_reset, "edge", StatelessDefaultActions=["aws:forward_to_sfe"], StatelessFragmentDefaultActions=["aws:pass"]
    )
    _firewall(moto_reset, "edge", policy)
    token = client.describe_firewall_policy(FirewallPolicyArn=policy)["UpdateToken"]
    client.update_firewall_policy(
        UpdateToken=token,
        FirewallPolicyArn=policy,
        FirewallPolicy={
            "StatelessDefaultActions": ["aws:forward_to_sfe"],
            "StatelessFragmentDefaultActions": ["aws:drop"],
        },
    )
    # when the fragment check runs
    outcomes = run(collect(moto_reset, [FRAGMENTED]), FRAGMENTED)
    # then it passes
    assert statuses(outcomes) == {policy: PASS}


def test_an_unreadable_policy_is_an_error_naming_it(moto_reset: str) -> None:
    # given a firewall whose policy the role may not describe
    policy = _policy(
        moto_reset, "edge", StatelessDefaultActions=["aws:drop"], StatelessFragmentDefaultActions=["aws:drop"]
    )
    _firewall(moto_reset, "edge", policy)
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=403)])
    built.session.events.register("before-send.network-firewall.DescribeFirewallPolicy", refusal)
    # when the checks run
    collected = built.collect({"networkfirewall"})
    # then each is an error for that policy, naming the read that failed
    for check_id in CHECKS:
        outcomes = run(collected, check_id)
        assert statuses(outcomes) == {policy: ERROR}
        assert outcomes[0].reason.startswith("Could not describe Firewall policy edge: DescribeFirewallPolicy failed")
