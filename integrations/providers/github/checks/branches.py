"""Default-branch protection checks: protected, reviews, force pushes, deletions, status checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import BranchProtection, ClassicProtection
from ..shapes import Rule as RulesetRule
from ._common import (
    REPOSITORY,
    error,
    github_check,
    judge_repositories,
    result,
)

SERVICES = ("repos", "branch_protection")
CLASSIC = "branch_protection"


@dataclass(frozen=True)
class Protections:
    """Everything that protects one default branch: classic branch protection and active ruleset rules.

    GitHub enforces both together, so a setting is satisfied when either source requires it.
    """

    classic: ClassicProtection | None
    rules: tuple[RulesetRule, ...]
    # str(ruleset id) -> who may bypass it (None: hidden from the token); only the bypass check reads it.
    bypass_actors: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        found = [CLASSIC] if self.classic is not None else []
        return list(dict.fromkeys([*found, *(rule_source(r) for r in self.rules)]))

    def of_type(self, kind: str) -> list[RulesetRule]:
        return [r for r in self.rules if r.get("type") == kind]


# A rule: (repository, branch, what protects it) -> (compliant, reason, observed values); None when it cannot tell.
Rule = Callable[[str, str, Protections], tuple[bool | None, str, dict[str, Any]]]


def rule_source(rule: RulesetRule) -> str:
    ruleset = rule.get("ruleset_id")
    return "ruleset" if ruleset is None else f"ruleset:{ruleset}"


def _label(source: str) -> str:
    return "branch protection" if source == CLASSIC else source.replace(":", " ", 1)


def via(sources: Iterable[str], protections: Protections) -> str:
    """Which sources a reason rests on; left out when only classic protection applies, as before rulesets."""
    if all(s == CLASSIC for s in protections.sources):
        return ""
    return f" ({', '.join(_label(s) for s in sources)})"


def evaluate(inventory: Inventory, rule: Rule) -> Iterable[Outcome]:
    def judge(full_name: str, entry: BranchProtection) -> Outcome:
        branch = entry.get("branch")
        state = entry.get("state")
        if state == "missing":
            reason = f"{full_name} has no default branch to protect yet ({branch or 'none set'} does not exist)"
            return result(False, full_name, REPOSITORY, reason, branch=branch, protected=False)
        # {}: protected, with no setting recorded (every setting then reads as None).
        classic = (entry.get("protection") or cast(ClassicProtection, {})) if state == "protected" else None
        rules = tuple(r for r in entry.get("rules") or [] if isinstance(r, Mapping))
        bypass = entry.get("bypass_actors")
        protections = Protections(
            classic=classic, rules=rules, bypass_actors=bypass if isinstance(bypass, Mapping) else {}
        )
        if not protections.sources:
            reason = f"The default branch {branch} of {full_name} is not protected"
            return result(False, full_name, REPOSITORY, reason, branch=branch, protected=False)
        ok, reason, observed = rule(full_name, str(branch), protections)
        if ok is None:
            return error(full_name, REPOSITORY, reason, branch=branch, sources=protections.sources, **observed)
        return result(
            ok, full_name, REPOSITORY, reason, branch=branch, protected=True, sources=protections.sources, **observed
        )

    return judge_repositories(inventory, "branch_protection", "branch protection", judge)


@github_check(
    id="github.branch_protection.default_branch_protected",
    title="Default branch is protected",
    severity=Severity.HIGH,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="The default branch is what gets built and deployed; without protection anyone with write "
    "access can change it directly, with no review, no tests and no trace of intent.",
    remediation="In the repository's Settings → Branches, add a branch protection rule for the default branch, "
    "or target it with an active repository or organisation ruleset.",
)
def default_branch_protected(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _protected)


def _protected(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    sources = protections.sources
    return True, f"The default branch {branch} of {name} is protected{via(sources, protections)}", {}


def _reviews(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    # (source, approvals, dismisses stale approvals) for each source that requires pull requests
    required: list[tuple[str, int, bool]] = []
    classic = protections.classic.get("required_pull_request_reviews") if protections.classic else None
    if classic:
        count = int(classic.get("required_approving_review_count") or 0)
        required.append((CLASSIC, count, bool(classic.get("dismiss_stale_reviews"))))
    for rule in protections.of_type("pull_request"):
        params = rule.get("parameters") or {}
        count = int(params.get("required_approving_review_count") or 0)
        required.append((rule_source(rule), count, bool(params.get("dismiss_stale_reviews_on_push"))))
    checked = via(protections.sources, protections)
    if not required:
        reason = f"{branch} of {name} does not require pull request reviews{checked}"
        return False, reason, {"required_approving_reviews": 0}
    # GitHub enforces every source at once: the strictest count and any dismissal apply.
    count = max(c for _, c, _ in required)
    stale = any(s for _, _, s in required)
    observed = {"required_approving_reviews": count, "dismiss_stale_reviews": stale}
    if count < 1:
        return False, f"{branch} of {name} requires pull requests but no approving review{checked}", observed
    if not stale:
        return False, f"{branch} of {name} keeps approvals after new commits are pushed{checked}", observed
    by = list(dict.fromkeys(s for s, c, d in required if c == count or d))
    reason = f"{branch} of {name} requires {count} approving review(s) and dismisses stale approvals"
    return True, reason + via(by, protections), observed


@github_check(
    id="github.branch_protection.reviews_required",
    title="Default branch requires an approving review that new commits dismiss",
    severity=Severity.HIGH,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="A second person reading every change is the main defence against mistakes and malicious "
    "code; an approval that survives later pushes approves code nobody has read.",
    remediation="In the branch protection rule, require a pull request before merging with at least one "
    "approval, and tick 'Dismiss stale pull request approvals when new commits are pushed'.",
)
def reviews_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _reviews)


def _blocked_by(protections: Protections, classic_allows: str, rule_type: str) -> list[str]:
    """The sources that block an action: classic protection not allowing it, or a rule of that type."""
    blockers = []
    if protections.classic is not None and not protections.classic.get(classic_allows):
        blockers.append(CLASSIC)
    return list(dict.fromkeys([*blockers, *(rule_source(r) for r in protections.of_type(rule_type))]))


def _force_pushes(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    blockers = _blocked_by(protections, "allow_force_pushes", "non_fast_forward")
    if not blockers:
        reason = f"{branch} of {name} allows force pushes{via(protections.sources, protections)}"
        return False, reason, {"allow_force_pushes": True}
    return True, f"{branch} of {name} blocks force pushes{via(blockers, protections)}", {"allow_force_pushes": False}


@github_check(
    id="github.branch_protection.force_push_blocked",
    title="Default branch blocks force pushes",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="A force push rewrites history: reviewed commits can silently disappear or be replaced, "
    "destroying the record of what was changed and approved.",
    remediation="In the branch protection rule, leave 'Allow force pushes' unticked.",
)
def force_push_blocked(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _force_pushes)


def _deletions(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    blockers = _blocked_by(protections, "allow_deletions", "deletion")
    if not blockers:
        reason = f"{branch} of {name} can be deleted{via(protections.sources, protections)}"
        return False, reason, {"allow_deletions": True}
    return True, f"{branch} of {name} cannot be deleted{via(blockers, protections)}", {"allow_deletions": False}


@github_check(
    id="github.branch_protection.deletion_blocked",
    title="Default branch cannot be deleted",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="Deleting the default branch by mistake or malice breaks builds and deployments and loses "
    "the reference to the released code.",
    remediation="In the branch protection rule, leave 'Allow deletions' unticked.",
)
def deletion_blocked(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _deletions)


def _status_checks(name: str, branch: str, protections: Protections) -> tuple[bool, str, dict[str, Any]]:
    names: set[str] = set()
    by: list[str] = []
    classic: Mapping[str, Any] = (
        protections.classic.get("required_status_checks") if protections.classic else None
    ) or {}
    if classic.get("contexts") or classic.get("checks"):
        names.update([*classic.get("contexts", []), *classic.get("checks", [])])
        by.append(CLASSIC)
    strict = bool(classic.get("strict"))
    for rule in protections.of_type("required_status_checks"):
        params = rule.get("parameters") or {}
        contexts = params.get("required_status_checks") or []
        if contexts:
            names.update(contexts)
            by.append(rule_source(rule))
        strict = strict or bool(params.get("strict_required_status_checks_policy"))
    observed = {"required_status_checks": sorted(names), "strict": strict}
    if not names:
        reason = f"{branch} of {name} merges without any required status check{via(protections.sources, protections)}"
        return False, reason, observed
    reason = f"{branch} of {name} requires status checks: {', '.join(sorted(names))}"
    return True, reason + via(dict.fromkeys(by), protections), observed


@github_check(
    id="github.branch_protection.status_checks_required",
    title="Default branch requires passing status checks",
    severity=Severity.MEDIUM,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="Required checks make tests, builds and scanners a gate rather than a suggestion: a change "
    "that breaks them cannot be merged.",
    remediation="In the branch protection rule, tick 'Require status checks to pass before merging' and "
    "select the CI jobs that must succeed.",
)
def status_checks_required(inventory: Inventory) -> Iterable[Outcome]:
    return evaluate(inventory, _status_checks)
