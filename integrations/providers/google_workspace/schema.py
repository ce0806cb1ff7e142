"""Validation of a Google Workspace integration's config (non-secret) and credentials (the service account key)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.validators import URLValidator
from rest_framework import serializers

from integrations.providers.schema import StrictSerializer

from .._saas import check_at_most, https_url, threshold
from .auth import UnusableKeyError, load_private_key, missing_key_fields
from .client import (
    DEFAULT_ADMIN_INACTIVE_DAYS,
    DEFAULT_API_URL,
    DEFAULT_CUSTOMER,
    DEFAULT_INACTIVE_DAYS,
    DEFAULT_MAX_SUPER_ADMINS,
    DEFAULT_MIN_SUPER_ADMINS,
    DEFAULT_NEVER_SIGNED_IN_DAYS,
)

# "my_customer" (the administrator's own account) or an immutable customer id such as C03az79cb.
CUSTOMER_ID = re.compile(r"^(my_customer|C[0-9a-z]{6,20})$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
# An OAuth client id of a third-party app: digits, or digits-hash.apps.googleusercontent.com.
CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
# What the connector keeps of a downloaded key file; the rest (auth_uri, cert URLs, universe) is unused.
KEPT_KEY_FIELDS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri")


def endpoint_url(value: str, *, what: str, keep_path: bool) -> str:
    """An https URL the egress guard accepts (plain http only for a server on this machine)."""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except Exception:  # noqa: BLE001 - Django's ValidationError, restated as DRF's
        raise serializers.ValidationError(f"{what} must be an http(s) URL.") from None
    return https_url(
        value,
        not_plain=f"{what} must be a plain URL: no credentials, query or fragment.",
        not_https=f"{what} must use https:// (http is only accepted for a server on this machine).",
        keep_path=keep_path,
    )


class ApiUrlField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return endpoint_url(super().to_internal_value(data), what="The API URL", keep_path=False)


class ConfigSerializer(StrictSerializer):
    domain = serializers.RegexField(
        DOMAIN, max_length=253, help_text="The primary (or any verified) domain, e.g. acme.com."
    )
    admin_email = serializers.EmailField(
        max_length=254, help_text="The administrator the service account acts for (domain-wide delegation)."
    )
    customer_id = serializers.RegexField(
        CUSTOMER_ID,
        required=False,
        default=DEFAULT_CUSTOMER,
        help_text="my_customer (the administrator's account) or the customer id (Account settings → Profile).",
    )
    api_url = ApiUrlField(
        required=False, default=DEFAULT_API_URL, max_length=300, help_text="The Admin SDK's root; leave the default."
    )
    inactive_days = threshold(
        DEFAULT_INACTIVE_DAYS,
        7,
        3650,
        "An active user without a sign-in for longer than this fails the inactivity check.",
    )
    never_signed_in_days = threshold(
        DEFAULT_NEVER_SIGNED_IN_DAYS, 1, 3650, "An active user created longer ago than this who never signed in fails."
    )
    admin_inactive_days = threshold(
        DEFAULT_ADMIN_INACTIVE_DAYS,
        1,
        3650,
        "An administrator without a sign-in for longer than this fails (a dormant privileged account).",
    )
    min_super_admins = threshold(DEFAULT_MIN_SUPER_ADMINS, 1, 100)
    max_super_admins = threshold(DEFAULT_MAX_SUPER_ADMINS, 1, 100)
    trusted_clients = serializers.ListField(
        child=serializers.RegexField(CLIENT_ID),
        required=False,
        default=list,
        max_length=500,
        help_text="OAuth client ids of third-party apps reviewed and allowed broad access (Gmail, Drive).",
    )

    def validate_domain(self, value: str) -> str:
        return value.lower()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check_at_most(attrs, "min_super_admins", "max_super_admins")
        return attrs


class ServiceAccountKeyField(serializers.Field):
    """A service account's JSON key, as the downloaded file's text or as an object; kept as an object."""

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Must be the service account's JSON key file.") from None
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be the service account's JSON key file.")
        missing = missing_key_fields(data)
        if missing:
            raise serializers.ValidationError(f"The key lacks {', '.join(missing)}.")
        if data["type"] != "service_account":
            raise serializers.ValidationError("Must be a service account key (type service_account).")
        if not isinstance(data["client_email"], str) or "@" not in data["client_email"]:
            raise serializers.ValidationError("client_email is not an email address.")
        try:
            load_private_key(str(data["private_key"]))
        except UnusableKeyError as exc:
            raise serializers.ValidationError(f"{exc}.") from None
        token_uri = endpoint_url(str(data["token_uri"]).strip(), what="token_uri", keep_path=True)
        kept = {name: str(data[name]) for name in KEPT_KEY_FIELDS if data.get(name)}
        return {**kept, "token_uri": token_uri}

    def to_representation(self, value: Any) -> str:
        # Write-only in practice; never echo a private key.
        return ""


class CredentialsSerializer(StrictSerializer):
    service_account = ServiceAccountKeyField(
        write_only=True,
        # A pasted JSON key spans lines: forms offer a (write-only) text area.
        style={"base_template": "textarea.html"},
        help_text="The JSON key of a service account with domain-wide delegation (IAM → Service accounts → Keys).",
    )


def credentials_hint(credentials: dict[str, Any]) -> str:
    """The service account and its key id's last characters: enough to tell keys apart, useless to an attacker."""
    key = credentials.get("service_account")
    if not isinstance(key, dict) or not key.get("client_email"):
        return ""
    key_id = str(key.get("private_key_id") or "")
    return f"{key['client_email']} key …{key_id[-4:]}" if key_id else str(key["client_email"])
