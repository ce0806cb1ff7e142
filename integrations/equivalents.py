"""Other scanners' checks that test what ours test, so an engineer who knows one finds ours by its ids.

A provider may ship ``equivalents.yaml`` beside its checks: every check id of another scanner that a public
framework map names for that provider (Prowler's, for AWS), and others that ComplyWise checks answer, each with how
ComplyWise answers it — ``same`` (our checks together test what it tests), ``partial`` (close, and the note says
what differs) or ``none`` (not checked, and the note says why). The ids are facts about a public project; every
note is our own.
"""

from __future__ import annotations

import enum
import functools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured

from .choices import IntegrationType

PROVIDERS_DIR = Path(__file__).resolve().parent / "providers"
FILE_NAME = "equivalents.yaml"
NOTE_MAX = 240


class Match(enum.StrEnum):
    SAME = "same"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class Equivalent:
    """One check of another scanner and the ComplyWise checks that answer it."""

    scanner: str
    id: str
    integration_type: str
    match: Match
    check_ids: tuple[str, ...]
    note: str


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (plain YAML keeps the last, silently dropping the first)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"{key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_equivalents_file(path: Path, integration_type: str) -> list[Equivalent]:
    """Parse and validate one provider's file; a malformed entry names the file and the id."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise ImproperlyConfigured(f"{path}: not valid YAML: {exc}") from exc
    if not (isinstance(data, dict) and isinstance(data.get("scanner"), str) and isinstance(data.get("checks"), dict)):
        raise ImproperlyConfigured(f"{path}: expected a mapping with 'scanner' (text) and 'checks' (a mapping).")
    scanner = data["scanner"]
    rows = []
    for other_id, entry in data["checks"].items():
        rows.append(_entry(path, scanner, integration_type, str(other_id), entry))
    return rows


def _entry(path: Path, scanner: str, integration_type: str, other_id: str, entry: object) -> Equivalent:
    where = f"{path}: {other_id}"
    if not isinstance(entry, dict) or set(entry) - {"match", "checks", "note"}:
        raise ImproperlyConfigured(f"{where}: expected 'match', 'checks' and an optional 'note'.")
    try:
        match = Match(str(entry.get("match")))
    except ValueError:
        raise ImproperlyConfigured(f"{where}: match must be one of {', '.join(Match)}.") from None
    check_ids = entry.get("checks")
    if not isinstance(check_ids, list) or not all(isinstance(c, str) for c in check_ids):
        raise ImproperlyConfigured(f"{where}: checks must be a list of check ids.")
    if len(set(check_ids)) != len(check_ids):
        raise ImproperlyConfigured(f"{where}: a check is listed twice.")
    note = entry.get("note") or ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise ImproperlyConfigured(f"{where}: the note must be text of at most {NOTE_MAX} characters.")
    if match is Match.NONE and check_ids:
        raise ImproperlyConfigured(f"{where}: a check we do not have lists no check of ours.")
    if match is not Match.NONE and not check_ids:
        raise ImproperlyConfigured(f"{where}: '{match}' needs the checks of ours that answer it.")
    if match is not Match.SAME and not note:
        raise ImproperlyConfigured(f"{where}: '{match}' needs a note saying what differs or why it is not checked.")
    return Equivalent(
        scanner=scanner,
        id=other_id,
        integration_type=integration_type,
        match=match,
        check_ids=tuple(check_ids),
        note=note.strip(),
    )


@functools.cache
def all_equivalents() -> tuple[Equivalent, ...]:
    """Every provider's equivalents, by provider then the other scanner's id."""
    rows: list[Equivalent] = []
    for path in sorted(PROVIDERS_DIR.glob(f"*/{FILE_NAME}")):
        rows += sorted(read_equivalents_file(path, path.parent.name), key=lambda e: e.id)
    return tuple(rows)


@functools.cache
def equivalents_by_check() -> dict[str, tuple[Equivalent, ...]]:
    """Our check id → the other scanners' checks it answers (fully or in part)."""
    found: dict[str, list[Equivalent]] = defaultdict(list)
    for equivalent in all_equivalents():
        for check_id in equivalent.check_ids:
            found[check_id].append(equivalent)
    return {check_id: tuple(rows) for check_id, rows in found.items()}


# --- the crosswalk documents (docs/<scanner>-<provider>-crosswalk.md) -----------------------------------------

DOCS_DIR = PROVIDERS_DIR.parent.parent / "docs"


def crosswalk_documents() -> dict[Path, str]:
    """One Markdown document per provider file, keyed by where it is written."""
    grouped: dict[tuple[str, str], list[Equivalent]] = defaultdict(list)
    for equivalent in all_equivalents():
        grouped[(equivalent.scanner, equivalent.integration_type)].append(equivalent)
    return {
        DOCS_DIR / f"{scanner}-{integration_type}-crosswalk.md": _crosswalk_markdown(scanner, integration_type, rows)
        for (scanner, integration_type), rows in sorted(grouped.items())
    }


def _provider_label(integration_type: str) -> str:
    return str(IntegrationType(integration_type).label)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _crosswalk_markdown(scanner: str, integration_type: str, rows: list[Equivalent]) -> str:
    counts = {match: sum(1 for row in rows if row.match is match) for match in Match}
    by_service: dict[str, list[Equivalent]] = defaultdict(list)
    for row in rows:
        by_service[row.id.split("_", 1)[0]].append(row)
    lines = [
        f"# {scanner.capitalize()} → ComplyWise ({_provider_label(integration_type)})",
        "",
        f"Generated from `integrations/providers/{integration_type}/{FILE_NAME}` by `manage.py mapping_docs --write`;",
        "a test fails when this file is stale. For every check of that scanner which a public framework map names for",
        f"{_provider_label(integration_type)} (CIS, SOC 2, ISO 27001, NIST 800-53, HIPAA, PCI DSS, FedRAMP, GDPR), and",
        "for every other check of the release named at the top of that file: the ComplyWise checks that answer it, or",
        "why none does.",
        "",
        "- **same**: ours, together, test what it tests (ours may be stricter, or split in several checks);",
        "- **partial**: close, and the note says what differs;",
        "- **none**: not checked, and the note says why.",
        "",
        "The API finds ours by the other scanner's id too: `GET /api/checks?search=<its id>`.",
        "",
        f"{len(rows)} checks: {counts[Match.SAME]} same, {counts[Match.PARTIAL]} partial, "
        f"{counts[Match.NONE]} not checked.",
        "",
    ]
    for service in sorted(by_service):
        service_rows = by_service[service]
        lines += [
            f"## {service} ({len(service_rows)})",
            "",
            f"| {scanner.capitalize()} check | ComplyWise | match | note |",
            "|---|---|---|---|",
        ]
        for row in service_rows:
            ours = "<br>".join(f"`{check_id}`" for check_id in row.check_ids) or "—"
            lines.append(f"| `{row.id}` | {ours} | {row.match} | {_cell(row.note)} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
