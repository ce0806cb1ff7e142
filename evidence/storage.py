"""Evidence storage: safe keys and names, streamed hashing writes/reads, presigned downloads.

Everything that touches the ``evidence`` storage backend goes through here, so the local
filesystem (embedded) and S3 (production) behave the same for the rest of the app.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any, TypeGuard, cast
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import Storage, storages
from django.utils import timezone
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

# 64 KiB: large enough for throughput, small enough that the roll-up's evidence writer threads stay light.
CHUNK_SIZE = 64 * 1024
DEFAULT_FILENAME = "evidence"
MAX_FILENAME_LENGTH = 200
MAX_KEY_NAME_LENGTH = 100
MAX_EXTENSION_LENGTH = 16
DEFAULT_DOWNLOAD_URL_EXPIRE_SECONDS = 60

# What a storage backend raises when the disk or the bucket fails: the local filesystem raises
# OSError, S3 raises botocore errors. Catching these (and nothing broader) keeps real bugs loud.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_FORBIDDEN_CHARS = set('<>:"|?*')
# Control, format (bidi overrides such as U+202E), surrogate, private-use and unassigned characters.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,16}$")


def evidence_storage() -> Storage:
    """The configured evidence backend (tests swap it through settings.STORAGES)."""
    return storages["evidence"]


# --- names and keys -----------------------------------------------------------------------------


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXTENSION.match(ext):
        return stem, "." + ext
    return name, ""


def _fit(stem: str, ext: str, limit: int) -> str:
    # Truncate the stem, never the extension, so "report.pdf" stays a PDF name however long it was.
    stem = stem[: max(1, limit - len(ext))].rstrip(" .")
    return f"{stem}{ext}" if stem else DEFAULT_FILENAME + ext


def sanitize_filename(name: str | None, *, max_length: int = MAX_FILENAME_LENGTH) -> str:
    """A display-safe file name: no path, no control characters, no reserved device name, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    # Both separators: a name from Windows uses backslashes, and only the last component is a name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in name)
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _FORBIDDEN_CHARS
    )
    name = " ".join(name.split())
    # Leading dots would make hidden files (and "." / ".."); trailing dots and spaces are dropped by Windows.
    name = name.strip(" .")
    if not name:
        return DEFAULT_FILENAME
    stem, ext = _split_extension(name)
    if stem.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return _fit(stem, ext, max_length)


def safe_key_name(name: str | None, *, max_length: int = MAX_KEY_NAME_LENGTH) -> str:
    """The last segment of a storage key: the sanitised name folded to ``[A-Za-z0-9._-]``."""
    stem, ext = _split_extension(sanitize_filename(name))
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _KEY_UNSAFE.sub("_", stem).strip("._-")
    ext = ext.lower()
    if not stem:
        stem = DEFAULT_FILENAME
    if stem.lower() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return _fit(stem, ext, max_length)


def _month_prefix(tenant_id: Any, kind: str, when: datetime | None) -> str:
    when = (when or timezone.now()).astimezone(UTC)
    return f"tenants/{uuid.UUID(str(tenant_id))}/{kind}/{when:%Y}/{when:%m}"


def evidence_key(*, tenant_id: Any, evidence_id: uuid.UUID, filename: str, when: datetime | None = None) -> str:
    """``tenants/<tenant>/evidence/<yyyy>/<mm>/<evidence id>/<safe name>``; nothing in it comes unsanitised."""
    return f"{_month_prefix(tenant_id, 'evidence', when)}/{uuid.UUID(str(evidence_id))}/{safe_key_name(filename)}"


def export_key(*, tenant_id: Any, export_id: uuid.UUID, filename: str, when: datetime | None = None) -> str:
    return f"{_month_prefix(tenant_id, 'exports', when)}/{uuid.UUID(str(export_id))}/{safe_key_name(filename)}"


def tenant_prefix(tenant_id: Any) -> str:
    return f"tenants/{uuid.UUID(str(tenant_id))}/"


# --- streamed, hashed writes ----------------------------------------------------------------------


class UploadTooLargeError(Exception):
    """The stream grew past the byte limit while it was being stored."""


class DigestingReader:
    """A read-only file wrapper that hashes and counts the bytes a storage backend reads through it.

    Backends read in their own way (S3 may seek to measure the size and re-read a part on retry),
    so the digest covers each byte once, in order, however often it is read; if a backend ever
    skipped ahead, ``complete`` is False and the caller hashes the source again.
    """

    def __init__(self, source: IO[bytes], *, name: str, content_type: str = "", max_bytes: int | None = None):
        self.file = source
        self.name = name
        self.content_type = content_type or None
        self._max_bytes = max_bytes
        self._hasher = hashlib.sha256()
        self._hashed = 0
        self._position = self._tell_source()

    def _tell_source(self) -> int:
        try:
            return self.file.tell()
        except (AttributeError, OSError):
            return 0

    # -- the file protocol storage backends use ----------------------------------------------------
    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size if size is not None else -1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        start, end = self._position, self._position + len(data)
        if start <= self._hashed < end:
            self._hasher.update(memoryview(data)[self._hashed - start :])
            self._hashed = end
            if self._max_bytes is not None and self._hashed > self._max_bytes:
                raise UploadTooLargeError
        self._position = end
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self.file.seek(offset, whence)
        self._position = self._tell_source()
        return self._position

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self.seek(0)
        while chunk := self.read(chunk_size or CHUNK_SIZE):
            yield chunk

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def close(self) -> None:
        # The caller owns the source and closes it; a backend closing it early would break the re-hash.
        pass

    @property
    def closed(self) -> bool:
        return False

    # -- results ---------------------------------------------------------------------------------
    @property
    def bytes_hashed(self) -> int:
        return self._hashed

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


def hash_stream(source: IO[bytes], *, chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """SHA-256 and byte count of a readable stream, read in bounded chunks."""
    hasher = hashlib.sha256()
    size = 0
    while chunk := source.read(chunk_size):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def store_stream(
    *, storage: Storage, key: str, source: IO[bytes], content_type: str, max_bytes: int | None = None
) -> StoredFile:
    """Write a seekable ``source`` under ``key`` while hashing it; on any failure nothing is left in storage.

    Raises ``UploadTooLargeError`` when the stream passes ``max_bytes``.
    """
    source.seek(0, os.SEEK_END)
    total = source.tell()
    if max_bytes is not None and total > max_bytes:
        raise UploadTooLargeError
    source.seek(0)
    reader = DigestingReader(source, name=key, content_type=content_type, max_bytes=max_bytes)
    saved_key = None
    try:
        # DigestingReader implements the part of the file protocol backends use; the stubs ask for a full IO.
        saved_key = storage.save(key, cast(IO[bytes], reader))
        sha256, size = reader.hexdigest(), reader.bytes_hashed
        if size != total:
            # The backend did not read the stream straight through: hash the source itself.
            source.seek(0)
            sha256, size = hash_stream(source)
        if max_bytes is not None and size > max_bytes:
            raise UploadTooLargeError
    except BaseException:
        # Also on KeyboardInterrupt / task time limits: a half-written object must not survive.
        delete_quietly(storage, [saved_key or key])
        raise
    return StoredFile(key=saved_key, sha256=sha256, size=size)


def store_bytes(*, storage: Storage, key: str, data: bytes, content_type: str) -> StoredFile:
    return store_stream(storage=storage, key=key, source=BytesIO(data), content_type=content_type)


@contextmanager
def open_for_read(storage: Storage, key: str) -> Iterator[IO[bytes]]:
    """A readable stream of a stored file, fetched as it is read; FileNotFoundError when it is absent.

    ``S3Storage.open`` downloads the whole object into a spooled file first (in memory with the
    default settings), so S3 objects are read straight from the GetObject response instead.
    """
    if _is_s3(storage):
        try:
            # _normalize_name applies the storage's `location` prefix exactly as its writes do.
            body = storage.bucket.Object(storage._normalize_name(key)).get()["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(key) from exc
            raise
        try:
            yield body
        finally:
            body.close()
        return
    with storage.open(key, "rb") as handle:
        yield handle


def iter_keys(storage: Storage, prefix: str) -> Iterator[str]:
    """Every stored key under a prefix (a paginated listing on S3, a directory walk on disk)."""
    if _is_s3(storage):
        paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
        full_prefix = storage._normalize_name(prefix)
        strip = len(full_prefix) - len(prefix)
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=full_prefix):
            for item in page.get("Contents", []):
                yield item["Key"][strip:]
        return
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix.rstrip('/')}/{name}"
    for directory in directories:
        yield from iter_keys(storage, f"{prefix.rstrip('/')}/{directory}")


def hash_stored(storage: Storage, key: str) -> tuple[str, int]:
    """Re-read a stored file in chunks and return its SHA-256 and size (FileNotFoundError if absent)."""
    with open_for_read(storage, key) as handle:
        return hash_stream(handle)


def delete_quietly(storage: Storage, keys: Iterable[str]) -> int:
    """Delete each key; a failure is logged, not raised (the caller is already cleaning up)."""
    deleted = 0
    for key in keys:
        if not key:
            continue
        try:
            storage.delete(key)
            deleted += 1
        except STORAGE_ERRORS as exc:
            logger.warning("evidence file could not be deleted", extra={"key": key, "error": str(exc)})
    return deleted


# --- downloads ----------------------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    filename = sanitize_filename(filename)
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 ._()+-]", "_", fallback).strip() or DEFAULT_FILENAME
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _is_s3(storage: Storage) -> TypeGuard[S3Storage]:
    return isinstance(storage, S3Storage)


def supports_presigned_urls(storage: Storage) -> TypeGuard[S3Storage]:
    return _is_s3(storage) and bool(getattr(storage, "querystring_auth", False))


def presigned_download_url(storage: S3Storage, key: str, *, filename: str, content_type: str) -> str:
    """A short-lived signed GET URL that makes the browser save the file under its recorded name."""
    expire = getattr(settings, "EVIDENCE_DOWNLOAD_URL_EXPIRE_SECONDS", DEFAULT_DOWNLOAD_URL_EXPIRE_SECONDS)
    return storage.url(
        key,
        parameters={
            "ResponseContentDisposition": content_disposition(filename),
            "ResponseContentType": content_type or "application/octet-stream",
        },
        expire=expire,
    )
