"""What an uploaded file really is, from its bytes: the client's Content-Type is never trusted.

Binary formats are recognised by their magic numbers (the ``filetype`` package) and ZIP
containers by their member names; anything without a known signature must look like text.
The client's file extension only picks among text flavours (CSV vs Markdown) or legacy
Office kinds of an already recognised container, never lets a type in.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

import filetype

HEAD_BYTES = 8192

PDF = "application/pdf"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
TEXT = "text/plain"
CSV = "text/csv"
JSON = "application/json"
MARKDOWN = "text/markdown"

IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ALLOWED = frozenset({PDF, ZIP, DOCX, XLSX, PPTX, DOC, XLS, PPT, TEXT, CSV, JSON, MARKDOWN, *IMAGES})

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_BY_EXTENSION = {"doc": DOC, "dot": DOC, "xls": XLS, "xlt": XLS, "ppt": PPT, "pot": PPT}
_OOXML_BY_FOLDER = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_TEXT_BY_EXTENSION = {"csv": CSV, "json": JSON, "md": MARKDOWN, "markdown": MARKDOWN}
_ALLOWED_CONTROL_BYTES = frozenset(b"\t\n\r\f\x1b")


class UnsupportedContentError(Exception):
    def __init__(self, detected: str | None) -> None:
        self.detected = detected
        super().__init__(detected or "unknown binary")


def _extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def _decode_text(head: bytes, *, complete: bool) -> str | None:
    """The head decoded as text, or None when it is binary."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            body = head[len(bom) :]
            if not complete:
                body = body[: len(body) - len(body) % 2]
            try:
                return body.decode(encoding)
            except UnicodeDecodeError:
                return None
    if b"\x00" in head:
        return None
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    # The head may end inside a multi-byte character: drop at most three trailing bytes.
    for cut in range(0 if complete else 4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        if not complete:
            return None
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return None
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _ALLOWED_CONTROL_BYTES) + head.count(b"\x7f")
    return text if controls <= len(head) // 100 else None


def _zip_kind(source: IO[bytes]) -> str:
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        # PK magic with no readable central directory: not an archive we can vouch for.
        raise UnsupportedContentError("corrupt zip") from None
    finally:
        source.seek(0)
    if "[Content_Types].xml" in names:
        for folder, mime in _OOXML_BY_FOLDER:
            if any(name.startswith(folder) for name in names):
                return mime
    return ZIP


def sniff_content_type(source: IO[bytes], *, filename: str, size: int) -> str:
    """The content type of a seekable upload, or ``UnsupportedContentError`` when it is not accepted."""
    source.seek(0)
    head = source.read(HEAD_BYTES)
    source.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None

    if head.startswith(_OLE2_MAGIC):
        if mime in (DOC, XLS, PPT):
            return mime
        by_extension = _OLE2_BY_EXTENSION.get(_extension(filename))
        if by_extension:
            return by_extension
        raise UnsupportedContentError("application/x-ole-storage")
    if head.startswith(b"PK\x03\x04") or mime in (ZIP, DOCX, XLSX, PPTX):
        return _zip_kind(source)
    if mime in IMAGES or mime == PDF:
        return mime

    # Some signatures are two printable bytes ("BM" bitmap, "MZ" executable): a file that decodes as
    # text is text whatever its first bytes spell, while a real executable is full of binary bytes.
    text = _decode_text(head, complete=size <= len(head))
    if text is None:
        raise UnsupportedContentError(mime)
    flavour = _TEXT_BY_EXTENSION.get(_extension(filename), TEXT)
    if flavour == JSON and not text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return TEXT
    return flavour
