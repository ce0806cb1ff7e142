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
from .oauth import UnusableKeyError, load_private_key, normalise_pem

# Okta API tokens are 42 characters ("00" then letters, digits, "-" and "_"); some length slack for the future.
API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")
# Okta client ids are "0oa" and 17 more letters and digits; apps registered through the API may choose their own.
CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{6,100}$")
# A key id is whatever the JWKS entry's "kid" says: Okta generates base64url strings, imported keys may differ.
KEY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
OAUTH_FIELDS = ("client_id", "private_key", "key_id")


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


class PrivateKeyField(serializers.CharField):
    """The service app's RSA private key as PEM (PKCS#1 or PKCS#8); refused unless the connector could sign with it."""

    def to_internal_value(self, data: Any) -> str:
        value = normalise_pem(super().to_internal_value(data))
        try:
            load_private_key(value)
        except UnusableKeyError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def to_representation(self, value: Any) -> str:
        # Write-only in practice; never echo a private key.
        return ""


class CredentialsSerializer(StrictSerializer):
    """An API token, or an OAuth service app (client_id, private_key, optional key_id): exactly one of the two."""

    api_token = serializers.RegexField(
        API_TOKEN,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"invalid": "Must be an Okta API token: letters, digits, '-' and '_'."},
        help_text=(
            "An API token created by a read-only administrator (Security → API → Tokens); "
            "or leave empty and give an OAuth service app below."
        ),
    )
    client_id = serializers.RegexField(
        CLIENT_ID,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"invalid": "Must be the service app's Client ID (0oa…)."},
        help_text="Instead of an API token: the Client ID of an API Services app (Applications → Applications).",
    )
    private_key = PrivateKeyField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=20000,
        # A PEM spans lines: forms offer a (write-only) text area.
        style={"base_template": "textarea.html"},
        help_text=(
            "With client_id: the app's RSA private key (at least 2048 bits) as PEM, PKCS#1 or PKCS#8, unencrypted; "
            "its public key registered under Client Credentials → Public key / Private key."
        ),
    )
    key_id = serializers.RegexField(
        KEY_ID,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"invalid": "Must be the key's KID as Okta shows it."},
        help_text="Optional, with client_id: the KID of the app's public key (needed when the app has several keys).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A blank field is an empty form input, not a choice of method.
        attrs = {name: value for name, value in attrs.items() if value}
        token = bool(attrs.get("api_token"))
        app = [name for name in OAUTH_FIELDS if attrs.get(name)]
        if token and app:
            both = "Give an API token or an OAuth service app, not both."
            raise serializers.ValidationError({"api_token": [both], **{name: [both] for name in app}})
        if not token and not app:
            raise serializers.ValidationError(
                {"api_token": ["Give an API token, or an OAuth service app's client_id and private_key."]}
            )
        if app:
            missing = [name for name in ("client_id", "private_key") if name not in app]
            if missing:
                raise serializers.ValidationError(
                    {name: ["Required for an OAuth service app (with client_id and private_key)."] for name in missing}
                )
        return attrs


def credentials_hint(credentials: dict[str, Any]) -> str:
    """Which method, and just enough of its identifier to tell apart: never anything that opens the org."""
    client_id = str(credentials.get("client_id") or "")
    if client_id:
        return f"OAuth app {client_id[:3]}…{client_id[-4:]}" if len(client_id) >= 10 else f"OAuth app {client_id}"
    token = str(credentials.get("api_token") or "")
    return f"API token …{token[-4:]}" if len(token) >= 20 else ""
