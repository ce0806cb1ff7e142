"""Bedrock guardrails, which moto 5.2 does not serve: CreateGuardrail, GetGuardrail and ListGuardrails.

A guardrail is kept on moto's Bedrock backend of the account and region as its working draft, with the policies it
was created with. GetGuardrail answers them as Bedrock does: each ``…PolicyConfig`` of the request becomes the
answer's ``…Policy`` with the same entries, and a path's action or switch that was not set is left out of the
answer (Bedrock leaves them out too; the filter's own action then applies). An unknown identifier answers
ResourceNotFoundException. Versions are not published here: every guardrail is its DRAFT.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from moto.bedrock.responses import BedrockResponse

from ._responder import add_methods, paged, state_on

# Request config -> answer policy, and within each the list of entries renamed.
_POLICIES = {
    "topicPolicyConfig": ("topicPolicy", {"topicsConfig": "topics"}),
    "contentPolicyConfig": ("contentPolicy", {"filtersConfig": "filters"}),
    "wordPolicyConfig": ("wordPolicy", {"wordsConfig": "words", "managedWordListsConfig": "managedWordLists"}),
    "sensitiveInformationPolicyConfig": (
        "sensitiveInformationPolicy",
        {"piiEntitiesConfig": "piiEntities", "regexesConfig": "regexes"},
    ),
    "contextualGroundingPolicyConfig": ("contextualGroundingPolicy", {"filtersConfig": "filters"}),
}


def _guardrails(response: Any) -> dict[str, dict[str, Any]]:
    return state_on(response.bedrock_backend, "guardrails", dict)


def _not_found(identifier: str) -> tuple[int, dict[str, Any], str]:
    body = {"message": f"Guardrail {identifier} was not found"}
    headers = {"status": 404, "content-type": "application/json", "x-amzn-ErrorType": "ResourceNotFoundException"}
    return 404, headers, json.dumps(body)


def _find(response: Any, identifier: str) -> dict[str, Any] | None:
    # The identifier is the guardrail's id or its ARN.
    return _guardrails(response).get(identifier.rsplit("/", 1)[-1])


class GuardrailResponses:
    """Methods set on moto's ``BedrockResponse``."""

    def create_guardrail(self: Any) -> tuple[int, dict[str, Any], str]:
        params = json.loads(self.body or b"{}")
        guardrail_id = uuid.uuid4().hex[:12]
        now = datetime.now(UTC).isoformat()
        arn = f"arn:aws:bedrock:{self.region}:{self.current_account}:guardrail/{guardrail_id}"
        record: dict[str, Any] = {
            "name": params["name"],
            "guardrailId": guardrail_id,
            "guardrailArn": arn,
            "version": "DRAFT",
            "status": "READY",
            "createdAt": now,
            "updatedAt": now,
            "blockedInputMessaging": params["blockedInputMessaging"],
            "blockedOutputsMessaging": params["blockedOutputsMessaging"],
        }
        if params.get("description"):
            record["description"] = params["description"]
        if params.get("kmsKeyId"):
            record["kmsKeyArn"] = params["kmsKeyId"]
        for config, (policy, lists) in _POLICIES.items():
            if config in params:
                record[policy] = {lists.get(k, k): v for k, v in params[config].items() if k in lists}
        _guardrails(self)[guardrail_id] = record
        created = {"guardrailId": guardrail_id, "guardrailArn": arn, "version": "DRAFT", "createdAt": now}
        return 202, {"status": 202, "content-type": "application/json"}, json.dumps(created)

    def get_guardrail(self: Any) -> tuple[int, dict[str, Any], str] | str:
        identifier = unquote(self.path.split("?", 1)[0].rstrip("/").split("/")[-1])
        guardrail = _find(self, identifier)
        if guardrail is None:
            return _not_found(identifier)
        return json.dumps(guardrail)

    def list_guardrails(self: Any) -> tuple[int, dict[str, Any], str] | str:
        identifier = self._get_param("guardrailIdentifier")
        if identifier:
            found = _find(self, identifier)
            if found is None:
                return _not_found(identifier)
            chosen = [found]
        else:
            chosen = list(_guardrails(self).values())
        summaries = [
            {
                "id": g["guardrailId"],
                "arn": g["guardrailArn"],
                "status": g["status"],
                "name": g["name"],
                "version": g["version"],
                "createdAt": g["createdAt"],
                "updatedAt": g["updatedAt"],
            }
            for g in chosen
        ]
        page = paged(
            summaries,
            "guardrails",
            self._get_param("nextToken"),
            self._get_param("maxResults") or 100,
            token_key="nextToken",
        )
        return json.dumps(page)


def install() -> None:
    add_methods(GuardrailResponses, BedrockResponse)
