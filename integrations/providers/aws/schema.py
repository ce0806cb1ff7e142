"""Validation of an AWS integration's config (non-secret) and credentials (secret)."""

from __future__ import annotations

import functools
import re
from typing import Any

from botocore.loaders import create_loader
from django.core.validators import URLValidator
from rest_framework import serializers

from integrations.providers.schema import StrictSerializer, validate_egress_url

MAX_REGIONS = 40
REGION_SHAPE = re.compile(r"^[a-z]{2,4}(-[a-z]{2,12}){1,2}-\d{1,2}$")
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")


@functools.cache
def _partitions() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Regions botocore knows, and each partition's pattern for regions it does not know yet."""
    endpoints = create_loader().load_data("endpoints")
    known: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for partition in endpoints.get("partitions", []):
        known.update(partition.get("regions", {}))
        if partition.get("regionRegex"):
            patterns.append(re.compile(partition["regionRegex"]))
    return frozenset(known), tuple(patterns)


def is_valid_region(name: str) -> bool:
    """A region botocore knows, or one shaped like a region of a known partition (AWS adds regions)."""
    if not REGION_SHAPE.match(name):
        return False
    known, patterns = _partitions()
    return name in known or any(p.match(name) for p in patterns)


class RegionField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip().lower()
        if not is_valid_region(value):
            raise serializers.ValidationError(f"'{value}' is not an AWS region name (for example us-east-1).")
        return value


class ConfigSerializer(StrictSerializer):
    regions = serializers.ListField(
        child=RegionField(max_length=32),
        min_length=1,
        max_length=MAX_REGIONS,
        help_text="Regions to scan; the first one also serves global services (IAM, S3 listing).",
    )
    endpoint_url = serializers.URLField(
        required=False,
        allow_null=True,
        default=None,
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A custom AWS endpoint (e.g. a local emulator); null for the real AWS.",
    )
    role_arn = serializers.RegexField(
        ROLE_ARN,
        required=False,
        allow_null=True,
        default=None,
        max_length=2048,
        error_messages={"invalid": "Must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/ComplyWiseAudit."},
        help_text=(
            "A role to assume with the stored keys (recommended: a role with SecurityAudit, plus "
            "account:GetContactInformation, ds:ListLogSubscriptions, macie2:GetMacieSession and ssm:GetDocument)."
        ),
    )
    external_id = serializers.RegexField(
        EXTERNAL_ID,
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "2–1224 characters: letters, digits and +=,.@:/-_ only."},
        help_text="The external id the role's trust policy requires, if any.",
    )

    def validate_regions(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_endpoint_url(self, value: str | None) -> str | None:
        if value:
            validate_egress_url(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("external_id") and not attrs.get("role_arn"):
            raise serializers.ValidationError({"external_id": ["An external id only applies with a role_arn."]})
        return attrs


class CredentialsSerializer(StrictSerializer):
    access_key_id = serializers.RegexField(
        ACCESS_KEY_ID,
        error_messages={"invalid": "Must be an AWS access key id: 16–128 upper-case letters and digits."},
    )
    secret_access_key = serializers.CharField(min_length=16, max_length=256, trim_whitespace=True)
    session_token = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=4096, default=None
    )

    def validate_session_token(self, value: str | None) -> str | None:
        return value or None


def credentials_hint(credentials: dict[str, Any]) -> str:
    """The access key id's last four characters: enough to tell keys apart, useless to an attacker."""
    key_id = str(credentials.get("access_key_id") or "")
    return f"access key …{key_id[-4:]}" if len(key_id) >= 16 else ""
