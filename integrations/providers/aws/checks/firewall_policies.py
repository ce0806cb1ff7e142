"""Checks on the AWS Network Firewall policies firewalls use: what happens to packets no stateless rule decides
(whole and fragmented), and whether the policy holds any rule group at all. Each policy a firewall of the region
uses is judged once, however many firewalls share it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import FirewallPolicy
from ._common import Verdict, aws_check, judge_described

POLICY = "AWS::NetworkFirewall::FirewallPolicy"
# A default action that does not let the packet through uninspected: dropped, or handed to the stateful rule groups.
_GUARDED = frozenset({"aws:drop", "aws:forward_to_sfe"})


def _judge(inventory: Inventory, verdict: Callable[[FirewallPolicy, str], tuple[bool, str]]) -> Iterable[Outcome]:
    def judge(policy: FirewallPolicy) -> Verdict:
        passed, reason = verdict(policy, _label(policy))
        observed = {
            "stateless_default_actions": policy.get("stateless_default_actions", []),
            "stateless_fragment_default_actions": policy.get("stateless_fragment_default_actions", []),
            "stateless_rule_groups": policy.get("stateless_rule_groups", 0),
            "stateful_rule_groups": policy.get("stateful_rule_groups", 0),
        }
        return passed, reason, observed

    # Inventories stored before policies were read have none: no outcome, rather than a pass.
    return judge_described(
        inventory,
        "networkfirewall",
        "policies",
        noun="firewall policies",
        resource_type=POLICY,
        resource_id=lambda p: str(p["arn"]),
        label=_label,
        judge=judge,
    )


def _label(policy: FirewallPolicy) -> str:
    return f"Firewall policy {policy['name']}"


def _default_action(actions: list[str], label: str, what: str) -> tuple[bool, str]:
    guarded = [a for a in actions if a in _GUARDED]
    said = ", ".join(actions) or "none"
    if guarded:
        return True, f"{label} sends {what} no stateless rule matched to {guarded[0]}"
    return False, f"{label} lets {what} no stateless rule matched through uninspected ({said})"


@aws_check(
    id="aws.networkfirewall.policy_default_action_full_packets",
    title="Network Firewall policies drop or inspect packets no stateless rule matched",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    resource_type=POLICY,
    rationale="A policy's stateless default action decides every packet no stateless rule matched. aws:pass lets it "
    "through without reaching the stateful rule groups, so the firewall's domain lists, IPS rules and alerts never "
    "see it; aws:forward_to_sfe (or aws:drop) keeps it under the policy's rules.",
    remediation="Set the policy's stateless default action for full packets to aws:forward_to_sfe (or aws:drop) "
    "(UpdateFirewallPolicy StatelessDefaultActions).",
)
def policy_default_action_full_packets(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(policy: FirewallPolicy, label: str) -> tuple[bool, str]:
        return _default_action(policy.get("stateless_default_actions", []), label, "packets")

    return _judge(inventory, verdict)


@aws_check(
    id="aws.networkfirewall.policy_default_action_fragmented_packets",
    title="Network Firewall policies drop or inspect fragmented packets no stateless rule matched",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    resource_type=POLICY,
    rationale="Fragmented packets have their own stateless default action. Passing them uninspected opens the "
    "oldest way around a packet filter: split the payload so no single fragment matches a rule.",
    remediation="Set the policy's stateless default action for fragmented packets to aws:forward_to_sfe (or "
    "aws:drop) (UpdateFirewallPolicy StatelessFragmentDefaultActions).",
)
def policy_default_action_fragmented_packets(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(policy: FirewallPolicy, label: str) -> tuple[bool, str]:
        return _default_action(policy.get("stateless_fragment_default_actions", []), label, "fragmented packets")

    return _judge(inventory, verdict)


@aws_check(
    id="aws.networkfirewall.policy_has_rule_groups",
    title="Network Firewall policies hold at least one rule group",
    severity=Severity.MEDIUM,
    service="networkfirewall",
    resource_type=POLICY,
    rationale="A policy without rule groups decides everything by its default actions alone: the firewall is "
    "deployed, paid for and in the traffic's path, yet filters by no rule anyone wrote.",
    remediation="Associate stateless or stateful rule groups with the policy (UpdateFirewallPolicy "
    "StatelessRuleGroupReferences, StatefulRuleGroupReferences).",
)
def policy_has_rule_groups(inventory: Inventory) -> Iterable[Outcome]:
    def verdict(policy: FirewallPolicy, label: str) -> tuple[bool, str]:
        stateless, stateful = policy.get("stateless_rule_groups", 0), policy.get("stateful_rule_groups", 0)
        if stateless + stateful == 0:
            return False, f"{label} holds no rule group"
        return True, f"{label} holds {stateless} stateless and {stateful} stateful rule group(s)"

    return _judge(inventory, verdict)
