"""Checks on API Gateway v2 (HTTP and WebSocket) APIs: their stages log access, and their routes authorize callers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_application import ApiV2, ApiV2Stage
from ._common import aws_check, error, nested_items, partial_read, regions, result

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


# The one route of a WebSocket API that can authorize: the connection is authorized once, when it is opened.
CONNECT_ROUTE = "$connect"


@aws_check(
    id="aws.apigatewayv2.routes_require_authorization",
    title="API Gateway HTTP and WebSocket APIs authorize their callers",
    severity=Severity.MEDIUM,
    service="apigatewayv2",
    resource_type=API,
    rationale="A route whose authorization type is NONE passes every request from the internet to its integration, "
    "a Lambda function or a private service, which then has to tell callers apart itself; an IAM, JWT or Lambda "
    "authorizer refuses unauthenticated calls before they reach it. A WebSocket API authorizes once, on $connect.",
    remediation="Attach an authorizer to each route (UpdateRoute with AuthorizationType AWS_IAM, JWT with a JWT "
    "authorizer, or CUSTOM with a Lambda authorizer); for a WebSocket API, to its $connect route. Where a route is "
    "public on purpose, accept the finding for that API with the reason.",
)
def routes_require_authorization(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "apigatewayv2"):
        api: ApiV2
        for api in data.get("apis", []):
            label = _api_label(api)
            if "routes_error" in api:
                yield error(
                    api["arn"], API, f"Could not read the routes of {label}: {api['routes_error']}", region=region
                )
            elif "routes" in api:
                ok, reason, open_routes = _authorization(label, api)
                yield result(ok, api["arn"], API, reason, region=region, routes_without_authorization=open_routes)
        partial = partial_read(inventory, region, data, noun="HTTP and WebSocket APIs", resource_type=API)
        if partial is not None:
            yield partial


def _authorization(label: str, api: ApiV2) -> tuple[bool, str, list[str]]:
    """Whether the API authorizes its callers, why, and the routes that let anyone in."""
    routes = {route["key"]: route["authorization_type"] for route in api.get("routes", [])}
    if api.get("protocol") == "WEBSOCKET":
        kind = routes.get(CONNECT_ROUTE)
        if kind is None:
            return False, f"{label} has no $connect route, so anyone may connect", [CONNECT_ROUTE]
        if kind == "NONE":
            return False, f"{label} lets anyone connect: its $connect route has no authorization", [CONNECT_ROUTE]
        return True, f"{label} authorizes connections on $connect ({kind})", []
    # A CORS preflight carries no credentials by design, so an OPTIONS route must answer without authorization.
    open_routes = sorted(key for key, kind in routes.items() if kind == "NONE" and not key.startswith("OPTIONS "))
    if not routes:
        return True, f"{label} has no routes", []
    if open_routes:
        shown = ", ".join(open_routes[:5]) + (f" and {len(open_routes) - 5} more" if len(open_routes) > 5 else "")
        return False, f"{label} has routes without authorization: {shown}", open_routes
    return True, f"{label} authorizes every one of its {len(routes)} routes", []
