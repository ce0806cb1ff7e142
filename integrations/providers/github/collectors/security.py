"""Whether each repository has Dependabot alerts on (checked by ``checks.security``).

The other security features (secret scanning, push protection, Dependabot updates) come
with the repository list, in each repository's ``security_and_analysis``.
"""

from __future__ import annotations

from ..shapes import RepoSecurity, Repository
from ..transport import GitHubApi, GitHubError, GitHubHttpError, error_message
from ._common import repo_path


def collect_repo_security(api: GitHubApi, repo: Repository) -> RepoSecurity:
    path = f"{repo_path(repo)}/vulnerability-alerts"
    response = api._get(api._url(path))
    # Documented answers: 204 when Dependabot alerts are on, 404 when they are off.
    if response.status == 204:
        return {"vulnerability_alerts": True}
    if response.status == 404:
        return {"vulnerability_alerts": False}
    if not response.ok:
        raise GitHubHttpError(response.status, error_message(response.body), path)
    raise GitHubError(f"GitHub answered {response.status} for {path}, where 204 or 404 was expected")
