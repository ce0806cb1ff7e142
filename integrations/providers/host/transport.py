"""Read-only access to a host's files: the only way the host connector touches a machine.

Paths given to a transport are the host's own absolute paths ("/etc/ssh/sshd_config").
:class:`LocalTransport` reads them under a root directory on this machine ("/" for the
machine itself, or a mounted filesystem image) with chroot semantics: a symlink's
absolute target and any ``..`` are taken relative to the root, so no path ever leaves
it.  Another transport (e.g. over SSH) only has to offer the same four operations.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

# Configuration files are small; a bigger file is read only this far.
MAX_READ_BYTES = 1024 * 1024
# As in the kernel: more symlinks than this on one path is a loop.
MAX_SYMLINK_HOPS = 40


class PathOutsideRootError(PermissionError):
    """A path that would lead outside the transport's root; never read."""


class ProtectedPathError(PathOutsideRootError):
    """A path that resolves into the platform's own data folders; never read, whatever the root."""


@dataclass(frozen=True)
class FileStat:
    """What ``stat`` says about one path (the host's path, not the local one)."""

    path: str
    mode: int
    uid: int
    gid: int
    size: int

    @property
    def permissions(self) -> int:
        return stat_module.S_IMODE(self.mode)

    @property
    def octal(self) -> str:
        return f"{self.permissions:04o}"

    @property
    def kind(self) -> str:
        if stat_module.S_ISLNK(self.mode):
            return "symlink"
        if stat_module.S_ISDIR(self.mode):
            return "directory"
        if stat_module.S_ISREG(self.mode):
            return "file"
        return "other"


@dataclass
class WalkResult:
    """Entries found under a directory, bounded; ``truncated`` says the bound was hit."""

    entries: list[FileStat] = field(default_factory=list)
    truncated: bool = False
    unreadable: list[str] = field(default_factory=list)


class Transport(Protocol):
    """Read-only file access on one host; every method takes the host's absolute path."""

    @property
    def location(self) -> str: ...

    def read_text(self, path: str, *, max_bytes: int = MAX_READ_BYTES) -> str: ...

    def read_bytes(self, path: str, *, offset: int = 0, max_bytes: int = MAX_READ_BYTES) -> bytes: ...

    def stat(self, path: str) -> FileStat: ...

    def list_dir(self, path: str) -> list[str]: ...

    def walk(self, path: str, *, max_entries: int) -> WalkResult: ...


def exists(transport: Transport, path: str) -> bool:
    try:
        transport.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


class LocalTransport:
    """Reads files of this machine under ``root``, never outside it, never writing anything."""

    def __init__(self, root: str, *, protected: Iterable[str] = ()) -> None:
        self.configured_root = root
        self.root = Path(os.path.realpath(root))
        # Local paths (resolved) that are never read, listed or walked into, even under the root.
        self.protected = tuple(os.path.realpath(p) for p in protected)

    def __repr__(self) -> str:
        return f"LocalTransport(root={self.configured_root!r})"

    @property
    def location(self) -> str:
        return self.configured_root

    # -- path handling -----------------------------------------------------

    def _resolve(self, path: str) -> Path:
        """The local path of a host path, following symlinks as if ``root`` were ``/``."""
        pending = deque(part for part in PurePosixPath("/", path).parts[1:])
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                # Like ".." at "/": it stays at the root.
                if resolved:
                    resolved.pop()
                continue
            candidate = self.root.joinpath(*resolved, part)
            if not candidate.is_symlink():
                resolved.append(part)
                continue
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                raise OSError(errno.ELOOP, "Too many levels of symbolic links", self._host_path(candidate))
            target = PurePosixPath(os.readlink(candidate))
            if target.is_absolute():
                resolved = []
                pending.extendleft(reversed(target.parts[1:]))
            else:
                pending.extendleft(reversed(target.parts))
        local = self.root.joinpath(*resolved)
        self._ensure_inside(local)
        return local

    def _ensure_inside(self, local: Path) -> None:
        # Defence in depth: the walk above never leaves the root, but a path swapped
        # for a symlink between that walk and the open below must not take us out.
        real = os.path.realpath(local)
        if real != str(self.root) and not real.startswith(str(self.root).rstrip("/") + "/"):
            raise PathOutsideRootError(errno.EACCES, "Path leads outside the scanned root", self._host_path(local))
        if self._is_protected(real):
            raise ProtectedPathError(
                errno.EACCES, "Path holds the platform's own data; never read", self._host_path(local)
            )

    def _is_protected(self, real: str) -> bool:
        return any(real == folder or real.startswith(folder.rstrip("/") + "/") for folder in self.protected)

    def _host_path(self, local: Path | str) -> str:
        relative = os.path.relpath(local, self.root)
        return "/" if relative == "." else "/" + relative

    # -- operations ----------------------------------------------------------

    def read_text(self, path: str, *, max_bytes: int = MAX_READ_BYTES) -> str:
        return self.read_bytes(path, max_bytes=max_bytes).decode("utf-8", errors="replace")

    def read_bytes(self, path: str, *, offset: int = 0, max_bytes: int = MAX_READ_BYTES) -> bytes:
        """Up to ``max_bytes`` from ``offset`` on (binary records such as lastlog's are read where they lie)."""
        local = self._resolve(path)
        # O_NOFOLLOW: the last component was checked not to be a symlink; O_NONBLOCK: a
        # FIFO planted where a config file should be must not hang the scan.
        fd = os.open(local, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            if stat_module.S_ISDIR(info.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
            if not stat_module.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "Not a regular file", path)
            return os.pread(fd, max_bytes, offset)
        finally:
            os.close(fd)

    def stat(self, path: str) -> FileStat:
        local = self._resolve(path)
        info = os.lstat(local)
        return FileStat(
            path=self._host_path(local), mode=info.st_mode, uid=info.st_uid, gid=info.st_gid, size=info.st_size
        )

    def list_dir(self, path: str) -> list[str]:
        local = self._resolve(path)
        return sorted(os.listdir(local))

    def walk(self, path: str, *, max_entries: int) -> WalkResult:
        """Every entry under a directory (not following symlinks, not crossing filesystems)."""
        result = WalkResult()
        start = self._resolve(path)
        device = os.lstat(start).st_dev
        pending = [start]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as entries:
                    children = sorted(entries, key=lambda e: e.name)
            except OSError:
                result.unreadable.append(self._host_path(directory))
                continue
            for entry in children:
                # The walk starts at a resolved path and never follows a symlink, so each
                # entry's path is its real path.
                if self._is_protected(entry.path):
                    continue
                if len(result.entries) >= max_entries:
                    result.truncated = True
                    return result
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    result.unreadable.append(self._host_path(entry.path))
                    continue
                result.entries.append(
                    FileStat(
                        path=self._host_path(entry.path),
                        mode=info.st_mode,
                        uid=info.st_uid,
                        gid=info.st_gid,
                        size=info.st_size,
                    )
                )
                if stat_module.S_ISDIR(info.st_mode) and info.st_dev == device and not self._is_protected(entry.path):
                    pending.append(Path(entry.path))
        return result
