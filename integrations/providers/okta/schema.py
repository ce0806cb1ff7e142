"""Validation of an Okta integration's config (non-secret) and credentials (secret)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult

from rest_framework import serializers

from integrations.providers.schema import StrictSerializer

from .._saas import HttpsOriginField, check_at_most, threshold
from .client import (
    DEFAULT_INACTIVE_DAYS,
    DEFAULT_MAX_SUPER_ADMINS,
    DEFAULT_MAX_TOKEN_AGE_DAYS,
    DEFAULT_MIN_SUPER_ADMINS,
    DEFAULT_STUCK_DAYS,
)

# Okta API tokens are 42 characters ("00" then letters, digits, "-" and "_"); some length slack for the future.
API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")


class OrgUrlField(HttpsOriginField):
    """The org's URL: https://<org>.okta.com (or .oktapreview.com, .okta-emea.com, a custom domain)."""

    not_plain = "Give the org URL only, as https://<your-org>.okta.com: no path, credentials, query or fragment."
    not_https = (
        "Use https://: over plain http the API token would cross the network in clear "
        "(http is only accepted for a server on this machine)."
    )

    def check_host(self, parts: SplitResult) -> None:
        if parts.hostname and parts.hostname.lower().endswith("-admin.okta.com"):
            raise serializers.ValidationError("Use the org URL, not the admin console's (drop '-admin').")


class ConfigSerializer(StrictSerializer):
    org_url = OrgUrlField(max_length=300, help_text="The org's URL, e.g. https://acme.okta.com.")
    inactive_days = threshold(
        DEFAULT_INACTIVE_DAYS,
        7,
        3650,
        "An active user without a sign-in for longer than this fails the inactivity check.",
    )
    stuck_days = threshold(
        DEFAULT_STUCK_DAYS, 1, 3650, "A user locked out or with an expired password for longer than this fails."
    )
    min_super_admins = threshold(
        DEFAULT_MIN_SUPER_ADMINS, 1, 100, "The fewest super administrators accepted (one is a single point of failure)."
    )
    max_super_admins = threshold(DEFAULT_MAX_SUPER_ADMINS, 1, 100, "The most super administrators accepted.")
    max_token_age_days = threshold(
        DEFAULT_MAX_TOKEN_AGE_DAYS, 1, 3650, "API tokens created longer ago than this fail the rotation check."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_at_most(attrs, "min_super_admins", "max_super_admins")
        return attrs


class CredentialsSerializer(StrictSerializer):
    api_token = serializers.RegexField(
        API_TOKEN,
        trim_whitespace=True,
        error_messages={"invalid": "Must be an Okta API token: letters, digits, '-' and '_'."},
        help_text="An API token created by a read-only administrator (Security → API → Tokens).",
    )


def credentials_hint(credentials: dict[str, Any]) -> str:
    """The token's last four characters: enough to tell tokens apart, useless to an attacker."""
    token = str(credentials.get("api_token") or "")
    return f"API token …{token[-4:]}" if len(token) >= 20 else ""
