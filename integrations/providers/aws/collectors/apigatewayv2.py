"""API Gateway v2 collection (regional): each HTTP or WebSocket API's stages and where they send access logs, and
how each of its routes authorizes callers."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_application import ApiGatewayV2Region
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate, paginate_at_most

# Each API costs a GetStages and a GetRoutes call beyond the listing. Past this many in a region the rest are left
# unread (and the checks say so) rather than spend thousands of throttled calls on them, as for REST APIs.
MAX_APIS = 1_000


def collect_apigatewayv2(scope: Scope) -> ApiGatewayV2Region:
    apigatewayv2 = scope.client("apigatewayv2")
    listed, more = paginate_at_most(apigatewayv2, "get_apis", "Items", MAX_APIS)
    apis = concurrently(functools.partial(_api, apigatewayv2, scope), listed)
    return bounded_region("apis", [api for api in apis if api is not None], more, MAX_APIS)


def _api(apigatewayv2: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    api_id = listed["ApiId"]
    arn = f"arn:{scope.partition}:apigateway:{scope.region}::/apis/{api_id}"
    api: dict[str, Any] = {
        "id": api_id,
        "arn": arn,
        "name": listed.get("Name"),
        "protocol": listed.get("ProtocolType"),
        "stages": [],
        "region": scope.region,
    }
    try:
        stages = paginate(apigatewayv2, "get_stages", "Items", ApiId=api_id)
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None  # deleted between the listing and this read
        api["stages_error"] = describe_error(exc)
        return api
    api["stages"] = [
        {
            "name": stage["StageName"],
            "arn": f"{arn}/stages/{stage['StageName']}",
            "access_log_destination": (stage.get("AccessLogSettings") or {}).get("DestinationArn") or None,
        }
        for stage in stages
    ]
    api.update(_routes(apigatewayv2, api_id))
    return api


def _routes(apigatewayv2: BaseClient, api_id: str) -> dict[str, Any]:
    """The API's routes and their authorization types, or why they could not be read (kept for the route check)."""
    try:
        routes = paginate(apigatewayv2, "get_routes", "Items", ApiId=api_id)
    except ClientError as exc:
        return {"routes_error": describe_error(exc)}
    return {
        "routes": [
            # AuthorizationType: NONE, AWS_IAM, CUSTOM (a Lambda authorizer) or JWT; AWS leaves it out for NONE.
            {"key": str(route.get("RouteKey")), "authorization_type": route.get("AuthorizationType") or "NONE"}
            for route in routes
        ]
    }
