"""OAuth grants to third-party apps: broad scopes, unregistered apps, administrators' and leavers' grants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Token
from ._common import (
    OAUTH_APP,
    USER,
    active_users,
    is_active,
    is_admin,
    label,
    result,
    roles_by_user,
    tokens_data,
    unreadable_groups,
    users,
    workspace_check,
)

# Scopes that hand a third party a whole mailbox, a whole Drive, administrator powers or a whole cloud project.
BROAD_SCOPES = frozenset(
    {
        "https://mail.google.com/",
        "https://www.googleapis.com/auth/gmail.modify",
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.readonly",
        "https://www.googleapis.com/auth/cloud-platform",
    }
)
ADMIN_SCOPE_PREFIX = "https://www.googleapis.com/auth/admin."


def broad(scopes: Iterable[str]) -> list[str]:
    return sorted(s for s in scopes if s in BROAD_SCOPES or s.startswith(ADMIN_SCOPE_PREFIX))


def _grants(inventory: Inventory) -> Mapping[str, list[Token]]:
    found = tokens_data(inventory).get("users")
    return found if isinstance(found, Mapping) else {}


def _trusted(inventory: Inventory) -> frozenset[str]:
    return frozenset(tokens_data(inventory).get("trusted_clients", []))


def _apps(inventory: Inventory) -> dict[str, dict[str, Any]]:
    """client id -> the app's name, the active users who granted it, and what they granted."""
    grants = _grants(inventory)
    apps: dict[str, dict[str, Any]] = {}
    for user in active_users(inventory):
        for token in grants.get(user["id"], []):
            app = apps.setdefault(
                token["client_id"], {"name": token.get("app"), "users": set(), "scopes": set(), "anonymous": False}
            )
            app["users"].add(label(user))
            app["scopes"].update(token.get("scopes", []))
            app["anonymous"] = app["anonymous"] or bool(token.get("anonymous"))
    return apps


def _app_label(client_id: str, app: Mapping[str, Any]) -> str:
    return f"'{app['name']}' ({client_id})" if app.get("name") else client_id


@workspace_check(
    id="google_workspace.tokens.broad_scopes_reviewed",
    title="Third-party apps granted full Gmail, Drive, admin or cloud access are on the reviewed list",
    severity=Severity.HIGH,
    service="tokens",
    resource_type=OAUTH_APP,
    requires=("users", "tokens"),
    rationale="A user's OAuth grant lets an outside company read (or change) everything the scope covers, for as "
    "long as the grant lives; consent phishing uses exactly these grants to take mail and files.",
    remediation="Review the app; revoke the grants (Security → API controls → App access control) or block the "
    "app, or, if it is approved, mark it trusted there and add its client id to the integration's "
    "trusted_clients.",
)
def broad_scopes_reviewed(inventory: Inventory) -> Iterable[Outcome]:
    trusted = _trusted(inventory)
    outcomes: list[Outcome] = []
    for client_id, app in sorted(_apps(inventory).items()):
        wide, holders = broad(app["scopes"]), sorted(app["users"])
        name = _app_label(client_id, app)
        if not wide:
            reason = f"App {name} holds no broad scope"
        elif client_id in trusted:
            reason = f"App {name} holds {', '.join(wide)} and is on the reviewed list"
        else:
            reason = f"App {name} holds {', '.join(wide)} granted by {len(holders)} user(s) and was not reviewed"
        ok = not wide or client_id in trusted
        outcomes.append(result(ok, client_id, OAUTH_APP, reason, app=app.get("name"), broad_scopes=wide, users=holders))
    return outcomes


@workspace_check(
    id="google_workspace.tokens.no_unregistered_apps",
    title="No user has granted access to an app not registered with Google",
    severity=Severity.MEDIUM,
    service="tokens",
    resource_type=OAUTH_APP,
    requires=("users", "tokens"),
    rationale="An anonymous client id belongs to no Google Cloud project, so nobody can tell who runs the app "
    "that received the user's data.",
    remediation="Revoke the grants and block unconfigured third-party apps (Security → API controls → Settings: "
    "do not let users access third-party apps that are not configured).",
)
def no_unregistered_apps(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for client_id, app in sorted(_apps(inventory).items()):
        name, holders = _app_label(client_id, app), sorted(app["users"])
        anonymous = bool(app["anonymous"])
        reason = f"App {name} is {'not ' if anonymous else ''}registered with Google"
        if anonymous:
            reason += f", granted by {', '.join(holders)}"
        outcomes.append(result(not anonymous, client_id, OAUTH_APP, reason, app=app.get("name"), users=holders))
    return outcomes


@workspace_check(
    id="google_workspace.tokens.admins_without_untrusted_grants",
    title="Administrators have granted no third-party app outside the reviewed list",
    severity=Severity.HIGH,
    service="tokens",
    resource_type=USER,
    requires=("users", "admins", "tokens"),
    rationale="An app an administrator granted acts with the administrator's account; a compromised or "
    "malicious one reaches far more than an ordinary user's data.",
    remediation="Administrators should use their privileged account for administration only: revoke the grants "
    "and use a separate everyday account, or review the app and add it to trusted_clients.",
)
def admins_without_untrusted_grants(inventory: Inventory) -> Iterable[Outcome]:
    held, grants, trusted = roles_by_user(inventory), _grants(inventory), _trusted(inventory)
    outcomes: list[Outcome] = unreadable_groups(inventory)
    for user in active_users(inventory):
        if not is_admin(user, held):
            continue
        name = label(user)
        apps = sorted(
            {str(t.get("app") or t["client_id"]) for t in grants.get(user["id"], []) if t["client_id"] not in trusted}
        )
        reason = (
            f"Administrator {name} has granted {', '.join(apps)}"
            if apps
            else f"Administrator {name} has granted no unreviewed third-party app"
        )
        outcomes.append(result(not apps, name, USER, reason, apps=apps))
    return outcomes


@workspace_check(
    id="google_workspace.tokens.suspended_users_without_grants",
    title="Suspended and archived users have no OAuth grants left",
    severity=Severity.MEDIUM,
    service="tokens",
    resource_type=USER,
    requires=("users", "tokens"),
    rationale="A leaver's grants keep third-party apps connected to the account's mail and files; they work "
    "again as soon as the account is restored and keep the organisation's data flowing to those apps' records.",
    remediation="Revoke the user's app access (the user's Security → Connected applications) when suspending "
    "or archiving them, as part of the leaver procedure.",
)
def suspended_users_without_grants(inventory: Inventory) -> Iterable[Outcome]:
    grants = _grants(inventory)
    outcomes: list[Outcome] = []
    for user in users(inventory):
        if is_active(user):
            continue
        name = label(user)
        apps = sorted({str(t.get("app") or t["client_id"]) for t in grants.get(user["id"], [])})
        state = "Archived" if user.get("archived") else "Suspended"
        reason = f"{state} user {name} " + (f"still has grants to {', '.join(apps)}" if apps else "has no OAuth grant")
        outcomes.append(result(not apps, name, USER, reason, apps=apps))
    return outcomes
