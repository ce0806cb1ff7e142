"""GitHub Actions policy: which actions workflows may run, and what their GITHUB_TOKEN may do by default."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import ActionsSettings, SelectedActions
from ._common import ORGANIZATION, github_check, hidden_setting, organization, result, service_data


def _settings(inventory: Inventory) -> ActionsSettings | None:
    found = service_data(inventory, "actions")
    return cast(ActionsSettings, found) if isinstance(found, Mapping) and found else None


@github_check(
    id="github.actions.default_token_read_only",
    title="Workflows get a read-only GITHUB_TOKEN by default",
    severity=Severity.MEDIUM,
    service="actions",
    resource_type=ORGANIZATION,
    rationale="With the permissive default every workflow job gets a token that can push code, change releases, "
    "issues and packages; a compromised action or dependency used by any workflow can then rewrite the repository. "
    "With the restricted default a workflow asks for each write permission it needs, in its own file, for review.",
    remediation="In the organization's Settings → Actions → General → Workflow permissions, choose 'Read repository "
    "contents and packages permissions', and grant write scopes per workflow or job with the 'permissions' key.",
)
def default_token_read_only(inventory: Inventory) -> Iterable[Outcome]:
    settings = _settings(inventory)
    if settings is None:
        return []
    permissions = settings.get("default_workflow_permissions")
    if permissions is None:
        return [hidden_setting(inventory, "default_workflow_permissions")]
    login = organization(inventory)
    ok = permissions == "read"
    reason = (
        f"Workflows in {login} get a read-only GITHUB_TOKEN unless they ask for more"
        if ok
        else f"Workflows in {login} get a GITHUB_TOKEN with '{permissions}' permissions by default"
    )
    return [result(ok, login, ORGANIZATION, reason, default_workflow_permissions=permissions)]


@github_check(
    id="github.actions.cannot_approve_pull_requests",
    title="GitHub Actions cannot approve pull requests",
    severity=Severity.HIGH,
    service="actions",
    resource_type=ORGANIZATION,
    rationale="A workflow allowed to approve pull requests can supply the required review itself, so anyone able to "
    "change a workflow (or an action it runs) can merge code nobody reviewed, defeating branch protection.",
    remediation="In the organization's Settings → Actions → General → Workflow permissions, untick 'Allow GitHub "
    "Actions to create and approve pull requests'.",
)
def cannot_approve_pull_requests(inventory: Inventory) -> Iterable[Outcome]:
    settings = _settings(inventory)
    if settings is None:
        return []
    can_approve = settings.get("can_approve_pull_request_reviews")
    if can_approve is None:
        return [hidden_setting(inventory, "can_approve_pull_request_reviews")]
    login = organization(inventory)
    reason = (
        f"Workflows in {login} may create and approve pull requests"
        if can_approve
        else f"Workflows in {login} cannot approve pull requests"
    )
    return [result(not can_approve, login, ORGANIZATION, reason, can_approve_pull_request_reviews=bool(can_approve))]


# Patterns that allow every action, which makes "selected actions" mean "all actions".
ALLOW_EVERYTHING = frozenset({"*", "*/*", "*/*@*", "*@*"})


def _selected_said(selected: SelectedActions) -> tuple[bool, str]:
    patterns = selected.get("patterns_allowed") or []
    if ALLOW_EVERYTHING & set(patterns):
        return False, f"the selected actions include the pattern '{sorted(ALLOW_EVERYTHING & set(patterns))[0]}'"
    allowed = [
        label
        for label, on in (
            ("actions by GitHub", selected.get("github_owned_allowed")),
            ("actions by verified creators", selected.get("verified_allowed")),
        )
        if on
    ]
    allowed.append(f"{len(patterns)} listed pattern(s)" if patterns else "no listed pattern")
    return True, "only selected actions run: " + ", ".join(allowed)


@github_check(
    id="github.actions.allowed_actions_restricted",
    title="Workflows may run only local or selected actions",
    severity=Severity.MEDIUM,
    service="actions",
    resource_type=ORGANIZATION,
    rationale="A workflow step runs someone else's code with the workflow's token and secrets; letting any action "
    "from any repository run means one compromised or typo-squatted action can steal them or change the code. "
    "Allowing only the organization's own actions, or a reviewed selection, keeps that code in known hands.",
    remediation="In the organization's Settings → Actions → General → Policies, allow only the organization's own "
    "actions and reusable workflows, or those plus selected ones from elsewhere, listing the actions in use (pinned "
    "to a full commit SHA where possible).",
)
def allowed_actions_restricted(inventory: Inventory) -> Iterable[Outcome]:
    settings = _settings(inventory)
    if settings is None:
        return []
    login = organization(inventory)
    enabled, allowed = settings.get("enabled_repositories"), settings.get("allowed_actions")
    observed: dict[str, Any] = {
        "enabled_repositories": enabled,
        "allowed_actions": allowed,
        "selected_actions": settings.get("selected_actions"),
    }
    if enabled == "none":
        return [
            result(True, login, ORGANIZATION, f"GitHub Actions is disabled for every repository of {login}", **observed)
        ]
    if allowed is None:
        return [hidden_setting(inventory, "allowed_actions")]
    if allowed == "local_only":
        ok, said = True, f"only actions and reusable workflows from {login}'s own repositories run"
    elif allowed == "selected":
        selected = settings.get("selected_actions")
        if selected is None:
            return [hidden_setting(inventory, "selected_actions")]
        ok, said = _selected_said(selected)
    else:
        ok, said = False, "any action from any repository may run"
    return [result(ok, login, ORGANIZATION, f"In {login}'s workflows, {said}", **observed)]
