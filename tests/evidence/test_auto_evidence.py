import hashlib
import json

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, transaction
from django.utils import timezone

from complywise.models import AuditEvent
from evidence import services
from evidence.models import Evidence, EvidenceTombstone
from evidence.selectors import tenant_evidence_verify
from tests.frameworks.factories import ControlFactory, FrameworkFactory

from .conftest import stored_files
from .factories import active_control, auto_items, manual_evidence, scan_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def controls(tenant):
    framework = FrameworkFactory(key="soc2-test")
    return [active_control(tenant, framework=framework, ref=f"CC{i}.1") for i in range(1, 6)]


def test_batch_stores_one_canonical_json_artifact_per_item(tenant, controls, local_evidence_storage):
    # given an earlier manual row, so the batch continues the chain
    manual_evidence(tenant=tenant, control=controls[0])
    job = scan_job(tenant)
    items = auto_items(controls)
    collected = timezone.now()
    # when
    rows = services.evidence_store_auto_batch(tenant=tenant, scan_job=job, items=items, collected_at=collected)
    # then
    assert [r.control_id for r in rows] == [c.pk for c in controls]
    assert [r.sequence for r in rows] == [2, 3, 4, 5, 6]
    for row, item in zip(rows, items, strict=True):
        stored = (local_evidence_storage / row.file_key).read_bytes()
        assert stored == json.dumps(item.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored)
        assert row.type == "auto" and row.content_type == "application/json"
        assert row.filename == f"soc2-test-{item.control.ref}.json"
        assert row.scan_job_id == job.pk and row.collected_at == collected
        assert row.title == item.title
    assert Evidence.objects.filter(type="auto").count() == 5
    assert tenant_evidence_verify(tenant=tenant).ok


def test_batch_is_idempotent_for_a_redelivered_task(tenant, controls, local_evidence_storage):
    # given a batch already stored
    job = scan_job(tenant)
    first = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
    )
    files = stored_files(local_evidence_storage)
    # when the same batch comes again
    second = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
    )
    # then the existing rows are returned and nothing new is written
    assert [r.pk for r in second] == [r.pk for r in first]
    assert Evidence.objects.count() == 5
    assert stored_files(local_evidence_storage) == files


def test_partly_stored_batch_only_adds_the_missing_controls(tenant, controls):
    # given two controls stored by a first (interrupted) delivery
    job = scan_job(tenant)
    earlier = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls[:2]), collected_at=timezone.now()
    )
    # when the full batch arrives
    rows = services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
    )
    # then
    assert [r.pk for r in rows[:2]] == [r.pk for r in earlier]
    assert sorted(r.sequence for r in rows) == [1, 2, 3, 4, 5]
    assert Evidence.objects.count() == 5


def test_same_control_in_another_scan_gets_its_own_row(tenant, controls):
    # when two scans store the same control
    for _ in range(2):
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=auto_items(controls[:1]), collected_at=timezone.now()
        )
    # then
    assert Evidence.objects.filter(control=controls[0]).count() == 2


def test_empty_batch(tenant):
    assert (
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=[], collected_at=timezone.now()
        )
        == []
    )


def test_database_failure_removes_the_files_it_wrote(tenant, controls, local_evidence_storage, monkeypatch):
    # given a database that fails on the insert
    def broken_bulk_create(*args, **kwargs):
        raise DatabaseError("deadlock")

    monkeypatch.setattr(Evidence.objects, "bulk_create", broken_bulk_create)
    # when / then
    with pytest.raises(DatabaseError):
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=auto_items(controls), collected_at=timezone.now()
        )
    assert not Evidence.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_storage_failure_removes_the_files_already_written(tenant, controls, local_evidence_storage, monkeypatch):
    # given a disk that fails on the third file
    original_save = FileSystemStorage._save
    calls = []

    def flaky_save(self, name, content):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return original_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", flaky_save)
    # when / then
    with pytest.raises(OSError, match="disk full"):
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=auto_items(controls), collected_at=timezone.now()
        )
    assert not Evidence.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_a_few_hundred_items_in_one_batch(tenant, django_assert_max_num_queries):
    # given 300 controls
    framework = FrameworkFactory(key="big")
    controls = ControlFactory.create_batch(300, framework=framework)
    job = scan_job(tenant)
    # when
    # (SQLite caps the parameters of one INSERT, so 300 rows take a few statements; PostgreSQL takes one)
    with django_assert_max_num_queries(20):
        rows = services.evidence_store_auto_batch(
            tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
        )
    # then
    assert len(rows) == 300 and [r.sequence for r in rows] == list(range(1, 301))
    assert tenant_evidence_verify(tenant=tenant, check_files=False).ok


def test_purge_for_scan_jobs_deletes_rows_and_files_and_leaves_tombstones(
    tenant, controls, local_evidence_storage, django_capture_on_commit_callbacks, monkeypatch
):
    # given two purged scans (in batches of 2), one kept scan and a manual item
    monkeypatch.setattr(services, "PURGE_BATCH", 2)
    old_jobs = [scan_job(tenant), scan_job(tenant)]
    kept_job = scan_job(tenant)
    for job in [*old_jobs, kept_job]:
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=job, items=auto_items(controls[:3]), collected_at=timezone.now()
        )
    manual = manual_evidence(tenant=tenant, control=controls[0])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = services.evidence_purge_for_scan_jobs(
            tenant=tenant, scan_job_ids=[j.pk for j in old_jobs], reason="retention period expired"
        )
    # then
    assert count == 6
    assert set(Evidence.objects.values_list("scan_job_id", flat=True)) == {kept_job.pk, None}
    tombstones = EvidenceTombstone.objects.for_tenant(tenant).order_by("sequence")
    assert [t.sequence for t in tombstones] == [1, 2, 3, 4, 5, 6]
    assert {t.reason for t in tombstones} == {"retention period expired"}
    assert {t.scan_job_id for t in tombstones} == {j.pk for j in old_jobs}
    assert len(stored_files(local_evidence_storage)) == 4
    assert (local_evidence_storage / manual.file_key).exists()
    assert AuditEvent.objects.get(tenant=tenant, action="evidence.purged").data["count"] == 6
    assert tenant_evidence_verify(tenant=tenant).ok
    # and the scan jobs can now go
    for job in old_jobs:
        job.delete()


def test_purge_is_scoped_to_the_tenant(tenant, other_tenant):
    # given another tenant's scan evidence
    control = active_control(other_tenant)
    job = scan_job(other_tenant)
    services.evidence_store_auto_batch(
        tenant=other_tenant, scan_job=job, items=auto_items([control]), collected_at=timezone.now()
    )
    # when this tenant purges that job id
    count = services.evidence_purge_for_scan_jobs(tenant=tenant, scan_job_ids=[job.pk], reason="retention")
    # then nothing happens
    assert count == 0 and Evidence.objects.count() == 1


def test_purge_rolled_back_keeps_files(tenant, controls, local_evidence_storage, django_capture_on_commit_callbacks):
    # given
    job = scan_job(tenant)
    services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls[:2]), collected_at=timezone.now()
    )
    # when the caller's transaction rolls back after the purge
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.evidence_purge_for_scan_jobs(tenant=tenant, scan_job_ids=[job.pk], reason="retention")
        raise RuntimeError("scan deletion failed")
    # then rows and files are all still there
    assert Evidence.objects.count() == 2
    assert len(stored_files(local_evidence_storage)) == 2
    assert tenant_evidence_verify(tenant=tenant).ok


def test_a_control_repeated_in_one_batch_gets_one_row(tenant, controls):
    # when
    rows = services.evidence_store_auto_batch(
        tenant=tenant,
        scan_job=scan_job(tenant),
        items=auto_items([controls[0], controls[0]]),
        collected_at=timezone.now(),
    )
    # then
    assert rows[0].pk == rows[1].pk and Evidence.objects.count() == 1


def test_an_item_whose_framework_is_not_the_controls_is_refused(tenant, controls):
    # given
    (item,) = auto_items(controls[:1])
    wrong = services.AutoEvidenceItem(
        control=item.control, framework=FrameworkFactory(), title=item.title, document=item.document
    )
    # when / then
    with pytest.raises(ValueError, match="not a control of framework"):
        services.evidence_store_auto_batch(
            tenant=tenant, scan_job=scan_job(tenant), items=[wrong], collected_at=timezone.now()
        )
