"""GitHub Actions defaults: what a workflow's GITHUB_TOKEN may do unless the workflow asks for more."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import ActionsSettings
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
