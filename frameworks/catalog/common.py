"""What both catalog loaders share: the error, the control spec, and the bulk upsert of controls and mappings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.db import models
from django.utils import timezone

from complywise.exceptions import ApplicationError
from frameworks.models import Control, ControlCheck, Framework
from frameworks.naturalsort import natural_key

SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")

# Field limits of the models, checked up front so bad data is a clear error rather than a database one.
MAX_KEY, MAX_NAME, MAX_VERSION, MAX_PUBLISHER = 100, 200, 50, 200
MAX_REF, MAX_TITLE, MAX_GROUP = 64, 500, 200
# A CharField always has a max_length; the stubs type it as optional for every field.
MAX_SORT_KEY = cast(int, Control._meta.get_field("sort_key").max_length)

# How existing controls take the incoming values:
#   exact     - every field is set as given, controls absent from the input are removed (shipped file, shipped row);
#   non_blank - non-empty values overwrite, nothing is removed (OSCAL import over an existing framework);
#   missing   - only absent controls are added (shipped file over a framework whose text came from OSCAL).
SyncMode = Literal["exact", "non_blank", "missing"]


class CatalogError(ApplicationError):
    """A catalog or mapping data file (or an OSCAL import) cannot be loaded; the message names file and ref."""


@dataclass(frozen=True)
class ControlSpec:
    ref: str
    title: str
    description: str = ""
    group: str = ""
    parent_ref: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ControlSyncResult:
    created: int = 0
    updated: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    mappings_removed: int = 0  # went with the removed controls
    by_ref: dict[str, Control] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def apply_field(obj: models.Model, name: str, value: Any) -> bool:
    """Set obj.name to value; True when that changed it."""
    if getattr(obj, name) == value:
        return False
    setattr(obj, name, value)
    return True


def sync_controls(*, framework: Framework, specs: list[ControlSpec], mode: SyncMode) -> ControlSyncResult:
    """Upsert ``specs`` into the framework's controls with bulk queries (see SyncMode)."""
    result = ControlSyncResult()
    existing = {control.ref: control for control in Control.objects.filter(framework=framework)}
    by_ref = dict(existing)
    to_create: list[Control] = []
    to_update: dict[str, Control] = {}
    incoming: dict[str, ControlSpec] = {}

    for spec in specs:
        if spec.ref in incoming:
            result.warnings.append(f"control '{spec.ref}' appears twice; the later one is skipped")
            continue
        incoming[spec.ref] = spec
        control = existing.get(spec.ref)
        if control is None:
            control = Control(
                framework=framework,
                ref=spec.ref,
                title=spec.title,
                description=spec.description,
                group=spec.group,
                attributes=spec.attributes,
                sort_key=natural_key(spec.ref),  # bulk_create skips Control.save()
            )
            by_ref[spec.ref] = control
            to_create.append(control)
        elif mode != "missing":
            for name in ("title", "description", "group", "attributes"):
                value = getattr(spec, name)
                if (mode == "exact" or value) and apply_field(control, name, value):
                    to_update[spec.ref] = control

    # Parents are resolved once every incoming control exists in memory (a parent may be new too).
    created_refs = {control.ref for control in to_create}
    for ref, spec in incoming.items():
        control = by_ref[ref]
        parent = by_ref.get(spec.parent_ref) if spec.parent_ref else None
        if spec.parent_ref and parent is None:
            result.warnings.append(f"control '{ref}': parent '{spec.parent_ref}' is not in the framework; left unset")
        if parent is control:
            parent = None
        if ref in created_refs:
            control.parent = parent
        elif (mode == "exact" or (mode == "non_blank" and parent is not None)) and apply_field(
            control, "parent_id", parent.pk if parent else None
        ):
            to_update[ref] = control

    if to_create:
        Control.objects.bulk_create(to_create)
    if to_update:
        now = timezone.now()
        for control in to_update.values():
            control.updated_at = now
        Control.objects.bulk_update(
            list(to_update.values()),
            ["title", "description", "group", "attributes", "parent", "updated_at"],
            batch_size=500,
        )
    absent = sorted((ref for ref in existing if ref not in incoming), key=natural_key)
    if mode == "exact" and absent:
        doomed = [existing[ref].pk for ref in absent]
        result.mappings_removed = ControlCheck.objects.filter(control_id__in=doomed).count()
        Control.objects.filter(pk__in=doomed).delete()
        for ref in absent:
            del by_ref[ref]
        result.removed = absent
    else:
        result.kept = absent

    result.created = len(to_create)
    result.updated = len(to_update)
    result.by_ref = by_ref
    return result


def sync_mappings(*, framework: Framework, desired: set[tuple[str, str]]) -> tuple[int, int]:
    """Make the framework's ControlCheck rows exactly ``desired`` ((control id, check id) pairs)."""
    existing = {
        (str(control_id), check_id): pk
        for pk, control_id, check_id in ControlCheck.objects.filter(control__framework=framework).values_list(
            "pk", "control_id", "check_id"
        )
    }
    missing = desired - existing.keys()
    stale = [pk for pair, pk in existing.items() if pair not in desired]
    if missing:
        ControlCheck.objects.bulk_create(
            [ControlCheck(control_id=control_id, check_id=check_id) for control_id, check_id in sorted(missing)]
        )
    if stale:
        ControlCheck.objects.filter(pk__in=stale).delete()
    return len(missing), len(stale)
