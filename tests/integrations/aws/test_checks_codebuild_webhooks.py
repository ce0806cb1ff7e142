"""CodeBuild webhook checks (filters on actors and branches anchored, pull requests built only after approval or from
named accounts) against moto and its webhook addition, through botocore."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.checks.codebuild_webhooks import alternatives, anchored
from integrations.registry import OutcomeStatus
from tests.integrations.aws.seed_devtools import BUILD_ENVIRONMENT, ROLE
from tests.integrations.aws.support import aws, collect, connector, json_reply, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
ANCHORED = "aws.codebuild.webhook_filters_anchored"
APPROVAL = "aws.codebuild.webhook_pull_requests_need_approval"
CHECKS = [ANCHORED, APPROVAL]
PR_EVENTS = "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"


def _event(pattern: str) -> dict[str, Any]:
    return {"type": "EVENT", "pattern": pattern}


def _project(endpoint: str, name: str, **webhook: Any) -> str:
    codebuild = aws(endpoint, "codebuild")
    arn = codebuild.create_project(
        name=name,
        source={"type": "GITHUB", "location": f"https://github.com/example/{name}.git"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=BUILD_ENVIRONMENT,
        serviceRole=ROLE,
    )["project"]["arn"]
    if webhook:
        codebuild.create_webhook(projectName=name, **webhook)
    return str(arn)


@pytest.mark.parametrize(
    ("pattern", "whole"),
    [
        ("^123456$", True),
        ("^123456$|^654321$", True),
        ("^(123456|654321)$", True),
        ("^refs/heads/(main|release/.*)$", True),
        ("^a(b|c)$|^d$", True),
        ("^[|x]$", True),
        ("123456", False),
        ("^123456", False),
        ("123456$", False),
        ("^123456$|654321", False),
        ("^(123456)|(654321)$", False),
        ("^price\\$", False),  # the last "$" is a literal dollar sign
        ("", False),
    ],
)
def test_a_pattern_is_anchored_only_when_every_alternative_matches_a_whole_value(pattern: str, whole: bool) -> None:
    assert anchored(pattern) is whole


def test_alternatives_split_only_at_the_top_level() -> None:
    assert alternatives("^a(b|c)$|^[|]$|x\\|y") == ["^a(b|c)$", "^[|]$", "x\\|y"]


def test_webhooks_are_judged_on_their_filters_and_pull_request_policy(moto_reset: str) -> None:
    # given a project without a webhook; one building pull requests only from two named accounts, anchored, and pushes
    # to main; one building pull requests from one account with an unanchored id and a branch filter without anchors;
    # one building every pull request after approval; and one with a webhook that filters nothing
    quiet = _project(moto_reset, "quiet")
    strict = _project(
        moto_reset,
        "strict",
        filterGroups=[
            [_event(PR_EVENTS), {"type": "ACTOR_ACCOUNT_ID", "pattern": "^(1234567|7654321)$"}],
            [_event("PUSH"), {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}],
        ],
    )
    loose = _project(
        moto_reset,
        "loose",
        filterGroups=[
            [_event(PR_EVENTS), {"type": "ACTOR_ACCOUNT_ID", "pattern": "1234567"}],
            [_event("PUSH"), {"type": "HEAD_REF", "pattern": "refs/heads/main"}],
            # an exclusion that matches too much only builds less
            [_event("PUSH"), {"type": "HEAD_REF", "pattern": "wip", "excludeMatchedPattern": True}],
        ],
    )
    approved = _project(
        moto_reset,
        "approved",
        filterGroups=[[_event(PR_EVENTS)]],
        pullRequestBuildPolicy={"requiresCommentApproval": "FORK_PULL_REQUESTS", "approverRoles": ["ADMIN"]},
    )
    everything = _project(moto_reset, "everything", buildType="BUILD")
    # when the webhook checks run on one collection
    collected = collect(moto_reset, CHECKS)
    anchored_outcomes, approval_outcomes = run(collected, ANCHORED), run(collected, APPROVAL)
    # then projects with webhooks are judged (the one without is not), each saying why
    assert statuses(anchored_outcomes) == {strict: PASS, loose: FAIL, approved: PASS, everything: PASS}
    assert quiet not in statuses(approval_outcomes)
    reasons = {o.resource_id: o.reason for o in anchored_outcomes}
    assert reasons[loose] == (
        "CodeBuild project loose has webhook filters matching more than they name: ACTOR_ACCOUNT_ID '1234567', "
        "HEAD_REF 'refs/heads/main'"
    )
    assert reasons[strict] == (
        "CodeBuild project strict has webhook filters on actors and branches that match whole values only"
    )
    # and pull requests from anyone fail unless approval is required; an unanchored actor filter names no one
    assert statuses(approval_outcomes) == {strict: PASS, loose: FAIL, approved: PASS, everything: FAIL}
    reasons = {o.resource_id: o.reason for o in approval_outcomes}
    assert reasons[strict] == "CodeBuild project strict builds pull requests only from the accounts its filters name"
    assert (
        reasons[loose] == "CodeBuild project loose builds pull requests from anyone without approval (filter group 1)"
    )
    assert (
        reasons[approved] == "CodeBuild project approved builds pull requests only after approval (FORK_PULL_REQUESTS)"
    )
    assert reasons[everything] == (
        "CodeBuild project everything builds every event, pull requests from anyone included, without approval"
    )


def test_a_webhook_building_only_pushes_is_not_judged_on_pull_requests_and_updates_are_read(moto_reset: str) -> None:
    # given a webhook building pushes only
    pushes = _project(moto_reset, "pushes", filterGroups=[[_event("PUSH")]])
    assert run(collect(moto_reset, [APPROVAL]), APPROVAL) == []
    # when it is changed to build pull requests too, without approval
    aws(moto_reset, "codebuild").update_webhook(projectName="pushes", filterGroups=[[_event("PUSH, " + PR_EVENTS)]])
    # then it fails; and once its webhook is deleted neither check judges it
    assert statuses(run(collect(moto_reset, [APPROVAL]), APPROVAL)) == {pushes: FAIL}
    aws(moto_reset, "codebuild").delete_webhook(projectName="pushes")
    collected = collect(moto_reset, CHECKS)
    assert run(collected, ANCHORED) == [] and run(collected, APPROVAL) == []


def test_a_project_that_cannot_be_described_is_an_error_for_both(moto_reset: str) -> None:
    # given a project with a webhook, and CodeBuild refusing to describe projects
    arn = _project(moto_reset, "guarded", filterGroups=[[_event(PR_EVENTS)]])
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=400)
    built.session.events.register("before-send.codebuild.BatchGetProjects", lambda **_: refusal)
    inventory = built.collect({"codebuild"})
    # when the checks run, then each is an error naming the project, not a verdict on settings never read
    for cid in CHECKS:
        outcome = only(run(inventory, cid))
        assert (outcome.status, outcome.resource_id) == (ERROR, arn), outcome.reason
        assert outcome.reason.startswith("Could not describe CodeBuild project guarded: BatchGetProjects failed")
