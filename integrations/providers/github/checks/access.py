"""Who and what can reach the code: public repositories, outside admins, deploy keys, webhooks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Collaborator, DeployKey, Repos, Repository, Webhook
from ._common import (
    DEPLOY_KEY,
    REPOSITORY,
    WEBHOOK,
    github_check,
    judge_repositories,
    missing_repositories,
    not_collected,
    organization,
    per_repository,
    repos_data,
    repositories,
    result,
    service_data,
)


def _is_public(repo: Repository) -> bool:
    visibility = repo.get("visibility")
    return visibility == "public" if visibility else repo.get("private") is False


@github_check(
    id="github.repos.no_public_repositories",
    title="No public repositories unless publishing is intended",
    severity=Severity.HIGH,
    service="repos",
    resource_type=REPOSITORY,
    rationale="Anything in a public repository, its history included, is readable and copied by anyone; a "
    "repository made public by mistake leaks code, internal names and often secrets.",
    remediation="Make the repository private or internal (Settings → Danger zone → Change visibility), or set "
    "allow_public_repos on the integration if the organization publishes open source on purpose.",
)
def no_public_repositories(inventory: Inventory) -> Iterable[Outcome]:
    repos: Repos = repos_data(inventory)
    if not repos:
        return []
    allowed = bool(repos.get("allow_public_repos"))
    outcomes = list(missing_repositories(inventory))
    # Archived repositories count: archiving does not hide a public repository.
    for repo in repositories(inventory, include_archived=True):
        full_name = str(repo.get("full_name"))
        public = _is_public(repo)
        visibility = repo.get("visibility") or ("public" if public else "private")
        if not public:
            reason = f"{full_name} is {visibility}"
        elif allowed:
            reason = f"{full_name} is public, which this integration's configuration allows"
        else:
            reason = f"{full_name} is public"
        observed: dict[str, Any] = {"visibility": visibility, "allow_public_repos": allowed}
        outcomes.append(result(not public or allowed, full_name, REPOSITORY, reason, **observed))
    return outcomes


@github_check(
    id="github.collaborators.no_outside_admins",
    title="No outside collaborator has admin permission",
    severity=Severity.HIGH,
    service="collaborators",
    resource_type=REPOSITORY,
    requires=("repos", "collaborators"),
    rationale="Outside collaborators are not bound by the organization's membership rules such as required "
    "2FA or SSO; with admin they can change protections, add people or delete the repository.",
    remediation="Lower the outside collaborator's role (Settings → Collaborators and teams) to write or less, "
    "or make the person a member subject to the organization's controls.",
)
def no_outside_admins(inventory: Inventory) -> Iterable[Outcome]:
    return judge_repositories(inventory, "collaborators", "collaborator list", _judge_collaborators)


def _judge_collaborators(full_name: str, people: list[Collaborator]) -> Outcome:
    admins = sorted(
        str(p.get("login"))
        for p in people
        if (p.get("permissions") or {}).get("admin") or p.get("role_name") == "admin"
    )
    reason = (
        f"Outside collaborators with admin on {full_name}: {', '.join(admins)}"
        if admins
        else f"No outside collaborator has admin on {full_name}"
    )
    return result(not admins, full_name, REPOSITORY, reason, outside_admins=admins, outside_collaborators=len(people))


@github_check(
    id="github.deploy_keys.read_only",
    title="Deploy keys are read-only",
    severity=Severity.MEDIUM,
    service="deploy_keys",
    resource_type=DEPLOY_KEY,
    requires=("repos", "deploy_keys"),
    rationale="A deploy key sits on a server and bypasses user accounts and 2FA; with write access, whoever "
    "takes that server can push code straight into the repository.",
    remediation="Replace the key with a read-only one (Settings → Deploy keys, leave 'Allow write access' "
    "unticked); use a GitHub App or a bot account with review rules where writing is needed.",
)
def deploy_keys_read_only(inventory: Inventory) -> Iterable[Outcome]:
    collected: Mapping[str, list[DeployKey]] = per_repository(inventory, "deploy_keys")
    outcomes = list(missing_repositories(inventory, DEPLOY_KEY))
    for repo in repositories(inventory):
        full_name = str(repo.get("full_name"))
        keys = collected.get(full_name)
        if keys is None:
            outcomes.append(not_collected(full_name, DEPLOY_KEY, "deploy key list"))
            continue
        for key in keys:
            read_only = key.get("read_only") is True
            title = key.get("title") or "untitled"
            reason = f"Deploy key '{title}' of {full_name} is {'read-only' if read_only else 'allowed to push'}"
            resource_id = f"{full_name}:key-{key.get('id')}"
            outcomes.append(result(read_only, resource_id, DEPLOY_KEY, reason, title=title, read_only=read_only))
    return outcomes


def _hooks(inventory: Inventory) -> Iterable[tuple[str, Webhook | None]]:
    """(resource id, hook) for every organization and repository webhook; hook None when not collected."""
    org_hooks: list[Webhook] = service_data(inventory, "hooks").get("organization", [])
    login = organization(inventory)
    for hook in org_hooks:
        yield f"{login}:hook-{hook.get('id')}", hook
    collected: Mapping[str, list[Webhook]] = per_repository(inventory, "hooks")
    for repo in repositories(inventory):
        full_name = str(repo.get("full_name"))
        if full_name not in collected:
            yield full_name, None
            continue
        for hook in collected[full_name]:
            yield f"{full_name}:hook-{hook.get('id')}", hook


def _hook_observed(hook: Webhook) -> dict[str, Any]:
    return {
        "url_scheme": hook.get("url_scheme"),
        "url_host": hook.get("url_host"),
        "insecure_ssl": hook.get("insecure_ssl"),
        "has_secret": bool(hook.get("has_secret")),
        "active": hook.get("active"),
    }


@github_check(
    id="github.hooks.tls_enforced",
    title="Webhooks deliver over HTTPS with certificate verification",
    severity=Severity.HIGH,
    service="hooks",
    resource_type=WEBHOOK,
    requires=("repos", "hooks"),
    rationale="Webhook payloads describe code, people and sometimes content; over plain HTTP or with "
    "certificate checks off, anyone on the path can read or alter them.",
    remediation="Edit the webhook: use an https:// payload URL and enable SSL verification; fix the receiver's "
    "certificate rather than turning verification off.",
)
def hooks_tls_enforced(inventory: Inventory) -> Iterable[Outcome]:
    outcomes = list(missing_repositories(inventory, WEBHOOK))
    for resource_id, hook in _hooks(inventory):
        if hook is None:
            outcomes.append(not_collected(resource_id, WEBHOOK, "webhook list"))
            continue
        https = hook.get("url_scheme") == "https"
        verified = hook.get("insecure_ssl") == "0"
        if not https:
            reason = f"Webhook {resource_id} delivers to {hook.get('url_scheme') or 'a non-HTTP'} URL, not HTTPS"
        elif not verified:
            reason = f"Webhook {resource_id} delivers over HTTPS without verifying the certificate"
        else:
            reason = f"Webhook {resource_id} delivers over HTTPS with certificate verification"
        outcomes.append(result(https and verified, resource_id, WEBHOOK, reason, **_hook_observed(hook)))
    return outcomes


@github_check(
    id="github.hooks.secret_configured",
    title="Webhooks are signed with a secret",
    severity=Severity.MEDIUM,
    service="hooks",
    resource_type=WEBHOOK,
    requires=("repos", "hooks"),
    rationale="Without a secret the receiver cannot tell GitHub's deliveries from forged ones, so anyone "
    "who learns the URL can trigger deployments or feed it false events.",
    remediation="Edit the webhook and set a long random secret, and make the receiver verify the "
    "X-Hub-Signature-256 header.",
)
def hooks_secret_configured(inventory: Inventory) -> Iterable[Outcome]:
    outcomes = list(missing_repositories(inventory, WEBHOOK))
    for resource_id, hook in _hooks(inventory):
        if hook is None:
            outcomes.append(not_collected(resource_id, WEBHOOK, "webhook list"))
            continue
        signed = bool(hook.get("has_secret"))
        reason = f"Webhook {resource_id} {'has' if signed else 'has no'} secret"
        outcomes.append(result(signed, resource_id, WEBHOOK, reason, **_hook_observed(hook)))
    return outcomes
