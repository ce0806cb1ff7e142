"""Reads of integrations and of the check catalog."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework import serializers

from complywise.models import Tenant

from . import providers
from .choices import IntegrationStatus
from .equivalents import Equivalent, equivalents_by_check
from .models import Integration
from .registry import Check, all_checks


def integrations_for_tenant(*, tenant: Tenant) -> QuerySet[Integration]:
    return Integration.objects.for_tenant(tenant)


def integrations_for_scan(*, tenant: Tenant, types: list[str] | None) -> QuerySet[Integration]:
    """The tenant's integrations a scan runs: not disabled, of an installed type, of ``types`` when given.

    ``types=None`` means every type; an empty list means none.
    """
    queryset = (
        Integration.objects.for_tenant(tenant)
        .exclude(status=IntegrationStatus.DISABLED)
        .filter(type__in=providers.available_types())
    )
    if types is not None:
        queryset = queryset.filter(type__in=list(types))
    return queryset.order_by("type", "name")


def integration_types_connected(*, tenant: Tenant) -> set[str]:
    """The types the tenant has at least one scannable integration of (the types ``integrations_for_scan`` covers).

    "Connected" means set up and not disabled, whether or not its last connection test
    passed: a scan of an integration that fails reports errors, which must not read as
    "not applicable".
    """
    scannable = integrations_for_scan(tenant=tenant, types=None)
    return set(scannable.order_by().values_list("type", flat=True).distinct())


def checks_list(
    *,
    integration_type: str | None = None,
    severity: str | None = None,
    service: str | None = None,
    search: str | None = None,
) -> list[Check]:
    """Registered checks, sorted by id, filtered on exact type/severity/service and a case-insensitive search.

    The search also reads the ids of other scanners' checks each one answers, so ``s3_bucket_default_encryption``
    finds the check that tests what Prowler's check of that name tests.
    """
    checks = all_checks(integration_type or None)
    if severity:
        checks = [c for c in checks if c.severity == severity]
    if service:
        checks = [c for c in checks if c.service == service]
    if search:
        needle = search.casefold()
        others = equivalents_by_check()
        checks = [
            c
            for c in checks
            if any(
                needle in text.casefold()
                for text in (c.id, c.title, c.service, c.resource_type, c.rationale, *_other_ids(others, c.id))
            )
        ]
    return checks


def _other_ids(others: dict[str, tuple[Equivalent, ...]], check_id: str) -> list[str]:
    return [equivalent.id for equivalent in others.get(check_id, ())]


def check_equivalents(*, check_id: str) -> tuple[Equivalent, ...]:
    """The other scanners' checks that ``check_id`` answers, fully or in part."""
    return equivalents_by_check().get(check_id, ())


# --- a provider's schema, described for forms ---------------------------------------------------------


# DRF's convention for a field typed over several lines (a PEM key, a pasted JSON key).
MULTILINE = "multi-line text"


@dataclass(frozen=True)
class SchemaField:
    """One key of a provider's config or credentials, described for a form."""

    name: str
    required: bool
    help_text: str
    kind: str


def provider_schema_fields(*, integration_type: str, part: str) -> list[SchemaField]:
    """The keys of a provider's ``config`` or ``credentials`` serializer, so forms follow the type's schema."""
    try:
        spec = providers.provider_spec(integration_type)
    except providers.UnknownIntegrationTypeError:
        return []
    serializer_class = spec.config_serializer if part == "config" else spec.credentials_serializer
    if serializer_class is None:
        return []
    return [
        SchemaField(
            name=name,
            required=bool(serializer_field.required),
            help_text=str(serializer_field.help_text or ""),
            kind=_field_kind(serializer_field),
        )
        for name, serializer_field in serializer_class().fields.items()
    ]


def _field_kind(serializer_field: serializers.Field) -> str:
    if isinstance(serializer_field, serializers.ListField):
        return "list"
    if isinstance(serializer_field, serializers.BooleanField):
        return "true or false"
    if isinstance(serializer_field, serializers.IntegerField):
        return "number"
    if isinstance(serializer_field, serializers.ChoiceField):
        return "one of " + ", ".join(str(choice) for choice in serializer_field.choices)
    if isinstance(serializer_field, serializers.URLField):
        return "URL"
    if serializer_field.style.get("base_template") == "textarea.html":
        return MULTILINE
    return "text"
