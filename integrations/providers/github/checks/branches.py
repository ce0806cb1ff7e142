"""Default-branch protection checks: protected, reviews, force pushes, deletions, status checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import REPOSITORY, github_check, missing_repositories, not_collected, per_repository, repositories, result

SERVICES = ("repos", "branch_protection")

# A rule: the protection settings -> (compliant, reason, observed values).
Rule = Callable[[str, str, Mapping[str, Any]], tuple[bool, str, dict[str, Any]]]


def _evaluate(inventory: Inventory, rule: Rule) -> Iterable[Outcome]:
    collected = per_repository(inventory, "branch_protection")
    outcomes = list(missing_repositories(inventory))
    for repo in repositories(inventory):
        full_name = str(repo.get("full_name"))
        entry = collected.get(full_name)
        if entry is None:
            outcomes.append(not_collected(full_name, REPOSITORY, "branch protection"))
            continue
        branch = entry.get("branch")
        state = entry.get("state")
        if state == "protected":
            ok, reason, observed = rule(full_name, str(branch), entry.get("protection") or {})
            outcomes.append(result(ok, full_name, REPOSITORY, reason, branch=branch, protected=True, **observed))
        elif state == "missing":
            reason = f"{full_name} has no default branch to protect yet ({branch or 'none set'} does not exist)"
            outcomes.append(result(False, full_name, REPOSITORY, reason, branch=branch, protected=False))
        else:
            reason = f"The default branch {branch} of {full_name} is not protected"
            outcomes.append(result(False, full_name, REPOSITORY, reason, branch=branch, protected=False))
    return outcomes


@github_check(
    id="github.branch_protection.default_branch_protected",
    title="Default branch is protected",
    severity=Severity.HIGH,
    service="branch_protection",
    resource_type=REPOSITORY,
    requires=SERVICES,
    rationale="The default branch is what gets built and deployed; without protection anyone with write "
    "access can change it directly, with no review, no tests and no trace of intent.",
    remediation="In the repository's Settings → Branches, add a branch protection rule for the default branch.",
)
def default_branch_protected(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(inventory, _protected)


def _protected(name: str, branch: str, _: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    return True, f"The default branch {branch} of {name} is protected", {}


def _reviews(name: str, branch: str, protection: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    reviews = protection.get("required_pull_request_reviews")
    if not reviews:
        return False, f"{branch} of {name} does not require pull request reviews", {"required_approving_reviews": 0}
    count = int(reviews.get("required_approving_review_count") or 0)
    stale = bool(reviews.get("dismiss_stale_reviews"))
    observed = {"required_approving_reviews": count, "dismiss_stale_reviews": stale}
    if count < 1:
        return False, f"{branch} of {name} requires pull requests but no approving review", observed
    if not stale:
        return False, f"{branch} of {name} keeps approvals after new commits are pushed", observed
    reason = f"{branch} of {name} requires {count} approving review(s) and dismisses stale approvals"
    return True, reason, observed


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
    return _evaluate(inventory, _reviews)


def _force_pushes(name: str, branch: str, protection: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    allowed = protection.get("allow_force_pushes")
    verb = "allows" if allowed else "blocks"
    return not allowed, f"{branch} of {name} {verb} force pushes", {"allow_force_pushes": bool(allowed)}


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
    return _evaluate(inventory, _force_pushes)


def _deletions(name: str, branch: str, protection: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    allowed = protection.get("allow_deletions")
    verb = "can" if allowed else "cannot"
    return not allowed, f"{branch} of {name} {verb} be deleted", {"allow_deletions": bool(allowed)}


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
    return _evaluate(inventory, _deletions)


def _status_checks(name: str, branch: str, protection: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    required = protection.get("required_status_checks") or {}
    names = sorted({*required.get("contexts", []), *required.get("checks", [])})
    observed = {"required_status_checks": names, "strict": bool(required.get("strict"))}
    if not names:
        return False, f"{branch} of {name} merges without any required status check", observed
    return True, f"{branch} of {name} requires status checks: {', '.join(names)}", observed


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
    return _evaluate(inventory, _status_checks)
