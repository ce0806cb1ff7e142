"""Checks on AppSync GraphQL APIs: field-level logging, and a default authentication mode that identifies callers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_platform import GraphqlApi
from ._common import aws_check, items, result

GRAPHQL_API = "AWS::AppSync::GraphQLApi"
NO_FIELD_LOGS = "NONE"
API_KEY = "API_KEY"


def _apis(inventory: Inventory) -> Iterator[GraphqlApi]:
    return items(inventory, "appsync", "graphql_apis")


def _label(api: GraphqlApi) -> str:
    return f"GraphQL API {api.get('name') or api['id']}"


@aws_check(
    id="aws.appsync.graphql_api_field_logging_enabled",
    title="AppSync GraphQL APIs log their resolvers (field-level logging)",
    severity=Severity.MEDIUM,
    service="appsync",
    resource_type=GRAPHQL_API,
    rationale="Field-level logs record each resolver's requests, errors and the identity that called it; without "
    "them a GraphQL API's misuse and failures leave no trace beyond request counts.",
    remediation="Turn on logging for the API with a field resolver log level of ERROR or higher (logConfig "
    "fieldLogLevel) and a role that lets AppSync write to CloudWatch Logs; exclude verbose content unless needed.",
)
def graphql_api_field_logging_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for api in _apis(inventory):
        level = api.get("field_log_level")
        logged = bool(level) and level != NO_FIELD_LOGS
        if logged:
            reason = f"{_label(api)} logs its resolvers at level {level}"
        elif level:
            reason = f"{_label(api)} has logging on but its field log level is NONE"
        else:
            reason = f"{_label(api)} has no logging configuration"
        yield result(logged, api["arn"], GRAPHQL_API, reason, region=api["region"], field_log_level=level)


@aws_check(
    id="aws.appsync.graphql_api_not_api_key_authenticated",
    title="AppSync GraphQL APIs do not use API keys as their default authentication",
    severity=Severity.MEDIUM,
    service="appsync",
    resource_type=GRAPHQL_API,
    rationale="An API key is a static secret shipped inside clients and shared by all of them: it identifies no "
    "user, cannot be scoped per caller, and once copied opens every operation of the default mode to anyone until it "
    "expires. IAM, Cognito user pools, OIDC or a Lambda authorizer identify each caller.",
    remediation="Make AWS_IAM, AMAZON_COGNITO_USER_POOLS, OPENID_CONNECT or AWS_LAMBDA the API's default "
    "authentication type; keep an API key, if at all, as an additional mode on the few fields meant to be public "
    "(@aws_api_key).",
)
def graphql_api_not_api_key_authenticated(inventory: Inventory) -> Iterable[Outcome]:
    for api in _apis(inventory):
        default = api.get("authentication_type")
        additional = list(api.get("additional_authentication_types") or [])
        if default == API_KEY:
            reason = f"{_label(api)} authenticates with an API key by default"
        elif API_KEY in additional:
            reason = (
                f"{_label(api)} authenticates with {default} by default, and with an API key only on the fields "
                "marked for it"
            )
        else:
            reason = f"{_label(api)} authenticates with {default}, not with an API key"
        yield result(
            default != API_KEY,
            api["arn"],
            GRAPHQL_API,
            reason,
            region=api["region"],
            authentication_type=default,
            additional_authentication_types=additional,
        )
