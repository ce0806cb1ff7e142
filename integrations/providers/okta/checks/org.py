"""Org-wide settings: ThreatInsight and API token rotation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import ApiTokens, ThreatInsight
from ._common import (
    API_TOKEN,
    ORG,
    collected_at,
    days_between,
    error,
    okta_check,
    org_name,
    parse_time,
    result,
    service_data,
)


@okta_check(
    id="okta.threat_insight.blocking",
    title="Okta ThreatInsight blocks sign-in attempts from suspicious IP addresses",
    severity=Severity.MEDIUM,
    service="threat_insight",
    resource_type=ORG,
    rationale="ThreatInsight recognises IP addresses running password spraying and credential stuffing across "
    "Okta customers; in audit mode it only logs them, in block mode it stops them before authentication.",
    remediation="In Security → General → Okta ThreatInsight settings, choose 'Log and enforce security based on "
    "threat level'.",
)
def threat_insight_blocking(inventory: Inventory) -> Iterable[Outcome]:
    config = cast(ThreatInsight, service_data(inventory, "threat_insight"))
    if not config:
        return []
    action = str(config.get("action") or "none")
    org = org_name(inventory)
    reasons = {
        "block": f"ThreatInsight blocks suspicious sign-in attempts in {org}",
        "audit": f"ThreatInsight only logs suspicious sign-in attempts in {org} (audit mode)",
    }
    reason = reasons.get(action, f"ThreatInsight is off in {org}")
    return [result(action == "block", org, ORG, reason, action=action, exclude_zones=config.get("exclude_zones", []))]


@okta_check(
    id="okta.api_tokens.rotated",
    title="API tokens are rotated within 90 days",
    severity=Severity.MEDIUM,
    service="api_tokens",
    resource_type=API_TOKEN,
    rationale="An API token acts with its creator's administrator role and does not expire while it is used; an "
    "old one has had time to be copied into scripts, tickets and laptops.",
    remediation="Create a new token (or move the integration to an OAuth service app with scoped, short-lived "
    "tokens), switch the integration over, then revoke the old token in Security → API → Tokens.",
)
def api_tokens_rotated(inventory: Inventory) -> Iterable[Outcome]:
    data = cast(ApiTokens, service_data(inventory, "api_tokens"))
    now = collected_at(data)
    limit = int(data.get("max_age_days", 90))
    outcomes: list[Outcome] = []
    for token in data.get("tokens", []):
        resource = str(token.get("id"))
        label = f"API token '{token.get('name') or resource}' of user {token.get('user_id')}"
        created = parse_time(token.get("created"))
        if created is None:
            outcomes.append(error(resource, API_TOKEN, f"Okta gives no creation time for {label}"))
            continue
        age = days_between(created, now)
        ok = age <= limit
        reason = f"{label} was created {age} days ago" + ("" if ok else f" (more than {limit} days)")
        outcomes.append(result(ok, resource, API_TOKEN, reason, age_days=age, limit=limit, name=token.get("name")))
    return outcomes
