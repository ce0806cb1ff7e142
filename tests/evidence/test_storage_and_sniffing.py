import hashlib
import io
import uuid
from datetime import UTC, datetime

import pytest

from evidence.sniffing import UnsupportedContentError, sniff_content_type
from evidence.storage import (
    DigestingReader,
    UploadTooLargeError,
    content_disposition,
    evidence_key,
    safe_key_name,
    sanitize_filename,
    store_stream,
)

from .factories import CSV_BYTES, ELF_BYTES, JSON_BYTES, PDF_BYTES, PE_BYTES, docx_bytes, png_bytes, zip_bytes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\cmd.exe", "cmd.exe"),
        ("report\x00\x1f\x7f.pdf", "report.pdf"),
        ("\u202eexe.pdf", "exe.pdf"),
        ("  .hidden  ", "hidden"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ('a<b>c:"d"|e?f*.csv', "abcdef.csv"),
        ("", "evidence"),
        ("...", "evidence"),
        (None, "evidence"),
        ("Prüfbericht 2026.pdf", "Prüfbericht 2026.pdf"),
        ("multi   space\tname.md", "multi space name.md"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_long_names_are_cut_keeping_the_extension():
    # when
    name = sanitize_filename("x" * 500 + ".xlsx")
    key_name = safe_key_name("y" * 500 + ".PDF")
    # then
    assert len(name) == 200 and name.endswith(".xlsx")
    assert len(key_name) == 100 and key_name.endswith(".pdf")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Prüfbericht 2026.PDF", "Prufbericht_2026.pdf"),
        ("../../etc/passwd", "passwd"),
        ("日本語.txt", "evidence.txt"),
        ("nul.txt", "_nul.txt"),
        ("a b/c d.json", "c_d.json"),
    ],
)
def test_safe_key_name(raw, expected):
    assert safe_key_name(raw) == expected


def test_evidence_key_layout():
    # given
    tenant_id, evidence_id = uuid.uuid4(), uuid.uuid4()
    # when
    key = evidence_key(
        tenant_id=tenant_id, evidence_id=evidence_id, filename="../x y.pdf", when=datetime(2026, 3, 9, tzinfo=UTC)
    )
    # then
    assert key == f"tenants/{tenant_id}/evidence/2026/03/{evidence_id}/x_y.pdf"


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    assert content_disposition('Zoë "report".pdf') == (
        "attachment; filename=\"Zoe report.pdf\"; filename*=UTF-8''Zo%C3%AB%20report.pdf"
    )


def test_digesting_reader_hashes_each_byte_once_however_it_is_read():
    # given a reader that a backend seeks around in
    data = bytes(range(256)) * 100
    reader = DigestingReader(io.BytesIO(data), name="x")
    # when it measures the size, reads part, rewinds, and reads everything again
    reader.seek(0, 2)
    reader.seek(0)
    reader.read(1000)
    reader.seek(0)
    while reader.read(4096):
        pass
    # then
    assert reader.bytes_hashed == len(data)
    assert reader.hexdigest() == hashlib.sha256(data).hexdigest()


def test_store_stream_falls_back_when_the_backend_skips_bytes(tmp_path):
    # given a backend that seeks past the start before reading
    data = b"0123456789" * 1000

    class SkippingStorage:
        def save(self, name, content):
            content.seek(10)
            while content.read(100):
                pass
            return name

        def delete(self, name):
            pass

    # when
    stored = store_stream(storage=SkippingStorage(), key="k", source=io.BytesIO(data), content_type="")
    # then the source was hashed again in full
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)


def test_reader_stops_once_past_the_limit():
    reader = DigestingReader(io.BytesIO(b"a" * 100), name="x", max_bytes=50)
    with pytest.raises(UploadTooLargeError):
        while reader.read(30):
            pass


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", PDF_BYTES, "application/pdf"),
        ("a.bin", png_bytes(), "image/png"),
        ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "image/jpeg"),
        ("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        ("a.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40, "image/webp"),
        ("a.csv", CSV_BYTES, "text/csv"),
        ("a.json", JSON_BYTES, "application/json"),
        ("not-json.json", b"hello", "text/plain"),
        ("a.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("renamed.zip", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("a.zip", zip_bytes(), "application/zip"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/msword"),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/vnd.ms-excel"),
        ("BMW notes.txt", b"BMW fleet report\n", "text/plain"),
        ("utf16.csv", b"\xff\xfea\x00,\x00b\x00\n\x00", "text/csv"),
        ("cut.txt", ("é" * 5000).encode(), "text/plain"),
    ],
)
def test_sniffing_accepts(name, content, expected):
    assert sniff_content_type(io.BytesIO(content), filename=name, size=len(content)) == expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", ELF_BYTES),
        ("a.txt", PE_BYTES),
        ("installer.msi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        ("broken.zip", b"PK\x03\x04" + b"\x00" * 100),
        ("a.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256))),
        ("random.bin", bytes(range(256)) * 4),
    ],
)
def test_sniffing_refuses(name, content):
    with pytest.raises(UnsupportedContentError):
        sniff_content_type(io.BytesIO(content), filename=name, size=len(content))
