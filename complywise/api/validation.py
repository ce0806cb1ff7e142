"""The one way API views read input: a serializer validates it, and anything wrong is a 400 with field errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def validated(
    serializer_class: type[serializers.BaseSerializer],
    data: Mapping[str, Any],
    *,
    partial: bool = False,
    instance: Any = None,
) -> dict[str, Any]:
    """``data`` (a body or the query parameters) checked by ``serializer_class``; raises a 400 naming each field."""
    serializer = serializer_class(instance, data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
