"""A fake GitHub organisation served by pytest-httpserver, shaped as GitHub's REST API documents it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer

from integrations.providers.github.client import GitHubConnector, build_connector
from integrations.registry import Check, Inventory, Outcome, OutcomeStatus, get_check
from tests.integrations.github.protection import protection_object, ruleset_object

ORG = "acme"
# Shaped like a classic personal access token; it opens nothing.
TOKEN = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
API_HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
}
DOCS = "https://docs.github.com/rest"
# A push two days ago: recent enough for an active repository whenever the tests run.
RECENT_PUSH = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")

PASS = OutcomeStatus.PASS
FAIL = OutcomeStatus.FAIL
ERROR = OutcomeStatus.ERROR


# --- GitHub's objects --------------------------------------------------------------------


def api_error(message: str, status: int) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def org_object(base: str, login: str = ORG, **overrides: Any) -> dict[str, Any]:
    """GET /orgs/{org} as an owner sees it (organization-full)."""
    return {
        "login": login,
        "id": 1001,
        "node_id": "O_kgDOAAAD6Q",
        "url": f"{base}/orgs/{login}",
        "repos_url": f"{base}/orgs/{login}/repos",
        "hooks_url": f"{base}/orgs/{login}/hooks",
        "members_url": f"{base}/orgs/{login}/members{{/member}}",
        "avatar_url": "https://avatars.githubusercontent.com/u/1001?v=4",
        "description": "Acme Corporation",
        "name": "Acme",
        "company": None,
        "blog": "https://acme.example",
        "location": "Springfield",
        "email": "security@acme.example",
        "is_verified": True,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 10,
        "following": 0,
        "html_url": f"https://github.com/{login}",
        "created_at": "2015-01-20T08:00:00Z",
        "updated_at": "2025-06-01T12:00:00Z",
        "type": "Organization",
        "total_private_repos": 2,
        "owned_private_repos": 2,
        "private_gists": 0,
        "disk_usage": 10000,
        "collaborators": 1,
        "billing_email": "billing@acme.example",
        "plan": {"name": "team", "space": 976562499, "private_repos": 999999, "filled_seats": 8, "seats": 10},
        "default_repository_permission": "read",
        "members_can_create_repositories": True,
        "two_factor_requirement_enabled": True,
        "members_allowed_repository_creation_type": "private",
        "members_can_create_public_repositories": False,
        "members_can_create_private_repositories": True,
        "members_can_create_internal_repositories": False,
        "members_can_create_pages": True,
        "members_can_fork_private_repositories": False,
        "web_commit_signoff_required": False,
        **overrides,
    }


def user_object(login: str, user_id: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def feature(enabled: bool) -> dict[str, str]:
    return {"status": "enabled" if enabled else "disabled"}


def security_and_analysis(enabled: bool = True) -> dict[str, Any]:
    return {
        "advanced_security": feature(enabled),
        "dependabot_security_updates": feature(enabled),
        "secret_scanning": feature(enabled),
        "secret_scanning_push_protection": feature(enabled),
        "secret_scanning_non_provider_patterns": feature(False),
    }


def repo_object(base: str, name: str, *, visibility: str = "private", **overrides: Any) -> dict[str, Any]:
    """One item of GET /orgs/{org}/repos (minimal-repository)."""
    full_name = f"{ORG}/{name}"
    return {
        "id": 5000 + sum(map(ord, name)),
        "node_id": f"R_{name}",
        "name": name,
        "full_name": full_name,
        "owner": {**user_object(ORG, 1001), "type": "Organization"},
        "private": visibility != "public",
        "visibility": visibility,
        "html_url": f"https://github.com/{full_name}",
        "description": f"The {name} service",
        "fork": False,
        "url": f"{base}/repos/{full_name}",
        "hooks_url": f"{base}/repos/{full_name}/hooks",
        "keys_url": f"{base}/repos/{full_name}/keys{{/key_id}}",
        "collaborators_url": f"{base}/repos/{full_name}/collaborators{{/collaborator}}",
        "branches_url": f"{base}/repos/{full_name}/branches{{/branch}}",
        "created_at": "2020-03-01T10:00:00Z",
        "updated_at": "2025-06-01T10:00:00Z",
        "pushed_at": RECENT_PUSH,
        "size": 2048,
        "language": "Python",
        "archived": False,
        "disabled": False,
        "default_branch": "main",
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        "security_and_analysis": security_and_analysis(True),
        **overrides,
    }


def key_object(key_id: int, title: str, *, read_only: bool = True) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/keys."""
    return {
        "id": key_id,
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake",
        "url": f"https://api.github.com/repos/{ORG}/x/keys/{key_id}",
        "title": title,
        "verified": True,
        "created_at": "2024-01-01T00:00:00Z",
        "read_only": read_only,
        "added_by": "alice",
        "last_used": "2025-05-01T00:00:00Z",
        "enabled": True,
    }


def hook_object(hook_id: int, url: str, *, secret: bool = True, insecure_ssl: str = "0") -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/hooks (or /orgs/{org}/hooks)."""
    config: dict[str, Any] = {"content_type": "json", "insecure_ssl": insecure_ssl, "url": url}
    if secret:
        config["secret"] = "********"
    return {
        "type": "Repository",
        "id": hook_id,
        "name": "web",
        "active": True,
        "events": ["push", "pull_request"],
        "config": config,
        "updated_at": "2025-01-01T00:00:00Z",
        "created_at": "2024-01-01T00:00:00Z",
        "url": f"https://api.github.com/hooks/{hook_id}",
        "test_url": f"https://api.github.com/hooks/{hook_id}/test",
        "ping_url": f"https://api.github.com/hooks/{hook_id}/pings",
        "deliveries_url": f"https://api.github.com/hooks/{hook_id}/deliveries",
        "last_response": {"code": 200, "status": "active", "message": "OK"},
    }


def collaborator_object(login: str, user_id: int, role: str) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/collaborators?affiliation=outside."""
    levels = ["pull", "triage", "push", "maintain", "admin"]
    granted = levels[: levels.index({"read": "pull", "write": "push"}.get(role, role)) + 1]
    return {
        **user_object(login, user_id),
        "permissions": {level: level in granted for level in levels},
        "role_name": role,
    }


# --- the fake organisation ---------------------------------------------------------------------


@dataclass
class RepoState:
    """What the fake serves for one repository; None for an endpoint means "answer this error instead"."""

    object: dict[str, Any]
    protection: dict[str, Any] | None = None
    protection_error: tuple[int, str] = (404, "Branch not protected")
    # The rules active rulesets apply to the default branch (none unless a test adds some).
    rules: list[dict[str, Any]] = field(default_factory=list)
    # ruleset id -> its bypass actors (none unless listed; None: hidden from the token)
    bypass: dict[int, list[dict[str, Any]] | None] = field(default_factory=dict)
    alerts: bool = True
    # None: the single-repository answer leaves the setting out.
    delete_branch_on_merge: bool | None = True
    # The errors GitHub finds in the CODEOWNERS file (None: the repository has no CODEOWNERS file).
    codeowners: list[dict[str, Any]] | None = field(default_factory=list)
    # What the contents API lists on the default branch, read for public repositories only: folder ("" for the
    # root) -> entry names, a trailing "/" marking a folder. Without a "" entry the repository is empty (404).
    files: dict[str, list[str]] = field(default_factory=lambda: {"": ["README.md", "src/"]})
    keys: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    collaborators: list[dict[str, Any]] = field(default_factory=list)
    # endpoint ("keys", "hooks", "rules", "rulesets", "settings" for the repository itself, ...) -> (status, message)
    # to answer instead of the data
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return str(self.object["full_name"])


@dataclass
class OrgState:
    org: dict[str, Any]
    admins: list[str]
    repos: list[RepoState]
    org_hooks: list[dict[str, Any]] = field(default_factory=list)
    # Members without the owner role.
    members: list[str] = field(default_factory=list)
    # GET /orgs/{org}/actions/permissions/workflow, or (status, message) to answer instead.
    workflow: dict[str, Any] | tuple[int, str] = field(
        default_factory=lambda: {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": False}
    )
    # GET /orgs/{org}/actions/permissions, and its selected actions (served when given).
    actions_policy: dict[str, Any] = field(
        default_factory=lambda: {"enabled_repositories": "all", "allowed_actions": "local_only"}
    )
    selected_actions: dict[str, Any] | None = None
    # The organisation's .github repository, where default community health files live (None: there is none).
    defaults_repo: RepoState | None = None


def _paged(server: HTTPServer, path: str, items: list[Any], query: dict[str, str], page_size: int) -> None:
    """Serve a list endpoint over as many pages as needed, linked by Link headers like GitHub does."""
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]
    base = server.url_for(path)
    for number, page in enumerate(pages, start=1):
        expected = {**query, "per_page": "100", **({"page": str(number)} if number > 1 else {})}
        links = []
        if number < len(pages):
            links.append(f'<{base}?{_qs(query)}&per_page=100&page={number + 1}>; rel="next"')
            links.append(f'<{base}?{_qs(query)}&per_page=100&page={len(pages)}>; rel="last"')
        if number > 1:
            links.append(f'<{base}?{_qs(query)}&per_page=100&page={number - 1}>; rel="prev"')
            links.append(f'<{base}?{_qs(query)}&per_page=100&page=1>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        server.expect_request(path, method="GET", query_string=expected, headers=API_HEADERS).respond_with_json(
            page, headers=headers
        )


def codeowners_error(line: int, kind: str, source: str, path: str = ".github/CODEOWNERS") -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/codeowners/errors."""
    return {
        "line": line,
        "column": 1,
        "kind": kind,
        "source": source,
        "suggestion": None,
        "message": f"{kind} on line {line}:\n\n  {source}\n  ^",
        "path": path,
    }


def content_object(repo: RepoState, folder: str, name: str) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/contents/{path} when the path is a folder."""
    kind = "dir" if name.endswith("/") else "file"
    name = name.rstrip("/")
    path = f"{folder}/{name}" if folder else name
    url = f"https://api.github.com/repos/{repo.full_name}/contents/{path}"
    return {
        "type": kind,
        "name": name,
        "path": path,
        "sha": hashlib.sha256(f"{repo.full_name}/{path}".encode()).hexdigest()[:40],  # a blob id is 40 hex digits
        "size": 0 if kind == "dir" else 1200,
        "url": url,
        "html_url": f"https://github.com/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/main/{path}",
        "git_url": f"https://api.github.com/repos/{repo.full_name}/git/trees/{path}",
        "download_url": None if kind == "dir" else f"https://raw.githubusercontent.com/{repo.full_name}/main/{path}",
        "_links": {"self": url},
    }


def _serve_contents(server: HTTPServer, repo: RepoState) -> None:
    prefix = f"/repos/{repo.full_name}/contents"
    if "contents" in repo.errors:
        status, message = repo.errors["contents"]
        server.expect_request(f"{prefix}/", headers=API_HEADERS).respond_with_json(
            api_error(message, status), status=status
        )
        return
    if "" not in repo.files:
        server.expect_request(f"{prefix}/", headers=API_HEADERS).respond_with_json(
            api_error("This repository is empty.", 404), status=404
        )
    for folder, names in repo.files.items():
        listing = [content_object(repo, folder, name) for name in names]
        server.expect_request(f"{prefix}/{folder}", headers=API_HEADERS).respond_with_json(listing)


def _qs(query: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())


def serve(server: HTTPServer, state: OrgState, *, page_size: int = 2) -> None:
    """Register every endpoint the connector reads for ``state`` (archived repositories get none but the list)."""
    login = state.org["login"]
    server.expect_request(f"/orgs/{login}", method="GET", headers=API_HEADERS).respond_with_json(state.org)
    server.expect_request("/user", method="GET", headers=API_HEADERS).respond_with_json(user_object("octocat", 1))
    admins = [user_object(name, 100 + i) for i, name in enumerate(state.admins)]
    _paged(server, f"/orgs/{login}/members", admins, {"role": "admin"}, page_size)
    members = [user_object(name, 200 + i) for i, name in enumerate(state.members)]
    _paged(server, f"/orgs/{login}/members", members, {"role": "member"}, page_size)
    _paged(server, f"/orgs/{login}/repos", [r.object for r in state.repos], {"type": "all"}, page_size)
    _paged(server, f"/orgs/{login}/hooks", state.org_hooks, {}, 100)
    workflow = server.expect_request(f"/orgs/{login}/actions/permissions/workflow", headers=API_HEADERS)
    if isinstance(state.workflow, tuple):
        status, message = state.workflow
        workflow.respond_with_json(api_error(message, status), status=status)
    else:
        workflow.respond_with_json(state.workflow)
    actions = f"/orgs/{login}/actions/permissions"
    policy_url = f"https://api.github.com/orgs/{login}/actions/permissions/selected-actions"
    server.expect_request(actions, headers=API_HEADERS).respond_with_json(
        {**state.actions_policy, "selected_actions_url": policy_url}
    )
    if state.selected_actions is not None:
        server.expect_request(f"{actions}/selected-actions", headers=API_HEADERS).respond_with_json(
            state.selected_actions
        )
    defaults = server.expect_request(f"/repos/{login}/.github", headers=API_HEADERS)
    if state.defaults_repo is None:
        defaults.respond_with_json(api_error("Not Found", 404), status=404)
    else:
        defaults.respond_with_json(state.defaults_repo.object)
        if not state.defaults_repo.object["private"]:
            _serve_contents(server, state.defaults_repo)
    for repo in state.repos:
        if repo.object.get("archived"):
            continue
        prefix = f"/repos/{repo.full_name}"
        branch = repo.object["default_branch"]
        protection = server.expect_request(f"{prefix}/branches/{branch}/protection", headers=API_HEADERS)
        if repo.protection is not None:
            protection.respond_with_json(repo.protection)
        else:
            status, message = repo.protection_error
            protection.respond_with_json(api_error(message, status), status=status)
        rules_path = f"{prefix}/rules/branches/{branch}"
        if "rules" in repo.errors:
            status, message = repo.errors["rules"]
            server.expect_request(rules_path, headers=API_HEADERS).respond_with_json(
                api_error(message, status), status=status
            )
        else:
            _paged(server, rules_path, repo.rules, {}, 100)
        for ruleset_id in {r["ruleset_id"] for r in repo.rules}:
            ruleset = server.expect_request(
                f"{prefix}/rulesets/{ruleset_id}", query_string={"includes_parents": "true"}, headers=API_HEADERS
            )
            if "rulesets" in repo.errors:
                status, message = repo.errors["rulesets"]
                ruleset.respond_with_json(api_error(message, status), status=status)
            else:
                ruleset.respond_with_json(ruleset_object(ruleset_id, repo.rules, repo.bypass.get(ruleset_id, [])))
        settings = server.expect_request(prefix, headers=API_HEADERS)
        if "settings" in repo.errors:
            status, message = repo.errors["settings"]
            settings.respond_with_json(api_error(message, status), status=status)
        else:
            kept = repo.delete_branch_on_merge
            merge = {} if kept is None else {"delete_branch_on_merge": kept}
            settings.respond_with_json({**repo.object, "allow_squash_merge": True, **merge})
        if repo.object["visibility"] == "public":
            _serve_contents(server, repo)
        codeowners = server.expect_request(f"{prefix}/codeowners/errors", headers=API_HEADERS)
        if "codeowners" in repo.errors:
            status, message = repo.errors["codeowners"]
            codeowners.respond_with_json(api_error(message, status), status=status)
        elif repo.codeowners is None:
            codeowners.respond_with_json(api_error("Not Found", 404), status=404)
        else:
            codeowners.respond_with_json({"errors": repo.codeowners})
        alerts = server.expect_request(f"{prefix}/vulnerability-alerts", headers=API_HEADERS)
        if "vulnerability-alerts" in repo.errors:
            status, message = repo.errors["vulnerability-alerts"]
            alerts.respond_with_json(api_error(message, status), status=status)
        elif repo.alerts:
            alerts.respond_with_data("", status=204)
        else:
            alerts.respond_with_json(api_error("Vulnerability alerts are disabled.", 404), status=404)
        for suffix, items, query in (
            ("keys", repo.keys, {}),
            ("hooks", repo.hooks, {}),
            ("collaborators", repo.collaborators, {"affiliation": "outside"}),
        ):
            if suffix in repo.errors:
                status, message = repo.errors[suffix]
                server.expect_request(f"{prefix}/{suffix}", headers=API_HEADERS).respond_with_json(
                    api_error(message, status), status=status
                )
            else:
                _paged(server, f"{prefix}/{suffix}", items, query, 100)


def compliant_org(base: str) -> OrgState:
    """An organisation that passes every check."""
    api = repo_object(base, "api")
    web = repo_object(base, "web", visibility="internal")
    legacy = repo_object(base, "legacy", archived=True, security_and_analysis=security_and_analysis(False))
    return OrgState(
        org=org_object(base),
        admins=["alice", "bob"],
        org_hooks=[hook_object(11, "https://ci.acme.example/github")],
        repos=[
            RepoState(
                api,
                protection=protection_object(base, api["full_name"]),
                keys=[key_object(21, "deploy-prod")],
                hooks=[hook_object(31, "https://chat.acme.example/hooks/T0001/B0001/token-in-path?x=1")],
                collaborators=[collaborator_object("contractor", 501, "write")],
            ),
            RepoState(
                web,
                protection=protection_object(base, web["full_name"], status_checks=["build"]),
            ),
            # Archived: the fake serves no per-repository endpoint for it, proving none is called.
            RepoState(legacy),
        ],
    )


def noncompliant_org(base: str) -> OrgState:
    """An organisation that fails every check somewhere."""
    api = repo_object(base, "api")
    site = repo_object(
        base,
        "site",
        visibility="public",
        security_and_analysis=security_and_analysis(False),
        pushed_at="2024-01-15T09:30:00Z",
    )
    docs = repo_object(base, "docs", visibility="public", archived=True)
    return OrgState(
        org=org_object(
            base,
            two_factor_requirement_enabled=False,
            default_repository_permission="write",
            members_can_create_public_repositories=True,
        ),
        admins=["alice", "bob", "carol", "dave", "erin", "frank"],
        workflow={"default_workflow_permissions": "write", "can_approve_pull_request_reviews": True},
        actions_policy={"enabled_repositories": "all", "allowed_actions": "all"},
        members=["Grace", "heidi", "ivan"],
        org_hooks=[hook_object(12, "http://ci.acme.example/github", secret=False)],
        repos=[
            RepoState(
                api,
                protection=protection_object(
                    base,
                    api["full_name"],
                    dismiss_stale=False,
                    force_pushes=True,
                    deletions=True,
                    status_checks=(),
                    code_owners=False,
                    conversation_resolution=False,
                    linear_history=False,
                    signatures=False,
                    enforce_admins=False,
                ),
                delete_branch_on_merge=False,
                codeowners=None,
                keys=[key_object(22, "ci-push", read_only=False), key_object(23, "mirror")],
                hooks=[hook_object(32, "https://deploy.acme.example/hook", insecure_ssl="1")],
                collaborators=[
                    collaborator_object("contractor", 501, "admin"),
                    collaborator_object("auditor", 502, "read"),
                ],
            ),
            RepoState(
                site,
                alerts=False,
                codeowners=[codeowners_error(2, "Unknown owner", "/deploy/ @acme/ops")],
                collaborators=[collaborator_object("agency", 503, "admin")],
            ),
            RepoState(docs),
        ],
    )


# --- running -------------------------------------------------------------------------------------


def connector(server: HTTPServer, **config: Any) -> GitHubConnector:
    built = build_connector(
        config={"organization": ORG, "api_url": server.url_for("").rstrip("/"), **config},
        credentials={"token": TOKEN},
    )
    # No real pauses in tests: record them instead.
    built.backoff = 0.0
    built.sleeps = []  # type: ignore[attr-defined]
    built.sleep = built.sleeps.append  # type: ignore[attr-defined]
    return built


def get(check_id: str) -> Check:
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def collect(server: HTTPServer, check_ids: Iterable[str], **config: Any) -> Inventory:
    services = {s for cid in check_ids for s in get(cid).services}
    return connector(server, **config).collect(services)


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}


def reset_in(seconds: float) -> str:
    return str(int(time.time() + seconds))


def server_base(server: HTTPServer) -> str:
    """The fake's base URL, as the organisation's objects carry it."""
    return server.url_for("").rstrip("/")


def repo_state(state: OrgState, full_name: str) -> RepoState:
    return next(r for r in state.repos if r.full_name == full_name)


def outcome_of(server: HTTPServer, check_id: str, resource_id: str) -> Outcome:
    """Collect what ``check_id`` needs from the fake (nothing may fail) and run it: its outcome for ``resource_id``."""
    inventory = collect(server, [check_id])
    assert inventory.errors == {}
    return next(o for o in get(check_id).run(inventory) if o.resource_id == resource_id)
