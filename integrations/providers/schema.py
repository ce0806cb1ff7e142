"""Shared base of the providers' config and credentials serializers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers

from complywise import egress


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not declare: a typo in a config key must not silently be dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


def validate_egress_host(host: str) -> None:
    """Refuse a host the egress guard would refuse at connect time, saying why (a field error)."""
    refusal = egress.host_refusal(host)
    if refusal:
        raise serializers.ValidationError(refusal)


def validate_egress_url(url: str) -> None:
    """Refuse a URL whose host the egress guard would refuse at connect time."""
    validate_egress_host(urlsplit(url).hostname or "")
