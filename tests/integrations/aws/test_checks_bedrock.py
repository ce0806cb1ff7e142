"""Bedrock agent (guardrail, own service role, customer managed key) and custom model (customer managed key) checks
against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
GUARDRAIL = "aws.bedrock.agent_guardrail_enabled"
OWN_ROLE = "aws.bedrock.agent_role_not_shared"
AGENT_KEY = "aws.bedrock.agent_customer_key"
MODEL_KEY = "aws.bedrock.custom_model_customer_key"
AGENT_CHECKS = [GUARDRAIL, OWN_ROLE, AGENT_KEY]
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _agent(endpoint: str, name: str, role: str, **settings: Any) -> str:
    created = aws(endpoint, "bedrock-agent").create_agent(
        agentName=name, agentResourceRoleArn=_role(role), foundationModel=MODEL, **settings
    )
    return str(created["agent"]["agentArn"])


def _custom_model(endpoint: str, name: str, **settings: Any) -> str:
    aws(endpoint, "s3").create_bucket(Bucket=f"{name}-data")
    aws(endpoint, "bedrock").create_model_customization_job(
        jobName=f"{name}-job",
        customModelName=name,
        roleArn=_role("bedrock-tuning"),
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": f"s3://{name}-data/train.jsonl"},
        outputDataConfig={"s3Uri": f"s3://{name}-data/output/"},
        hyperParameters={"epochCount": "1"},
        **settings,
    )
    return str(aws(endpoint, "bedrock").get_custom_model(modelIdentifier=name)["modelArn"])


def test_a_hardened_agent_passes_and_agents_sharing_a_bare_setup_fail(moto_reset: str) -> None:
    # given an agent behind a guardrail, under a role of its own and a customer managed key; and two agents without
    # either, sharing one role
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    guarded = _agent(
        moto_reset,
        "support",
        "support-agent",
        guardrailConfiguration={"guardrailIdentifier": "gr-support", "guardrailVersion": "2"},
        customerEncryptionKeyArn=key,
    )
    first, second = _agent(moto_reset, "triage", "shared-agent"), _agent(moto_reset, "billing", "shared-agent")
    # when the agent checks run on one collection
    collected = collect(moto_reset, AGENT_CHECKS)
    # then the hardened agent passes each and the others fail each, saying why
    assert {cid: statuses(run(collected, cid)) for cid in AGENT_CHECKS} == {
        cid: {guarded: PASS, first: FAIL, second: FAIL} for cid in AGENT_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in AGENT_CHECKS for o in run(collected, cid)}
    assert reasons[(GUARDRAIL, guarded)] == "Bedrock agent support answers behind guardrail gr-support (version 2)"
    assert reasons[(GUARDRAIL, first)] == "Bedrock agent triage has no guardrail"
    assert reasons[(OWN_ROLE, guarded)] == (
        f"Bedrock agent support acts under service role {_role('support-agent')} of its own"
    )
    assert reasons[(OWN_ROLE, second)] == (
        f"Bedrock agent billing shares service role {_role('shared-agent')} with 1 other agent"
    )
    assert reasons[(AGENT_KEY, guarded)] == f"Bedrock agent support encrypts its data with customer managed key {key}"
    assert reasons[(AGENT_KEY, first)] == "Bedrock agent triage encrypts its data with an AWS owned key"


def test_custom_models_pass_only_under_a_customer_managed_key(moto_reset: str) -> None:
    # given a model tuned with a customer managed key and one without
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    sealed = _custom_model(moto_reset, "sealed", customModelKmsKeyId=key)
    plain = _custom_model(moto_reset, "plain")
    # when the check runs
    outcomes = run(collect(moto_reset, [MODEL_KEY]), MODEL_KEY)
    # then only the one under an AWS owned key fails
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}
    assert next(o for o in outcomes if o.resource_id == plain).reason == (
        "Bedrock custom model plain is encrypted with an AWS owned key"
    )


def test_a_refused_agent_listing_errors_the_agent_checks_alone(moto_reset: str) -> None:
    # given an agent and a custom model, and Bedrock refusing to list agents
    _agent(moto_reset, "support", "support-agent")
    model = _custom_model(moto_reset, "plain")
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=403)
    built.session.events.register("before-send.bedrock-agent.ListAgents", lambda **_: refusal)
    inventory = built.collect({"bedrock"})
    # when the checks run
    # then each agent check is one error for the region, naming the refusal, and the model and logging are judged
    for cid in AGENT_CHECKS:
        outcome = only(run(inventory, cid))
        assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
        assert outcome.reason.startswith(f"Could not list the Bedrock agents in {REGION}: ListAgents failed")
    assert statuses(run(inventory, MODEL_KEY)) == {model: FAIL}
    assert only(run(inventory, "aws.bedrock.model_invocation_logging_enabled")).status == FAIL
    # and an inventory collected before agents were read gives no agent outcome
    for data in inventory.data["bedrock"]["regions"].values():
        del data["agents_error"]
    assert run(inventory, GUARDRAIL) == []
