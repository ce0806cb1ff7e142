"""Org-wide settings: the org itself, ThreatInsight and the API tokens.

Read for the checks in ``checks.org``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..shapes import ApiToken, ApiTokens, Org, ThreatInsight
from ._common import PAGES, Scope


def collect_org(scope: Scope) -> Org:
    org = scope.api.get_json("/api/v1/org")
    org = org if isinstance(org, Mapping) else {}
    return {
        "id": org.get("id"),
        "company_name": org.get("companyName"),
        "subdomain": org.get("subdomain"),
        "status": org.get("status"),
    }


def collect_threat_insight(scope: Scope) -> ThreatInsight:
    config = scope.api.get_json("/api/v1/threats/configuration")
    config = config if isinstance(config, Mapping) else {}
    return {"action": config.get("action"), "exclude_zones": [str(z) for z in config.get("excludeZones") or []]}


def collect_api_tokens(scope: Scope) -> ApiTokens:
    tokens: list[ApiToken] = [
        {
            "id": t.get("id"),
            "name": t.get("name"),
            "user_id": t.get("userId"),
            "client_name": t.get("clientName"),
            "created": t.get("created"),
            "expires_at": t.get("expiresAt"),
            "token_window": t.get("tokenWindow"),
        }
        for t in scope.api.get_all("/api/v1/api-tokens", paging=PAGES)
        if isinstance(t, Mapping)
    ]
    return {"tokens": tokens, "max_age_days": scope.max_token_age_days, "collected_at": scope.collected_at}
