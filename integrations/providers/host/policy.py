"""Where host integrations may read files on the worker: the operator decides, the platform's data is off limits.

``HOST_SCAN_ALLOWED_ROOTS`` lists the directories under which a host integration's root
may lie (the embedded default allows "/", as the demo scans its own machine; production
allows none until the operator sets it).  A root inside the platform's own data folders
(``VAR_DIR``, local evidence storage, the filesystem broker, media, an SQLite database) is
never allowed, and the transport refuses to read any path that resolves into them, so even
a root of "/" cannot read the platform's data.

Validation never looks at the filesystem: a root that does not exist and one that exists
but is not allowed get the same answer, so the API cannot probe the worker's files.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from django.conf import settings

SETTING = "HOST_SCAN_ALLOWED_ROOTS"
_DATA_FOLDER_SETTINGS = ("VAR_DIR", "EVIDENCE_ROOT", "BROKER_DIR", "MEDIA_ROOT")
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def normalise(path: str) -> str:
    """One canonical absolute spelling ("//x/./y/" is "/x/y")."""
    return "/" + posixpath.normpath(path).lstrip("/")


def inside(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it (both absolute and normalised)."""
    prefix = prefix.rstrip("/") or "/"
    return path == prefix or prefix == "/" or path.startswith(prefix + "/")


def allowed_roots() -> list[str]:
    """The operator's allowed roots, normalised; relative entries are ignored (they mean nothing here)."""
    configured: Any = getattr(settings, SETTING, None) or []
    if isinstance(configured, str):
        configured = configured.split(",")
    entries = (str(entry).strip() for entry in configured)
    return [normalise(entry) for entry in entries if entry.startswith("/") and "\x00" not in entry]


def protected_folders() -> list[str]:
    """The platform's own data on this machine, as configured and as resolved (symlinks followed)."""
    paths: list[str] = []
    for name in _DATA_FOLDER_SETTINGS:
        value = getattr(settings, name, None)
        if value:
            paths.append(str(value))
    database = settings.DATABASES.get("default", {})
    if database.get("ENGINE", "").endswith("sqlite3") and str(database.get("NAME", "")).startswith("/"):
        paths.extend(f"{database['NAME']}{suffix}" for suffix in _SQLITE_SUFFIXES)
    found: list[str] = []
    for path in paths:
        for spelling in (normalise(str(Path(path).absolute())), os.path.realpath(path)):
            if spelling not in found:
                found.append(spelling)
    return found


def root_refusal(root: str, *, resolve: bool = False) -> str | None:
    """Why a host integration may not read under ``root``, or None when it may.

    ``resolve`` (at scan time, not at validation) also checks where the root really
    leads once symlinks are followed.
    """
    allowed = allowed_roots()
    if not allowed:
        return f"Host integrations are turned off in this deployment (the operator has not set {SETTING})."
    refused = f"This deployment only scans roots under: {', '.join(allowed)} (never the platform's own data folders)."
    candidates = [normalise(root)]
    if resolve:
        candidates.append(os.path.realpath(root))
    protected = protected_folders()
    real_allowed = [*allowed, *(os.path.realpath(prefix) for prefix in allowed)] if resolve else allowed
    for candidate in candidates:
        if not any(inside(candidate, prefix) for prefix in real_allowed):
            return refused
        if any(inside(candidate, folder) for folder in protected):
            return refused
    return None
