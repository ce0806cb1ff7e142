"""Writes for frameworks: activation and custom frameworks (catalog loading and OSCAL import: catalog.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from complywise.exceptions import FieldValidationError, NotFoundError, PermissionDeniedError
from complywise.models import Tenant
from complywise.services import audit_record
from integrations.registry import get_check

from .choices import FrameworkSource
from .models import (
    Control,
    ControlCheck,
    Framework,
    TenantFramework,
)
from .naturalsort import natural_key
from .selectors import framework_key_reserved

READ_ONLY_FRAMEWORK = (
    "Shipped and imported frameworks are read-only; only your organisation's custom frameworks can be changed."
)
FRAMEWORK_FIELDS = ("key", "name", "version", "description")
# A CharField always has a max_length; the stubs type it as optional for every field.
SORT_KEY_MAX_LENGTH = cast(int, Control._meta.get_field("sort_key").max_length)
CONTROL_FIELDS = ("ref", "title", "description", "group", "parent_ref", "check_ids")


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


def on_tenant_created(*, tenant: Tenant, **kwargs: Any) -> None:
    """A new tenant starts with the frameworks of DEFAULT_TENANT_FRAMEWORKS active."""
    tenant_activate_default_frameworks(tenant=tenant, keys=settings.DEFAULT_TENANT_FRAMEWORKS)


# --------------------------------------------------------------------------- activation


def ensure_visible(*, tenant: Tenant, framework: Framework) -> None:
    if framework.tenant_id is not None and framework.tenant_id != tenant.pk:
        raise NotFoundError()


def _ensure_custom(*, tenant: Tenant, framework: Framework) -> None:
    ensure_visible(tenant=tenant, framework=framework)
    if framework.tenant_id is None:
        raise PermissionDeniedError(READ_ONLY_FRAMEWORK)


@transaction.atomic
def framework_activate(*, tenant: Tenant, framework: Framework, actor: AbstractBaseUser | None = None) -> Framework:
    """Make scans of the tenant evaluate this framework (idempotent)."""
    ensure_visible(tenant=tenant, framework=framework)
    _, created = TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
    if created:
        audit_record(tenant=tenant, actor=actor, action="framework.activated", target=framework, data=_ident(framework))
    return framework


@transaction.atomic
def framework_deactivate(*, tenant: Tenant, framework: Framework, actor: AbstractBaseUser | None = None) -> Framework:
    """Stop evaluating this framework in the tenant's scans (idempotent; past results are kept)."""
    ensure_visible(tenant=tenant, framework=framework)
    deleted, _ = TenantFramework.objects.for_tenant(tenant).filter(framework=framework).delete()
    if deleted:
        audit_record(
            tenant=tenant, actor=actor, action="framework.deactivated", target=framework, data=_ident(framework)
        )
    return framework


def _ident(framework: Framework) -> dict[str, str]:
    return {"key": framework.key, "version": framework.version}


# --------------------------------------------------------------------------- custom frameworks


def _key_taken(*, tenant: Tenant, key: str, version: str, exclude: Framework | None = None) -> bool:
    clash = Framework.objects.filter(tenant=tenant, key=key, version=version)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    return clash.exists()


def _key_clash_error(key: str, version: str) -> FieldValidationError:
    shown = f"'{key}' version '{version}'" if version else f"'{key}'"
    return FieldValidationError({"key": f"Your organisation already has a framework {shown}."})


def _ensure_key_not_reserved(key: str) -> None:
    # A custom framework under a shipped key would be mistaken for the real catalog in results and exports.
    if framework_key_reserved(key=key):
        raise FieldValidationError({"key": f"'{key}' is reserved for a shipped or imported framework; choose another."})


def _save_framework(framework: Framework, **kwargs: Any) -> None:
    # The unique constraint is the last word when two admins race on the same key.
    try:
        with transaction.atomic():
            framework.save(**kwargs)
    except IntegrityError as exc:
        raise _key_clash_error(framework.key, framework.version) from exc


@transaction.atomic
def framework_create_custom(
    *,
    tenant: Tenant,
    key: str,
    name: str,
    version: str = "",
    description: str = "",
    actor: AbstractBaseUser | None = None,
) -> Framework:
    """Create a framework owned by the tenant (source=custom) and activate it for the tenant."""
    _ensure_key_not_reserved(key)
    if _key_taken(tenant=tenant, key=key, version=version):
        raise _key_clash_error(key, version)
    framework = Framework(
        tenant=tenant, key=key, name=name, version=version, description=description, source=FrameworkSource.CUSTOM
    )
    _save_framework(framework)
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    audit_record(tenant=tenant, actor=actor, action="framework.created", target=framework, data=_ident(framework))
    return framework


@transaction.atomic
def framework_update_custom(
    *, tenant: Tenant, framework: Framework, actor: AbstractBaseUser | None = None, **changes: Any
) -> Framework:
    """Change key, name, version or description of one of the tenant's custom frameworks (only those given)."""
    _ensure_custom(tenant=tenant, framework=framework)
    data = changes
    changed = [name for name in FRAMEWORK_FIELDS if name in data and getattr(framework, name) != data[name]]
    if "key" in changed:
        _ensure_key_not_reserved(data["key"])
    for name in changed:
        setattr(framework, name, data[name])
    if {"key", "version"} & set(changed) and _key_taken(
        tenant=tenant, key=framework.key, version=framework.version, exclude=framework
    ):
        raise _key_clash_error(framework.key, framework.version)
    if changed:
        _save_framework(framework, update_fields=[*changed, "updated_at"])
        audit_record(tenant=tenant, actor=actor, action="framework.updated", target=framework, data={"fields": changed})
    return framework


@transaction.atomic
def framework_delete_custom(*, tenant: Tenant, framework: Framework, actor: AbstractBaseUser | None = None) -> None:
    """Delete one of the tenant's custom frameworks with its controls (evidence files are kept, unlinked)."""
    _ensure_custom(tenant=tenant, framework=framework)
    audit_record(tenant=tenant, actor=actor, action="framework.deleted", target=framework, data=_ident(framework))
    framework.delete()


# --------------------------------------------------------------------------- custom controls


def check_ids_validate(check_ids: Iterable[str]) -> list[str]:
    """Deduplicated, sorted check ids, all registered by a connector; unknown ones are a 400 naming them."""
    ids = sorted({check_id.strip() for check_id in check_ids})
    unknown = [check_id for check_id in ids if not check_id or get_check(check_id) is None]
    if unknown:
        raise FieldValidationError({"check_ids": f"Unknown check id(s): {', '.join(repr(c) for c in unknown)}."})
    return ids


def _resolve_parent(*, framework: Framework, parent_ref: str | None, control: Control | None = None) -> Control | None:
    if not parent_ref:
        return None
    parent = Control.objects.filter(framework=framework, ref=parent_ref).first()
    if parent is None:
        raise FieldValidationError({"parent_ref": f"No control '{parent_ref}' in this framework."})
    if control is not None:
        # Walk up from the new parent: meeting the control itself would make a cycle.
        ancestor: Control | None = parent
        while ancestor is not None:
            if ancestor.pk == control.pk:
                raise FieldValidationError({"parent_ref": "A control cannot sit under itself or its own enhancements."})
            ancestor = ancestor.parent
    return parent


def _ensure_ref_free(*, framework: Framework, ref: str, control: Control | None = None) -> None:
    if len(natural_key(ref)) > SORT_KEY_MAX_LENGTH:
        # Every number in a ref is padded for natural ordering; too many of them overflow the sort key.
        raise FieldValidationError({"ref": "This ref has too many numbers in it."})
    clash = Control.objects.filter(framework=framework, ref=ref)
    if control is not None:
        clash = clash.exclude(pk=control.pk)
    if clash.exists():
        raise FieldValidationError({"ref": f"This framework already has a control '{ref}'."})


def _save_control(control: Control, **kwargs: Any) -> None:
    # The unique constraint is the last word when two admins race on the same ref.
    try:
        with transaction.atomic():
            control.save(**kwargs)
    except IntegrityError as exc:
        raise FieldValidationError({"ref": f"This framework already has a control '{control.ref}'."}) from exc


def _replace_checks(*, control: Control, check_ids: list[str]) -> None:
    existing = set(control.checks.values_list("check_id", flat=True))
    control.checks.exclude(check_id__in=check_ids).delete()
    ControlCheck.objects.bulk_create(
        [ControlCheck(control=control, check_id=check_id) for check_id in check_ids if check_id not in existing]
    )


@transaction.atomic
def control_create_custom(
    *,
    tenant: Tenant,
    framework: Framework,
    ref: str,
    title: str,
    description: str = "",
    group: str = "",
    parent_ref: str | None = None,
    check_ids: Iterable[str] = (),
    actor: AbstractBaseUser | None = None,
) -> Control:
    """Add a control (optionally mapped to registered checks) to one of the tenant's custom frameworks."""
    _ensure_custom(tenant=tenant, framework=framework)
    checks = check_ids_validate(check_ids)
    _ensure_ref_free(framework=framework, ref=ref)
    control = Control(
        framework=framework,
        ref=ref,
        title=title,
        description=description,
        group=group,
        parent=_resolve_parent(framework=framework, parent_ref=parent_ref),
    )
    _save_control(control)
    _replace_checks(control=control, check_ids=checks)
    audit_record(
        tenant=tenant, actor=actor, action="control.created", target=control, data={"ref": ref, "checks": checks}
    )
    return control


@transaction.atomic
def control_update_custom(
    *, tenant: Tenant, control: Control, actor: AbstractBaseUser | None = None, **changes: Any
) -> Control:
    """Change a control of one of the tenant's custom frameworks (any of CONTROL_FIELDS given)."""
    data = changes
    framework = control.framework
    _ensure_custom(tenant=tenant, framework=framework)
    changed = []
    if "check_ids" in data:
        _replace_checks(control=control, check_ids=check_ids_validate(data["check_ids"]))
        changed.append("check_ids")
    if "ref" in data and data["ref"] != control.ref:
        _ensure_ref_free(framework=framework, ref=data["ref"], control=control)
    if "parent_ref" in data:
        parent = _resolve_parent(framework=framework, parent_ref=data["parent_ref"], control=control)
        if control.parent_id != (parent.pk if parent else None):
            control.parent = parent
            changed.append("parent")
    for name in ("ref", "title", "description", "group"):
        if name in data and getattr(control, name) != data[name]:
            setattr(control, name, data[name])
            changed.append(name)
    fields = [name for name in changed if name != "check_ids"]
    if fields:
        _save_control(control, update_fields=[*fields, "sort_key", "updated_at"])
    if changed:
        audit_record(tenant=tenant, actor=actor, action="control.updated", target=control, data={"fields": changed})
    return control


@transaction.atomic
def control_set_checks(
    *, tenant: Tenant, control: Control, check_ids: Iterable[str], actor: AbstractBaseUser | None = None
) -> Control:
    """Replace the checks mapped to a control of one of the tenant's custom frameworks."""
    return control_update_custom(tenant=tenant, control=control, actor=actor, check_ids=list(check_ids))


@transaction.atomic
def control_delete_custom(*, tenant: Tenant, control: Control, actor: AbstractBaseUser | None = None) -> None:
    """Delete a control (and its enhancements) of one of the tenant's custom frameworks."""
    _ensure_custom(tenant=tenant, framework=control.framework)
    audit_record(tenant=tenant, actor=actor, action="control.deleted", target=control, data={"ref": control.ref})
    control.delete()
