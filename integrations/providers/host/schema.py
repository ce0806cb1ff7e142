"""Validation of a host integration's config; the type takes no credentials."""

from __future__ import annotations

from rest_framework import serializers

from integrations.providers.schema import StrictSerializer

from . import policy

MAX_ROOT_LENGTH = 1024


class ConfigSerializer(StrictSerializer):
    # DRF's metaclass moves declared fields into _declared_fields, so this never replaces Field.root.
    root = serializers.CharField(  # type: ignore[assignment]
        max_length=MAX_ROOT_LENGTH,
        default="/",
        help_text='The filesystem root to scan on the worker: "/" for the worker\'s own machine, '
        "or the mount point of another machine's filesystem; it must lie under one of the operator's "
        "HOST_SCAN_ALLOWED_ROOTS.",
    )

    def validate_root(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Must not contain a NUL character.")
        if not value.startswith("/"):
            raise serializers.ValidationError('Must be an absolute path, e.g. "/" or "/mnt/host".')
        # "//x" is a valid POSIX spelling of "/x"; store one canonical form.
        normalised = policy.normalise(value)
        refusal = policy.root_refusal(normalised)
        if refusal:
            raise serializers.ValidationError(refusal)
        return normalised


# No CredentialsSerializer: reading local files needs no secret.
