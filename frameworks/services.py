"""Writes for frameworks: activation (catalog loading and OSCAL import live in catalog.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from complywise.models import Tenant

from .models import Framework, TenantFramework


@transaction.atomic
def tenant_activate_default_frameworks(*, tenant: Tenant, keys: Iterable[str]) -> list[Framework]:
    """Activate the newest global version of each key that exists (missing keys are skipped)."""
    activated = []
    for key in keys:
        framework = Framework.objects.filter(tenant__isnull=True, key=key).order_by("-created_at").first()
        if framework is not None:
            TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
            activated.append(framework)
    return activated
