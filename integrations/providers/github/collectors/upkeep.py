"""Each repository's own settings the organisation's repository list leaves out (checked by ``checks.upkeep``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..shapes import RepoSettings, Repository
from ..transport import GitHubApi, GitHubError
from ._common import repo_path


def collect_repo_settings(api: GitHubApi, repo: Repository) -> RepoSettings:
    # The repository list omits the merge settings; only the single-repository answer has them.
    data = api._json(repo_path(repo))
    if not isinstance(data, Mapping):
        raise GitHubError("GitHub's answer for a repository is not an object")
    value = data.get("delete_branch_on_merge")
    return {"delete_branch_on_merge": value if isinstance(value, bool) else None}
