"""CloudFormation stack checks against moto: credentials in outputs, termination protection, CDK bootstrap versions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.providers.aws.collectors import cloudformation as cloudformation_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import OTHER_REGION, REGION, aws, collect, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
OUTPUTS = "aws.cloudformation.stack_outputs_no_secrets"
PROTECTION = "aws.cloudformation.stack_termination_protection"
BOOTSTRAP = "aws.cloudformation.cdk_bootstrap_version_current"


def _stack(
    endpoint: str, name: str, outputs: dict[str, str] | None = None, region: str = REGION, **settings: Any
) -> str:
    """Create stack ``name`` holding one SNS topic and returning ``outputs`` (literal values); its StackId."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{name}-topic"}}},
        "Outputs": {key: {"Value": value} for key, value in (outputs or {}).items()},
    }
    created = aws(endpoint, "cloudformation", region).create_stack(
        StackName=name, TemplateBody=json.dumps(template), **settings
    )
    return str(created["StackId"])


def test_stack_outputs_holding_credentials_fail_by_name_without_the_value(moto_reset: str) -> None:
    # given a stack returning a database password and a connection string with its password, and one returning the
    # secret's ARN and the topic's name
    leaky = _stack(
        moto_reset,
        "orders-db",
        {
            "MasterPassword": "Orders-2026-secret",
            "ConnectionString": "postgres://app:Orders-2026-secret@db.internal/orders",
            "Port": "5432",
        },
    )
    tidy = _stack(
        moto_reset,
        "orders-api",
        {"DbSecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:orders-db", "TopicName": "orders"},
    )
    # when the outputs check runs
    collected = collect(moto_reset, [OUTPUTS])
    outcomes = {o.resource_id: o for o in run(collected, OUTPUTS)}
    # then only the leaky stack fails, naming the outputs and kinds; the password is kept nowhere
    assert statuses(outcomes.values()) == {leaky: FAIL, tidy: PASS}
    assert outcomes[leaky].reason == (
        "CloudFormation stack orders-db's outputs hold credential-looking values: ConnectionString (url_password), "
        "MasterPassword (password)"
    )
    assert "Orders-2026-secret" not in json.dumps(collected.data)


def test_root_stacks_pass_with_termination_protection_and_rolled_back_ones_are_not_judged(moto_reset: str) -> None:
    # given a root stack with termination protection, one without, and one whose creation rolled back
    guarded = _stack(moto_reset, "payments", EnableTerminationProtection=True)
    loose = _stack(moto_reset, "reports")
    collected = collect(moto_reset, [PROTECTION])
    failed = dict(collected.data["cloudformation"]["regions"][REGION]["stacks"][0], name="broken", arn="broken-id")
    failed["status"] = "ROLLBACK_COMPLETE"
    collected.data["cloudformation"]["regions"][REGION]["stacks"].append(failed)
    # when the termination protection check runs
    outcomes = {o.resource_id: o for o in run(collected, PROTECTION)}
    # then the unprotected root stack fails; the rolled-back one holds nothing and is not judged
    assert statuses(outcomes.values()) == {guarded: PASS, loose: FAIL}
    assert outcomes[loose].reason == "CloudFormation stack reports does not have termination protection"


def test_cdk_bootstrap_stacks_pass_from_version_21(moto_reset: str) -> None:
    # given CDK bootstrap stacks at versions 20 and 25 in two regions, and a stack publishing no bootstrap version
    old = _stack(moto_reset, "CDKToolkit", {"BootstrapVersion": "20", "BucketName": "cdk-hnb659fds-assets"})
    current = _stack(moto_reset, "CDKToolkit", {"BootstrapVersion": "25"}, region=OTHER_REGION)
    _stack(moto_reset, "orders-api", {"TopicName": "orders"})
    # when the bootstrap check runs in both regions
    outcomes = {o.resource_id: o for o in scan(moto_reset, BOOTSTRAP, [REGION, OTHER_REGION])}
    # then only the bootstrap stacks are judged, and the old one fails
    assert statuses(outcomes.values()) == {old: FAIL, current: PASS}
    assert outcomes[old].reason == (
        "CloudFormation stack CDKToolkit runs CDK bootstrap template version 20 (version 21 or later needed)"
    )


def test_stacks_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three stacks and a collector that reads at most two
    monkeypatch.setattr(cloudformation_collector, "MAX_STACKS", 2)
    for name in ("first", "second", "third"):
        _stack(moto_reset, name, EnableTerminationProtection=True)
    # when the termination protection check runs
    outcomes = scan(moto_reset, PROTECTION)
    # then two are judged and an error says the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    assert next(o for o in outcomes if o.status == ERROR).reason == (
        f"{REGION} holds more than 2 CloudFormation stacks; only the first 2 were read and judged"
    )
