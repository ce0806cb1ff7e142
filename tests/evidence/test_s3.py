"""The production storage path against a real S3 API (a moto server): SSE, presigned downloads, tampering."""

import hashlib
import io
import json
import urllib.request
import zipfile
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from complywise.choices import Role
from evidence import services
from evidence.models import Evidence
from evidence.selectors import orphan_files

from .conftest import BUCKET
from .factories import PDF_BYTES, active_control, auto_items, manual_evidence, scan_job, upload

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[bytes, dict]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), dict(response.headers)


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_download_verify_and_tamper_on_s3(s3, client_for, tenant):
    # given a member uploading a PDF
    control = active_control(tenant)
    response = client_for(tenant, Role.MEMBER).post(
        "/api/evidence/upload",
        {"file": upload("Prüfbericht.pdf", PDF_BYTES, "text/plain"), "control_id": str(control.pk)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(pk=response.json()["id"])
    # then the object exists, encrypted at rest, with the sniffed type
    head = s3.head_object(Bucket=BUCKET, Key=evidence.file_key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(PDF_BYTES)
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()

    # when an auditor downloads it: a redirect to a short-lived presigned URL
    auditor = client_for(tenant, Role.AUDITOR)
    download = auditor.get(f"/api/evidence/{evidence.pk}/download")
    assert download.status_code == 302
    location = download["Location"]
    query = parse_qs(urlparse(location).query)
    assert "X-Amz-Signature" in query and int(query["X-Amz-Expires"][0]) <= 300
    assert download["X-Content-Type-Options"] == "nosniff"
    body, headers = fetch(location)
    assert body == PDF_BYTES
    assert "filename*=UTF-8''Pr%C3%BCfbericht.pdf" in headers["Content-Disposition"]

    # and verification passes
    assert auditor.post(f"/api/evidence/{evidence.pk}/verify").json()["ok"] is True

    # when the object is overwritten in the bucket
    s3.put_object(Bucket=BUCKET, Key=evidence.file_key, Body=b"%PDF-1.4 forged")
    # then the API and the command both notice
    result = auditor.post(f"/api/evidence/{evidence.pk}/verify").json()
    assert result["ok"] is False and result["chain_ok"] is True
    assert result["sha256_actual"] == hashlib.sha256(b"%PDF-1.4 forged").hexdigest()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", stdout=out)
    assert f"evidence {evidence.pk}" in out.getvalue()


def test_deleted_object_is_reported_missing(s3, client_for, tenant):
    # given
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    s3.delete_object(Bucket=BUCKET, Key=evidence.file_key)
    # when
    result = client_for(tenant, Role.VIEWER).post(f"/api/evidence/{evidence.pk}/verify").json()
    # then
    assert result["ok"] is False and "missing" in result["detail"]


def test_auto_batch_and_purge_on_s3(s3, tenant, django_capture_on_commit_callbacks):
    # given auto evidence of a scan
    controls = [active_control(tenant) for _ in range(4)]
    job = scan_job(tenant)
    rows = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
    )
    assert sorted(keys(s3)) == sorted(r.file_key for r in rows)
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=rows[0].file_key)["Body"].read())["status"] == "pass"
    # when the scan is purged
    with django_capture_on_commit_callbacks(execute=True):
        count = services.evidence_purge_for_scan_jobs(tenant=tenant, scan_job_ids=[job.pk], reason="retention")
    # then
    assert count == 4 and keys(s3) == []


def test_export_on_s3(s3, client_for, tenant, django_capture_on_commit_callbacks):
    # given
    control = active_control(tenant)
    evidence = manual_evidence(tenant=tenant, control=control, name="a.pdf", content=PDF_BYTES)
    auditor = client_for(tenant, Role.AUDITOR)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        accepted = auditor.post("/api/evidence/export", {"framework_id": str(control.framework_id)}, format="json")
    detail = auditor.get(f"/api/evidence/exports/{accepted.json()['id']}").json()
    download = auditor.get(f"/api/evidence/exports/{detail['id']}/download")
    # then
    assert detail["status"] == "completed", detail
    assert download.status_code == 302
    data, _ = fetch(download["Location"])
    assert hashlib.sha256(data).hexdigest() == detail["sha256"]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["files"][0]["evidence_id"] == str(evidence.pk) and manifest["files"][0]["verified"] is True


def test_bucket_unavailable_is_503_and_leaves_nothing(s3, client_for, tenant):
    # given the bucket is gone
    s3.delete_bucket(Bucket=BUCKET)
    control = active_control(tenant)
    # when
    response = client_for(tenant, Role.ADMIN).post(
        "/api/evidence/upload", {"file": upload(), "control_id": str(control.pk)}, format="multipart"
    )
    # then
    assert response.status_code == 503
    assert not Evidence.objects.exists()


def test_orphan_listing_on_s3(s3, tenant):
    # given one row and one stray object
    evidence = manual_evidence(tenant=tenant, control=active_control(tenant))
    stray = f"tenants/{tenant.pk}/evidence/2026/01/x/stray.txt"
    s3.put_object(Bucket=BUCKET, Key=stray, Body=b"x")
    # when
    orphans = orphan_files(tenant=tenant)
    # then
    assert orphans == [stray]
    assert evidence.file_key in keys(s3)
