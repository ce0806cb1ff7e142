"""The organisation's own settings, its owners and its Actions defaults (checked by ``checks.organization``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from ..shapes import ActionsSettings, Members, Organization, SelectedActions
from ..transport import GitHubApi, GitHubError
from ._common import Scope, org_path, pick


def collect_org(api: GitHubApi, scope: Scope) -> Organization:
    org = api._json(org_path(scope))
    if not isinstance(org, Mapping):
        raise GitHubError("GitHub's answer for the organization is not an object")
    # The shape's keys are the fields kept; the rest of GitHub's answer is not needed.
    return cast(Organization, pick(org, Organization.__annotations__))


def collect_members(api: GitHubApi, scope: Scope) -> Members:
    admins = api._all(f"{org_path(scope)}/members", {"role": "admin"})
    # The members without the owner role too: an access review lists everyone in the organisation.
    members = api._all(f"{org_path(scope)}/members", {"role": "member"})
    return {
        "admins": sorted(str(a.get("login")) for a in admins if isinstance(a, Mapping)),
        "members": sorted(str(m.get("login")) for m in members if isinstance(m, Mapping)),
        "max_admins": scope.max_admins,
    }


def collect_actions(api: GitHubApi, scope: Scope) -> ActionsSettings:
    # Repositories cannot be more permissive than the organisation here: once the organisation picks the narrower
    # choice, GitHub disables the wider one in every repository's settings, so the organisation's reads cover them.
    base = f"{org_path(scope)}/actions/permissions"
    workflow, policy = api._json(f"{base}/workflow"), api._json(base)
    if not isinstance(workflow, Mapping) or not isinstance(policy, Mapping):
        raise GitHubError("GitHub's answer for the organization's Actions permissions is not an object")
    selected: SelectedActions | None = None
    if policy.get("allowed_actions") == "selected":
        chosen = api._json(f"{base}/selected-actions")
        if not isinstance(chosen, Mapping):
            raise GitHubError("GitHub's answer for the organization's selected actions is not an object")
        patterns = chosen.get("patterns_allowed")
        selected = {
            "github_owned_allowed": chosen.get("github_owned_allowed"),
            "verified_allowed": chosen.get("verified_allowed"),
            "patterns_allowed": [str(p) for p in patterns] if isinstance(patterns, list) else [],
        }
    return {
        "default_workflow_permissions": workflow.get("default_workflow_permissions"),
        "can_approve_pull_request_reviews": workflow.get("can_approve_pull_request_reviews"),
        "enabled_repositories": policy.get("enabled_repositories"),
        "allowed_actions": policy.get("allowed_actions"),
        "selected_actions": selected,
    }
