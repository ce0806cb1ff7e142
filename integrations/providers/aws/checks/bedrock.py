"""Bedrock resource checks: agents answer behind a guardrail, under their own service role and a customer managed
key; custom models are encrypted with a customer managed key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import BedrockAgent, BedrockCustomModel
from ._common import Verdict, aws_check, error, regions, result

AGENT = "AWS::Bedrock::Agent"
CUSTOM_MODEL = "AWS::Bedrock::CustomModel"


def _judge(
    inventory: Inventory,
    key: str,
    noun: str,
    resource_type: str,
    judge: Callable[[Any, list[Any]], Verdict],
) -> Iterator[Outcome]:
    """One outcome per ``key`` item of every region from ``judge`` (given the item and its region's items), and an
    error outcome for each region whose ``noun`` could not be listed; regions collected before ``key`` was read give
    neither."""
    for region, data in regions(inventory, "bedrock"):
        if f"{key}_error" in data:
            reason = f"Could not list the Bedrock {noun} in {region}: {data[f'{key}_error']}"
            yield error(inventory.account_id or "aws-account", resource_type, reason, region=region)
            continue
        found = data.get(key, [])
        for item in found:
            ok, reason, observed = judge(item, found)
            yield result(ok, str(item.get("arn") or item.get("id")), resource_type, reason, region=region, **observed)


def _agent_label(agent: BedrockAgent) -> str:
    return f"Bedrock agent {agent.get('name') or agent['id']}"


def _judge_agents(
    inventory: Inventory, judge: Callable[[BedrockAgent, list[BedrockAgent]], Verdict]
) -> Iterator[Outcome]:
    return _judge(inventory, "agents", "agents", AGENT, judge)


@aws_check(
    id="aws.bedrock.agent_guardrail_enabled",
    title="Bedrock agents answer behind a guardrail",
    severity=Severity.HIGH,
    service="bedrock",
    resource_type=AGENT,
    rationale="An agent takes instructions from whoever talks to it and acts through its action groups and knowledge "
    "bases; without a guardrail nothing screens what users send it for prompt attacks or what it answers for "
    "harmful content and personal data before the application passes it on.",
    remediation="Create a Bedrock guardrail with the prompt attack filter, content filters and the sensitive "
    "information filters the data calls for, and set it on the agent (UpdateAgent with guardrailConfiguration), then "
    "prepare the agent and point its alias at the new version.",
)
def agent_guardrail_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_agents(inventory, _guardrail)


def _guardrail(agent: BedrockAgent, _: list[BedrockAgent]) -> Verdict:
    guardrail, version = agent.get("guardrail"), agent.get("guardrail_version")
    if guardrail:
        return (
            True,
            f"{_agent_label(agent)} answers behind guardrail {guardrail} (version {version})",
            {"guardrail": guardrail},
        )
    return False, f"{_agent_label(agent)} has no guardrail", {"guardrail": None}


@aws_check(
    id="aws.bedrock.agent_role_not_shared",
    title="Each Bedrock agent acts under a service role of its own",
    severity=Severity.MEDIUM,
    service="bedrock",
    resource_type=AGENT,
    rationale="An agent can do whatever its service role allows; agents sharing one role each hold the union of what "
    "all of them need, so a prompt that subverts one agent reaches the models, knowledge bases and actions meant for "
    "the others, and no role's policy can be kept to one agent's task.",
    remediation="Give each agent a service role of its own whose policy allows only that agent's foundation model, "
    "knowledge bases and action group functions (UpdateAgent with agentResourceRoleArn).",
)
def agent_role_not_shared(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_agents(inventory, _own_role)


def _own_role(agent: BedrockAgent, agents: list[BedrockAgent]) -> Verdict:
    role = agent.get("role_arn")
    uses = Counter(a.get("role_arn") for a in agents if a.get("role_arn"))
    others = uses[role] - 1 if role else 0
    if not role:
        return False, f"{_agent_label(agent)} reports no service role", {"role_arn": None, "shared_with": 0}
    if others:
        reason = (
            f"{_agent_label(agent)} shares service role {role} with {others} other agent{'s' if others > 1 else ''}"
        )
        return False, reason, {"role_arn": role, "shared_with": others}
    return (
        True,
        f"{_agent_label(agent)} acts under service role {role} of its own",
        {"role_arn": role, "shared_with": 0},
    )


@aws_check(
    id="aws.bedrock.agent_customer_key",
    title="Bedrock agents encrypt their data with a customer managed key",
    severity=Severity.LOW,
    service="bedrock",
    resource_type=AGENT,
    rationale="An agent keeps its instructions, its configuration and its session data, which hold what users told "
    "it; under an AWS owned key the account can neither restrict nor audit the key's use. A customer managed key puts "
    "every use in CloudTrail under a key policy the account controls and lets it revoke access.",
    remediation="Create a customer managed KMS key whose policy lets the agent's role and Bedrock use it, and set it "
    "on the agent (UpdateAgent with customerEncryptionKeyArn).",
)
def agent_customer_key(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_agents(inventory, _agent_key)


def _agent_key(agent: BedrockAgent, _: list[BedrockAgent]) -> Verdict:
    key = agent.get("customer_key")
    reason = (
        f"{_agent_label(agent)} encrypts its data with customer managed key {key}"
        if key
        else f"{_agent_label(agent)} encrypts its data with an AWS owned key"
    )
    return bool(key), reason, {"kms_key": key}


@aws_check(
    id="aws.bedrock.custom_model_customer_key",
    title="Bedrock custom models are encrypted with a customer managed key",
    severity=Severity.MEDIUM,
    service="bedrock",
    resource_type=CUSTOM_MODEL,
    rationale="A custom model's weights are derived from the training data it was tuned on and can give that data "
    "back; under an AWS owned key the account can neither restrict nor audit who uses the key that protects them.",
    remediation="A model's key is chosen when it is trained: run the customization job again with customModelKmsKeyId "
    "set to a customer managed key, move the applications to the new model and delete this one.",
)
def custom_model_customer_key(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(inventory, "custom_models", "custom models", CUSTOM_MODEL, _model_key)


def _model_key(model: BedrockCustomModel, _: list[BedrockCustomModel]) -> Verdict:
    key, label = model.get("kms_key"), f"Bedrock custom model {model.get('name') or model['arn']}"
    reason = (
        f"{label} is encrypted with customer managed key {key}"
        if key
        else f"{label} is encrypted with an AWS owned key"
    )
    return bool(key), reason, {"kms_key": key}
