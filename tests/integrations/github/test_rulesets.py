"""Branch protection checks against default branches protected by repository rulesets (alone or with classic rules)."""

from __future__ import annotations

import pytest

from tests.integrations.github.protection import (
    BRANCH_CHECKS,
    RULE_CHECKS,
    pull_request_rule,
    rule_object,
    ruleset_rules,
    status_checks_rule,
)
from tests.integrations.github.support import (
    ERROR,
    FAIL,
    PASS,
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


@pytest.mark.parametrize("check_id", BRANCH_CHECKS + RULE_CHECKS)
def test_a_ruleset_alone_satisfies_each_branch_check(httpserver, check_id):
    # given a repository without classic protection whose default branch an organisation ruleset with every rule
    # protects
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection, web.rules = None, ruleset_rules(7)
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, check_id, "acme/web")
    # then it passes, naming the ruleset as the source
    assert outcome.status == PASS
    assert outcome.observed["sources"] == ["ruleset:7"]
    assert outcome.observed["protected"] is True
    assert outcome.reason.endswith("(ruleset 7)")


@pytest.mark.parametrize("check_id", BRANCH_CHECKS)
def test_no_classic_protection_and_no_rules_still_fails(httpserver, check_id):
    # given a repository without classic protection whose rules endpoint answers an empty array
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection, web.rules = None, []
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, check_id, "acme/web")
    # then it fails as an unprotected branch
    assert outcome.status == FAIL
    assert outcome.reason == "The default branch main of acme/web is not protected"
    assert outcome.observed == {"branch": "main", "protected": False}


@pytest.mark.parametrize("check_id", BRANCH_CHECKS)
def test_a_ruleset_makes_up_for_weak_classic_protection(httpserver, check_id):
    # given classic protection that fails every setting, and a ruleset that requires them all
    state = noncompliant_org(server_base(httpserver))
    repo_state(state, "acme/api").rules = ruleset_rules(42)
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, check_id, "acme/api")
    # then it passes, and both sources are recorded
    assert outcome.status == PASS
    assert outcome.observed["sources"] == ["branch_protection", "ruleset:42"]
    assert "ruleset 42" in outcome.reason


def test_settings_combine_across_classic_protection_and_rulesets(httpserver):
    # given classic protection (2 approvals, ci/build and ci/test) and two rulesets adding a check and a lax review
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/api").rules = [
        status_checks_rule(5, "ci/lint", "ci/build", strict=False),
        pull_request_rule(6, approvals=1, dismiss_stale=False),
    ]
    serve(httpserver, state)
    # when the status check and review checks run
    checks = outcome_of(httpserver, "github.branch_protection.status_checks_required", "acme/api")
    reviews = outcome_of(httpserver, "github.branch_protection.reviews_required", "acme/api")
    # then the required checks are the union, and the strictest review settings apply
    assert checks.status == PASS
    assert checks.observed["required_status_checks"] == ["ci/build", "ci/lint", "ci/test"]
    assert checks.observed["sources"] == ["branch_protection", "ruleset:5", "ruleset:6"]
    assert "(branch protection, ruleset 5)" in checks.reason
    assert reviews.status == PASS
    assert reviews.observed["required_approving_reviews"] == 2
    assert reviews.observed["dismiss_stale_reviews"] is True
    assert reviews.reason.endswith("(branch protection)")


def test_a_ruleset_without_the_relevant_rule_fails_that_check_and_says_what_was_checked(httpserver):
    # given a branch protected only by a ruleset that blocks deletion and requires pull requests without approval
    state = compliant_org(server_base(httpserver))
    web = repo_state(state, "acme/web")
    web.protection = None
    web.rules = [rule_object("deletion", 9), pull_request_rule(9, approvals=0)]
    serve(httpserver, state)
    # when the checks run
    outcomes = {check_id: outcome_of(httpserver, check_id, "acme/web") for check_id in BRANCH_CHECKS}
    # then only protection and deletion pass, and each failure names the ruleset it looked at
    assert {c.rsplit(".", 1)[1]: o.status for c, o in outcomes.items()} == {
        "default_branch_protected": PASS,
        "reviews_required": FAIL,
        "force_push_blocked": FAIL,
        "deletion_blocked": PASS,
        "status_checks_required": FAIL,
    }
    force = outcomes["github.branch_protection.force_push_blocked"]
    assert force.reason == "main of acme/web allows force pushes (ruleset 9)"
    assert force.observed["allow_force_pushes"] is True
    reviews = outcomes["github.branch_protection.reviews_required"]
    assert reviews.reason == "main of acme/web requires pull requests but no approving review (ruleset 9)"


def test_rules_are_collected_once_per_repository_and_stored_without_unused_parameters(httpserver):
    # given a ruleset with a rule type the checks do not read
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").rules = [
        rule_object("required_linear_history", 3),
        rule_object("code_scanning", 3, code_scanning_tools=[{"tool": "CodeQL"}]),
    ]
    serve(httpserver, state)
    # when branch protection is collected
    inventory = collect(httpserver, ["github.branch_protection.default_branch_protected"])
    # then each repository's rules endpoint was read once and the rules are kept in a compact shape
    rule_paths = [r.path for r, _ in httpserver.log if "/rules/branches/" in r.path]
    assert sorted(rule_paths) == ["/repos/acme/api/rules/branches/main", "/repos/acme/web/rules/branches/main"]
    stored = inventory.data["branch_protection"]["repositories"]["acme/web"]["rules"]
    assert stored[1] == {
        "type": "code_scanning",
        "parameters": {},
        "ruleset_id": 3,
        "ruleset_source_type": "Repository",
        "ruleset_source": "acme/api",
    }


def test_rules_the_token_may_not_read_are_an_error_like_classic_protection(httpserver):
    # given a repository whose rules endpoint is forbidden to the token
    state = compliant_org(server_base(httpserver))
    repo_state(state, "acme/web").errors["rules"] = (403, "Resource not accessible by personal access token")
    serve(httpserver, state)
    check_id = "github.branch_protection.force_push_blocked"
    # when the check's services are collected and evaluated
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then the service errors with GitHub's answer, never a pass
    assert inventory.errors == {
        "branch_protection": "token lacks permission to read branch protection of acme/web: "
        "403 Resource not accessible by personal access token"
    }
    assert statuses(outcomes) == {"acme": ERROR}


def test_a_server_without_rulesets_is_judged_on_classic_protection(httpserver):
    # given GitHub Enterprise Server older than rulesets: the rules endpoint does not exist
    state = compliant_org(server_base(httpserver))
    for each in state.repos:
        each.errors["rules"] = (404, "Not Found")
    serve(httpserver, state)
    check_id = "github.branch_protection.force_push_blocked"
    # when
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then classic protection alone decides, with no error
    assert inventory.errors == {}
    assert outcomes and set(statuses(outcomes).values()) == {PASS}
