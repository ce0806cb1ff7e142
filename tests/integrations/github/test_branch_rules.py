"""The stricter default-branch rules (against classic protection, rulesets, or both) and repository upkeep."""

from __future__ import annotations

import pytest

from tests.integrations.github.protection import (
    RULE_CHECKS,
    protection_object,
    pull_request_rule,
    rule_object,
    ruleset_rules,
)
from tests.integrations.github.support import (
    API_HEADERS,
    ERROR,
    FAIL,
    PASS,
    api_error,
    collect,
    compliant_org,
    get,
    noncompliant_org,
    outcome_of,
    repo_state,
    serve,
    server_base,
    statuses,
)

INACTIVE = "github.repos.inactive_archived"


@pytest.mark.parametrize("check_id", RULE_CHECKS)
def test_a_ruleset_without_the_setting_fails_and_names_what_was_checked(httpserver, check_id):
    # given a default branch protected only by a ruleset that blocks deletion and wants one plain approval
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection, web.rules = None, [rule_object("deletion", 9), pull_request_rule(9, approvals=1)]
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, check_id, "acme/web")
    # then it fails, naming the repository and the ruleset looked at
    assert outcome.status == FAIL
    assert outcome.reason.startswith("main of acme/web ")
    assert outcome.reason.endswith("(ruleset 9)")
    assert outcome.observed["protected"] is True


@pytest.mark.parametrize("check_id", RULE_CHECKS)
def test_a_ruleset_makes_up_for_weak_classic_protection(httpserver, check_id):
    # given classic protection with one approval and none of the settings, and a ruleset requiring them all
    state = noncompliant_org(server_base(httpserver))
    api = repo_state(state, "acme/api")
    api.protection = protection_object(
        server_base(httpserver),
        api.full_name,
        reviews=1,
        code_owners=False,
        conversation_resolution=False,
        linear_history=False,
        signatures=False,
    )
    api.rules = ruleset_rules(42)
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, check_id, "acme/api")
    # then it passes thanks to the ruleset alone
    assert outcome.status == PASS
    assert outcome.observed["sources"] == ["branch_protection", "ruleset:42"]
    assert outcome.reason.endswith("(ruleset 42)")


def test_classic_settings_are_read_and_reasons_say_what_is_missing(httpserver):
    # given the non-compliant organisation (acme/api: classic protection without the stricter settings)
    serve(httpserver, noncompliant_org(server_base(httpserver)))
    inventory = collect(httpserver, list(RULE_CHECKS))

    def outcome(check_id):
        return next(o for o in get(check_id).run(inventory) if o.resource_id == "acme/api")

    # when the checks run
    reasons = {c.rsplit(".", 1)[1]: outcome(c).reason for c in RULE_CHECKS}
    # then each says what the branch requires or lacks, naming no source for classic-only protection
    assert reasons == {
        "code_owner_review_required": "main of acme/api merges without a review from the code owners",
        "multiple_approvals_required": "main of acme/api requires 2 approving reviews",
        "conversation_resolution_required": "main of acme/api merges with review conversations left unresolved",
        "linear_history_required": "main of acme/api accepts merge commits (no linear history required)",
        "signed_commits_required": "main of acme/api accepts unsigned commits",
    }
    assert outcome("github.branch_protection.signed_commits_required").observed["required_signatures"] is False


def test_one_approval_is_not_enough_and_the_strictest_source_counts(httpserver):
    # given acme/web with one classic approval, and acme/api with one classic approval plus a ruleset wanting 3
    state = compliant_org(server_base(httpserver))
    web, api = repo_state(state, "acme/web"), repo_state(state, "acme/api")
    web.protection = protection_object(server_base(httpserver), web.full_name, reviews=1)
    api.protection = protection_object(server_base(httpserver), api.full_name, reviews=1)
    api.rules = [pull_request_rule(5, approvals=3)]
    serve(httpserver, state)
    check_id = "github.branch_protection.multiple_approvals_required"
    # when the check runs
    one = outcome_of(httpserver, check_id, "acme/web")
    three = outcome_of(httpserver, check_id, "acme/api")
    # then one approval fails, and the ruleset's three pass
    assert one.status == FAIL
    assert one.reason == "main of acme/web requires 1 approving review(s), fewer than 2"
    assert one.observed["required_approving_reviews"] == 1
    assert three.status == PASS
    assert three.reason == "main of acme/api requires 3 approving reviews (ruleset 5)"


@pytest.mark.parametrize("check_id", RULE_CHECKS)
def test_rules_the_token_may_not_read_are_an_error(httpserver, check_id):
    # given a repository whose rules endpoint is forbidden to the token
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").errors["rules"] = (403, "Resource not accessible by personal access token")
    serve(httpserver, state)
    # when the check's services are collected and evaluated
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then the check errors instead of passing
    assert "branch protection of acme/web" in inventory.errors["branch_protection"]
    assert statuses(outcomes) == {"acme": ERROR}


# --- nobody bypasses protection -------------------------------------------------------------------

NO_BYPASS = "github.branch_protection.no_bypass"


def actor(actor_type: str, actor_id: int | None) -> dict:
    return {"actor_id": actor_id, "actor_type": actor_type, "bypass_mode": "always"}


def test_classic_protection_and_a_ruleset_that_bind_everyone_pass(httpserver):
    # given classic protection enforced for administrators and a ruleset with an empty bypass list
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/api").rules = ruleset_rules(42)
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, NO_BYPASS, "acme/api")
    # then it passes, naming both sources
    assert outcome.status == PASS
    assert outcome.reason == "main of acme/api binds administrators too, with no bypass (branch protection, ruleset 42)"
    assert outcome.observed["enforce_admins"] is True
    assert outcome.observed["bypass_actors"] == {"ruleset:42": []}


def test_administrators_exempt_from_classic_protection_fail(httpserver):
    # given the non-compliant organisation: acme/api's branch protection is not enforced for administrators
    serve(httpserver, noncompliant_org(server_base(httpserver)))
    # when the check runs
    outcome = outcome_of(httpserver, NO_BYPASS, "acme/api")
    # then it fails, saying who is exempt
    assert outcome.status == FAIL
    assert outcome.reason == "main of acme/api does not bind everyone: administrators are exempt from branch protection"
    assert outcome.observed["enforce_admins"] is False


def test_a_ruleset_with_bypass_actors_fails_and_names_them(httpserver):
    # given a branch protected only by a ruleset that organisation owners and repository admins may bypass
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection, web.rules = None, ruleset_rules(7)
    web.bypass = {7: [actor("OrganizationAdmin", None), actor("RepositoryRole", 5)]}
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, NO_BYPASS, "acme/web")
    # then it fails, naming the ruleset and its bypass actors
    assert outcome.status == FAIL
    assert outcome.reason == (
        "main of acme/web does not bind everyone: ruleset 7 can be bypassed by OrganizationAdmin, RepositoryRole 5"
    )
    assert outcome.observed["bypass_actors"] == {"ruleset:7": ["OrganizationAdmin", "RepositoryRole 5"]}
    # and each ruleset was read once, though it has several rules
    reads = [r.path for r, _ in httpserver.log if "/rulesets/" in r.path]
    assert reads == ["/repos/acme/web/rulesets/7"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"bypass": {7: None}}, id="bypass-list-left-out"),
        pytest.param({"errors": {"rulesets": (404, "Not Found")}}, id="ruleset-not-readable"),
    ],
)
def test_a_bypass_list_hidden_from_the_token_is_an_error(httpserver, change):
    # given a ruleset whose bypass list the token may not see
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection, web.rules = None, ruleset_rules(7)
    for name, value in change.items():
        setattr(web, name, value)
    serve(httpserver, state)
    # when the check runs (the other branch checks still judge it)
    outcome = outcome_of(httpserver, NO_BYPASS, "acme/web")
    protected = outcome_of(httpserver, "github.branch_protection.default_branch_protected", "acme/web")
    # then it is an error explaining why, never a pass
    assert outcome.status == ERROR
    assert outcome.reason.startswith("Who may bypass ruleset 7 on acme/web is hidden from the token")
    assert protected.status == PASS


# --- inactive repositories ------------------------------------------------------------------------


def test_an_idle_repository_fails_until_archived(httpserver):
    # given the non-compliant organisation: acme/site last pushed to in January 2024, acme/docs archived
    serve(httpserver, noncompliant_org(server_base(httpserver)))
    inventory = collect(httpserver, [INACTIVE])
    outcomes = {o.resource_id: o for o in get(INACTIVE).run(inventory)}
    # when / then the idle active repository fails with its idle days, and the archived one passes
    site = outcomes["acme/site"]
    assert site.status == FAIL
    assert site.reason.startswith("acme/site was last pushed to ") and site.reason.endswith(
        "days ago but is not archived"
    )
    assert site.observed["pushed_at"] == "2024-01-15T09:30:00Z"
    assert site.observed["days_since_push"] >= 180
    assert outcomes["acme/docs"].reason == "acme/docs is archived"
    assert outcomes["acme/api"].reason == "acme/api is active (last pushed to 2 days ago)"


def test_a_repository_never_pushed_to_is_an_error(httpserver):
    # given a repository GitHub lists without a push date (nobody ever pushed to it)
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").object["pushed_at"] = None
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, INACTIVE, "acme/web")
    # then its activity is unknown, not judged
    assert outcome.status == ERROR
    assert "when acme/web was last pushed to" in outcome.reason


def test_a_repository_list_the_token_may_not_read_is_an_error(httpserver):
    # given an organisation whose repository list is forbidden to the token
    httpserver.expect_request("/orgs/acme/repos", headers=API_HEADERS).respond_with_json(
        api_error("Resource not accessible by personal access token", 403), status=403
    )
    # when the check's services are collected and evaluated
    inventory = collect(httpserver, [INACTIVE])
    outcomes = get(INACTIVE).run(inventory)
    # then the check errors instead of passing
    assert "repos" in inventory.errors
    assert statuses(outcomes) == {"acme": ERROR}


# --- merged branches deleted ---------------------------------------------------------------------

MERGED = "github.repos.merged_branches_deleted"


def test_kept_head_branches_fail_and_deleted_ones_pass(httpserver):
    # given the non-compliant organisation: acme/api keeps head branches after merge, acme/site deletes them
    serve(httpserver, noncompliant_org(server_base(httpserver)))
    inventory = collect(httpserver, [MERGED])
    outcomes = {o.resource_id: o for o in get(MERGED).run(inventory)}
    # when / then each reason names the repository and what it does, and archived acme/docs is not read
    assert outcomes["acme/api"].status == FAIL
    assert outcomes["acme/api"].reason == "acme/api keeps head branches after merge"
    assert outcomes["acme/site"].reason == "acme/site deletes head branches automatically after merge"
    assert "acme/docs" not in outcomes
    assert not [r for r, _ in httpserver.log if r.path == "/repos/acme/docs"]


def test_a_setting_github_leaves_out_is_an_error(httpserver):
    # given a repository whose answer has no delete_branch_on_merge (the token is not an admin of it)
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").delete_branch_on_merge = None
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, MERGED, "acme/web")
    # then it is an error, not a pass or a fail
    assert outcome.status == ERROR
    assert "whether acme/web deletes head branches" in outcome.reason


def test_a_repository_the_token_may_not_read_makes_the_check_error(httpserver):
    # given a repository whose own endpoint is forbidden to the token
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").errors["settings"] = (403, "Resource not accessible by personal access token")
    serve(httpserver, state)
    # when the check's services are collected and evaluated
    inventory = collect(httpserver, [MERGED])
    outcomes = get(MERGED).run(inventory)
    # then the service errors with GitHub's answer, never a pass
    assert inventory.errors["repo_settings"].startswith(
        "token lacks permission to read repository settings of acme/web"
    )
    assert statuses(outcomes) == {"acme": ERROR}
