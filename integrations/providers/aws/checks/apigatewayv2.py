"""Checks on the stages of API Gateway v2 (HTTP and WebSocket) APIs: access logging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import ApiV2, ApiV2Stage
from ._common import aws_check, nested_items, result

STAGE = "AWS::ApiGatewayV2::Stage"
API = "AWS::ApiGatewayV2::Api"


def _stages(inventory: Inventory) -> Iterator[tuple[ApiV2, ApiV2Stage] | Outcome]:
    """Every stage with its API, an error outcome for an API whose stages could not be read, and one for a region
    that held more APIs than the collector reads."""
    return nested_items(
        inventory,
        "apigatewayv2",
        "apis",
        "stages",
        noun="HTTP and WebSocket APIs",
        resource_type=API,
        label=_api_label,
    )


def _api_label(api: ApiV2) -> str:
    protocol = "WebSocket" if api.get("protocol") == "WEBSOCKET" else "HTTP"
    name, api_id = api.get("name"), str(api.get("id"))
    return f"{protocol} API {name} ({api_id})" if name else f"{protocol} API {api_id}"


@aws_check(
    id="aws.apigatewayv2.stage_access_logging_enabled",
    title="API Gateway HTTP and WebSocket API stages log access",
    severity=Severity.MEDIUM,
    service="apigatewayv2",
    resource_type=STAGE,
    rationale="Access logs are the record of who called the API, from where, what they asked for and what it "
    "answered; HTTP APIs write no execution logs, so without access logging a stage's traffic leaves no trace to "
    "detect abuse or investigate it later.",
    remediation="Turn on access logging for the stage with a CloudWatch Logs log group as destination and a format "
    "holding at least the request id, source IP, caller identity, route and status.",
)
def stage_access_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for found in _stages(inventory):
        if isinstance(found, Outcome):
            yield found
            continue
        api, stage = found
        destination = stage.get("access_log_destination")
        label = f"Stage {stage.get('name')} of {_api_label(api)}"
        reason = f"{label} sends access logs to {destination}" if destination else f"{label} has no access logging"
        yield result(
            bool(destination),
            str(stage.get("arn")),
            STAGE,
            reason,
            region=str(api.get("region", "")),
            access_log_destination=destination,
        )
