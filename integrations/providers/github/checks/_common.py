"""Helpers shared by the GitHub check modules (no GitHub calls happen here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from integrations.registry import Inventory, Outcome, checks_of, error_outcome, outcome

from ..shapes import Members, Organization, Repos, Repository

INTEGRATION_TYPE = "github"

ORGANIZATION = "GitHub::Organization"
REPOSITORY = "GitHub::Repository"
DEPLOY_KEY = "GitHub::DeployKey"
WEBHOOK = "GitHub::Webhook"


github_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any]:
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else {}


OWNER_ONLY = (
    "GitHub only shows this setting to organization owners: use an owner's token with the admin:org scope "
    "(classic) or organization Administration read access (fine-grained)"
)


def hidden_setting(inventory: Inventory, field: str) -> Outcome:
    """The error for an organisation setting GitHub left out of its answer (it shows several only to owners)."""
    observed: dict[str, Any] = {field: None}
    return error(
        organization(inventory),
        ORGANIZATION,
        f"GitHub did not return {field} for {organization(inventory)}. {OWNER_ONLY}",
        **observed,
    )


# Typed views of the organisation-level services; each is empty when its service was not collected.


def org_data(inventory: Inventory) -> Organization:
    return cast(Organization, service_data(inventory, "org"))


def members_data(inventory: Inventory) -> Members:
    return cast(Members, service_data(inventory, "members"))


def repos_data(inventory: Inventory) -> Repos:
    return cast(Repos, service_data(inventory, "repos"))


def organization(inventory: Inventory) -> str:
    return inventory.account_id or str(org_data(inventory).get("login") or "github-organization")


def repositories(inventory: Inventory, *, include_archived: bool = False) -> Iterator[Repository]:
    """The collected repositories, archived ones left out unless asked for (nobody can push to them)."""
    for repo in repos_data(inventory).get("repositories", []):
        if include_archived or not repo.get("archived"):
            yield repo


def missing_repositories(inventory: Inventory, resource_type: str = REPOSITORY) -> Iterator[Outcome]:
    """An error per configured repository that GitHub did not list: it cannot be shown compliant."""
    for full_name in repos_data(inventory).get("missing", []):
        yield error(
            full_name,
            resource_type,
            f"{full_name} is configured for scanning but GitHub did not list it: "
            "it does not exist or the token cannot see it",
        )


def per_repository(inventory: Inventory, service: str) -> Mapping[str, Any]:
    """``data[service]["repositories"]``: full name -> that repository's entry (a ``shapes`` type per service)."""
    collected = service_data(inventory, service).get("repositories")
    return collected if isinstance(collected, Mapping) else {}


def not_collected(full_name: str, resource_type: str, what: str) -> Outcome:
    return error(full_name, resource_type, f"No {what} was collected for {full_name}")


def judge_repositories(
    inventory: Inventory, service: str, what: str, judge: Callable[[str, Any], Outcome | None]
) -> list[Outcome]:
    """``judge(full_name, entry)`` for each active repository's entry of a per-repository service (None: no outcome).

    A repository the service has no entry for gets a "not collected" error (``what`` names the data), and a
    configured repository GitHub did not list gets its own error, so neither can pass unseen.
    """
    collected = per_repository(inventory, service)
    outcomes = list(missing_repositories(inventory))
    for repo in repositories(inventory):
        full_name = str(repo.get("full_name"))
        entry = collected.get(full_name)
        if entry is None:
            outcomes.append(not_collected(full_name, REPOSITORY, what))
            continue
        judged = judge(full_name, entry)
        if judged is not None:
            outcomes.append(judged)
    return outcomes
