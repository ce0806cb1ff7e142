"""Bedrock guardrail checks (prompt attacks, sensitive information in answers, contextual grounding) against moto and
its guardrail addition, through botocore."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, aws, collect, connector, json_reply, only, run, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
PROMPT_ATTACK = "aws.bedrock.guardrail_prompt_attack_filter"
SENSITIVE = "aws.bedrock.guardrail_sensitive_information_filter"
GROUNDING = "aws.bedrock.guardrail_contextual_grounding"
CHECKS = [PROMPT_ATTACK, SENSITIVE, GROUNDING]

HIGH_ATTACK = {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
HARDENED: dict[str, Any] = {
    "contentPolicyConfig": {
        "filtersConfig": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}, HIGH_ATTACK]
    },
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "AWS_SECRET_KEY", "action": "BLOCK"}],
        "regexesConfig": [{"name": "employee-id", "pattern": "EMP-[0-9]{6}", "action": "ANONYMIZE"}],
    },
    "contextualGroundingPolicyConfig": {
        "filtersConfig": [{"type": "GROUNDING", "threshold": 0.8}, {"type": "RELEVANCE", "threshold": 0.6}]
    },
}


def _guardrail(endpoint: str, name: str, region: str = REGION, **policies: Any) -> str:
    created = aws(endpoint, "bedrock", region).create_guardrail(
        name=name,
        blockedInputMessaging="Sorry, I cannot help with that.",
        blockedOutputsMessaging="Sorry, I cannot answer that.",
        **policies,
    )
    return str(created["guardrailArn"])


def _reasons(outcomes: list[Any]) -> dict[str, str]:
    return {o.resource_id: o.reason for o in outcomes}


def test_a_hardened_guardrail_passes_and_a_bare_one_fails_each_check(moto_reset: str) -> None:
    # given a guardrail blocking prompt attacks at high strength, masking or blocking personal data and secrets in
    # answers and checking them against their sources; and one with nothing but a word filter
    hardened = _guardrail(moto_reset, "support", **HARDENED)
    bare = _guardrail(moto_reset, "bare", wordPolicyConfig={"wordsConfig": [{"text": "competitor"}]})
    # when the guardrail checks run on one collection
    collected = collect(moto_reset, CHECKS)
    outcomes = {cid: run(collected, cid) for cid in CHECKS}
    # then the hardened one passes each and the bare one fails each, saying why
    assert {cid: statuses(found) for cid, found in outcomes.items()} == {
        cid: {hardened: PASS, bare: FAIL} for cid in CHECKS
    }
    assert _reasons(outcomes[PROMPT_ATTACK]) == {
        hardened: "Bedrock guardrail support blocks prompt attacks at HIGH strength",
        bare: "Bedrock guardrail bare has no prompt attack filter",
    }
    assert _reasons(outcomes[SENSITIVE]) == {
        hardened: "Bedrock guardrail support blocks or masks 3 kinds of sensitive information in answers",
        bare: "Bedrock guardrail bare has no sensitive information filters",
    }
    assert _reasons(outcomes[GROUNDING]) == {
        hardened: "Bedrock guardrail support blocks answers below its grounding and relevance thresholds",
        bare: "Bedrock guardrail bare does not block answers failing grounding or relevance",
    }
    grounded = next(o for o in outcomes[GROUNDING] if o.resource_id == hardened)
    assert grounded.observed == {"blocking": {"GROUNDING": 0.8, "RELEVANCE": 0.6}, "missing": []}
    assert all(o.resource_type == "AWS::Bedrock::Guardrail" for found in outcomes.values() for o in found)


def test_filters_that_only_detect_or_are_switched_off_fail(moto_reset: str) -> None:
    # given guardrails whose filters exist but do not protect: prompt attacks screened at medium strength, detected
    # without being blocked, or not screened on prompts at all; personal data detected only, or its answer path off;
    # and grounding alone, or relevance set to detect only
    medium = _guardrail(
        moto_reset,
        "medium",
        contentPolicyConfig={"filtersConfig": [{**HIGH_ATTACK, "inputStrength": "MEDIUM"}]},
        sensitiveInformationPolicyConfig={"piiEntitiesConfig": [{"type": "EMAIL", "action": "NONE"}]},
        contextualGroundingPolicyConfig={"filtersConfig": [{"type": "GROUNDING", "threshold": 0.7}]},
    )
    detecting = _guardrail(
        moto_reset,
        "detecting",
        contentPolicyConfig={"filtersConfig": [{**HIGH_ATTACK, "inputAction": "NONE"}]},
        sensitiveInformationPolicyConfig={
            "piiEntitiesConfig": [
                {"type": "EMAIL", "action": "BLOCK"},
                {"type": "PHONE", "action": "ANONYMIZE", "outputAction": "NONE"},
            ],
            "regexesConfig": [
                {"name": "iban", "pattern": "[A-Z]{2}[0-9]{20}", "action": "BLOCK", "outputEnabled": False}
            ],
        },
        contextualGroundingPolicyConfig={
            "filtersConfig": [
                {"type": "GROUNDING", "threshold": 0.7},
                {"type": "RELEVANCE", "threshold": 0.5, "action": "NONE"},
            ]
        },
    )
    switched_off = _guardrail(
        moto_reset,
        "off",
        contentPolicyConfig={"filtersConfig": [{**HIGH_ATTACK, "inputEnabled": False}]},
    )
    # when the checks run
    collected = collect(moto_reset, CHECKS)
    # then each fails, naming what does not protect
    assert _reasons(run(collected, PROMPT_ATTACK)) == {
        medium: "Bedrock guardrail medium filters prompt attacks at MEDIUM strength, not HIGH",
        detecting: "Bedrock guardrail detecting only detects prompt attacks (action NONE), it does not block them",
        switched_off: "Bedrock guardrail off has its prompt attack filter switched off for prompts",
    }
    sensitive = run(collected, SENSITIVE)
    assert statuses(sensitive) == {medium: FAIL, detecting: FAIL, switched_off: FAIL}
    assert _reasons(sensitive)[medium] == (
        "Bedrock guardrail medium lets answers through unmasked for EMAIL (detect only or off)"
    )
    assert _reasons(sensitive)[detecting] == (
        "Bedrock guardrail detecting lets answers through unmasked for PHONE, iban (detect only or off)"
    )
    assert next(o for o in sensitive if o.resource_id == detecting).observed == {
        "filters": 3,
        "not_acting": ["PHONE", "iban"],
    }
    assert _reasons(run(collected, GROUNDING)) == {
        medium: "Bedrock guardrail medium does not block answers failing relevance",
        detecting: "Bedrock guardrail detecting does not block answers failing relevance",
        switched_off: "Bedrock guardrail off does not block answers failing grounding or relevance",
    }


def test_every_region_is_read_and_a_refused_listing_errors_the_guardrail_checks_alone(moto_reset: str) -> None:
    # given a hardened guardrail in each of two regions, an agent, and Bedrock refusing to list guardrails in one
    east = _guardrail(moto_reset, "east", **HARDENED)
    west = _guardrail(moto_reset, "west", "eu-west-1", **HARDENED)
    aws(moto_reset, "bedrock-agent").create_agent(
        agentName="support",
        agentResourceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/support-agent",
        foundationModel="anthropic.claude-3-5-sonnet-20240620-v1:0",
    )
    both = connector(moto_reset, regions=[REGION, "eu-west-1"])
    assert {cid: statuses(run(both.collect({"bedrock"}), cid)) for cid in CHECKS} == {
        cid: {east: PASS, west: PASS} for cid in CHECKS
    }
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=403)
    built.session.events.register("before-send.bedrock.ListGuardrails", lambda **_: refusal)
    # when the checks run on what could be read
    inventory = built.collect({"bedrock"})
    # then each guardrail check is one error for the region, naming the refusal, and the agent is still judged
    for cid in CHECKS:
        outcome = only(run(inventory, cid))
        assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
        assert outcome.reason.startswith(f"Could not list the Bedrock guardrails in {REGION}: ListGuardrails failed")
    assert only(run(inventory, "aws.bedrock.agent_guardrail_enabled")).status == FAIL
    # and an inventory collected before guardrails were read gives no guardrail outcome
    for data in inventory.data["bedrock"]["regions"].values():
        del data["guardrails_error"]
    assert all(run(inventory, cid) == [] for cid in CHECKS)
