"""Helpers shared by the host collector modules: reading optional files and systemd's enabled units."""

from __future__ import annotations

import fnmatch
import posixpath

from ..transport import MAX_READ_BYTES, PathOutsideRootError, Transport, exists


def describe_error(exc: BaseException) -> str:
    """A one-line explanation of a file access failure."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        needs_root = isinstance(exc, PermissionError) and not isinstance(exc, PathOutsideRootError)
        hint = " (the scan needs to run as root to read it)" if needs_root else ""
        return f"{where}{exc.strerror}{hint}"
    return str(exc) or type(exc).__name__


def read_optional(transport: Transport, path: str, *, max_bytes: int = MAX_READ_BYTES) -> str | None:
    try:
        return transport.read_text(path, max_bytes=max_bytes)
    except (FileNotFoundError, NotADirectoryError):
        return None


def list_optional(transport: Transport, path: str) -> list[str]:
    try:
        return transport.list_dir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []


def glob(transport: Transport, pattern: str) -> list[str]:
    """Files matching a pattern whose wildcards are in the last component, in sorted order."""
    directory, name = posixpath.split(pattern)
    if not any(ch in name for ch in "*?["):
        return [pattern] if exists(transport, pattern) else []
    return [
        posixpath.join(directory, entry)
        for entry in list_optional(transport, directory)
        if fnmatch.fnmatch(entry, name)
    ]


def enabled_units(transport: Transport) -> set[str] | None:
    """Units enabled through a ``*.wants`` symlink in /etc/systemd/system; None without systemd."""
    base = "/etc/systemd/system"
    if not exists(transport, base):
        return None
    units: set[str] = set()
    for entry in list_optional(transport, base):
        if entry.endswith(".wants"):
            units.update(list_optional(transport, f"{base}/{entry}"))
    return units


def unit_enabled(units: set[str] | None, *names: str) -> bool | None:
    if units is None:
        return None
    return any(name in units for name in names)
