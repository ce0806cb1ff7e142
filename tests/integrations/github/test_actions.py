"""The GitHub Actions policy checks against the fake GitHub: which actions run, a read-only token, no approving bots."""

from __future__ import annotations

import pytest

from integrations.registry import Inventory
from tests.integrations.github.support import (
    ERROR,
    FAIL,
    PASS,
    collect,
    compliant_org,
    get,
    noncompliant_org,
    outcome_of,
    serve,
    server_base,
    statuses,
)

TOKEN_CHECK = "github.actions.default_token_read_only"
ALLOWED_CHECK = "github.actions.allowed_actions_restricted"
APPROVAL_CHECK = "github.actions.cannot_approve_pull_requests"


def test_a_read_only_default_token_without_approvals_passes_both(httpserver):
    # given an organisation whose workflows get a read-only token and may not approve pull requests
    serve(httpserver, compliant_org(server_base(httpserver)))
    # when both checks run
    token, approval = outcome_of(httpserver, TOKEN_CHECK, "acme"), outcome_of(httpserver, APPROVAL_CHECK, "acme")
    # then both pass, saying what was found
    assert (token.status, approval.status) == (PASS, PASS)
    assert token.reason == "Workflows in acme get a read-only GITHUB_TOKEN unless they ask for more"
    assert approval.observed == {"can_approve_pull_request_reviews": False}


def test_the_permissive_defaults_fail_each_check_on_its_own(httpserver):
    # given an organisation with a read-only token but workflows allowed to approve pull requests
    state = compliant_org(server_base(httpserver))
    state.workflow = {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": True}
    serve(httpserver, state)
    # when both checks run
    token, approval = outcome_of(httpserver, TOKEN_CHECK, "acme"), outcome_of(httpserver, APPROVAL_CHECK, "acme")
    # then only the approval check fails
    assert (token.status, approval.status) == (PASS, FAIL)
    assert approval.reason == "Workflows in acme may create and approve pull requests"


def test_a_write_default_fails_naming_it(httpserver):
    # given the non-compliant organisation (write by default)
    serve(httpserver, noncompliant_org(server_base(httpserver)))
    # when the token check runs
    outcome = outcome_of(httpserver, TOKEN_CHECK, "acme")
    # then it fails, naming the permission
    assert outcome.status == FAIL
    assert outcome.observed == {"default_workflow_permissions": "write"}
    assert "'write' permissions by default" in outcome.reason


@pytest.mark.parametrize("check_id", [TOKEN_CHECK, APPROVAL_CHECK])
def test_settings_github_hides_are_an_error_not_a_pass(httpserver, check_id):
    # given a token GitHub refuses the workflow settings to (not an owner, or without admin:org)
    state = compliant_org(server_base(httpserver))
    state.workflow = (403, "Must have admin rights to Repository.")
    serve(httpserver, state)
    # when collected and checked
    inventory = collect(httpserver, [check_id])
    outcomes = list(get(check_id).run(inventory))
    # then the check is an error naming what could not be read
    assert statuses(outcomes) == {"acme": ERROR}
    assert "GitHub Actions permissions" in inventory.errors["actions"]


def test_an_answer_without_the_setting_is_an_error(httpserver):
    # given an older GitHub that answers the workflow settings without the approval flag
    state = compliant_org(server_base(httpserver))
    state.workflow = {"default_workflow_permissions": "read"}
    serve(httpserver, state)
    # when the approval check runs
    outcome = outcome_of(httpserver, APPROVAL_CHECK, "acme")
    # then it cannot pass unseen
    assert outcome.status == ERROR
    assert "did not return can_approve_pull_request_reviews" in outcome.reason


def selection(**overrides):
    return {"github_owned_allowed": True, "verified_allowed": False, "patterns_allowed": ["docker/*"], **overrides}


@pytest.mark.parametrize(
    ("policy", "selected", "status", "said"),
    [
        ({"enabled_repositories": "all", "allowed_actions": "local_only"}, None, PASS, "only actions and reusable"),
        ({"enabled_repositories": "all", "allowed_actions": "all"}, None, FAIL, "any action from any repository"),
        # Actions turned off: nothing runs, whatever the (then meaningless) allowed-actions answer.
        ({"enabled_repositories": "none"}, None, PASS, "disabled for every repository"),
        (
            {"enabled_repositories": "selected", "allowed_actions": "selected"},
            selection(),
            PASS,
            "only selected actions run: actions by GitHub, 1 listed pattern(s)",
        ),
        (
            {"enabled_repositories": "all", "allowed_actions": "selected"},
            selection(verified_allowed=True, patterns_allowed=["*"]),
            FAIL,
            "include the pattern '*'",
        ),
    ],
)
def test_which_actions_workflows_may_run(httpserver, policy, selected, status, said):
    # given the organisation's Actions policy (and its selection, read only when actions are selected)
    state = compliant_org(server_base(httpserver))
    state.actions_policy, state.selected_actions = policy, selected
    serve(httpserver, state)
    # when the check runs
    outcome = outcome_of(httpserver, ALLOWED_CHECK, "acme")
    # then the verdict and its reason follow the policy
    assert outcome.status == status
    assert said in outcome.reason
    assert outcome.observed["selected_actions"] == selected


def test_a_selection_not_collected_is_an_error_not_a_verdict():
    # given an inventory saying actions are selected but holding no selection (collected by an older version)
    settings = {"enabled_repositories": "all", "allowed_actions": "selected", "selected_actions": None}
    inventory = Inventory(integration_type="github", account_id="acme", data={"actions": settings})
    # when the check runs
    outcomes = list(get(ALLOWED_CHECK).run(inventory))
    # then it cannot judge the selection
    assert statuses(outcomes) == {"acme": ERROR}
    assert "did not return selected_actions" in outcomes[0].reason
