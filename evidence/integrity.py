"""The per-tenant hash chain over evidence rows: canonical form, link hash, and the chain walk.

Each row seals its immutable fields together with the previous row's seal:
``chain_hash = SHA-256(previous_hash + "\\n" + canonical_json(row))``. Changing any sealed field
of any row, or removing a row without leaving a tombstone, breaks the chain at that row. Since format 2 a
row also seals the controls its document was linked to at upload.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# What new rows are sealed in. Format 1 sealed SEALED_FIELDS; format 2 adds the controls the document was
# linked to ("links"). A row keeps the format it was sealed in (``Evidence.chain_format``).
CHAIN_FORMAT = 2
GENESIS_HASH = ""

# The sealed fields. They never change after creation (there is no update path), and none of
# them is a foreign key that a later deletion could null: the control is identified by the
# snapshots control_ref / framework_key, checked against the live foreign keys separately.
SEALED_FIELDS = (
    "id",
    "tenant_id",
    "type",
    "control_ref",
    "framework_key",
    "title",
    "description",
    "file_key",
    "sha256",
    "size",
    "content_type",
    "filename",
    "collected_at",
    "created_at",
    "expires_at",
    "sequence",
)


def _timestamp(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_pairs(controls: Iterable[Any]) -> list[list[str]]:
    """The sorted, distinct [framework_key, control_ref] pairs of these controls, as format 2 seals them."""
    return [list(pair) for pair in sorted({(c.framework.key, c.ref) for c in controls})]


def sealed_fields(row: Any) -> dict[str, Any]:
    """What the chain seals of a row, as plain JSON values (auditor bundles carry it as is)."""
    chain_format = int(row.chain_format)
    data: dict[str, Any] = {"format": chain_format}
    if chain_format >= 2:
        data["links"] = [[str(key), str(ref)] for key, ref in row.sealed_links]
    for name in SEALED_FIELDS:
        value = getattr(row, name)
        if isinstance(value, datetime) or (value is None and name.endswith("_at")):
            value = _timestamp(value)
        elif name in ("size", "sequence"):
            value = int(value)
        else:
            value = "" if value is None else str(value)
        data[name] = value
    return data


def canonical_payload(row: Any) -> bytes:
    """The row's sealed fields as compact, key-sorted UTF-8 JSON (stable across databases)."""
    return json.dumps(sealed_fields(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_chain_hash(previous_hash: str, row: Any) -> str:
    hasher = hashlib.sha256()
    hasher.update(previous_hash.encode("ascii"))
    hasher.update(b"\n")
    hasher.update(canonical_payload(row))
    return hasher.hexdigest()


def seal(row: Any, *, sequence: int, previous_hash: str) -> None:
    """Give a new (unsaved) row its place in the chain, in the current format (its links already set)."""
    row.chain_format = CHAIN_FORMAT
    row.sequence = sequence
    row.previous_hash = previous_hash
    row.chain_hash = compute_chain_hash(previous_hash, row)


def row_seal_ok(row: Any) -> bool:
    return compute_chain_hash(row.previous_hash, row) == row.chain_hash


# --- the chain walk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """One position of the chain: a live evidence row, or the tombstone of a deleted one."""

    sequence: int
    previous_hash: str
    chain_hash: str
    evidence_id: str
    row: Any = None  # the Evidence instance when live; None for a tombstone

    @property
    def is_tombstone(self) -> bool:
        return self.row is None


@dataclass
class ChainBreak:
    sequence: int
    evidence_id: str
    reason: str

    def __str__(self) -> str:
        return f"sequence {self.sequence} (evidence {self.evidence_id}): {self.reason}"


@dataclass
class ChainWalk:
    links: int = 0
    live: int = 0
    tombstones: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None


def merge_links(live: Iterable[ChainLink], tombstones: Iterable[ChainLink]) -> Iterator[ChainLink]:
    """Both streams ordered by sequence, merged into one (ties yield both, to be reported)."""
    return heapq.merge(live, tombstones, key=lambda link: link.sequence)


def walk_chain(links: Iterable[ChainLink], *, on_link: Any = None) -> ChainWalk:
    """Check every seal and every link between consecutive sequences, starting at 1.

    A missing sequence is a break unless a tombstone stands in its place. After a break the walk
    continues from the stored hashes, so one tampered row is reported once, not for every later row.
    """
    walk = ChainWalk()
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    for link in links:
        walk.links += 1
        if link.is_tombstone:
            walk.tombstones += 1
        else:
            walk.live += 1
        if link.sequence < expected_sequence:
            walk.breaks.append(
                ChainBreak(link.sequence, link.evidence_id, "sequence used twice (a row and a tombstone, or two rows)")
            )
            continue
        if link.sequence > expected_sequence:
            missing = (
                f"{expected_sequence}"
                if link.sequence == expected_sequence + 1
                else f"{expected_sequence}-{link.sequence - 1}"
            )
            walk.breaks.append(
                ChainBreak(link.sequence, link.evidence_id, f"sequence {missing} missing with no tombstone")
            )
        elif link.previous_hash != previous_hash:
            walk.breaks.append(
                ChainBreak(link.sequence, link.evidence_id, "previous_hash does not match the preceding chain_hash")
            )
        if not link.is_tombstone and not row_seal_ok(link.row):
            walk.breaks.append(
                ChainBreak(link.sequence, link.evidence_id, "row content does not match its chain_hash (altered)")
            )
        if on_link is not None:
            on_link(link)
        previous_hash = link.chain_hash
        expected_sequence = link.sequence + 1
    return walk
