"""What protects each repository's default branch: classic protection, active ruleset rules and who may bypass them.

Read for the checks in ``checks.branches`` and ``checks.branch_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..shapes import BranchProtection, BypassActor, ClassicProtection, Repository, Rule
from ..transport import GitHubApi, GitHubError, GitHubHttpError, error_message, path_segment
from ._common import repo_path


def _protection(data: Mapping[str, Any]) -> ClassicProtection:
    reviews = data.get("required_pull_request_reviews")
    checks = data.get("required_status_checks")

    def enabled(name: str) -> bool | None:
        value = data.get(name)
        return bool(value.get("enabled")) if isinstance(value, Mapping) else None

    return {
        "required_pull_request_reviews": None
        if not isinstance(reviews, Mapping)
        else {
            "required_approving_review_count": reviews.get("required_approving_review_count", 0),
            "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
            "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
            "require_last_push_approval": bool(reviews.get("require_last_push_approval")),
        },
        "required_status_checks": None
        if not isinstance(checks, Mapping)
        else {
            "strict": bool(checks.get("strict")),
            "contexts": list(checks.get("contexts") or []),
            "checks": [c.get("context") for c in checks.get("checks") or [] if isinstance(c, Mapping)],
        },
        "allow_force_pushes": enabled("allow_force_pushes"),
        "allow_deletions": enabled("allow_deletions"),
        "enforce_admins": enabled("enforce_admins"),
        "required_linear_history": enabled("required_linear_history"),
        "required_conversation_resolution": enabled("required_conversation_resolution"),
        "required_signatures": enabled("required_signatures"),
    }


def _rule(rule: Mapping[str, Any]) -> Rule:
    """One active ruleset rule, its parameters kept only for the types the checks read."""
    kind = str(rule.get("type") or "")
    params = rule.get("parameters")
    params = params if isinstance(params, Mapping) else {}
    if kind == "pull_request":
        parameters: dict[str, Any] = {
            "required_approving_review_count": int(params.get("required_approving_review_count") or 0),
            "dismiss_stale_reviews_on_push": bool(params.get("dismiss_stale_reviews_on_push")),
            "require_code_owner_review": bool(params.get("require_code_owner_review")),
            "required_review_thread_resolution": bool(params.get("required_review_thread_resolution")),
        }
    elif kind == "required_status_checks":
        parameters = {
            "required_status_checks": [
                str(c.get("context"))
                for c in params.get("required_status_checks") or []
                if isinstance(c, Mapping) and c.get("context")
            ],
            "strict_required_status_checks_policy": bool(params.get("strict_required_status_checks_policy")),
        }
    else:
        parameters = {}
    return {
        "type": kind,
        "parameters": parameters,
        "ruleset_id": rule.get("ruleset_id"),
        "ruleset_source_type": rule.get("ruleset_source_type"),
        "ruleset_source": rule.get("ruleset_source"),
    }


def _rules(api: GitHubApi, repo: Repository) -> list[Rule]:
    # GitHub resolves every active repository and organisation ruleset for the branch here.
    path = f"{repo_path(repo)}/rules/branches/{path_segment(str(repo['default_branch']))}"
    try:
        return [_rule(r) for r in api._all(path) if isinstance(r, Mapping)]
    except GitHubHttpError as exc:
        # The branch endpoint just answered for this repository, so a 404 here means a
        # server without rulesets (GitHub Enterprise Server before 3.9): no rules apply.
        if exc.status == 404:
            return []
        raise


def _bypass_actors(api: GitHubApi, repo: Repository, rules: list[Rule]) -> dict[str, list[BypassActor] | None]:
    """Who may bypass each ruleset behind ``rules``: one read per ruleset, None where the list is hidden."""
    found: dict[str, list[BypassActor] | None] = {}
    for ruleset_id in dict.fromkeys(r["ruleset_id"] for r in rules if r.get("ruleset_id") is not None):
        path = f"{repo_path(repo)}/rulesets/{path_segment(str(ruleset_id))}"
        # includes_parents: the ruleset may be the organisation's rather than the repository's own.
        response = api._get(api._url(path, {"includes_parents": "true"}))
        if response.status in (403, 404):
            # Only the bypass check needs this; it reports the list as unreadable instead of failing the service.
            found[str(ruleset_id)] = None
            continue
        data = api._decode(response, path)
        # GitHub leaves bypass_actors out unless the token may edit the ruleset.
        actors = data.get("bypass_actors") if isinstance(data, Mapping) else None
        found[str(ruleset_id)] = (
            None
            if not isinstance(actors, list)
            else [
                {"actor_type": a.get("actor_type"), "actor_id": a.get("actor_id"), "bypass_mode": a.get("bypass_mode")}
                for a in actors
                if isinstance(a, Mapping)
            ]
        )
    return found


def _existing_branch(
    api: GitHubApi, repo: Repository, branch: str, protection: ClassicProtection | None
) -> BranchProtection:
    """A branch that exists: its classic protection (None when it has none), the rules on it and their bypass lists."""
    rules = _rules(api, repo)
    state: Literal["protected", "unprotected"] = "unprotected" if protection is None else "protected"
    return {
        "branch": branch,
        "state": state,
        "protection": protection,
        "rules": rules,
        "bypass_actors": _bypass_actors(api, repo, rules),
    }


def collect_branch_protection(api: GitHubApi, repo: Repository) -> BranchProtection:
    """The default branch's classic protection and the ruleset rules that apply to it."""
    branch = repo.get("default_branch")
    if not branch:
        return {"branch": None, "state": "missing", "protection": None, "rules": [], "bypass_actors": {}}
    path = f"{repo_path(repo)}/branches/{path_segment(str(branch))}/protection"
    response = api._get(api._url(path))
    if response.status == 404:
        # GitHub tells an unprotected branch (a finding) apart from a repository or
        # endpoint the token may not see (an error) only by the message.
        message = error_message(response.body).lower()
        if "not protected" in message:
            # Classic protection is absent, but rulesets may still protect the branch.
            return _existing_branch(api, repo, str(branch), None)
        if "branch not found" in message:
            # Nothing to protect yet, so the rules that would apply do not matter.
            return {"branch": branch, "state": "missing", "protection": None, "rules": [], "bypass_actors": {}}
    data = api._decode(response, path)
    if not isinstance(data, Mapping):
        raise GitHubError("GitHub's answer for branch protection is not an object")
    return _existing_branch(api, repo, str(branch), _protection(data))
