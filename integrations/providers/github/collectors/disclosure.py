"""Where each public repository tells outsiders how to report a vulnerability (checked by ``checks.disclosure``).

GitHub shows a repository's security policy from a SECURITY.md in its root, ``.github`` or ``docs`` folder, and
falls back on the organisation's default: a SECURITY.md in the same places of the organisation's public ``.github``
repository. The root listing says which of the two folders exist, so a repository costs one read when its policy
is in the root and at most three otherwise; private and internal repositories cost none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import DefaultSecurityPolicy, Repository, SecurityPolicy
from ..transport import GitHubApi, GitHubError, path_segment
from ._common import Scope, json_unless_missing, repo_path

POLICY_FILE = "security.md"
# The folders GitHub looks in besides the root, exactly as named.
POLICY_FOLDERS = (".github", "docs")
# The organisation-wide defaults live in this repository.
DEFAULTS_REPOSITORY = ".github"


def _listing(api: GitHubApi, path: str) -> list[Mapping[str, Any]] | None:
    """A folder's entries on the default branch; None when GitHub has no such folder (or the repository is empty)."""
    entries = json_unless_missing(api, path)
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise GitHubError(f"GitHub's answer for {path} is not a folder listing")
    return [e for e in entries if isinstance(e, Mapping)]


def _policy_file(entries: list[Mapping[str, Any]]) -> str | None:
    for entry in entries:
        # GitHub matches the file name whatever its case (Security.md is shown as the policy too).
        if str(entry.get("name", "")).lower() == POLICY_FILE and entry.get("type") in ("file", "symlink"):
            return str(entry["name"])
    return None


def _policy_in(api: GitHubApi, contents: str) -> str | None:
    """The path of the first SECURITY.md GitHub would show from the repository whose contents URL is ``contents``."""
    root = _listing(api, f"{contents}/")
    if root is None:
        return None
    found = _policy_file(root)
    if found:
        return found
    folders = {str(e.get("name")) for e in root if e.get("type") == "dir"}
    for folder in POLICY_FOLDERS:
        if folder not in folders:
            continue
        found = _policy_file(_listing(api, f"{contents}/{path_segment(folder)}") or [])
        if found:
            return f"{folder}/{found}"
    return None


def collect_repo_security_policy(api: GitHubApi, repo: Repository) -> SecurityPolicy:
    if repo.get("visibility") != "public" and repo.get("private") is not False:
        return {"public": False, "path": None}
    return {"public": True, "path": _policy_in(api, f"{repo_path(repo)}/contents")}


def collect_default_security_policy(api: GitHubApi, scope: Scope) -> DefaultSecurityPolicy:
    base = f"/repos/{path_segment(scope.organization)}/{path_segment(DEFAULTS_REPOSITORY)}"
    repository = json_unless_missing(api, base)
    if repository is None:
        return {"repository": "missing", "path": None}
    if not isinstance(repository, Mapping):
        raise GitHubError(f"GitHub's answer for {base} is not a repository")
    if repository.get("private") is not False:
        # GitHub takes default community health files only from a public .github repository.
        return {"repository": "private", "path": None}
    return {"repository": "public", "path": _policy_in(api, f"{base}/contents")}
