"""Repository upkeep: abandoned repositories archived, merged branches cleaned up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import RepoSettings, Repository
from ._common import (
    REPOSITORY,
    error,
    github_check,
    judge_repositories,
    missing_repositories,
    repos_data,
    repositories,
    result,
)

# Without a push for this long a repository counts as abandoned.
INACTIVE_DAYS = 180


def _last_push(repo: Repository) -> datetime | None:
    try:
        pushed = datetime.fromisoformat(str(repo.get("pushed_at") or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return pushed if pushed.tzinfo else pushed.replace(tzinfo=UTC)


@github_check(
    id="github.repos.inactive_archived",
    title=f"Repositories without a push for {INACTIVE_DAYS} days are archived",
    severity=Severity.LOW,
    service="repos",
    resource_type=REPOSITORY,
    rationale="An abandoned repository keeps its collaborators, keys, webhooks and vulnerable dependencies "
    "while nobody watches it; archiving makes it read-only and shows that it is no longer maintained.",
    remediation="Archive repositories that are no longer worked on (Settings → Danger zone → Archive this "
    "repository), or delete them if nothing in them needs keeping.",
)
def inactive_archived(inventory: Inventory) -> Iterable[Outcome]:
    if not repos_data(inventory):
        return []
    outcomes = list(missing_repositories(inventory))
    now = datetime.now(UTC)
    for repo in repositories(inventory, include_archived=True):
        full_name = str(repo.get("full_name"))
        pushed_at = repo.get("pushed_at")
        if repo.get("archived"):
            reason = f"{full_name} is archived"
            outcomes.append(result(True, full_name, REPOSITORY, reason, archived=True, pushed_at=pushed_at))
            continue
        pushed = _last_push(repo)
        if pushed is None:
            reason = f"GitHub did not say when {full_name} was last pushed to, so its activity is unknown"
            outcomes.append(error(full_name, REPOSITORY, reason, archived=False, pushed_at=pushed_at))
            continue
        idle = (now - pushed).days
        observed: dict[str, Any] = {"archived": False, "pushed_at": pushed_at, "days_since_push": idle}
        if idle >= INACTIVE_DAYS:
            reason = f"{full_name} was last pushed to {idle} days ago but is not archived"
        else:
            reason = f"{full_name} is active (last pushed to {idle} days ago)"
        outcomes.append(result(idle < INACTIVE_DAYS, full_name, REPOSITORY, reason, **observed))
    return outcomes


@github_check(
    id="github.repos.merged_branches_deleted",
    title="Head branches are deleted automatically after merge",
    severity=Severity.LOW,
    service="repo_settings",
    resource_type=REPOSITORY,
    requires=("repos", "repo_settings"),
    rationale="Merged branches left behind pile up, hide the branches that matter and keep stale code that can "
    "be revived or pushed to without review; deleting them on merge keeps the branch list meaningful.",
    remediation="In the repository's Settings → General → Pull Requests, tick 'Automatically delete head branches'.",
)
def merged_branches_deleted(inventory: Inventory) -> Iterable[Outcome]:
    return judge_repositories(inventory, "repo_settings", "repository settings", _judge_branch_deletion)


def _judge_branch_deletion(full_name: str, settings: RepoSettings) -> Outcome:
    deletes = settings.get("delete_branch_on_merge")
    if deletes is None:
        reason = (
            f"GitHub did not say whether {full_name} deletes head branches after merge; "
            "the token may lack admin access to it"
        )
        return error(full_name, REPOSITORY, reason, delete_branch_on_merge=None)
    if deletes:
        reason = f"{full_name} deletes head branches automatically after merge"
    else:
        reason = f"{full_name} keeps head branches after merge"
    return result(deletes, full_name, REPOSITORY, reason, delete_branch_on_merge=deletes)
