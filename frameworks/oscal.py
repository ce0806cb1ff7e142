"""Pure-Python parser for OSCAL 1.x JSON catalogs and profiles (no Django).

A catalog becomes a flat, document-ordered list of ``OscalControl`` (base controls followed by their
enhancements), with the statement prose flattened to plain text and every ``{{ insert: param, id }}``
replaced by a readable placeholder. A profile narrows a catalog to the control ids it selects.
Profile ``imports[].href`` values are not resolved: the caller passes the catalog explicitly.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "OscalCatalog",
    "OscalControl",
    "OscalError",
    "apply_profile",
    "load_json",
    "parse_catalog",
    "profile_selection",
]

_INSERT_RE = re.compile(r"\{\{\s*insert:\s*([\w-]+)\s*,\s*([^\s{}]+)\s*\}\}")
_OSCAL_ROOTS = (
    "catalog",
    "profile",
    "component-definition",
    "system-security-plan",
    "assessment-plan",
    "assessment-results",
    "plan-of-action-and-milestones",
)

Scopes = tuple[Mapping[str, dict[str, Any]], ...]


class OscalError(Exception):
    """The input is not usable OSCAL JSON: unreadable, not JSON, or missing a required object or field."""


@dataclass(frozen=True)
class OscalControl:
    """One control or enhancement, flattened for import."""

    id: str
    ref: str
    title: str
    description: str
    group: str
    parent_ref: str | None
    sort_index: int
    parent_id: str | None = None


@dataclass(frozen=True)
class OscalCatalog:
    """A parsed catalog (or a catalog narrowed by a profile); ``warnings`` lists non-fatal problems."""

    title: str
    version: str
    controls: list[OscalControl]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def load_json(path_or_file: str | os.PathLike[str] | IO[str] | IO[bytes]) -> dict[str, Any]:
    """Read a JSON object from a path or an open file; anything unreadable or non-object raises OscalError."""
    if hasattr(path_or_file, "read"):
        name = str(getattr(path_or_file, "name", "<stream>"))
        try:
            raw: str | bytes = path_or_file.read()
        except (OSError, ValueError) as exc:
            raise OscalError(f"cannot read {name}: {exc}") from exc
    else:
        name = os.fspath(path_or_file)
        try:
            with open(name, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise OscalError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if isinstance(raw, str):
        raw = raw.removeprefix("\ufeff")
    try:
        document = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise OscalError(f"not OSCAL JSON: {name}: {exc}") from exc
    if not isinstance(document, dict):
        raise OscalError(f"not OSCAL JSON: {name}: top-level value is {_kind(document)}, expected an object")
    return document


def _kind(value: Any) -> str:
    """Describe a JSON value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _root(document: Any, key: str) -> dict[str, Any]:
    """Return document[key] as an object, or raise a clear OscalError."""
    if not isinstance(document, dict):
        raise OscalError(f"not OSCAL JSON: expected an object, got {_kind(document)}")
    root = document.get(key)
    if root is None:
        other = next((name for name in _OSCAL_ROOTS if name in document), None)
        hint = f" (found '{other}' instead)" if other else ""
        raise OscalError(f"no '{key}' object in the document{hint}")
    if not isinstance(root, dict):
        raise OscalError(f"'{key}' is {_kind(root)}, expected an object")
    return root


def _array(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """Return obj[key] as a list ([] when absent), or raise if it is present but not an array."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OscalError(f"{where}: '{key}' is {_kind(value)}, expected an array")
    return value


def _objects(obj: Mapping[str, Any], key: str, where: str, what: str) -> list[dict[str, Any]]:
    """Return obj[key] as a list of objects, raising if an entry is not an object."""
    items = _array(obj, key, where)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise OscalError(f"{where}: {what} #{number} is {_kind(item)}, expected an object")
    return items


def _text(value: Any) -> str:
    """Return a string field stripped, or '' when absent or not a string."""
    return value.strip() if isinstance(value, str) else ""


def _props(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the well-formed props of an object, silently skipping malformed ones."""
    props = obj.get("props")
    return [p for p in props if isinstance(p, dict)] if isinstance(props, list) else []


def _label(obj: Mapping[str, Any]) -> str:
    """Return the object's 'label' prop value ('' if none); a class-less label wins over classed ones."""
    labels = [p for p in _props(obj) if p.get("name") == "label" and _text(p.get("value"))]
    plain = [p for p in labels if "class" not in p]
    chosen = plain or labels
    return _text(chosen[0]["value"]) if chosen else ""


def _is_withdrawn(control: Mapping[str, Any]) -> bool:
    """True when the control carries a prop status=withdrawn."""
    return any(p.get("name") == "status" and _text(p.get("value")).lower() == "withdrawn" for p in _props(control))


def _derived_ref(control_id: str) -> str:
    """Derive a display label from an id: 'ac-2.1' becomes 'AC-2(1)'."""
    base, *children = control_id.split(".")
    return base.upper() + "".join(f"({child})" for child in children)


def _group_name(group: Mapping[str, Any]) -> str:
    """Return 'AC Access Control': the label prop (or upper-cased id) followed by the title."""
    prefix = _label(group) or _text(group.get("id")).upper()
    return " ".join(part for part in (prefix, _text(group.get("title"))) if part)


# --------------------------------------------------------------------------- parameters


def _param_scope(node: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Map param id to definition for the params declared directly on node."""
    params = node.get("params")
    if not isinstance(params, list):
        return {}
    return {p["id"]: p for p in params if isinstance(p, dict) and isinstance(p.get("id"), str)}


def _collect_params(node: Mapping[str, Any], into: dict[str, dict[str, Any]]) -> None:
    """Gather every param in node and its groups/controls into a catalog-wide map (first definition wins)."""
    for param_id, param in _param_scope(node).items():
        into.setdefault(param_id, param)
    for key in ("groups", "controls"):
        children = node.get(key)
        if isinstance(children, list):
            for child in children:
                if isinstance(child, dict):
                    _collect_params(child, into)


class _ParamRenderer:
    """Replaces `{{ insert: param, id }}` with a readable placeholder, resolving ids scope by scope."""

    def __init__(self, catalog_wide: Mapping[str, dict[str, Any]]) -> None:
        self._catalog_wide = catalog_wide

    def render(self, text: str, scopes: Scopes, seen: frozenset[str] = frozenset()) -> str:
        """Substitute param inserts in text and collapse whitespace."""

        def substitute(match: re.Match[str]) -> str:
            kind, param_id = match.group(1), match.group(2)
            if kind != "param":
                return match.group(0)
            return self.placeholder(param_id, scopes, seen)

        return " ".join(_INSERT_RE.sub(substitute, text).split())

    def placeholder(self, param_id: str, scopes: Scopes, seen: frozenset[str] = frozenset()) -> str:
        """Return the param's value(s), else its selection, else its label, else '[Assignment: id]'."""
        param = next((scope[param_id] for scope in scopes if param_id in scope), None)
        if param is None:
            param = self._catalog_wide.get(param_id)
        if param is None or param_id in seen:
            return f"[Assignment: {param_id}]"
        seen = seen | {param_id}

        raw_values = _array(param, "values", f"param '{param_id}'")
        values = [text for text in (self.render(v, scopes, seen) for v in raw_values if isinstance(v, str)) if text]
        if values:
            return ", ".join(values)

        select = param.get("select")
        if isinstance(select, dict):
            choices = [self.render(c, scopes, seen) for c in select.get("choice") or [] if isinstance(c, str)]
            choices = [c for c in choices if c]
            if choices:
                how = "Selection (one or more)" if select.get("how-many") == "one-or-more" else "Selection"
                return f"[{how}: {'; '.join(choices)}]"

        label = self.render(_text(param.get("label")), scopes, seen)
        if label:
            return label if label.startswith("[") and label.endswith("]") else f"[Assignment: {label}]"
        return f"[Assignment: {param_id}]"


# --------------------------------------------------------------------------- catalog


def _statement_text(control: Mapping[str, Any], render: Callable[[str], str]) -> str:
    """Flatten the control's statement part(s): one line per part, '<label> <prose>', indented by depth."""
    lines: list[str] = []

    def flatten(part: Mapping[str, Any], depth: int) -> None:
        text = " ".join(piece for piece in (_label(part), render(_text(part.get("prose")))) if piece)
        if text:
            lines.append("  " * max(depth, 0) + text)
        for child in part.get("parts") or []:
            if isinstance(child, dict):
                flatten(child, depth + 1)

    for part in control.get("parts") or []:
        if isinstance(part, dict) and part.get("name") == "statement":
            flatten(part, -1)  # the statement itself and its direct items sit at depth 0
    return "\n".join(lines)


class _CatalogWalker:
    """Walks groups and controls in document order, emitting OscalControl objects."""

    def __init__(self, renderer: _ParamRenderer) -> None:
        self.renderer = renderer
        self.controls: list[OscalControl] = []
        self.warnings: list[str] = []
        self._seen_ids: set[str] = set()

    def walk_container(self, node: Mapping[str, Any], where: str, group: str, scopes: Scopes) -> None:
        """Emit node's controls, then recurse into its groups."""
        for number, control in enumerate(_objects(node, "controls", where, "control"), start=1):
            self.walk_control(control, number, where, group, None, scopes)
        for group_obj in _objects(node, "groups", where, "group"):
            name = _group_name(group_obj)
            group_where = f"group '{_text(group_obj.get('id')) or name}'"
            self.walk_container(group_obj, group_where, name, (_param_scope(group_obj), *scopes))

    def walk_control(
        self,
        control: Mapping[str, Any],
        number: int,
        where: str,
        group: str,
        parent: tuple[str, str] | None,
        scopes: Scopes,
    ) -> None:
        """Emit one control (unless withdrawn) and recurse into its enhancements."""
        control_id = _text(control.get("id"))
        if not control_id:
            raise OscalError(f"control #{number} in {where} has no 'id'")
        ref = _label(control) or _derived_ref(control_id)
        scopes = (_param_scope(control), *scopes)

        if control_id in self._seen_ids:
            self.warnings.append(f"duplicate control id '{control_id}' in {where}: later occurrence skipped")
        elif not _is_withdrawn(control):
            self._seen_ids.add(control_id)
            self.controls.append(
                OscalControl(
                    id=control_id,
                    ref=ref,
                    title=_text(control.get("title")),
                    description=_statement_text(control, lambda text: self.renderer.render(text, scopes)),
                    group=group,
                    parent_ref=parent[1] if parent else None,
                    sort_index=len(self.controls),
                    parent_id=parent[0] if parent else None,
                )
            )
        for child_number, child in enumerate(
            _objects(control, "controls", f"control '{control_id}'", "control"), start=1
        ):
            self.walk_control(child, child_number, f"control '{control_id}'", group, (control_id, ref), scopes)


def parse_catalog(document: dict[str, Any]) -> OscalCatalog:
    """Parse an OSCAL catalog document into document-ordered controls, skipping withdrawn ones.

    Enhancements of a withdrawn control are kept unless they are withdrawn themselves.
    """
    catalog = _root(document, "catalog")
    raw_metadata = catalog.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    catalog_wide: dict[str, dict[str, Any]] = {}
    _collect_params(catalog, catalog_wide)
    walker = _CatalogWalker(_ParamRenderer(catalog_wide))
    walker.walk_container(catalog, "catalog", "", (_param_scope(catalog),))
    return OscalCatalog(
        title=_text(metadata.get("title")),
        version=_text(metadata.get("version")),
        controls=walker.controls,
        warnings=walker.warnings,
    )


# --------------------------------------------------------------------------- profiles


def _descendants(catalog: OscalCatalog, ids: Iterable[str]) -> set[str]:
    """Return the ids of every control nested (at any depth) under the given ids."""
    children: dict[str, list[str]] = {}
    for control in catalog.controls:
        if control.parent_id:
            children.setdefault(control.parent_id, []).append(control.id)
    found: set[str] = set()
    stack = list(ids)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _selected_ids(selectors: list[dict[str, Any]], where: str, catalog: OscalCatalog | None) -> set[str]:
    """Resolve include-controls / exclude-controls selectors (with-ids, matching, with-child-controls)."""
    ids: set[str] = set()
    for selector in selectors:
        chosen: set[str] = set()
        for control_id in _array(selector, "with-ids", where):
            if not isinstance(control_id, str) or not control_id.strip():
                raise OscalError(f"{where}: 'with-ids' contains {_kind(control_id)}, expected a control id")
            chosen.add(control_id.strip())
        patterns = [_text(m.get("pattern")) for m in _objects(selector, "matching", where, "matching entry")]
        if patterns:
            if catalog is None:
                raise OscalError(f"{where}: 'matching' patterns need the catalog; pass catalog=")
            chosen |= {c.id for c in catalog.controls if any(fnmatch.fnmatchcase(c.id, p) for p in patterns if p)}
        if selector.get("with-child-controls") == "yes":
            if catalog is None:
                raise OscalError(f"{where}: 'with-child-controls' needs the catalog; pass catalog=")
            chosen |= _descendants(catalog, chosen)
        ids |= chosen
    return ids


def profile_selection(document: dict[str, Any], catalog: OscalCatalog | None = None) -> set[str] | None:
    """Return the control ids a profile selects (union over imports, minus each import's exclusions).

    None means "include all" and is only returned without a catalog; with one, include-all expands to
    the catalog's ids, and 'matching' / 'with-child-controls' selectors (which need it) are resolved.
    """
    profile = _root(document, "profile")
    imports = _objects(profile, "imports", "profile", "import")
    if not imports:
        raise OscalError("profile has no 'imports'")
    selected: set[str] = set()
    include_all = False
    for number, entry in enumerate(imports, start=1):
        where = f"profile import #{number}"
        excluded = _selected_ids(_objects(entry, "exclude-controls", where, "exclude-controls entry"), where, catalog)
        if "include-all" in entry:
            if catalog is None:
                if excluded:
                    raise OscalError(f"{where}: 'include-all' with 'exclude-controls' needs the catalog; pass catalog=")
                include_all = True
                continue
            included = {c.id for c in catalog.controls}
        elif "include-controls" in entry:
            selectors = _objects(entry, "include-controls", where, "include-controls entry")
            included = _selected_ids(selectors, where, catalog)
        else:
            raise OscalError(f"{where} has neither 'include-all' nor 'include-controls'")
        selected |= included - excluded
    return None if include_all else selected


def apply_profile(catalog: OscalCatalog, profile: dict[str, Any]) -> OscalCatalog:
    """Narrow the catalog to the profile's selection, titled with the profile's metadata.

    Controls keep their catalog sort_index; selected ids absent from the catalog become warnings.
    """
    root = _root(profile, "profile")
    known = {control.id for control in catalog.controls}
    selection = profile_selection(profile, catalog)
    if selection is None:  # not reached: with a catalog, include-all is expanded to its ids
        selection = known
    warnings = list(catalog.warnings)
    warnings += [
        f"profile selects '{control_id}', which is not in the catalog (unknown or withdrawn)"
        for control_id in sorted(selection - known)
    ]
    raw_metadata = root.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    return OscalCatalog(
        title=_text(metadata.get("title")) or catalog.title,
        version=_text(metadata.get("version")) or catalog.version,
        controls=[control for control in catalog.controls if control.id in selection],
        warnings=warnings,
    )
