"""Shipped crosswalks (frameworks/catalogs/crosswalks/*.yaml): controls of two frameworks that ask the same thing.

```yaml
from: soc2                       # framework keys of shipped catalogs
to: iso27001-2022
rationale: One line on the source of the pairs and how they were judged.
pairs:
  CC6.1: ["5.15", "8.2", "8.5"]  # a ref of `from` -> refs of `to`
```

Loading makes the ControlEquivalent rows exactly those of the files, in both directions. A file naming a
framework with no catalog here is skipped with a warning; a ref missing from its catalog is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from frameworks.models import Control, ControlEquivalent

from .common import CatalogError

CROSSWALKS_SUBDIR = "crosswalks"
_FIELDS = {"from", "to", "rationale", "pairs"}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class CrosswalkSpec:
    path: Path
    source: str
    target: str
    pairs: tuple[tuple[str, str], ...]


def crosswalk_file_read(path: Path) -> CrosswalkSpec:
    where = f"{CROSSWALKS_SUBDIR}/{path.name}"
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{where}: cannot read: {exc}") from exc
    if not isinstance(document, dict):
        raise CatalogError(f"{where}: expected a mapping with from, to, rationale and pairs")
    unknown = sorted(str(k) for k in set(document) - _FIELDS)
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(unknown)}")
    source, target, rationale = document.get("from"), document.get("to"), document.get("rationale")
    if not (isinstance(source, str) and isinstance(target, str) and source and target and source != target):
        raise CatalogError(f"{where}: 'from' and 'to' must be two different framework keys")
    if not isinstance(rationale, str) or not rationale.strip():
        raise CatalogError(f"{where}: 'rationale' must say where the pairs come from")
    pairs = document.get("pairs")
    if not isinstance(pairs, dict) or not pairs:
        raise CatalogError(f"{where}: 'pairs' must map refs of '{source}' to lists of refs of '{target}'")
    flat: list[tuple[str, str]] = []
    for ref, targets in pairs.items():
        if not isinstance(ref, str) or not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise CatalogError(f"{where}: '{ref}' must map to a list of quoted refs")
        flat += [(ref.strip(), t.strip()) for t in targets]
    return CrosswalkSpec(path=path, source=source, target=target, pairs=tuple(flat))


def crosswalks_read(root: Path) -> list[CrosswalkSpec]:
    return [crosswalk_file_read(path) for path in sorted((root / CROSSWALKS_SUBDIR).glob("*.yaml"))]


def crosswalks_validate(specs: Iterable[CrosswalkSpec], refs_by_key: Mapping[str, set[str]]) -> list[str]:
    """Raise on a ref missing from its catalog; warn (and skip) for a framework without a catalog file."""
    warnings = []
    for spec in specs:
        where = f"{CROSSWALKS_SUBDIR}/{spec.path.name}"
        missing = [key for key in (spec.source, spec.target) if key not in refs_by_key]
        if missing:
            warnings.append(f"{where}: no catalog file for {', '.join(missing)}; crosswalk skipped")
            continue
        for source_ref, target_ref in spec.pairs:
            for key, ref in ((spec.source, source_ref), (spec.target, target_ref)):
                if ref not in refs_by_key[key]:
                    raise CatalogError(f"{where}: '{ref}' is not a control of {key}.yaml")
    return warnings


def crosswalks_sync(specs: Iterable[CrosswalkSpec], controls: Mapping[tuple[str, str], Control]) -> tuple[int, int]:
    """Make the ControlEquivalent rows of shipped controls exactly the files' pairs (both ways)."""
    desired: set[tuple[Any, Any]] = set()
    for spec in specs:
        for source_ref, target_ref in spec.pairs:
            a, b = controls.get((spec.source, source_ref)), controls.get((spec.target, target_ref))
            if a is None or b is None:
                continue  # a skipped crosswalk (no catalog file)
            desired |= {(a.pk, b.pk), (b.pk, a.pk)}
    shipped = [control.pk for control in controls.values()]
    existing = {
        (control_id, equivalent_id): pk
        for pk, control_id, equivalent_id in ControlEquivalent.objects.filter(control_id__in=shipped).values_list(
            "pk", "control_id", "equivalent_id"
        )
    }
    missing = desired - existing.keys()
    stale = [pk for pair, pk in existing.items() if pair not in desired]
    ControlEquivalent.objects.bulk_create(
        [ControlEquivalent(control_id=a, equivalent_id=b) for a, b in sorted(missing, key=str)], batch_size=1000
    )
    ControlEquivalent.objects.filter(pk__in=stale).delete()
    return len(missing), len(stale)
