"""API Gateway collection (regional): each REST API's stages with their logging, tracing, WAF, cache and client
certificate settings, the methods of the APIs that are not private, with how their callers are authorised, and the
region's custom domain names with their TLS security policies."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_network import ApiGatewayRegion
from ._common import Scope, bounded_region, concurrently, describe_error, error_code, paginate, paginate_at_most
from .user_data import named_values_findings

# Default quotas allow several hundred REST APIs per region, and each costs a GetStages call beyond the listing. Past
# this many the rest are left unread (and the checks say so) rather than spend thousands of throttled calls on them.
MAX_REST_APIS = 1_000
# GetRestApis and GetResources return 25 items a page unless asked for more; 500 is the most they give.
_PAGE_SIZE = 500
PRIVATE = "PRIVATE"


def collect_apigateway(scope: Scope) -> ApiGatewayRegion:
    apigateway = scope.client("apigateway")
    listed, more = paginate_at_most(
        apigateway, "get_rest_apis", "items", MAX_REST_APIS, PaginationConfig={"PageSize": _PAGE_SIZE}
    )
    apis = concurrently(functools.partial(_rest_api, apigateway, scope), listed)
    region = bounded_region("rest_apis", [api for api in apis if api is not None], more, MAX_REST_APIS)
    try:
        # Custom domain names are shared by REST, HTTP and WebSocket APIs; this listing holds every one of them.
        domains = paginate(apigateway, "get_domain_names", "items", PaginationConfig={"PageSize": _PAGE_SIZE})
    except ClientError as exc:
        # Only the domain name check depends on this listing.
        region["domain_names_error"] = describe_error(exc)
    else:
        region["domain_names"] = [_domain_name(scope, domain) for domain in domains]
    return region


def _domain_name(scope: Scope, domain: Mapping[str, Any]) -> dict[str, Any]:
    name = domain["domainName"]
    return {
        "name": name,
        "arn": domain.get("domainNameArn") or f"arn:{scope.partition}:apigateway:{scope.region}::/domainnames/{name}",
        "security_policy": domain.get("securityPolicy"),
        "region": scope.region,
    }


def _rest_api(apigateway: BaseClient, scope: Scope, listed: Mapping[str, Any]) -> dict[str, Any] | None:
    api_id = listed["id"]
    arn = f"arn:{scope.partition}:apigateway:{scope.region}::/restapis/{api_id}"
    api: dict[str, Any] = {
        "id": api_id,
        "arn": arn,
        "name": listed.get("name"),
        "endpoint_types": list((listed.get("endpointConfiguration") or {}).get("types") or []),
        "stages": [],
        "region": scope.region,
    }
    try:
        # GetStages is not paginated: one answer holds every stage of the API.
        stages = apigateway.get_stages(restApiId=api_id).get("item", [])
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None  # deleted between the listing and this read
        api["stages_error"] = describe_error(exc)
        return api
    api["stages"] = [_stage(arn, stage) for stage in stages]
    if set(api["endpoint_types"]) != {PRIVATE}:
        _add_methods(apigateway, api)
    return api


def _add_methods(apigateway: BaseClient, api: dict[str, Any]) -> None:
    """The API's methods, each with how callers are authorised (one GetResources listing, methods embedded); only
    for APIs reachable from the internet, the only ones judged on it."""
    try:
        resources = paginate(
            apigateway,
            "get_resources",
            "items",
            restApiId=api["id"],
            embed=["methods"],
            PaginationConfig={"PageSize": _PAGE_SIZE},
        )
    except ClientError as exc:
        api["methods_error"] = describe_error(exc)
        return
    api["methods"] = [
        {
            "path": resource.get("path"),
            "http_method": str(verb),
            "authorization_type": method.get("authorizationType"),
            "authorizer_id": method.get("authorizerId"),
            "api_key_required": bool(method.get("apiKeyRequired")),
        }
        for resource in resources
        for verb, method in sorted((resource.get("resourceMethods") or {}).items())
    ]


def _stage(api_arn: str, stage: Mapping[str, Any]) -> dict[str, Any]:
    name = stage["stageName"]
    # "*/*" holds the settings every method of the stage inherits unless it overrides them.
    defaults = (stage.get("methodSettings") or {}).get("*/*") or {}
    return {
        "name": name,
        "arn": f"{api_arn}/stages/{name}",
        "execution_log_level": defaults.get("loggingLevel"),
        "access_log_destination": (stage.get("accessLogSettings") or {}).get("destinationArn") or None,
        "tracing_enabled": bool(stage.get("tracingEnabled")),
        "web_acl_arn": stage.get("webAclArn") or None,
        "client_certificate_id": stage.get("clientCertificateId") or None,
        "cache_cluster_enabled": bool(stage.get("cacheClusterEnabled")),
        # Every entry ("*/*" and each method's override) with whether it caches and encrypts what it caches.
        "method_caching": {
            str(path): {
                "caching_enabled": bool(setting.get("cachingEnabled")),
                "data_encrypted": bool(setting.get("cacheDataEncrypted")),
            }
            for path, setting in (stage.get("methodSettings") or {}).items()
        },
        # Which stage variables hold a credential, by name and kind; never their values.
        "variable_secrets": named_values_findings(stage.get("variables") or {}),
    }
