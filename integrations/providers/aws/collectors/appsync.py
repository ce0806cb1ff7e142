"""AppSync collection (regional): each GraphQL API's field-level logging and authentication modes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_platform import AppSyncRegion
from ._common import Scope, paginate, plain

# ListGraphqlApis carries every setting judged, 25 to a page (its maximum), and AppSync's quota of 25 APIs per region
# (raised on request) keeps it short: it is read whole, with no per-API calls.
_PAGE_SIZE = 25


def collect_appsync(scope: Scope) -> AppSyncRegion:
    appsync = scope.client("appsync")
    apis = paginate(appsync, "list_graphql_apis", "graphqlApis", PaginationConfig={"PageSize": _PAGE_SIZE})
    return plain({"graphql_apis": [_api(scope, api) for api in apis]})


def _api(scope: Scope, api: Mapping[str, Any]) -> dict[str, Any]:
    api_id = api["apiId"]
    return {
        "id": api_id,
        "name": api.get("name"),
        "arn": api.get("arn") or f"arn:{scope.partition}:appsync:{scope.region}:{scope.account_id}:apis/{api_id}",
        "field_log_level": (api.get("logConfig") or {}).get("fieldLogLevel"),
        "authentication_type": api.get("authenticationType"),
        "additional_authentication_types": [
            str(provider["authenticationType"])
            for provider in api.get("additionalAuthenticationProviders") or []
            if provider.get("authenticationType")
        ],
        "region": scope.region,
    }
