"""Classic branch protection, ruleset rules and rulesets, as GitHub's REST API answers them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The checks of a default branch's basic protection, and those of its stricter rules; either is met by classic
# protection, by a ruleset, or by both.
BRANCH_CHECKS = (
    "github.branch_protection.default_branch_protected",
    "github.branch_protection.reviews_required",
    "github.branch_protection.force_push_blocked",
    "github.branch_protection.deletion_blocked",
    "github.branch_protection.status_checks_required",
)
RULE_CHECKS = (
    "github.branch_protection.code_owner_review_required",
    "github.branch_protection.multiple_approvals_required",
    "github.branch_protection.conversation_resolution_required",
    "github.branch_protection.linear_history_required",
    "github.branch_protection.signed_commits_required",
)


def protection_object(
    base: str,
    full_name: str,
    branch: str = "main",
    *,
    reviews: int | None = 2,
    dismiss_stale: bool = True,
    force_pushes: bool = False,
    deletions: bool = False,
    status_checks: Iterable[str] = ("ci/build", "ci/test"),
    code_owners: bool = True,
    conversation_resolution: bool = True,
    linear_history: bool = True,
    signatures: bool = True,
    enforce_admins: bool = True,
) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/branches/{branch}/protection."""
    url = f"{base}/repos/{full_name}/branches/{branch}/protection"
    contexts = list(status_checks)
    return {
        "url": url,
        "required_status_checks": None
        if not contexts
        else {
            "url": f"{url}/required_status_checks",
            "strict": True,
            "contexts": contexts,
            "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [{"context": c, "app_id": 15368} for c in contexts],
        },
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": enforce_admins},
        "required_pull_request_reviews": None
        if reviews is None
        else {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": dismiss_stale,
            "require_code_owner_reviews": code_owners,
            "required_approving_review_count": reviews,
            "require_last_push_approval": False,
        },
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": signatures},
        "required_linear_history": {"enabled": linear_history},
        "allow_force_pushes": {"enabled": force_pushes},
        "allow_deletions": {"enabled": deletions},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": conversation_resolution},
        "lock_branch": {"enabled": False},
        "allow_fork_syncing": {"enabled": False},
    }


def rule_object(rule_type: str, ruleset_id: int = 42, *, source: str = "acme/api", **parameters: Any) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/rules/branches/{branch} (a rule from an active ruleset)."""
    rule: dict[str, Any] = {
        "type": rule_type,
        "ruleset_source_type": "Organization" if "/" not in source else "Repository",
        "ruleset_source": source,
        "ruleset_id": ruleset_id,
    }
    if parameters:
        rule["parameters"] = parameters
    return rule


def pull_request_rule(
    ruleset_id: int = 42,
    *,
    approvals: int = 1,
    dismiss_stale: bool = True,
    code_owners: bool = False,
    thread_resolution: bool = False,
) -> dict[str, Any]:
    return rule_object(
        "pull_request",
        ruleset_id,
        dismiss_stale_reviews_on_push=dismiss_stale,
        require_code_owner_review=code_owners,
        require_last_push_approval=False,
        required_approving_review_count=approvals,
        required_review_thread_resolution=thread_resolution,
    )


def status_checks_rule(ruleset_id: int = 42, *contexts: str, strict: bool = True) -> dict[str, Any]:
    return rule_object(
        "required_status_checks",
        ruleset_id,
        required_status_checks=[{"context": c, "integration_id": 15368} for c in contexts],
        strict_required_status_checks_policy=strict,
    )


def ruleset_rules(ruleset_id: int = 42) -> list[dict[str, Any]]:
    """The rules of a ruleset that satisfies every branch protection check on its own."""
    return [
        rule_object("deletion", ruleset_id),
        rule_object("non_fast_forward", ruleset_id),
        rule_object("required_linear_history", ruleset_id),
        rule_object("required_signatures", ruleset_id),
        pull_request_rule(ruleset_id, approvals=2, code_owners=True, thread_resolution=True),
        status_checks_rule(ruleset_id, "ci/build"),
    ]


def ruleset_object(ruleset_id: int, rules: list[dict[str, Any]], bypass: list[dict[str, Any]] | None) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/rulesets/{id}; without bypass_actors when the token may not edit the ruleset."""
    mine = [r for r in rules if r["ruleset_id"] == ruleset_id]
    ruleset: dict[str, Any] = {
        "id": ruleset_id,
        "name": f"ruleset {ruleset_id}",
        "target": "branch",
        "source_type": mine[0]["ruleset_source_type"],
        "source": mine[0]["ruleset_source"],
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [{k: v for k, v in r.items() if k in ("type", "parameters")} for r in mine],
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    if bypass is not None:
        ruleset["bypass_actors"] = bypass
    return ruleset
