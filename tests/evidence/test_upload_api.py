import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent
from evidence import services
from evidence.models import Evidence
from tests.frameworks.factories import ControlFactory, FrameworkFactory

from .conftest import stored_files
from .factories import (
    CSV_BYTES,
    ELF_BYTES,
    JSON_BYTES,
    MARKDOWN_BYTES,
    PDF_BYTES,
    PE_BYTES,
    TEXT_BYTES,
    active_control,
    docx_bytes,
    png_bytes,
    upload,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

URL = "/api/evidence/upload"
KEY_PATTERN = re.compile(r"^tenants/[0-9a-f-]{36}/evidence/\d{4}/\d{2}/[0-9a-f-]{36}/[A-Za-z0-9._-]+$")


def post(client, **fields):
    return client.post(URL, fields, format="multipart")


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("soc2-report.pdf", PDF_BYTES, "application/pdf"),
        ("screenshot.png", png_bytes(), "image/png"),
        ("users.csv", CSV_BYTES, "text/csv"),
        ("policy.json", JSON_BYTES, "application/json"),
        ("review.md", MARKDOWN_BYTES, "text/markdown"),
        ("notes.txt", TEXT_BYTES, "text/plain"),
        ("policy.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("logs.zip", zip_bytes(), "application/zip"),
    ],
)
def test_upload_stores_file_with_sniffed_type_and_matching_sha256(
    client_for, tenant, local_evidence_storage, name, content, expected_type
):
    # given a member and a control of an active framework; the client lies about the content type
    control = active_control(tenant)
    client = client_for(tenant, Role.MEMBER)
    # when
    response = post(client, file=upload(name, content, "application/x-whatever"), control_id=str(control.pk))
    # then the row records the sniffed type and the hash of exactly these bytes
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "manual"
    assert body["content_type"] == expected_type
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["filename"] == name and body["title"] == name
    assert body["control_id"] == str(control.pk) and body["control_ref"] == control.ref
    assert body["framework_id"] == str(control.framework_id) and body["framework_key"] == control.framework.key
    assert body["uploaded_by"].endswith("@example.com")
    assert body["download_url"] == f"http://testserver/api/evidence/{body['id']}/download"
    evidence = Evidence.objects.get(pk=body["id"])
    assert KEY_PATTERN.match(evidence.file_key), evidence.file_key
    assert (local_evidence_storage / evidence.file_key).read_bytes() == content
    assert AuditEvent.objects.filter(tenant=tenant, action="evidence.uploaded", target_id=str(evidence.pk)).exists()


def test_upload_with_metadata(client_for, tenant):
    # given
    control = active_control(tenant)
    collected = timezone.now() - timedelta(days=3)
    expires = timezone.now() + timedelta(days=90)
    # when
    response = post(
        client_for(tenant, Role.ADMIN),
        file=upload("q1.pdf", PDF_BYTES),
        control_id=str(control.pk),
        framework_id=str(control.framework_id),
        title="Q1 access review",
        description="Signed by the CISO",
        collected_at=collected.isoformat(),
        expires_at=expires.isoformat(),
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Q1 access review" and body["description"] == "Signed by the CISO"
    assert body["collected_at"].startswith(collected.strftime("%Y-%m-%dT%H:%M"))
    assert body["is_expired"] is False


def test_upload_to_own_custom_framework_is_allowed(client_for, tenant):
    # given a control of the tenant's custom framework (never "activated")
    control = ControlFactory(framework=FrameworkFactory(tenant=tenant, source="custom"))
    # when
    response = post(client_for(tenant, Role.MEMBER), file=upload(), control_id=str(control.pk))
    # then
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("case", ["other_tenants_custom", "inactive_global", "missing"])
def test_upload_to_a_control_the_tenant_cannot_use_is_400_on_control_id(
    client_for, tenant, other_tenant, local_evidence_storage, case
):
    # given a control of another tenant's custom framework, of a global one not activated, or none at all
    control_id = {
        "other_tenants_custom": lambda: ControlFactory(framework=FrameworkFactory(tenant=other_tenant)).pk,
        "inactive_global": lambda: ControlFactory().pk,
        "missing": uuid.uuid4,
    }[case]()
    # when
    response = post(client_for(tenant, Role.ADMIN), file=upload(), control_id=str(control_id))
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"control_id"}
    assert not Evidence.objects.exists() and stored_files(local_evidence_storage) == []


def test_framework_id_must_be_the_controls_framework(client_for, tenant):
    # given
    control = active_control(tenant)
    other = active_control(tenant)
    # when
    response = post(
        client_for(tenant, Role.ADMIN), file=upload(), control_id=str(control.pk), framework_id=str(other.framework_id)
    )
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"framework_id"}


def test_missing_fields_are_400_with_field_errors(client_for, tenant):
    # when nothing but a title is sent
    response = post(client_for(tenant, Role.ADMIN), title="x")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"file", "control_id"}


def test_bad_dates_are_400(client_for, tenant):
    # given
    control = active_control(tenant)
    client = client_for(tenant, Role.ADMIN)
    future = (timezone.now() + timedelta(days=2)).isoformat()
    past = (timezone.now() - timedelta(days=2)).isoformat()
    # when / then
    response = post(client, file=upload(), control_id=str(control.pk), collected_at=future)
    assert response.status_code == 400 and set(response.json()) == {"collected_at"}
    response = post(client, file=upload(), control_id=str(control.pk), expires_at=past)
    assert response.status_code == 400 and set(response.json()) == {"expires_at"}
    response = post(client, file=upload(), control_id="not-a-uuid", collected_at="yesterday")
    assert response.status_code == 400 and set(response.json()) == {"control_id", "collected_at"}


def test_empty_file_is_400(client_for, tenant, local_evidence_storage):
    # given
    control = active_control(tenant)
    # when
    response = post(client_for(tenant, Role.ADMIN), file=upload("empty.txt", b""), control_id=str(control.pk))
    # then
    assert response.status_code == 400
    assert "file" in response.json()
    assert stored_files(local_evidence_storage) == []


def test_file_over_the_cap_is_413_while_streaming(client_for, tenant, settings, local_evidence_storage):
    # given a tiny cap and a file one byte over it
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    control = active_control(tenant)
    # when
    response = post(client_for(tenant, Role.ADMIN), file=upload("big.txt", b"a" * 65), control_id=str(control.pk))
    # then
    assert response.status_code == 413, response.content
    assert not Evidence.objects.exists() and stored_files(local_evidence_storage) == []


def test_file_at_the_cap_is_accepted(client_for, tenant, settings):
    # given
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    control = active_control(tenant)
    # when
    response = post(client_for(tenant, Role.ADMIN), file=upload("ok.txt", b"a" * 64), control_id=str(control.pk))
    # then
    assert response.status_code == 201, response.content


def test_request_far_over_the_cap_is_413_before_parsing(client_for, tenant, settings):
    # given a body bigger than the cap plus the multipart allowance
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    control = active_control(tenant)
    # when
    response = post(
        client_for(tenant, Role.ADMIN), file=upload("huge.txt", b"a" * (2 * 1024 * 1024)), control_id=str(control.pk)
    )
    # then
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_service_counts_bytes_while_streaming_even_if_the_declared_size_lies(tenant, settings, local_evidence_storage):
    # given an upload object claiming to be small while holding more bytes than the cap
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    control = active_control(tenant)
    liar = upload("liar.txt", b"b" * 500)
    liar.size = 10
    # when / then
    with pytest.raises(services.PayloadTooLargeError):
        services.evidence_upload(tenant=tenant, actor=None, file=liar, control_id=control.pk)
    assert not Evidence.objects.exists() and stored_files(local_evidence_storage) == []


@pytest.mark.parametrize(
    ("name", "content"), [("tool.pdf", ELF_BYTES), ("setup.txt", PE_BYTES), ("x.bin", b"\x00\x01\x02" * 50)]
)
def test_executables_and_unknown_binaries_are_415(client_for, tenant, local_evidence_storage, name, content):
    # given
    control = active_control(tenant)
    # when
    response = post(
        client_for(tenant, Role.ADMIN), file=upload(name, content, "application/pdf"), control_id=str(control.pk)
    )
    # then
    assert response.status_code == 415, response.content
    assert not Evidence.objects.exists() and stored_files(local_evidence_storage) == []


def test_filename_is_sanitised_in_row_and_key(client_for, tenant, local_evidence_storage):
    # given a name with path parts, control characters and 500 characters
    control = active_control(tenant)
    client = client_for(tenant, Role.ADMIN)
    long_name = "r" * 500 + ".csv"
    names = {
        "../../etc/passwd": "passwd",
        "evil\x00\x07\u202ename\u200b.txt": "evilname.txt",
        long_name: None,
    }
    for raw, expected in names.items():
        # when
        response = post(client, file=upload(raw, CSV_BYTES), control_id=str(control.pk))
        # then
        assert response.status_code == 201, response.content
        evidence = Evidence.objects.get(pk=response.json()["id"])
        assert "/" not in evidence.filename and "\x00" not in evidence.filename
        if expected:
            assert evidence.filename == expected
        else:
            assert len(evidence.filename) <= 200 and evidence.filename.endswith(".csv")
        assert KEY_PATTERN.match(evidence.file_key), evidence.file_key
        assert ".." not in evidence.file_key.split("/")
        assert (local_evidence_storage / evidence.file_key).is_file()


def test_storage_failure_leaves_no_row_and_no_file(client_for, tenant, local_evidence_storage, monkeypatch):
    # given a disk that fails half-way through the write
    control = active_control(tenant)
    original_save = FileSystemStorage._save

    def failing_save(self, name, content):
        saved = original_save(self, name, content)
        raise OSError("disk full")
        return saved

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    # when
    response = post(client_for(tenant, Role.ADMIN), file=upload("a.pdf", PDF_BYTES), control_id=str(control.pk))
    # then
    assert response.status_code == 503
    assert not Evidence.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_database_failure_leaves_no_row_and_no_file(tenant, local_evidence_storage, monkeypatch):
    # given a database that fails once the file is stored
    control = active_control(tenant)

    def broken_audit(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    # when / then
    with pytest.raises(DatabaseError):
        services.evidence_upload(tenant=tenant, actor=None, file=upload("a.pdf", PDF_BYTES), control_id=control.pk)
    assert not Evidence.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_large_upload_goes_through_a_temporary_file_and_is_hashed_streaming(client_for, tenant, settings):
    # given a file bigger than the in-memory limit of request parsing
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    control = active_control(tenant)
    content = b"line of evidence text\n" * 10_000
    # when
    response = post(client_for(tenant, Role.MEMBER), file=upload("big.txt", content), control_id=str(control.pk))
    # then
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert response.json()["size"] == len(content)


def test_json_body_instead_of_multipart_is_415(client_for, tenant):
    # when
    response = client_for(tenant, Role.ADMIN).post(URL, {"control_id": str(uuid.uuid4())}, format="json")
    # then
    assert response.status_code == 415
