"""sudo's policy: /etc/sudoers and every file it includes, read in sudo's own order (checked by ``checks.sudo``)."""

from __future__ import annotations

import posixpath
from typing import cast

from .. import sudoers
from ..shapes import Sudo, SudoDefault, SudoFile, SudoRule
from ..transport import Transport, exists
from ._common import list_optional, read_optional

SUDOERS = "/etc/sudoers"
# The package databases kept as text, and how each names a package and its version.
PACKAGE_DATABASES = (
    ("/var/lib/dpkg/status", "Package: ", "Version: ", "\n\n"),
    ("/lib/apk/db/installed", "P:", "V:", "\n\n"),
)
# dpkg's status file lists every installed package; a desktop's runs to a few MiB.
PACKAGE_DATABASE_MAX_BYTES = 32 * 1024 * 1024
# sudo refuses to nest includes deeper than this.
MAX_INCLUDE_DEPTH = 128


class _Policy:
    def __init__(self) -> None:
        self.files: list[SudoFile] = []
        self.defaults: list[SudoDefault] = []
        self.aliases: dict[str, dict[str, list[str]]] = {}
        self.rules: list[SudoRule] = []
        self.seen: set[str] = set()

    def note_file(self, transport: Transport, path: str) -> None:
        if path in self.seen:
            return
        self.seen.add(path)
        info = transport.stat(path)
        self.files.append({"path": path, "kind": info.kind, "mode": info.octal, "uid": info.uid, "gid": info.gid})


def _included_files(transport: Transport, directory: str) -> list[str]:
    # As sudo does: every file of the directory in lexical order, except editor backups ("~") and names with a dot
    # (so package manager leftovers such as "README" load but "x.dpkg-old" does not).
    return [
        posixpath.join(directory, name)
        for name in list_optional(transport, directory)
        if not name.endswith("~") and "." not in name
    ]


def _read(transport: Transport, path: str, policy: _Policy, within: tuple[str, ...]) -> None:
    # A file that cannot be read raises: the scan then says the policy could not be judged, rather than judging
    # part of it.
    text = transport.read_text(path)
    policy.note_file(transport, path)
    for entry in sudoers.entries(text, file=path):
        if isinstance(entry, sudoers.SudoInclude):
            if len(within) >= MAX_INCLUDE_DEPTH:
                continue
            # Since sudo 1.9.1 a relative path is taken from the including file's directory.
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), entry.path))
            if entry.directory:
                if not exists(transport, target):
                    continue
                policy.note_file(transport, target)
                targets = _included_files(transport, target)
            else:
                targets = [target] if exists(transport, target) else []
            for included in targets:
                # A file that includes itself, directly or not, is read once on that path.
                if included not in within:
                    _read(transport, included, policy, (*within, included))
        elif isinstance(entry, sudoers.SudoAlias):
            policy.aliases.setdefault(entry.kind, {})[entry.name] = entry.members
        elif "commands" in entry:
            policy.rules.append(cast(SudoRule, entry))
        else:
            policy.defaults.append(entry)


def package_version(transport: Transport, package: str) -> str:
    """The installed version of a package from dpkg's or apk's database; "" when neither is there or lists it
    (RPM's database is not text: on RHEL and its kin the version stays unknown)."""
    for path, name_key, version_key, separator in PACKAGE_DATABASES:
        text = read_optional(transport, path, max_bytes=PACKAGE_DATABASE_MAX_BYTES)
        if text is None:
            continue
        for stanza in text.split(separator):
            fields = stanza.strip().splitlines()
            if f"{name_key}{package}" in fields:
                return next((f[len(version_key) :].strip() for f in fields if f.startswith(version_key)), "")
    return ""


def collect_sudo(transport: Transport) -> Sudo:
    if not exists(transport, SUDOERS):
        return {"installed": False, "path": SUDOERS}
    policy = _Policy()
    _read(transport, SUDOERS, policy, (SUDOERS,))
    return {
        "installed": True,
        "path": SUDOERS,
        "version": package_version(transport, "sudo"),
        "files": policy.files,
        "defaults": policy.defaults,
        "aliases": policy.aliases,
        "rules": policy.rules,
    }
