"""The organisation's own settings, its owners and its Actions defaults (checked by ``checks.organization``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from ..shapes import ActionsSettings, Members, Organization
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
    # Repositories cannot be more permissive than the organisation here: GitHub greys out the wider choices in a
    # repository's settings once the organisation picked the narrower ones, so one read covers them all.
    settings = api._json(f"{org_path(scope)}/actions/permissions/workflow")
    if not isinstance(settings, Mapping):
        raise GitHubError("GitHub's answer for the organization's workflow permissions is not an object")
    return cast(ActionsSettings, pick(settings, ActionsSettings.__annotations__))
