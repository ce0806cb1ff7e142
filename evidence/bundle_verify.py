"""Verify a ComplyWise evidence bundle without ComplyWise: Python 3.10+ and its standard library only.

This file travels inside every auditor bundle as ``verify.py``; it is the same code the platform tests run.

    python verify.py                      # the bundle this file was extracted from (its own folder)
    python verify.py bundle.zip           # a bundle as downloaded (a ZIP) or extracted (a folder)
    python verify.py new.zip --previous old.zip

What it proves, from the bundle's bytes alone:

1. **The chain.** ``chain.csv`` lists the tenant's whole evidence chain up to the bundle's head: every
   position from 1, each one's ``previous_hash`` equal to the ``chain_hash`` before it (the first one's
   empty). A deleted artifact keeps its position as a tombstone. Its last hash is the head the manifest names.
2. **Each artifact's seal.** Every file entry of ``manifest.json`` carries the fields the chain sealed
   (``sealed``) and the hash before it; ``SHA-256(previous_hash + "\\n" + canonical JSON of sealed)`` must
   equal its ``chain_hash``, and that hash must stand at its ``sequence`` in ``chain.csv``. Canonical JSON:
   keys sorted, no whitespace (``","`` and ``":"``), UTF-8 without escaping non-ASCII characters.
3. **Each file.** The bytes in the bundle have the SHA-256 and size the seal holds.
4. **What each file is said to support.** ``filed_under`` is the sealed framework and control; every control
   of the bundle's framework listed in ``supports`` is one the seal names (format 2 seals the controls a
   document was linked to at upload; a format 1 row sealed only where it was filed, so its links are not checked),
   and every one the seal names is in ``supports`` or in ``unlinked`` with the reason it is gone (its control
   was removed from the framework). A link dropped without a reason is reported, and so is a reason the bundle
   contradicts: a control said to have left the framework that the manifest still lists among its controls.
   (The list itself can be compared with the framework's published catalog.)
5. **Nothing rewritten since an earlier bundle** (``--previous``): the earlier bundle's chain is a prefix of
   this one, hash for hash. Only appends (and tombstones in place of deleted rows) happened in between.

Exit status 0 when every check passed, 1 when one failed (each failure is printed), 2 on unusable input.
The head hash it prints can also be compared with one obtained another way (an earlier bundle, the
platform's audit log, a copy your team keeps).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

CHAIN_COLUMNS = ["sequence", "kind", "evidence_id", "previous_hash", "chain_hash"]
READ_CHUNK = 1024 * 1024


class Unusable(Exception):
    """The input is not a bundle this script can read."""


class Bundle:
    """A bundle as a ZIP file or an extracted folder."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.archive = zipfile.ZipFile(location) if location.is_file() else None
        if self.archive is None and not location.is_dir():
            raise Unusable(f"{location}: neither a ZIP file nor a folder")

    def exists(self, name: str) -> bool:
        if self.archive is not None:
            try:
                self.archive.getinfo(name)
            except KeyError:
                return False
            return True
        return (self.location / name).is_file()

    def open(self, name: str) -> Any:
        if self.archive is not None:
            return self.archive.open(name)
        return (self.location / name).open("rb")

    def text(self, name: str) -> str:
        if not self.exists(name):
            raise Unusable(f"{self.location}: no {name} in it")
        with self.open(name) as handle:
            return handle.read().decode("utf-8")


def canonical(sealed: dict[str, Any]) -> bytes:
    return json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal_of(previous_hash: str, sealed: dict[str, Any]) -> str:
    hasher = hashlib.sha256()
    hasher.update(previous_hash.encode("ascii"))
    hasher.update(b"\n")
    hasher.update(canonical(sealed))
    return hasher.hexdigest()


def read_chain(bundle: Bundle) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(bundle.text("chain.csv"))))
    if rows and list(rows[0]) != CHAIN_COLUMNS:
        raise Unusable(f"{bundle.location}: chain.csv columns are {list(rows[0])}, expected {CHAIN_COLUMNS}")
    return rows


def check_chain(chain: list[dict[str, str]], head: dict[str, Any]) -> list[str]:
    failures = []
    previous = ""
    for position, row in enumerate(chain, start=1):
        if row["sequence"] != str(position):
            failures.append(f"chain.csv: position {position} holds sequence {row['sequence']} (a gap or a reorder)")
            break
        if row["previous_hash"] != previous:
            failures.append(f"chain.csv: sequence {position}'s previous_hash is not the chain_hash before it")
        previous = row["chain_hash"]
    if len(chain) != head.get("sequence") or previous != head.get("hash", ""):
        failures.append(
            f"chain.csv ends at sequence {len(chain)} with {previous or '(nothing)'}; the manifest names"
            f" {head.get('sequence')} with {head.get('hash') or '(nothing)'}"
        )
    return failures


def file_digest(bundle: Bundle, path: str) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with bundle.open(path) as handle:
        while chunk := handle.read(READ_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def sealed_refs(sealed: dict[str, Any], framework_key: str) -> set[str]:
    """The controls of ``framework_key`` a seal names (where the file was filed, and its sealed links); empty for a
    format 1 seal, which named no links. The platform builds a bundle's ``unlinked`` from the same answer."""
    if sealed.get("format", 1) < 2:
        return set()
    named = {ref for key, ref in sealed.get("links", []) if key == framework_key}
    if sealed.get("framework_key") == framework_key:
        named.add(sealed.get("control_ref"))
    return named


def check_claims(
    name: str, entry: dict[str, Any], sealed: dict[str, Any], framework_key: str, listed: set[str]
) -> list[str]:
    """``listed``: the refs of the controls the manifest lists for the bundle's framework."""
    failures = []
    filed = f"{sealed.get('framework_key', '')} {sealed.get('control_ref', '')}".strip()
    if entry.get("filed_under", filed) != filed:
        failures.append(f"{name}: filed under {entry.get('filed_under')!r}, sealed under {filed!r}")
    if sealed.get("format", 1) >= 2:
        named = sealed_refs(sealed, framework_key)
        said = set(entry.get("supports", []))
        extra = [ref for ref in entry.get("supports", []) if ref not in named]
        if extra:
            failures.append(f"{name}: said to support {', '.join(extra)}, which its seal does not name")
        said_gone = {item.get("ref") for item in entry.get("unlinked", []) if isinstance(item, dict)}
        # "Left the framework" must agree with the bundle's own list of the framework's controls.
        contradicted = sorted(ref for ref in said_gone if ref in listed)
        if contradicted:
            failures.append(
                f"{name}: said to no longer support {', '.join(contradicted)} because the control left the"
                " framework, yet the manifest lists it among the framework's controls"
            )
        explained = said_gone - set(contradicted)
        dropped = sorted(ref for ref in named if ref not in said and ref not in explained)
        if dropped:
            failures.append(
                f"{name}: its seal names {', '.join(dropped)}, which it no longer supports, and the bundle does"
                " not say why (a link removed after the upload)"
            )
    return failures


def check_entry(
    bundle: Bundle, entry: dict[str, Any], chain: list[dict[str, str]], framework_key: str, listed: set[str]
) -> list[str]:
    name = f"{entry.get('path') or entry.get('evidence_id')}"
    sealed, sequence = entry.get("sealed"), entry.get("sequence")
    if not isinstance(sealed, dict) or not isinstance(sequence, int):
        return [f"{name}: no sealed fields in the manifest"]
    failures = []
    if seal_of(entry.get("previous_hash", ""), sealed) != entry.get("chain_hash"):
        failures.append(f"{name}: the sealed fields do not hash to its chain_hash (altered)")
    if sealed.get("id") != entry.get("evidence_id") or sealed.get("sequence") != sequence:
        failures.append(f"{name}: the entry's id or sequence is not the sealed one")
    at = chain[sequence - 1] if 0 < sequence <= len(chain) else None
    if at is None or (at["chain_hash"], at["previous_hash"], at["evidence_id"]) != (
        entry.get("chain_hash"),
        entry.get("previous_hash"),
        entry.get("evidence_id"),
    ):
        failures.append(f"{name}: not at sequence {sequence} of chain.csv")
    failures += check_claims(name, entry, sealed, framework_key, listed)
    path = entry.get("path")
    if not path or not bundle.exists(path):
        failures.append(f"{name}: the file is not in the bundle")
        return failures
    sha256, size = file_digest(bundle, path)
    if (sha256, size) != (sealed.get("sha256"), sealed.get("size")):
        failures.append(f"{name}: SHA-256 {sha256} and size {size} differ from the sealed ones (altered file)")
    return failures


def check_previous(chain: list[dict[str, str]], older: list[dict[str, str]], older_name: str) -> list[str]:
    if len(older) > len(chain):
        return [f"{older_name} has {len(older)} chain positions, this bundle only {len(chain)} (rewritten)"]
    for position, (then, now) in enumerate(zip(older, chain[: len(older)], strict=True), start=1):
        if then["chain_hash"] != now["chain_hash"]:
            return [f"sequence {position} was {then['chain_hash']} in {older_name}, is {now['chain_hash']} (rewritten)"]
    return []


def verify(location: Path, previous: Path | None = None, out: Any = sys.stdout) -> int:
    try:
        bundle = Bundle(location)
        manifest = json.loads(bundle.text("manifest.json"))
        chain = read_chain(bundle)
        older = read_chain(Bundle(previous)) if previous is not None else None
    except (Unusable, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, KeyError) as exc:
        print(f"cannot verify: {exc}", file=out)
        return 2
    head = manifest.get("chain") or {}
    failures = check_chain(chain, head.get("head") or {})
    files = manifest.get("files") or []
    framework_key = (manifest.get("framework") or {}).get("key", "")
    listed = {str(c.get("ref")) for c in manifest.get("controls") or [] if isinstance(c, dict)}
    for entry in files:
        failures += check_entry(bundle, entry, chain, framework_key, listed)
    if older is not None:
        failures += check_previous(chain, older, str(previous))
    for failure in failures:
        print(f"FAIL {failure}", file=out)
    tombstones = sum(1 for row in chain if row["kind"] == "tombstone")
    print(
        f"{'FAILED' if failures else 'ok'}: {len(files)} files, chain of {len(chain)} ({tombstones} tombstones),"
        f" head {head.get('head', {}).get('hash') or '(empty)'}"
        + (f", extends {previous}" if older is not None and not failures else ""),
        file=out,
    )
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a ComplyWise evidence bundle offline.")
    parser.add_argument("bundle", nargs="?", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--previous", type=Path, help="an earlier bundle of the same tenant")
    args = parser.parse_args(argv)
    return verify(args.bundle, args.previous)


if __name__ == "__main__":
    sys.exit(main())
