"""OSCAL catalog (and profile) import: the official control text as a global framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from frameworks.choices import FrameworkSource
from frameworks.models import Framework
from frameworks.naturalsort import natural_key
from frameworks.oscal import OscalCatalog, OscalError, apply_profile, parse_catalog

from .common import (
    MAX_GROUP,
    MAX_KEY,
    MAX_NAME,
    MAX_REF,
    MAX_SORT_KEY,
    MAX_TITLE,
    MAX_VERSION,
    SLUG,
    CatalogError,
    ControlSpec,
    apply_field,
    sync_controls,
)


@dataclass
class OscalImportReport:
    framework_id: str
    key: str
    version: str
    name: str
    created: bool
    controls_total: int
    controls_created: int
    controls_updated: int
    # Controls already in the framework that the import does not contain (kept with their mappings).
    controls_kept: list[str]
    warnings: list[str]


def _truncate(value: str, limit: int, what: str, warnings: list[str]) -> str:
    if len(value) <= limit:
        return value
    warnings.append(f"{what} is longer than {limit} characters; truncated")
    return value[: limit - 1] + "…"


def _key_from_title(title: str) -> str:
    """Slugify the title, cutting an over-long slug at a word boundary."""
    slug = slugify(title)
    if len(slug) > MAX_KEY:
        slug = slug[: MAX_KEY + 1].rsplit("-", 1)[0] if "-" in slug[:MAX_KEY] else slug[:MAX_KEY]
    return slug.strip("-")


def _oscal_specs(catalog: OscalCatalog, warnings: list[str]) -> list[ControlSpec]:
    specs = []
    for control in catalog.controls:
        if len(control.ref) > MAX_REF or len(natural_key(control.ref)) > MAX_SORT_KEY:
            warnings.append(f"control '{control.id}': label '{control.ref}' is too long to store; skipped")
            continue
        specs.append(
            ControlSpec(
                ref=control.ref,
                title=_truncate(control.title or control.ref, MAX_TITLE, f"title of '{control.ref}'", warnings),
                description=control.description,
                group=_truncate(control.group, MAX_GROUP, f"group of '{control.ref}'", warnings),
                parent_ref=control.parent_ref,
            )
        )
    return specs


@transaction.atomic
def framework_import_oscal(
    *,
    catalog: dict[str, Any],
    profile: dict[str, Any] | None = None,
    key: str | None = None,
    name: str | None = None,
    version: str | None = None,
) -> OscalImportReport:
    """Import an OSCAL catalog (narrowed by a profile) as a global framework, source=oscal.

    An existing global framework with the same key and version (e.g. a shipped one) is upserted:
    its controls take the official text, and its mappings, activations and other controls are kept.
    Raises OscalError for unusable OSCAL and CatalogError for an unusable key, name or version.
    """
    parsed = parse_catalog(catalog)
    if profile is not None:
        parsed = apply_profile(parsed, profile)
    warnings = list(parsed.warnings)
    if not parsed.controls:
        raise OscalError("the catalog (after the profile) contains no controls")

    key = (key or "").strip() or _key_from_title(parsed.title)
    if not key:
        raise CatalogError("cannot derive a key from the catalog title; pass a key")
    if len(key) > MAX_KEY or not SLUG.match(key):
        raise CatalogError(f"key '{key}' must be at most {MAX_KEY} letters, digits, '-' or '_'")
    version = (version if version is not None else parsed.version).strip()
    if len(version) > MAX_VERSION:
        raise CatalogError(f"version '{version}' is longer than {MAX_VERSION} characters")
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise CatalogError(f"name is longer than {MAX_NAME} characters")

    framework = Framework.objects.select_for_update().filter(tenant__isnull=True, key=key, version=version).first()
    created = framework is None
    if framework is None:
        framework = Framework.objects.create(
            key=key,
            version=version,
            name=name or _truncate(parsed.title or key, MAX_NAME, "catalog title", warnings),
            description=f"Imported from the OSCAL catalog “{parsed.title or key}”.",
            source=FrameworkSource.OSCAL,
        )
    else:
        # The name an operator or the shipped catalog chose is kept unless a new one is given.
        updates = {"source": FrameworkSource.OSCAL, **({"name": name} if name else {})}
        changed = [field_name for field_name, value in updates.items() if apply_field(framework, field_name, value)]
        if changed:
            framework.save(update_fields=[*changed, "updated_at"])

    synced = sync_controls(framework=framework, specs=_oscal_specs(parsed, warnings), mode="non_blank")
    warnings += synced.warnings
    return OscalImportReport(
        framework_id=str(framework.pk),
        key=framework.key,
        version=framework.version,
        name=framework.name,
        created=created,
        controls_total=len(synced.by_ref),
        controls_created=synced.created,
        controls_updated=synced.updated,
        controls_kept=synced.kept,
        warnings=warnings,
    )
