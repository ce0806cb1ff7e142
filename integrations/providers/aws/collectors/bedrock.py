"""Bedrock collection (regional): where the region's model invocation logging sends its records, if anywhere; its
agents (guardrail, service role, key), its custom models' keys and what each guardrail filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes_analytics import BedrockRegion
from ._common import AwsConnectorError, Scope, concurrently, describe_error, error_code, paginate, plain


def collect_bedrock(scope: Scope) -> BedrockRegion:
    # One call per region: the logging configuration is a region-wide setting of the account, not a resource.
    answer = scope.client("bedrock").get_model_invocation_logging_configuration()
    config: dict[str, Any] = answer.get("loggingConfig") or {}
    s3 = config.get("s3Config") or {}
    cloudwatch = config.get("cloudWatchConfig") or {}
    logging = {
        "s3_bucket": s3.get("bucketName") or None,
        "cloudwatch_log_group": cloudwatch.get("logGroupName") or None,
        "large_data_s3_bucket": (cloudwatch.get("largeDataDeliveryS3Config") or {}).get("bucketName") or None,
        # What the records carry beyond their metadata (each flag AWS's default, true, when not reported).
        "text_data_delivery": config.get("textDataDeliveryEnabled"),
        "image_data_delivery": config.get("imageDataDeliveryEnabled"),
        "embedding_data_delivery": config.get("embeddingDataDeliveryEnabled"),
    }
    found: dict[str, Any] = {"invocation_logging": logging}
    found.update(_read("agents", _agents, scope))
    found.update(_read("custom_models", _custom_models, scope))
    found.update(_read("guardrails", _guardrails, scope))
    return plain(found)


def _read(key: str, read: Callable[[Scope], list[dict[str, Any]]], scope: Scope) -> dict[str, Any]:
    """``{key: read(scope)}``, or why it failed (kept for the checks of ``key`` alone)."""
    try:
        return {key: read(scope)}
    except (ClientError, BotoCoreError, ResponseParserError, AwsConnectorError) as exc:
        return {f"{key}_error": describe_error(exc)}


def _agents(scope: Scope) -> list[dict[str, Any]]:
    return _each_described(scope.client("bedrock-agent"), "list_agents", "agentSummaries", _agent, scope.region)


def _each_described(
    client: BaseClient,
    listing: str,
    key: str,
    describe: Callable[[BaseClient, Mapping[str, Any]], Mapping[str, Any]],
    region: str,
) -> list[dict[str, Any]]:
    """Each item of the ``listing`` as ``describe`` reads it, several at a time; one deleted between the listing and
    its read is left out."""

    def read(summary: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return {**describe(client, summary), "region": region}
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise

    return [item for item in concurrently(read, paginate(client, listing, key)) if item is not None]


def _agent(client: BaseClient, summary: Mapping[str, Any]) -> dict[str, Any]:
    agent = client.get_agent(agentId=summary["agentId"])["agent"]
    guardrail = agent.get("guardrailConfiguration") or {}
    return {
        "id": str(agent["agentId"]),
        "name": agent.get("agentName"),
        "arn": agent.get("agentArn"),
        "status": agent.get("agentStatus"),
        "role_arn": agent.get("agentResourceRoleArn"),
        "guardrail": guardrail.get("guardrailIdentifier") or None,
        "guardrail_version": guardrail.get("guardrailVersion") or None,
        "customer_key": agent.get("customerEncryptionKeyArn") or None,
    }


def _custom_models(scope: Scope) -> list[dict[str, Any]]:
    return _each_described(scope.client("bedrock"), "list_custom_models", "modelSummaries", _custom_model, scope.region)


def _custom_model(client: BaseClient, summary: Mapping[str, Any]) -> dict[str, Any]:
    model = client.get_custom_model(modelIdentifier=summary["modelArn"])
    return {
        "name": model.get("modelName"),
        "arn": str(model.get("modelArn") or summary["modelArn"]),
        "kms_key": model.get("modelKmsKeyArn") or None,
    }


def _guardrails(scope: Scope) -> list[dict[str, Any]]:
    return _each_described(scope.client("bedrock"), "list_guardrails", "guardrails", _guardrail, scope.region)


def _guardrail(client: BaseClient, summary: Mapping[str, Any]) -> dict[str, Any]:
    # Without a version GetGuardrail answers the working draft, which every later version is published from.
    guardrail = client.get_guardrail(guardrailIdentifier=summary["id"])
    content = (guardrail.get("contentPolicy") or {}).get("filters") or []
    attack = next((f for f in content if f.get("type") == "PROMPT_ATTACK"), None)
    sensitive = guardrail.get("sensitiveInformationPolicy") or {}
    grounding = (guardrail.get("contextualGroundingPolicy") or {}).get("filters") or []
    return {
        "id": str(guardrail.get("guardrailId") or summary["id"]),
        "name": guardrail.get("name") or summary.get("name"),
        "arn": str(guardrail.get("guardrailArn") or summary.get("arn") or summary["id"]),
        "version": guardrail.get("version"),
        "prompt_attack": None if attack is None else _filter_path(attack, "input", strength=True),
        "sensitive_information": [
            {"name": str(entry.get("type") or entry.get("name")), "kind": kind, **_filter_path(entry, "output")}
            for kind, entries in (("entity", sensitive.get("piiEntities")), ("regex", sensitive.get("regexes")))
            for entry in entries or []
        ],
        "grounding": [
            {
                "type": str(f.get("type")),
                "threshold": f.get("threshold"),
                "action": f.get("action"),
                "enabled": f.get("enabled"),
            }
            for f in grounding
        ],
    }


def _filter_path(entry: Mapping[str, Any], path: str, *, strength: bool = False) -> dict[str, Any]:
    """What a filter does on one path (``input``: the prompt, ``output``: the answer). GetGuardrail leaves a path's
    action and switch out unless they were set: the filter's own ``action`` then applies, and a path is on."""
    found = {
        "action": entry.get(f"{path}Action") or entry.get("action"),
        "enabled": entry.get(f"{path}Enabled"),
    }
    if strength:
        found["strength"] = entry.get(f"{path}Strength")
    return found
