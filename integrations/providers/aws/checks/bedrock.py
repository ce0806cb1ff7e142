"""Bedrock resource checks: agents answer behind a guardrail, under their own service role and a customer managed
key; custom models are encrypted with a customer managed key; guardrails block prompt attacks, keep personal data out
of answers and catch answers their sources do not support."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_analytics import BedrockAgent, BedrockCustomModel, BedrockGuardrail
from ._common import Verdict, aws_check, error, regions, result

AGENT = "AWS::Bedrock::Agent"
CUSTOM_MODEL = "AWS::Bedrock::CustomModel"
GUARDRAIL = "AWS::Bedrock::Guardrail"
# What a filter may do with what it matches and still protect: refuse it, or mask it (sensitive information only).
_ACTING = {"BLOCK", "ANONYMIZE"}


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


# --- guardrails ---------------------------------------------------------------------------------------------------


def _guardrail_label(guardrail: BedrockGuardrail) -> str:
    return f"Bedrock guardrail {guardrail.get('name') or guardrail['id']}"


def _judge_guardrails(
    inventory: Inventory, judge: Callable[[BedrockGuardrail, list[BedrockGuardrail]], Verdict]
) -> Iterator[Outcome]:
    return _judge(inventory, "guardrails", "guardrails", GUARDRAIL, judge)


@aws_check(
    id="aws.bedrock.guardrail_prompt_attack_filter",
    title="Bedrock guardrails block prompt attacks at high strength",
    severity=Severity.HIGH,
    service="bedrock",
    resource_type=GUARDRAIL,
    rationale="Jailbreaks and prompt injections are how a user, or a document the model reads, talks a model out of "
    "its instructions; the guardrail's prompt attack filter is the screen for them, and below high strength or set "
    "only to detect it lets through attacks it recognises.",
    remediation="Edit the guardrail's content filters: turn on the prompt attack filter for prompts at HIGH strength "
    "with the Block action (UpdateGuardrail with contentPolicyConfig), then publish a version and move the "
    "applications and agents to it.",
)
def guardrail_prompt_attack_filter(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_guardrails(inventory, _prompt_attack)


def _prompt_attack(guardrail: BedrockGuardrail, _: list[BedrockGuardrail]) -> Verdict:
    label, attack = _guardrail_label(guardrail), guardrail.get("prompt_attack")
    if attack is None:
        return False, f"{label} has no prompt attack filter", {"strength": None, "action": None}
    strength, action = attack.get("strength"), attack.get("action") or "BLOCK"
    observed = {"strength": strength, "action": action}
    if attack.get("enabled") is False:
        return False, f"{label} has its prompt attack filter switched off for prompts", observed
    if strength != "HIGH":
        return False, f"{label} filters prompt attacks at {strength or 'no'} strength, not HIGH", observed
    if action not in _ACTING:
        return False, f"{label} only detects prompt attacks (action {action}), it does not block them", observed
    return True, f"{label} blocks prompt attacks at HIGH strength", observed


@aws_check(
    id="aws.bedrock.guardrail_sensitive_information_filter",
    title="Bedrock guardrails block or mask sensitive information in answers",
    severity=Severity.HIGH,
    service="bedrock",
    resource_type=GUARDRAIL,
    rationale="A model answers with whatever its context holds, knowledge bases and earlier turns included; a "
    "guardrail without sensitive information filters, or with filters that only detect, passes personal data, "
    "credentials and account numbers straight to whoever asked.",
    remediation="Add the personal data types (and regexes for the organisation's own identifiers) the application "
    "must never return to the guardrail's sensitive information filters with the Block or Mask action on responses "
    "(UpdateGuardrail with sensitiveInformationPolicyConfig), then publish a version and move its users to it.",
)
def guardrail_sensitive_information_filter(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_guardrails(inventory, _sensitive_information)


def _sensitive_information(guardrail: BedrockGuardrail, _: list[BedrockGuardrail]) -> Verdict:
    label, entries = _guardrail_label(guardrail), guardrail.get("sensitive_information", [])
    if not entries:
        return False, f"{label} has no sensitive information filters", {"filters": 0, "not_acting": []}
    idle = sorted(e["name"] for e in entries if e.get("enabled") is False or e.get("action") not in _ACTING)
    observed = {"filters": len(entries), "not_acting": idle}
    if idle:
        return False, f"{label} lets answers through unmasked for {', '.join(idle)} (detect only or off)", observed
    return True, f"{label} blocks or masks {len(entries)} kinds of sensitive information in answers", observed


@aws_check(
    id="aws.bedrock.guardrail_contextual_grounding",
    title="Bedrock guardrails check answers against their sources",
    severity=Severity.MEDIUM,
    service="bedrock",
    resource_type=GUARDRAIL,
    rationale="A model answering from retrieved documents can still invent facts or drift from the question; the "
    "contextual grounding check scores each answer against its source (grounding) and the query (relevance) and "
    "blocks the ones below the threshold, so users are not handed made-up answers as if they came from the "
    "organisation's own records.",
    remediation="Turn on both contextual grounding filters, grounding and relevance, with the Block action and a "
    "threshold suited to the application (UpdateGuardrail with contextualGroundingPolicyConfig), then publish a "
    "version and move its users to it.",
)
def guardrail_contextual_grounding(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_guardrails(inventory, _grounding)


def _grounding(guardrail: BedrockGuardrail, _: list[BedrockGuardrail]) -> Verdict:
    label = _guardrail_label(guardrail)
    acting = {
        f["type"]: f.get("threshold")
        for f in guardrail.get("grounding", [])
        if f.get("enabled") is not False and (f.get("action") or "BLOCK") == "BLOCK"
    }
    missing = [kind for kind in ("GROUNDING", "RELEVANCE") if kind not in acting]
    observed = {"blocking": dict(sorted(acting.items())), "missing": missing}
    if missing:
        return False, f"{label} does not block answers failing {' or '.join(m.lower() for m in missing)}", observed
    return True, f"{label} blocks answers below its grounding and relevance thresholds", observed
