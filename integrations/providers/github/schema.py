"""Validation of a GitHub integration's config (non-secret) and credentials (secret)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers

from integrations.providers.schema import StrictSerializer, validate_egress_url

from .client import DEFAULT_API_URL, DEFAULT_MAX_ADMINS

# GitHub logins: letters, digits and single inner hyphens, at most 39 characters.
ORGANIZATION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# Classic (ghp_…, 40 hex on older servers), fine-grained (github_pat_…) and app (ghs_…) tokens.
TOKEN = re.compile(r"^[A-Za-z0-9_]{20,255}$")
MAX_REPOSITORIES = 1000
MAX_ADMINS_LIMIT = 10_000
_TOKEN_PREFIXES = ("github_pat_", "ghp_", "gho_", "ghu_", "ghs_")


class ApiUrlField(serializers.URLField):
    """The REST API root: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[URLValidator(schemes=["http", "https"])], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        parts = urlsplit(value)
        if parts.username or parts.password or parts.query or parts.fragment:
            raise serializers.ValidationError("Give the API root only: no credentials, query or fragment.")
        # Where it points comes first: no scheme makes an address integrations may not reach acceptable.
        validate_egress_url(value)
        if parts.scheme.lower() == "http" and not _is_loopback(parts.hostname or ""):
            raise serializers.ValidationError(
                "Use https://: over plain http the token would cross the network in clear "
                "(http is only accepted for a server on this machine)."
            )
        return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConfigSerializer(StrictSerializer):
    organization = serializers.RegexField(
        ORGANIZATION,
        max_length=39,
        error_messages={"invalid": "Must be a GitHub organization login: letters, digits and inner hyphens."},
        help_text="The organization's login, as in https://github.com/<organization>.",
    )
    api_url = ApiUrlField(
        required=False,
        default=DEFAULT_API_URL,
        max_length=500,
        help_text="The REST API root; for GitHub Enterprise Server https://<host>/api/v3.",
    )
    max_admins = serializers.IntegerField(
        required=False,
        default=DEFAULT_MAX_ADMINS,
        min_value=1,
        max_value=MAX_ADMINS_LIMIT,
        help_text="The most organization owners the admin-count check accepts.",
    )
    allow_public_repos = serializers.BooleanField(
        required=False, default=False, help_text="true when the organization publishes open-source repositories."
    )
    repositories = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        allow_null=True,
        default=None,
        max_length=MAX_REPOSITORIES,
        help_text="Limit the scan to these repositories (names); null or absent scans them all.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        names = attrs.get("repositories")
        if names is None:
            return attrs
        organization = attrs["organization"].lower()
        clean: list[str] = []
        errors: dict[int, list[str]] = {}
        for index, raw in enumerate(names):
            owner, slash, name = raw.strip().rpartition("/")
            # "acme/api" is accepted for "api", but not a repository of another owner.
            if slash and owner.lower() != organization:
                errors[index] = [f"'{raw}' is not a repository of {attrs['organization']}."]
            elif not REPOSITORY.match(name):
                errors[index] = ["Must be a repository name: letters, digits, '.', '-' and '_'."]
            elif name.lower() not in {c.lower() for c in clean}:
                clean.append(name)
        if errors:
            # Keyed by list index, as DRF's ListField reports item errors (the stubs only allow str keys).
            raise serializers.ValidationError({"repositories": errors})  # type: ignore[dict-item]
        attrs["repositories"] = clean or None
        return attrs


class CredentialsSerializer(StrictSerializer):
    token = serializers.RegexField(
        TOKEN,
        trim_whitespace=True,
        error_messages={"invalid": "Must be a GitHub token: 20–255 letters, digits and underscores."},
        help_text="A personal access token (classic or fine-grained) or an app installation token.",
    )


def credentials_hint(credentials: dict[str, Any]) -> str:
    """The token's kind and last four characters: enough to tell tokens apart, useless to an attacker."""
    token = str(credentials.get("token") or "")
    if len(token) < 20:
        return ""
    prefix = next((p for p in _TOKEN_PREFIXES if token.startswith(p)), "")
    return f"token {prefix}…{token[-4:]}"
