"""Bedrock agents' guardrails, which moto 5.2 does not keep: CreateAgent drops guardrailConfiguration.

CreateAgent is wrapped to keep the configuration it is given on moto's agent, and CreateAgent's and GetAgent's answers
carry it, as Bedrock's do. Everything else is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.bedrockagent.responses import AgentsforBedrockResponse

from ._responder import state_on


def _guardrails(response: Any) -> dict[str, Any]:
    return state_on(response.bedrockagent_backend, "agent_guardrails", dict)


def _with_guardrail(response: Any, answer: str) -> str:
    found = json.loads(answer)
    agent = found["agent"]
    guardrail = _guardrails(response).get(agent["agentId"])
    if guardrail:
        agent["guardrailConfiguration"] = guardrail
    return json.dumps(found)


def _create_agent(create_agent: Callable[[Any], str]) -> Callable[[Any], str]:
    def answer(self: Any) -> str:
        created = create_agent(self)
        guardrail = json.loads(self.body).get("guardrailConfiguration")
        if guardrail:
            _guardrails(self)[json.loads(created)["agent"]["agentId"]] = guardrail
        return _with_guardrail(self, created)

    return answer


def _get_agent(get_agent: Callable[[Any], str]) -> Callable[[Any], str]:
    def answer(self: Any) -> str:
        return _with_guardrail(self, get_agent(self))

    return answer


def install() -> None:
    AgentsforBedrockResponse.create_agent = _create_agent(AgentsforBedrockResponse.create_agent)  # type: ignore[method-assign]
    AgentsforBedrockResponse.get_agent = _get_agent(AgentsforBedrockResponse.get_agent)  # type: ignore[method-assign]
