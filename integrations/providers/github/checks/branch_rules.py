"""Stricter default-branch rules: no bypass, code owners, two approvals, resolved threads, linear history, signing.

Each setting is satisfied by classic branch protection or by an active ruleset rule, like in ``branches``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import REPOSITORY, github_check
from .branches import CLASSIC, SERVICES, Protections, evaluate, rule_source, via

# Approvals a change needs before "more than one reviewer" holds.
MIN_APPROVALS = 2


def _classic_reviews(protections: Protections) -> Mapping[str, Any]:
    return (protections.classic.get("required_pull_request_reviews") if protections.classic else None) or {}


def _pull_request_rules_with(protections: Protections, parameter: str) -> list[str]:
    """The rulesets whose pull request rule turns ``parameter`` on."""
    rules = protections.of_type("pull_request")
    return [rule_source(r) for r in rules if (r.get("parameters") or {}).get(parameter)]


def _judge(
    name: str, branch: str, protections: Protections, by: list[str], *, holds: str, lacks: str, key: str
) -> tuple[bool, str, dict[str, Any]]:
    """Pass when any source (``by``) requires the setting, naming them; fail naming what was looked at."""
    by = list(dict.fromkeys(by))
    if not by:
        return False, f"{branch} of {name} {lacks}{via(protections.sources, protections)}", {key: False}
    return True, f"{branch} of {name} {holds}{via(by, protections)}", {key: True}


def _actor(actor: Mapping[str, Any]) -> str:
    kind, actor_id = actor.get("actor_type") or "unknown actor", actor.get("actor_id")
    # Organisation admins and deploy keys are one class each; the others are told apart by id.
    return str(kind) if actor_id is None or kind in ("OrganizationAdmin", "DeployKey") else f"{kind} {actor_id}"


def _no_bypass(name: str, branch: str, protections: Protections) -> tuple[bool | None, str, dict[str, Any]]:
    exemptions: list[str] = []
    hidden: list[str] = []
    bypass: dict[str, list[str]] = {}
    enforce_admins = protections.classic.get("enforce_admins") if protections.classic is not None else None
    if protections.classic is not None and not enforce_admins:
        exemptions.append("administrators are exempt from branch protection")
    for source in protections.sources:
        if source == CLASSIC:
            continue
        actors = protections.bypass_actors.get(source.partition(":")[2])
        if actors is None:
            hidden.append(source)
            continue
        bypass[source] = [_actor(a) for a in actors if isinstance(a, Mapping)]
        if bypass[source]:
            exemptions.append(f"{source.replace(':', ' ', 1)} can be bypassed by {', '.join(bypass[source])}")
    observed: dict[str, Any] = {"enforce_admins": enforce_admins, "bypass_actors": bypass}
    if exemptions:
        return False, f"{branch} of {name} does not bind everyone: {'; '.join(exemptions)}", observed
    if hidden:
        labels = ", ".join(s.replace(":", " ", 1) for s in hidden)
        reason = (
            f"Who may bypass {labels} on {name} is hidden from the token "
            "(GitHub shows a ruleset's bypass list only to those who may edit the ruleset)"
        )
        return None, reason, observed
    reason = f"{branch} of {name} binds administrators too, with no bypass"
    return True, reason + via(protections.sources, protections), observed


@github_check(
    id="github.branch_protection.no_bypass",
    title="Default branch protection binds administrators, with no bypass",
    severity=Severity.HIGH,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="Protection that administrators or listed bypass actors can skip lets the most privileged "
    "accounts, often the ones attackers target first, push unreviewed changes straight to the default branch.",
    remediation="In the branch protection rule tick 'Do not allow bypassing the above settings' (enforce for "
    "administrators), and empty the bypass list of each ruleset that targets the default branch.",
)
def no_bypass(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _no_bypass)


def _code_owners(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    by = [CLASSIC] if _classic_reviews(protections).get("require_code_owner_reviews") else []
    by += _pull_request_rules_with(protections, "require_code_owner_review")
    return _judge(
        name,
        branch,
        protections,
        by,
        holds="requires a review from the code owners",
        lacks="merges without a review from the code owners",
        key="require_code_owner_reviews",
    )


@github_check(
    id="github.branch_protection.code_owner_review_required",
    title="Default branch requires review by code owners",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="A CODEOWNERS file names who is responsible for each part of the code; unless their review is "
    "required, any reviewer can approve changes to sensitive paths such as CI workflows or security code.",
    remediation="Add a CODEOWNERS file, then in the branch protection rule (or the ruleset's pull request rule) "
    "tick 'Require review from Code Owners'.",
)
def code_owner_review_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _code_owners)


def _approvals(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    counts: dict[str, int] = {}
    classic = _classic_reviews(protections)
    if classic:
        counts[CLASSIC] = int(classic.get("required_approving_review_count") or 0)
    for rule in protections.of_type("pull_request"):
        source = rule_source(rule)
        count = int((rule.get("parameters") or {}).get("required_approving_review_count") or 0)
        counts[source] = max(count, counts.get(source, 0))
    # GitHub enforces every source at once, so the strictest count is the one that applies.
    count = max(counts.values(), default=0)
    observed = {"required_approving_reviews": count, "minimum": MIN_APPROVALS}
    if count < MIN_APPROVALS:
        reason = f"{branch} of {name} requires {count} approving review(s), fewer than {MIN_APPROVALS}"
        return False, reason + via(protections.sources, protections), observed
    by = [s for s, c in counts.items() if c == count]
    return True, f"{branch} of {name} requires {count} approving reviews" + via(by, protections), observed


@github_check(
    id="github.branch_protection.multiple_approvals_required",
    title="Default branch requires at least two approving reviews",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="With a single required approval, one colluding or compromised reviewer is enough to merge "
    "anything; a second approver makes malicious or careless changes much harder to land.",
    remediation="In the branch protection rule (or the ruleset's pull request rule), set the required number "
    "of approvals before merging to 2 or more.",
)
def multiple_approvals_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _approvals)


def _conversations(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    classic = protections.classic.get("required_conversation_resolution") if protections.classic else None
    by = [CLASSIC] if classic else []
    by += _pull_request_rules_with(protections, "required_review_thread_resolution")
    return _judge(
        name,
        branch,
        protections,
        by,
        holds="requires review conversations to be resolved before merging",
        lacks="merges with review conversations left unresolved",
        key="required_conversation_resolution",
    )


@github_check(
    id="github.branch_protection.conversation_resolution_required",
    title="Default branch requires review conversations to be resolved",
    severity=Severity.LOW,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="A reviewer's open comment often marks a problem not yet fixed; merging past it turns an "
    "approval into a formality and loses the record that the concern was addressed.",
    remediation="In the branch protection rule, tick 'Require conversation resolution before merging' "
    "(in a ruleset: 'Require conversation resolution before merging' under the pull request rule).",
)
def conversation_resolution_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _conversations)


def _required(protections: Protections, classic_setting: str, rule_type: str) -> list[str]:
    """The sources requiring a setting: classic protection turning it on, or a rule of that type."""
    classic = protections.classic.get(classic_setting) if protections.classic else None
    return [*([CLASSIC] if classic else []), *(rule_source(r) for r in protections.of_type(rule_type))]


def _linear(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    return _judge(
        name,
        branch,
        protections,
        _required(protections, "required_linear_history", "required_linear_history"),
        holds="requires a linear history",
        lacks="accepts merge commits (no linear history required)",
        key="required_linear_history",
    )


@github_check(
    id="github.branch_protection.linear_history_required",
    title="Default branch requires a linear history",
    severity=Severity.LOW,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="A linear history records each change as its own commit on the main line, which makes it simple "
    "to audit what was merged, to bisect a regression and to revert exactly one change.",
    remediation="In the branch protection rule (or a ruleset), tick 'Require linear history', and allow only "
    "squash or rebase merging in the repository's settings.",
)
def linear_history_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _linear)


def _signatures(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    return _judge(
        name,
        branch,
        protections,
        _required(protections, "required_signatures", "required_signatures"),
        holds="requires signed commits",
        lacks="accepts unsigned commits",
        key="required_signatures",
    )


@github_check(
    id="github.branch_protection.signed_commits_required",
    title="Default branch requires signed commits",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="Git takes a commit's author name and email on trust; a verified signature proves who made the "
    "commit, so nobody can slip code in under a colleague's name.",
    remediation="Have contributors sign commits with a GPG, SSH or S/MIME key registered on GitHub, then tick "
    "'Require signed commits' in the branch protection rule (or a ruleset).",
)
def signed_commits_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _signatures)
