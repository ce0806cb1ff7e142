"""Validation of an Okta integration's config (non-secret) and credentials (secret)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers

from integrations.providers.schema import StrictSerializer, validate_egress_url

from .client import (
    DEFAULT_INACTIVE_DAYS,
    DEFAULT_MAX_SUPER_ADMINS,
    DEFAULT_MAX_TOKEN_AGE_DAYS,
    DEFAULT_MIN_SUPER_ADMINS,
    DEFAULT_STUCK_DAYS,
)

# Okta API tokens are 42 characters ("00" then letters, digits, "-" and "_"); some length slack for the future.
API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")


class OrgUrlField(serializers.URLField):
    """The org's URL: https://<org>.okta.com (or .oktapreview.com, .okta-emea.com, a custom domain)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[URLValidator(schemes=["http", "https"])], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        parts = urlsplit(value)
        if parts.username or parts.password or parts.query or parts.fragment or parts.path.strip("/"):
            raise serializers.ValidationError(
                "Give the org URL only, as https://<your-org>.okta.com: no path, credentials, query or fragment."
            )
        if parts.hostname and parts.hostname.lower().endswith("-admin.okta.com"):
            raise serializers.ValidationError("Use the org URL, not the admin console's (drop '-admin').")
        # Where it points comes first: no scheme makes an address integrations may not reach acceptable.
        validate_egress_url(value)
        if parts.scheme.lower() == "http" and not _is_loopback(parts.hostname or ""):
            raise serializers.ValidationError(
                "Use https://: over plain http the API token would cross the network in clear "
                "(http is only accepted for a server on this machine)."
            )
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConfigSerializer(StrictSerializer):
    org_url = OrgUrlField(max_length=300, help_text="The org's URL, e.g. https://acme.okta.com.")
    inactive_days = serializers.IntegerField(
        required=False,
        default=DEFAULT_INACTIVE_DAYS,
        min_value=7,
        max_value=3650,
        help_text="An active user without a sign-in for longer than this fails the inactivity check.",
    )
    stuck_days = serializers.IntegerField(
        required=False,
        default=DEFAULT_STUCK_DAYS,
        min_value=1,
        max_value=3650,
        help_text="A user locked out or with an expired password for longer than this fails.",
    )
    min_super_admins = serializers.IntegerField(
        required=False,
        default=DEFAULT_MIN_SUPER_ADMINS,
        min_value=1,
        max_value=100,
        help_text="The fewest super administrators accepted (one is a single point of failure).",
    )
    max_super_admins = serializers.IntegerField(
        required=False,
        default=DEFAULT_MAX_SUPER_ADMINS,
        min_value=1,
        max_value=100,
        help_text="The most super administrators accepted.",
    )
    max_token_age_days = serializers.IntegerField(
        required=False,
        default=DEFAULT_MAX_TOKEN_AGE_DAYS,
        min_value=1,
        max_value=3650,
        help_text="API tokens created longer ago than this fail the rotation check.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["min_super_admins"] > attrs["max_super_admins"]:
            raise serializers.ValidationError({"min_super_admins": ["Must not be more than max_super_admins."]})
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
