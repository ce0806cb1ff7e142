"""Every GitHub check against a compliant and a non-compliant organisation served like GitHub's REST API."""

from __future__ import annotations

import pytest

from integrations.registry import REVOCATION_CHECK_SUFFIX, Inventory, all_checks
from tests.integrations.github.support import (
    ERROR,
    FAIL,
    PASS,
    collect,
    compliant_org,
    get,
    noncompliant_org,
    serve,
    statuses,
)

ORG_ONLY = {"acme": PASS}
REPOS_PASS = {"acme/api": PASS, "acme/web": PASS}

# check id -> (outcomes for the compliant organisation, outcomes for the non-compliant one)
EXPECTED = {
    "github.org.two_factor_required": (ORG_ONLY, {"acme": FAIL}),
    "github.org.default_permission_restricted": (ORG_ONLY, {"acme": FAIL}),
    "github.org.members_cannot_create_public_repos": (ORG_ONLY, {"acme": FAIL}),
    "github.members.admin_count_limited": (ORG_ONLY, {"acme": FAIL}),
    "github.actions.default_token_read_only": (ORG_ONLY, {"acme": FAIL}),
    "github.actions.cannot_approve_pull_requests": (ORG_ONLY, {"acme": FAIL}),
    "github.actions.allowed_actions_restricted": (ORG_ONLY, {"acme": FAIL}),
    "github.collaborators.no_outside_admins": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.default_branch_protected": (REPOS_PASS, {"acme/api": PASS, "acme/site": FAIL}),
    "github.branch_protection.reviews_required": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.force_push_blocked": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.deletion_blocked": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.status_checks_required": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.no_bypass": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.code_owner_review_required": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.multiple_approvals_required": (REPOS_PASS, {"acme/api": PASS, "acme/site": FAIL}),
    "github.branch_protection.conversation_resolution_required": (
        REPOS_PASS,
        {"acme/api": FAIL, "acme/site": FAIL},
    ),
    "github.branch_protection.linear_history_required": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.branch_protection.signed_commits_required": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    "github.repo_security.secret_scanning_enabled": (REPOS_PASS, {"acme/api": PASS, "acme/site": FAIL}),
    "github.repo_security.secret_scanning_push_protection": (REPOS_PASS, {"acme/api": PASS, "acme/site": FAIL}),
    "github.repo_security.dependabot_alerts_enabled": (REPOS_PASS, {"acme/api": PASS, "acme/site": FAIL}),
    "github.repo_security.dependabot_security_updates_enabled": (
        REPOS_PASS,
        {"acme/api": PASS, "acme/site": FAIL},
    ),
    # Archived repositories count here (archiving does not hide a public repository).
    "github.repos.no_public_repositories": (
        {**REPOS_PASS, "acme/legacy": PASS},
        {"acme/api": PASS, "acme/site": FAIL, "acme/docs": FAIL},
    ),
    # Archived repositories pass: archiving is what the check asks of an inactive one.
    "github.repos.inactive_archived": (
        {**REPOS_PASS, "acme/legacy": PASS},
        {"acme/api": PASS, "acme/site": FAIL, "acme/docs": PASS},
    ),
    "github.repos.merged_branches_deleted": (REPOS_PASS, {"acme/api": FAIL, "acme/site": PASS}),
    "github.repos.codeowners_valid": (REPOS_PASS, {"acme/api": FAIL, "acme/site": FAIL}),
    # Only public repositories are judged: the compliant organisation has none (test_disclosure.py has the passes).
    "github.repos.security_policy": ({}, {"acme/site": FAIL}),
    "github.deploy_keys.read_only": (
        {"acme/api:key-21": PASS},
        {"acme/api:key-22": FAIL, "acme/api:key-23": PASS},
    ),
    "github.hooks.tls_enforced": (
        {"acme:hook-11": PASS, "acme/api:hook-31": PASS},
        {"acme:hook-12": FAIL, "acme/api:hook-32": FAIL},
    ),
    "github.hooks.secret_configured": (
        {"acme:hook-11": PASS, "acme/api:hook-31": PASS},
        {"acme:hook-12": FAIL, "acme/api:hook-32": PASS},
    ),
}


def test_every_registered_github_check_is_covered_here():
    # given the registry
    # when listing the GitHub checks
    # The access-review revocation check judges nothing without a review (test_accounts.py covers it).
    registered = {c.id for c in all_checks("github") if not c.id.endswith(REVOCATION_CHECK_SUFFIX)}
    # then each one has expectations above, and there are at least 12
    assert registered == set(EXPECTED)
    assert len(registered) >= 12


def test_every_check_explains_itself():
    for check in all_checks("github"):
        assert check.id.startswith("github.") and check.id.count(".") == 2
        assert check.title and check.rationale and check.remediation
        assert check.resource_type.startswith("GitHub::")


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_compliant_organization_passes(httpserver, check_id):
    # given an organisation that follows every recommendation
    serve(httpserver, compliant_org(httpserver.url_for("").rstrip("/")))
    # when the check's services are collected and the check runs
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then every resource passes, with a reason
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][0]
    assert all(o.reason for o in outcomes)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_noncompliant_organization_fails(httpserver, check_id):
    # given an organisation that breaks the recommendation somewhere
    serve(httpserver, noncompliant_org(httpserver.url_for("").rstrip("/")))
    # when the check's services are collected and the check runs
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then exactly the offending resources fail
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][1]
    assert all(o.reason for o in outcomes)


def test_failure_reasons_and_observed_values_say_what_is_wrong(httpserver):
    # given the non-compliant organisation
    serve(httpserver, noncompliant_org(httpserver.url_for("").rstrip("/")))
    inventory = collect(httpserver, list(EXPECTED))

    def outcome(check_id, resource_id):
        return next(o for o in get(check_id).run(inventory) if o.resource_id == resource_id)

    # when reading a few failing outcomes
    admins = outcome("github.members.admin_count_limited", "acme")
    reviews = outcome("github.branch_protection.reviews_required", "acme/api")
    unprotected = outcome("github.branch_protection.force_push_blocked", "acme/site")
    outside = outcome("github.collaborators.no_outside_admins", "acme/api")
    hook = outcome("github.hooks.tls_enforced", "acme:hook-12")
    # then each names the resource and the observed values
    assert admins.reason == "acme has 6 owners (at most 5 allowed)"
    assert admins.observed == {"admins": ["alice", "bob", "carol", "dave", "erin", "frank"], "max_admins": 5}
    assert reviews.reason == "main of acme/api keeps approvals after new commits are pushed"
    assert reviews.observed["required_approving_reviews"] == 2
    assert unprotected.reason == "The default branch main of acme/site is not protected"
    assert unprotected.observed == {"branch": "main", "protected": False}
    assert outside.observed["outside_admins"] == ["contractor"]
    assert hook.observed["url_scheme"] == "http" and hook.observed["has_secret"] is False
    assert outcome("github.org.default_permission_restricted", "acme").observed == {
        "default_repository_permission": "write"
    }


def test_webhook_urls_are_stored_without_path_or_query(httpserver):
    # given a webhook whose URL carries a token in its path and query
    serve(httpserver, compliant_org(httpserver.url_for("").rstrip("/")))
    # when the hooks are collected
    inventory = collect(httpserver, ["github.hooks.secret_configured"])
    # then only the scheme and host are kept
    hook = inventory.data["hooks"]["repositories"]["acme/api"][0]
    assert hook["url_host"] == "chat.acme.example"
    assert "token-in-path" not in repr(inventory.data)


def test_configuration_can_allow_public_repositories_and_more_owners(httpserver):
    # given the non-compliant organisation and an integration that accepts public repositories and 6 owners
    serve(httpserver, noncompliant_org(httpserver.url_for("").rstrip("/")))
    check_ids = ["github.repos.no_public_repositories", "github.members.admin_count_limited"]
    # when collected and evaluated
    inventory = collect(httpserver, check_ids, allow_public_repos=True, max_admins=6)
    public = get(check_ids[0]).run(inventory)
    admins = get(check_ids[1]).run(inventory)
    # then both pass
    assert statuses(public) == {"acme/api": PASS, "acme/site": PASS, "acme/docs": PASS}
    assert "configuration allows" in next(o.reason for o in public if o.resource_id == "acme/site")
    assert statuses(admins) == {"acme": PASS}


# --- hand-built inventories for shapes a live organisation rarely produces -------------------------


def inventory(**data) -> Inventory:
    return Inventory(integration_type="github", account_id="acme", data=data)


def test_settings_github_hides_from_non_owners_are_errors_not_passes():
    # given an organisation object as a plain member sees it (no owner-only fields)
    hidden = inventory(org={"login": "acme", "two_factor_requirement_enabled": None})
    # when the organisation checks run
    for check_id in (
        "github.org.two_factor_required",
        "github.org.default_permission_restricted",
        "github.org.members_cannot_create_public_repos",
    ):
        [outcome] = get(check_id).run(hidden)
        # then each is an error explaining that an owner's token is needed
        assert outcome.status == ERROR
        assert "organization owners" in outcome.reason


def test_missing_security_settings_are_errors():
    # given a repository listed without security_and_analysis (the token is not an admin of it)
    repos = {"repositories": [{"full_name": "acme/api", "archived": False, "security_and_analysis": None}]}
    # when the secret scanning check runs
    [outcome] = get("github.repo_security.secret_scanning_enabled").run(inventory(repos=repos))
    # then it is an error, not a pass or a fail
    assert outcome.status == ERROR
    assert "admin access" in outcome.reason


def test_empty_repository_without_its_default_branch_fails_protection():
    # given an empty repository whose default branch does not exist yet
    repos = {"repositories": [{"full_name": "acme/new", "archived": False, "default_branch": "main"}]}
    protection = {"repositories": {"acme/new": {"branch": "main", "state": "missing", "protection": None}}}
    # when the protection check runs
    [outcome] = get("github.branch_protection.default_branch_protected").run(
        inventory(repos=repos, branch_protection=protection)
    )
    # then it fails, saying the branch does not exist yet
    assert outcome.status == FAIL
    assert "no default branch to protect yet" in outcome.reason


def test_a_service_that_failed_to_collect_makes_its_checks_error():
    # given an inventory whose branch protection collection failed
    failed = Inventory(
        integration_type="github",
        account_id="acme",
        data={"repos": {"repositories": []}},
        errors={"branch_protection": "token lacks permission to read branch protection of acme/api: 404 Not Found"},
    )
    # when a protection check runs
    [outcome] = get("github.branch_protection.force_push_blocked").run(failed)
    # then it is one error outcome carrying the message
    assert outcome.status == ERROR
    assert outcome.resource_id == "acme"
    assert "branch protection of acme/api" in outcome.reason


def test_no_resources_means_no_outcomes():
    # given an organisation without repositories, keys or hooks
    empty = inventory(
        repos={"repositories": [], "missing": []},
        deploy_keys={"repositories": {}},
        hooks={"organization": [], "repositories": {}},
    )
    # when the per-resource checks run
    # then they have nothing to report (their controls become not-applicable)
    assert get("github.deploy_keys.read_only").run(empty) == []
    assert get("github.hooks.tls_enforced").run(empty) == []
    assert get("github.repos.no_public_repositories").run(empty) == []
