"""Validation of a PostgreSQL integration's config (non-secret) and credentials (the password)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from rest_framework import serializers

from integrations.providers.schema import StrictSerializer, validate_egress_host

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Labels may hold "_": container and compose service names do.
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$"
)
# PostgreSQL identifiers are at most 63 bytes; control characters never belong in one.
IDENTIFIER = re.compile(r"^[^\x00-\x1f\x7f]{1,63}$")


class HostField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip()
        # "[::1]", as in a URL, is the IPv6 address ::1.
        bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
        try:
            clean = str(ipaddress.ip_address(bare))
        except ValueError:
            if not HOSTNAME.match(value):
                raise serializers.ValidationError(f"'{value}' is not a host name or IP address.") from None
            clean = value.lower().rstrip(".")
        validate_egress_host(clean)
        return clean


class ConfigSerializer(StrictSerializer):
    host = HostField(max_length=253, help_text="Host name or IP address of the PostgreSQL server.")
    port = serializers.IntegerField(min_value=1, max_value=65535, default=5432)
    dbname = serializers.RegexField(
        IDENTIFIER,
        max_length=63,
        error_messages={"invalid": "A database name: 1–63 characters, no control characters."},
        help_text="The database to connect to; server-wide settings, roles and pg_hba are the same from any.",
    )
    user = serializers.RegexField(
        IDENTIFIER,
        max_length=63,
        error_messages={"invalid": "A role name: 1–63 characters, no control characters."},
        help_text="Role to scan as: a superuser, or a role with pg_read_all_settings and read access to "
        "pg_hba_file_rules and pg_authid for complete results.",
    )
    sslmode = serializers.ChoiceField(choices=SSL_MODES, default="prefer")
    max_superusers = serializers.IntegerField(
        min_value=0, max_value=1000, default=3, help_text="More superuser roles than this fails the check."
    )
    require_password_expiry = serializers.BooleanField(
        default=False, help_text="Require an expiry date (VALID UNTIL) on every login role with a password."
    )
    require_pgaudit = serializers.BooleanField(
        default=False, help_text="Require the pgaudit extension in shared_preload_libraries."
    )
    min_supported_major = serializers.IntegerField(
        min_value=9, max_value=99, default=13, help_text="Oldest acceptable major version (e.g. 13)."
    )


class CredentialsSerializer(StrictSerializer):
    # Passwords may legitimately start or end with spaces: keep them as typed.
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1024,
        trim_whitespace=False,
        help_text="Empty for servers that trust the scanner's address (no password asked).",
    )

    def validate_password(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Must not contain a NUL character.")
        return value


def credentials_hint(credentials: dict[str, Any]) -> str:
    """Only whether a password is stored: nothing about it is safe to show."""
    return "password set" if credentials.get("password") else "no password"
