"""Validation of an Entra ID integration's config (non-secret) and credentials (secret)."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from integrations.providers.schema import StrictSerializer

from .._saas import HttpsOriginField, check_at_most, threshold
from .client import (
    DEFAULT_AUTHORITY_URL,
    DEFAULT_GRAPH_URL,
    DEFAULT_GUEST_INACTIVE_DAYS,
    DEFAULT_INACTIVE_DAYS,
    DEFAULT_MAX_GLOBAL_ADMINS,
    DEFAULT_MIN_GLOBAL_ADMINS,
    DEFAULT_NEVER_SIGNED_IN_DAYS,
)

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A verified domain: contoso.com, contoso.onmicrosoft.com (labels of letters, digits and hyphens).
DOMAIN = re.compile(r"^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
# Client secrets are about 40 characters of letters, digits and ~._- ; some slack either way.
SECRET = re.compile(r"^[A-Za-z0-9~._\-]{16,200}$")


class ApiUrlField(HttpsOriginField):
    """An API origin (https, no path): the identity platform's or Microsoft Graph's, or a local stand-in."""

    not_plain = "Give the origin only (https://host): no path, credentials or query."
    not_https = (
        "Use https://: over plain http the client secret and tokens would cross the network in clear "
        "(http is only accepted for a server on this machine)."
    )


class ConfigSerializer(StrictSerializer):
    tenant_id = serializers.CharField(
        max_length=253,
        help_text="The directory (tenant) id, a GUID, or one of its verified domains (contoso.onmicrosoft.com).",
    )
    authority_url = ApiUrlField(
        required=False,
        default=DEFAULT_AUTHORITY_URL,
        max_length=300,
        help_text="The Microsoft identity platform's origin (national clouds have their own).",
    )
    graph_url = ApiUrlField(
        required=False, default=DEFAULT_GRAPH_URL, max_length=300, help_text="Microsoft Graph's origin."
    )
    inactive_days = threshold(
        DEFAULT_INACTIVE_DAYS, 7, 3650, "An enabled member without a sign-in for longer than this fails."
    )
    guest_inactive_days = threshold(
        DEFAULT_GUEST_INACTIVE_DAYS, 7, 3650, "An enabled guest without a sign-in for longer than this fails."
    )
    never_signed_in_days = threshold(
        DEFAULT_NEVER_SIGNED_IN_DAYS,
        1,
        3650,
        "An enabled account created longer ago than this that never signed in fails.",
    )
    min_global_admins = threshold(
        DEFAULT_MIN_GLOBAL_ADMINS,
        1,
        100,
        "The fewest Global Administrators accepted (one is a single point of failure).",
    )
    max_global_admins = threshold(DEFAULT_MAX_GLOBAL_ADMINS, 1, 100, "The most Global Administrators accepted.")

    def validate_tenant_id(self, value: str) -> str:
        value = value.strip()
        if GUID.match(value):
            return value.lower()
        if DOMAIN.match(value):
            return value.lower()
        raise serializers.ValidationError(
            "Give the directory (tenant) id as a GUID, or a verified domain such as contoso.onmicrosoft.com."
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_at_most(attrs, "min_global_admins", "max_global_admins")
        return attrs


class CredentialsSerializer(StrictSerializer):
    client_id = serializers.RegexField(
        GUID,
        trim_whitespace=True,
        error_messages={"invalid": "Must be the app registration's Application (client) ID, a GUID."},
        help_text="The app registration's Application (client) ID.",
    )
    client_secret = serializers.RegexField(
        SECRET,
        trim_whitespace=True,
        error_messages={"invalid": "Must be a client secret's Value (letters, digits and ~ . _ -)."},
        help_text="A client secret's Value (Certificates & secrets), not its Secret ID.",
    )

    def validate_client_id(self, value: str) -> str:
        return value.lower()


def credentials_hint(credentials: dict[str, Any]) -> str:
    """The client id and the secret's first three characters (what the Entra admin centre shows too)."""
    client_id = str(credentials.get("client_id") or "")
    secret = str(credentials.get("client_secret") or "")
    if not client_id or len(secret) < 16:
        return ""
    return f"client {client_id[:8]}…, secret {secret[:3]}…"
