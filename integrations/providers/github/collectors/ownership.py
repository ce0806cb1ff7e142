"""Whether each repository has a CODEOWNERS file GitHub can use (checked by ``checks.ownership``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..shapes import CodeOwners, CodeOwnersError, Repository
from ..transport import GitHubApi, GitHubError
from ._common import json_unless_missing, repo_path

# Enough to tell what is wrong; a file with more errors says how many there were.
KEPT_ERRORS = 20


def collect_codeowners(api: GitHubApi, repo: Repository) -> CodeOwners:
    # One read answers both questions: GitHub lists the file's errors on the default branch, and answers 404 when
    # no CODEOWNERS is in the root, docs or .github folder.
    path = f"{repo_path(repo)}/codeowners/errors"
    data = json_unless_missing(api, path)
    if data is None:
        return {"present": False, "errors": [], "error_count": 0}
    listed = data.get("errors") if isinstance(data, Mapping) else None
    if not isinstance(listed, list):
        raise GitHubError(f"GitHub's answer for {path} has no error list")
    errors: list[CodeOwnersError] = [
        {"line": e.get("line"), "kind": e.get("kind"), "path": e.get("path")}
        for e in listed[:KEPT_ERRORS]
        if isinstance(e, Mapping)
    ]
    return {"present": True, "errors": errors, "error_count": len(listed)}
