"""AWS Batch job definition checks against moto: credentials in the container environment and command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import batch as batch_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import REGION, aws, collect, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
SECRETS = "aws.batch.job_definition_no_secrets"


def _container(environment: dict[str, str], command: list[str] | None = None) -> dict[str, Any]:
    return {
        "image": "public.ecr.aws/docker/library/busybox:latest",
        "vcpus": 1,
        "memory": 512,
        "command": command or ["echo", "done"],
        "environment": [{"name": k, "value": v} for k, v in environment.items()],
    }


def _definition(endpoint: str, name: str, **properties: Any) -> str:
    registered = aws(endpoint, "batch").register_job_definition(jobDefinitionName=name, type="container", **properties)
    return str(registered["jobDefinitionArn"])


def test_job_definitions_holding_credentials_fail_by_name_and_kind_without_the_value(moto_reset: str) -> None:
    # given a definition with a database password in its environment, one passing a token on its command line, and
    # one whose environment only names its secret
    leaky = _definition(
        moto_reset, "nightly-export", containerProperties=_container({"DB_PASSWORD": "Export-2026", "REGION": REGION})
    )
    token = "ghp_" + "Q7rT" * 9
    argued = _definition(
        moto_reset, "sync-repos", containerProperties=_container({}, ["sync", f"--token={token}", "--all"])
    )
    tidy = _definition(
        moto_reset, "reports", containerProperties=_container({"DB_SECRET_ARN": "arn:aws:secretsmanager:x"})
    )
    # when the job definition check runs
    collected = collect(moto_reset, [SECRETS])
    outcomes = {o.resource_id: o for o in run(collected, SECRETS)}
    # then the two holding a credential fail, naming where and what kind; the values are kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, argued: FAIL, tidy: PASS}
    assert outcomes[leaky].reason == (
        "Batch job definition nightly-export:1's environment and command hold credential-looking values: "
        "DB_PASSWORD (password)"
    )
    assert outcomes[argued].observed["findings"] == [
        {"name": "command", "kinds": ["secret_assignment", "service_token"]}
    ]
    assert "Export-2026" not in json.dumps(collected.data) and token not in json.dumps(collected.data)


def test_job_definitions_past_the_bound_are_left_unread_and_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three job definitions and a collector that reads at most two
    monkeypatch.setattr(batch_collector, "MAX_JOB_DEFINITIONS", 2)
    for name in ("first", "second", "third"):
        _definition(moto_reset, name, containerProperties=_container({}))
    # when the check runs
    outcomes = scan(moto_reset, SECRETS)
    # then two are judged and an error says the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
