"""Validation of a host integration's config; the type takes no credentials."""

from __future__ import annotations

import posixpath
from typing import Any

from django.conf import settings
from rest_framework import serializers

from integrations.providers.schema import StrictSerializer

MAX_ROOT_LENGTH = 1024


def _inside(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/") or "/"
    return path == prefix or prefix == "/" or path.startswith(prefix + "/")


class ConfigSerializer(StrictSerializer):
    root = serializers.CharField(
        max_length=MAX_ROOT_LENGTH,
        default="/",
        help_text='The filesystem root to scan on the worker: "/" for the worker\'s own machine, '
        "or the mount point of another machine's filesystem.",
    )

    def validate_root(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Must not contain a NUL character.")
        if not value.startswith("/"):
            raise serializers.ValidationError('Must be an absolute path, e.g. "/" or "/mnt/host".')
        # "//x" is a valid POSIX spelling of "/x"; store one canonical form.
        normalised = "/" + posixpath.normpath(value).lstrip("/")
        # An operator may confine host scans to some directories (HOST_SCAN_ALLOWED_ROOTS);
        # by default any root is allowed, as the embedded demo scans "/".
        allowed: Any = getattr(settings, "HOST_SCAN_ALLOWED_ROOTS", None)
        if allowed is not None and not any(_inside(normalised, str(prefix)) for prefix in allowed):
            raise serializers.ValidationError(
                f"This deployment only scans roots under: {', '.join(str(p) for p in allowed) or '(none)'}."
            )
        return normalised


# No CredentialsSerializer: reading local files needs no secret.
