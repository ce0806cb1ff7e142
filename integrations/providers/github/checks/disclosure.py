"""Vulnerability disclosure: every public repository tells outsiders how to report a vulnerability."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import DefaultSecurityPolicy, SecurityPolicy
from ._common import REPOSITORY, github_check, judge_repositories, organization, result, service_data


def _default_policy(inventory: Inventory) -> DefaultSecurityPolicy | None:
    found = service_data(inventory, "security_policy").get("organization")
    return found if isinstance(found, Mapping) else None  # type: ignore[return-value]


@github_check(
    id="github.repos.security_policy",
    title="Public repositories publish a security policy (SECURITY.md)",
    severity=Severity.LOW,
    service="security_policy",
    resource_type=REPOSITORY,
    requires=("repos", "security_policy"),
    rationale="Anyone can read a public repository, and whoever finds a vulnerability in it needs to know how to "
    "report it privately; without a security policy the report lands in a public issue, or nowhere.",
    remediation="Add a SECURITY.md saying how to report a vulnerability (an address, or GitHub's private "
    "vulnerability reporting) to the repository's root, docs or .github folder, or once for every repository to the "
    "organization's public .github repository.",
)
def security_policy(inventory: Inventory) -> Iterable[Outcome]:
    default = _default_policy(inventory) or {"repository": "missing", "path": None}
    org = organization(inventory)

    def judge(full_name: str, policy: SecurityPolicy) -> Outcome | None:
        if not policy.get("public"):
            return None  # only outsiders need the policy, and they cannot see a private or internal repository
        own, fallback = policy.get("path"), default.get("path")
        if own:
            reason = f"{full_name} publishes its security policy in {own}"
        elif fallback:
            reason = (
                f"{full_name} has no SECURITY.md of its own; the organization's default policy "
                f"({org}/.github: {fallback}) applies"
            )
        elif default.get("repository") == "private":
            reason = (
                f"{full_name} has no SECURITY.md in its root, docs or .github folder, and {org}/.github is private, "
                "so GitHub shows none of its files as the organization's defaults"
            )
        else:
            reason = (
                f"{full_name} is public but has no SECURITY.md in its root, docs or .github folder, nor has "
                f"{org} a default one in a public .github repository"
            )
        return result(
            bool(own or fallback),
            full_name,
            REPOSITORY,
            reason,
            policy=own,
            default_policy=fallback,
            defaults_repository=default.get("repository"),
        )

    return judge_repositories(inventory, "security_policy", "security policy", judge)
