"""The shipped catalogs: YAML files (frameworks/catalogs/README.md) upserted as global frameworks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from frameworks.choices import FrameworkSource
from frameworks.models import Control, Framework
from frameworks.naturalsort import natural_key
from integrations.registry import get_check

from .common import (
    MAX_GROUP,
    MAX_KEY,
    MAX_NAME,
    MAX_PUBLISHER,
    MAX_REF,
    MAX_SORT_KEY,
    MAX_TITLE,
    MAX_VERSION,
    SLUG,
    CatalogError,
    ControlSpec,
    SyncMode,
    apply_field,
    sync_controls,
    sync_mappings,
)
from .crosswalks import crosswalks_read, crosswalks_sync, crosswalks_validate

logger = logging.getLogger(__name__)

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalogs"
MAPPINGS_SUBDIR = "mappings"

_CATALOG_FIELDS = {"key", "name", "version", "description", "source", "groups"}
_GROUP_FIELDS = {"title", "controls"}
_CONTROL_FIELDS = {"ref", "title", "description", "parent", "attributes"}
# A mapping entry's one-line reason, for a reviewer to challenge; not a framework key.
RATIONALE = "rationale"
ATTRIBUTE_MAX = 20
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class CatalogSpec:
    """One validated shipped catalog file."""

    path: Path
    key: str
    name: str
    version: str
    description: str
    publisher: str
    controls: list[ControlSpec]


@dataclass
class FrameworkLoadResult:
    """What loading one catalog file changed."""

    key: str
    version: str
    name: str
    framework_id: str
    created: bool
    kept_imported_text: bool
    controls_total: int
    controls_created: int
    controls_updated: int
    controls_removed: list[str]
    mappings_added: int = 0
    mappings_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.controls_created
            or self.controls_updated
            or self.controls_removed
            or self.mappings_added
            or self.mappings_removed
        )


@dataclass
class CatalogLoadReport:
    frameworks: list[FrameworkLoadResult]
    warnings: list[str] = field(default_factory=list)
    # Crosswalk rows (each pair counts twice, one per direction).
    equivalents_added: int = 0
    equivalents_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(result.changed for result in self.frameworks) or bool(
            self.equivalents_added or self.equivalents_removed
        )


# --------------------------------------------------------------------------- reading data files


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (C or pure Python)
    except OSError as exc:
        raise CatalogError(f"{path.name}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML: {exc}") from exc


def _string(value: Any, where: str, name: str, *, required: bool = True, max_length: int | None = None) -> str:
    """A stripped string field; numbers are refused because YAML would have mangled them (3.10 -> 3.1)."""
    if value is None:
        if required:
            raise CatalogError(f"{where}: '{name}' is missing")
        return ""
    if not isinstance(value, str):
        raise CatalogError(f"{where}: '{name}' must be a string (quote it), got {value!r}")
    text = value.strip()
    if required and not text:
        raise CatalogError(f"{where}: '{name}' is empty")
    if max_length is not None and len(text) > max_length:
        raise CatalogError(f"{where}: '{name}' is longer than {max_length} characters")
    return text


def _unknown_fields(obj: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(name) for name in set(obj) - allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def catalog_file_read(path: Path) -> CatalogSpec:
    """Parse and validate one shipped catalog file (format: frameworks/catalogs/README.md)."""
    document = _read_yaml(path)
    where = path.name
    if not isinstance(document, dict):
        raise CatalogError(f"{where}: expected a mapping at the top level")
    _unknown_fields(document, _CATALOG_FIELDS, where)
    key = _string(document.get("key"), where, "key", max_length=MAX_KEY)
    if not SLUG.match(key):
        raise CatalogError(f"{where}: key '{key}' must contain only letters, digits, '-' and '_'")
    if key != path.stem:
        raise CatalogError(f"{where}: key '{key}' must equal the file name '{path.stem}'")
    groups = document.get("groups")
    if not isinstance(groups, list) or not groups:
        raise CatalogError(f"{where}: 'groups' must be a non-empty list")

    controls: list[ControlSpec] = []
    seen: set[str] = set()
    for group_number, group in enumerate(groups, start=1):
        if not isinstance(group, dict):
            raise CatalogError(f"{where}: group #{group_number} must be a mapping")
        _unknown_fields(group, _GROUP_FIELDS, f"{where}: group #{group_number}")
        title = _string(group.get("title"), f"{where}: group #{group_number}", "title", max_length=MAX_GROUP)
        group_where = f"{where}: group '{title}'"
        items = group.get("controls")
        if not isinstance(items, list) or not items:
            raise CatalogError(f"{group_where}: 'controls' must be a non-empty list")
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise CatalogError(f"{group_where}: control #{number} must be a mapping")
            ref = _string(item.get("ref"), f"{group_where}: control #{number}", "ref", max_length=MAX_REF)
            control_where = f"{where}: control '{ref}'"
            _unknown_fields(item, _CONTROL_FIELDS, control_where)
            if ref in seen:
                raise CatalogError(f"{control_where}: ref is listed twice")
            if len(natural_key(ref)) > MAX_SORT_KEY:
                raise CatalogError(f"{control_where}: ref has too many numbers to sort naturally")
            parent = _string(item.get("parent"), control_where, "parent", required=False) or None
            if parent is not None and parent not in seen:
                raise CatalogError(f"{control_where}: parent '{parent}' is not a control listed before it")
            seen.add(ref)
            controls.append(
                ControlSpec(
                    ref=ref,
                    title=_string(item.get("title"), control_where, "title", max_length=MAX_TITLE),
                    description=_string(item.get("description"), control_where, "description", required=False),
                    group=title,
                    parent_ref=parent,
                    attributes=_attributes(item.get("attributes"), control_where),
                )
            )
    return CatalogSpec(
        path=path,
        key=key,
        name=_string(document.get("name"), where, "name", max_length=MAX_NAME),
        version=_string(document.get("version"), where, "version", max_length=MAX_VERSION),
        description=_string(document.get("description"), where, "description", required=False),
        publisher=_string(document.get("source"), where, "source", required=False, max_length=MAX_PUBLISHER),
        controls=controls,
    )


def _attributes(value: Any, where: str) -> dict[str, Any]:
    """A control's ``attributes``: a flat mapping of names to a string, number or boolean (filterable)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > ATTRIBUTE_MAX:
        raise CatalogError(f"{where}: 'attributes' must be a mapping of at most {ATTRIBUTE_MAX} names")
    for name, item in value.items():
        if not isinstance(name, str) or not SLUG.match(name):
            raise CatalogError(f"{where}: attribute name {name!r} must be letters, digits, '-' and '_'")
        if not isinstance(item, str | int | float | bool):
            raise CatalogError(f"{where}: attribute '{name}' must be a string, number or boolean")
    return dict(value)


def mapping_files_read(paths: Iterable[Path]) -> dict[str, dict[str, tuple[Path, list[str]]]]:
    """Merge mapping files into check id -> framework key -> (file, refs).

    A check may appear in several files (one per provider, another for a newer catalog), but each of its
    frameworks is mapped in one file only. ``rationale`` (one line saying why) is read and checked, not stored.
    """
    merged: dict[str, dict[str, tuple[Path, list[str]]]] = {}
    for path in paths:
        document = _read_yaml(path)
        if document is None:
            continue  # an empty mapping file maps nothing
        if not isinstance(document, dict):
            raise CatalogError(f"mappings/{path.name}: expected a mapping of check id -> framework key -> refs")
        for check_id, frameworks in document.items():
            where = f"mappings/{path.name}: check '{check_id}'"
            if not isinstance(check_id, str) or not check_id.strip():
                raise CatalogError(f"mappings/{path.name}: check id {check_id!r} must be a non-empty string")
            if not isinstance(frameworks, dict):
                raise CatalogError(f"{where}: expected a mapping of framework key -> list of refs")
            entry = merged.setdefault(check_id, {})
            for framework_key, refs in frameworks.items():
                if framework_key == RATIONALE:
                    if not isinstance(refs, str) or not refs.strip():
                        raise CatalogError(f"{where}: 'rationale' must be one line of text")
                    continue
                if not isinstance(refs, list) or not all(isinstance(ref, str) and ref.strip() for ref in refs):
                    raise CatalogError(f"{where}: '{framework_key}' must be a list of refs (quoted strings)")
                if str(framework_key) in entry:
                    other = entry[str(framework_key)][0].name
                    raise CatalogError(f"{where}: '{framework_key}' is also mapped in mappings/{other}")
                entry[str(framework_key)] = (path, [ref.strip() for ref in refs])
    return merged


def mapping_rationales(paths: Iterable[Path]) -> dict[str, list[tuple[str, str]]]:
    """check id -> (mapping file name, rationale) for each file that maps it (for docs/mappings.md)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        document = _read_yaml(path) or {}
        for check_id, frameworks in document.items():
            if isinstance(frameworks, dict) and isinstance(frameworks.get(RATIONALE), str):
                found.setdefault(str(check_id), []).append((path.name, frameworks[RATIONALE].strip()))
    return found


# --------------------------------------------------------------------------- loading


def _validate_mappings(
    mappings: dict[str, dict[str, tuple[Path, list[str]]]], specs: dict[str, CatalogSpec]
) -> list[str]:
    """Check every mapped ref exists in its catalog file; return warnings for frameworks without a catalog here."""
    warnings: set[str] = set()
    refs_by_key = {key: {control.ref for control in spec.controls} for key, spec in specs.items()}
    for check_id, frameworks in mappings.items():
        for framework_key, (path, refs) in frameworks.items():
            known = refs_by_key.get(framework_key)
            if known is None:
                warnings.add(f"mappings/{path.name}: no catalog file for framework '{framework_key}'; mappings skipped")
                continue
            for ref in refs:
                if ref not in known:
                    raise CatalogError(
                        f"mappings/{path.name}: check '{check_id}' maps to '{framework_key}' ref '{ref}', "
                        f"which is not in {framework_key}.yaml"
                    )
    return sorted(warnings)


def _unregistered_checks(check_ids: Iterable[str]) -> list[str]:
    return sorted(check_id for check_id in check_ids if get_check(check_id) is None)


def _framework_upsert_shipped(spec: CatalogSpec) -> tuple[Framework, bool, SyncMode]:
    framework = Framework.objects.filter(tenant__isnull=True, key=spec.key, version=spec.version).first()
    if framework is None:
        framework = Framework.objects.create(
            key=spec.key,
            version=spec.version,
            name=spec.name,
            description=spec.description,
            publisher=spec.publisher,
            source=FrameworkSource.SHIPPED,
        )
        return framework, True, "exact"
    if framework.source != FrameworkSource.SHIPPED:
        # The official text was imported over this framework (OSCAL): the summaries must not overwrite it,
        # or every `load_frameworks` at start-up would undo the import.
        return framework, False, "missing"
    changed = [
        name for name in ("name", "description", "publisher") if apply_field(framework, name, getattr(spec, name))
    ]
    if changed:
        framework.save(update_fields=[*changed, "updated_at"])
    return framework, False, "exact"


@transaction.atomic
def catalog_load_all(*, directory: str | Path | None = None) -> CatalogLoadReport:
    """Upsert every catalog file of the directory as a global framework and sync the check mappings.

    Idempotent: a second run changes nothing. Tenants' activations are never touched. Every file is
    validated before anything is written, so a bad file leaves the database unchanged.
    """
    root = Path(directory) if directory is not None else CATALOG_DIR
    if not root.is_dir():
        raise CatalogError(f"{root}: not a directory")
    paths = sorted(root.glob("*.yaml"))
    if not paths:
        raise CatalogError(f"{root}: no catalog files (*.yaml)")
    specs: dict[str, CatalogSpec] = {}
    for path in paths:
        spec = catalog_file_read(path)
        specs[spec.key] = spec
    mappings = mapping_files_read(sorted((root / MAPPINGS_SUBDIR).glob("*.yaml")))
    warnings = _validate_mappings(mappings, specs)
    unregistered = _unregistered_checks(mappings)
    if unregistered:
        warnings.append(
            f"{len(unregistered)} mapped check id(s) are not registered by any connector yet: {', '.join(unregistered)}"
        )

    crosswalks = crosswalks_read(root)
    warnings += crosswalks_validate(crosswalks, {key: {c.ref for c in spec.controls} for key, spec in specs.items()})

    results = []
    shipped_controls: dict[tuple[str, str], Control] = {}
    for key, spec in specs.items():
        framework, created, mode = _framework_upsert_shipped(spec)
        synced = sync_controls(framework=framework, specs=spec.controls, mode=mode)
        shipped_controls.update({(key, ref): control for ref, control in synced.by_ref.items()})
        warnings += [f"{spec.path.name}: {warning}" for warning in synced.warnings]
        desired = {
            (str(synced.by_ref[ref].pk), check_id)
            for check_id, frameworks in mappings.items()
            if key in frameworks
            for ref in frameworks[key][1]
        }
        added, removed = sync_mappings(framework=framework, desired=desired)
        results.append(
            FrameworkLoadResult(
                key=key,
                version=spec.version,
                name=framework.name,
                framework_id=str(framework.pk),
                created=created,
                kept_imported_text=mode == "missing",
                controls_total=len(synced.by_ref),
                controls_created=synced.created,
                controls_updated=synced.updated,
                controls_removed=synced.removed,
                mappings_added=added,
                mappings_removed=removed + synced.mappings_removed,
            )
        )
        if results[-1].changed:
            logger.debug(
                "framework catalog loaded",
                extra={"framework_key": key, "framework_created": created, "controls_created": synced.created},
            )
    added, removed = crosswalks_sync(crosswalks, shipped_controls)
    return CatalogLoadReport(
        frameworks=results, warnings=warnings, equivalents_added=added, equivalents_removed=removed
    )
