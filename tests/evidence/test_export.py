import csv
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from complywise.choices import Role
from evidence import exports, services
from evidence.models import Evidence, EvidenceExport
from evidence.tasks import evidence_export_build_task
from scans.models import ScanResult
from tests.frameworks.factories import ControlFactory, FrameworkFactory

from .factories import CSV_BYTES, PDF_BYTES, active_control, auto_items, manual_evidence, scan_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenant):
    """A framework with three controls: evidence inside and outside the window, and scan results."""
    framework = FrameworkFactory(key="soc2-test", name="SOC 2 test")
    cc61 = active_control(tenant, framework=framework, ref="CC6.1", title="Logical access security")
    cc62 = active_control(tenant, framework=framework, ref="CC6.2", title="User registration")
    cc71 = active_control(tenant, framework=framework, ref="CC7.1", title="Detection of changes")
    now = timezone.now()
    inside_pdf = manual_evidence(tenant=tenant, control=cc61, name="access review.pdf", content=PDF_BYTES)
    inside_csv = manual_evidence(
        tenant=tenant, control=cc62, name="users.csv", content=CSV_BYTES, title="=HYPERLINK(evil)"
    )
    outside = manual_evidence(
        tenant=tenant, control=cc61, name="old.pdf", content=PDF_BYTES, collected_at=now - timedelta(days=400)
    )
    old_job, job = scan_job(tenant), scan_job(tenant)
    (auto_61, auto_62) = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items([cc61, cc62]), collected_at=now
    )
    for status, scan in (("fail", old_job), ("pass", job)):
        ScanResult.objects.create(tenant=tenant, scan_job=scan, framework=framework, control=cc61, status=status)
    ScanResult.objects.filter(scan_job=old_job).update(created_at=now - timedelta(days=1))
    return {
        "framework": framework,
        "controls": (cc61, cc62, cc71),
        "inside": [inside_pdf, inside_csv, auto_61, auto_62],
        "outside": outside,
        "job": job,
        "now": now,
    }


def request_export(client, framework, django_capture_on_commit_callbacks, **window):
    body = {"framework_id": str(framework.pk), **{k: v.isoformat() for k, v in window.items()}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/evidence/export", body, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def test_auditor_exports_a_framework_end_to_end(client_for, tenant, setup, django_capture_on_commit_callbacks):
    # given an auditor
    auditor = client_for(tenant, Role.AUDITOR)
    # when they export the last 30 days
    accepted = request_export(
        auditor, setup["framework"], django_capture_on_commit_callbacks, period_start=setup["now"] - timedelta(days=30)
    )
    # then the export was queued, and (the task having run) is completed
    assert accepted["status"] == "queued" and accepted["download_url"] is None
    detail = auditor.get(f"/api/evidence/exports/{accepted['id']}").json()
    assert detail["status"] == "completed", detail
    assert detail["file_count"] == 4 and detail["error"] == ""
    assert detail["download_url"] == f"http://testserver/api/evidence/exports/{accepted['id']}/download"
    response = auditor.get(f"/api/evidence/exports/{accepted['id']}/download")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/zip"
    assert "attachment; " in response["Content-Disposition"] and ".zip" in response["Content-Disposition"]
    assert hashlib.sha256(data).hexdigest() == detail["sha256"] and len(data) == detail["size"]

    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    # one folder per control with evidence; the old evidence is outside the window
    paths = sorted(f["path"] for f in manifest["files"])
    assert len(paths) == 4
    assert {p.split("/")[0] for p in paths} == {"CC6.1-logical-access-security", "CC6.2-user-registration"}
    assert str(setup["outside"].pk) not in {f["evidence_id"] for f in manifest["files"]}
    # every file in the manifest is in the ZIP with the recorded hash and size
    for entry in manifest["files"]:
        content = archive.read(entry["path"])
        row = Evidence.objects.get(pk=entry["evidence_id"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] == row.sha256
        assert len(content) == entry["size"] == row.size
        assert entry["verified"] is True
    assert manifest["framework"]["key"] == "soc2-test"
    assert manifest["window"]["start"] is not None and manifest["window"]["end"] is None
    assert manifest["generated_at"]
    # each control's latest scan verdict in the window
    by_ref = {c["ref"]: c for c in manifest["controls"]}
    assert by_ref["CC6.1"]["latest_scan_result"]["status"] == "pass"
    assert by_ref["CC6.1"]["latest_scan_result"]["scan_job_id"] == str(setup["job"].pk)
    assert by_ref["CC6.2"]["latest_scan_result"] is None
    assert by_ref["CC7.1"]["evidence_count"] == 0 and by_ref["CC7.1"]["folder"] is None
    assert by_ref["CC6.1"]["evidence_count"] == 2
    # the CSV index lists the same files, with formulas defused
    rows = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8"))))
    assert sorted(r["path"] for r in rows) == paths
    assert {r["sha256"] for r in rows} == {f["sha256"] for f in manifest["files"]}
    assert "'=HYPERLINK(evil)" in {r["title"] for r in rows}


def test_window_end_excludes_newer_evidence_and_results(
    client_for, tenant, setup, django_capture_on_commit_callbacks, local_evidence_storage
):
    # given a window that ended two hours ago: before every "inside" item and the latest scan
    end = setup["now"] - timedelta(hours=2)
    Evidence.objects.filter(pk=setup["outside"].pk).update(collected_at=end - timedelta(hours=1))
    # when
    accepted = request_export(
        client_for(tenant, Role.VIEWER), setup["framework"], django_capture_on_commit_callbacks, period_end=end
    )
    # then only the older file is in it, and the older (failing) verdict
    export = EvidenceExport.objects.get(pk=accepted["id"])
    assert export.status == "completed" and export.file_count == 1
    manifest = json.loads(zipfile.ZipFile(local_evidence_storage / export.file_key).read("manifest.json"))
    assert [f["evidence_id"] for f in manifest["files"]] == [str(setup["outside"].pk)]
    cc61 = next(c for c in manifest["controls"] if c["ref"] == "CC6.1")
    assert cc61["latest_scan_result"]["status"] == "fail"


def test_the_task_is_idempotent(client_for, tenant, setup, django_capture_on_commit_callbacks):
    # given a completed export
    accepted = request_export(client_for(tenant, Role.ADMIN), setup["framework"], django_capture_on_commit_callbacks)
    before = EvidenceExport.objects.get(pk=accepted["id"])
    # when the task is delivered again
    evidence_export_build_task(accepted["id"])
    evidence_export_build_task("not-a-uuid")
    # then nothing changes
    after = EvidenceExport.objects.get(pk=accepted["id"])
    assert (after.file_key, after.sha256, after.completed_at) == (before.file_key, before.sha256, before.completed_at)


def test_tampered_file_is_flagged_in_the_manifest(tenant, setup, local_evidence_storage):
    # given one file overwritten in storage
    victim = setup["inside"][0]
    (local_evidence_storage / victim.file_key).write_bytes(b"%PDF-forged")
    export = EvidenceExport.objects.create(tenant=tenant, framework=setup["framework"])
    # when
    exports.evidence_export_build(export_id=str(export.pk))
    # then
    export.refresh_from_db()
    manifest = json.loads(zipfile.ZipFile(local_evidence_storage / export.file_key).read("manifest.json"))
    entry = next(f for f in manifest["files"] if f["evidence_id"] == str(victim.pk))
    assert entry["verified"] is False and entry["sha256_actual"] != entry["sha256"]
    assert manifest["totals"]["not_verified"] == 1


def test_storage_failure_marks_the_export_failed(tenant, setup, monkeypatch, local_evidence_storage):
    # given a storage that cannot take the bundle
    def failing_save(self, name, content):
        raise OSError("bucket unavailable")

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    export = EvidenceExport.objects.create(tenant=tenant, framework=setup["framework"])
    # when
    exports.evidence_export_build(export_id=str(export.pk))
    # then
    export.refresh_from_db()
    assert export.status == "failed" and "bucket unavailable" in export.error
    assert not list((local_evidence_storage / f"tenants/{tenant.pk}/exports").glob("**/*.zip"))


def test_download_before_completion_is_409(client_for, tenant, setup):
    # given a queued export
    export = EvidenceExport.objects.create(tenant=tenant, framework=setup["framework"])
    # when
    response = client_for(tenant, Role.AUDITOR).get(f"/api/evidence/exports/{export.pk}/download")
    # then
    assert response.status_code == 409


@pytest.mark.parametrize("case", ["other_tenants_framework", "missing", "bad_window", "no_framework"])
def test_export_bad_input_is_400(client_for, tenant, other_tenant, case):
    # given
    body = {
        "other_tenants_framework": lambda: {"framework_id": str(FrameworkFactory(tenant=other_tenant).pk)},
        "missing": lambda: {"framework_id": "7f1d3c39-5d0a-4e59-a31f-6b9b1a4b6c11"},
        "bad_window": lambda: {
            "framework_id": str(FrameworkFactory().pk),
            "period_start": "2026-02-01T00:00:00Z",
            "period_end": "2026-01-01T00:00:00Z",
        },
        "no_framework": lambda: {},
    }[case]()
    # when
    response = client_for(tenant, Role.AUDITOR).post("/api/evidence/export", body, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) <= {"framework_id", "period_end"}
    assert not EvidenceExport.objects.exists()


def test_own_custom_framework_can_be_exported(client_for, tenant, django_capture_on_commit_callbacks):
    # given
    framework = FrameworkFactory(tenant=tenant, source="custom")
    manual_evidence(tenant=tenant, control=ControlFactory(framework=framework, ref="P-1"))
    # when
    accepted = request_export(client_for(tenant, Role.MEMBER), framework, django_capture_on_commit_callbacks)
    # then
    assert EvidenceExport.objects.get(pk=accepted["id"]).file_count == 1


def test_exports_list_is_scoped(client_for, tenant, other_tenant, setup):
    # given
    mine = EvidenceExport.objects.create(tenant=tenant, framework=setup["framework"])
    EvidenceExport.objects.create(tenant=other_tenant, framework=setup["framework"])
    # when
    results = client_for(tenant, Role.AUDITOR).get("/api/evidence/exports").json()["results"]
    # then
    assert [r["id"] for r in results] == [str(mine.pk)]


def test_a_document_uploaded_once_for_two_frameworks_is_in_both_bundles(
    client_for, tenant, django_capture_on_commit_callbacks
):
    # given an access policy filed under SOC 2 CC6.1 and linked to ISO 27001 5.15 and 5.18
    soc2 = FrameworkFactory(key="soc2-x", name="SOC 2")
    iso = FrameworkFactory(key="iso-x", name="ISO 27001")
    cc61 = active_control(tenant, framework=soc2, ref="CC6.1", title="Logical access security")
    a515 = active_control(tenant, framework=iso, ref="5.15", title="Access control")
    a518 = active_control(tenant, framework=iso, ref="5.18", title="Access rights")
    policy = manual_evidence(
        tenant=tenant, control=cc61, name="access-policy.pdf", content=PDF_BYTES, control_ids=[a518.pk, a515.pk]
    )
    auditor = client_for(tenant, Role.AUDITOR)
    # when the auditor exports ISO 27001
    accepted = request_export(auditor, iso, django_capture_on_commit_callbacks)
    data = b"".join(auditor.get(f"/api/evidence/exports/{accepted['id']}/download").streaming_content)
    # then the policy is in the ISO bundle, under the first ISO control it supports, naming where it was filed
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    (entry,) = manifest["files"]
    assert entry["evidence_id"] == str(policy.pk)
    assert entry["control_ref"] == "5.15" and entry["path"].startswith("5.15-access-control/")
    assert entry["supports"] == ["5.15", "5.18"] and entry["filed_under"] == "soc2-x CC6.1"
    assert entry["verified"] is True
    # and it stays in the SOC 2 bundle under its own control
    accepted = request_export(auditor, soc2, django_capture_on_commit_callbacks)
    data = b"".join(auditor.get(f"/api/evidence/exports/{accepted['id']}/download").streaming_content)
    (entry,) = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["files"]
    assert (entry["control_ref"], entry["supports"]) == ("CC6.1", ["CC6.1"])
