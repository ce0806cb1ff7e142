"""Builders for evidence tests: small frameworks and controls of our own, files of each accepted kind."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import services
from evidence.models import Evidence
from frameworks.models import Control, TenantFramework
from scans.models import ScanJob
from tests.frameworks.factories import ControlFactory


def active_control(tenant, **kwargs) -> Control:
    """A control of a global framework activated for ``tenant``."""
    control = ControlFactory(**kwargs)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=control.framework)
    return control


def scan_job(tenant) -> ScanJob:
    return ScanJob.objects.create(tenant=tenant, status="completed")


# --- files ---------------------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CSV_BYTES = b"user,mfa\nalice,true\nbob,true\n"
JSON_BYTES = b'{"policy": "mfa", "enforced": true}\n'
MARKDOWN_BYTES = "# Access review\n\nReviewed by *Zoë* on 2026-01-01.\n".encode()
TEXT_BYTES = b"Quarterly access review completed.\n"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 120
PE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document><w:body><w:p>Policy</w:p></w:body></w:document>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("logs/access.log", "ok\n")
    return buffer.getvalue()


def upload(name: str = "review.txt", content: bytes = TEXT_BYTES, content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def manual_evidence(*, tenant, control, name="review.txt", content=TEXT_BYTES, actor=None, **kwargs) -> Evidence:
    return services.evidence_upload(
        tenant=tenant, actor=actor, file=upload(name, content), control_id=control.pk, **kwargs
    )


def auto_items(controls, *, status="pass") -> list[services.AutoEvidenceItem]:
    return [
        services.AutoEvidenceItem(
            control=control,
            framework=control.framework,
            title=f"Scan result: {control.framework.key} {control.ref} — {status}",
            document={
                "control": {"id": str(control.pk), "ref": control.ref},
                "framework": {"key": control.framework.key},
                "status": status,
                "checks": [{"id": "aws.iam.root_mfa_enabled", "outcomes": [{"resource": "root", "status": status}]}],
            },
        )
        for control in controls
    ]
