"""The roll-up in chunks: results and evidence are the same whatever the chunk size, and nothing is half stored."""

import hashlib
import json

import pytest
from django.db import DatabaseError
from django.utils import timezone

from evidence.models import Evidence
from evidence.selectors import tenant_evidence_verify
from evidence.services import canonical_json
from frameworks.models import Framework, TenantFramework
from integrations.models import Integration
from integrations.registry import all_checks
from scans import rollup, rollup_spool
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult

pytestmark = pytest.mark.django_db

RESULT_FIELDS = (
    "status",
    "basis",
    "errored",
    "evidence_state",
    "automated_status",
    "checks_mapped",
    "checks_ran",
    "missing_integration_types",
    "checks",
    "finding",
    "sort_key",
)


@pytest.fixture
def scope(tenant, loaded_frameworks):
    frameworks = [Framework.objects.get(key=key, tenant__isnull=True) for key in ("soc2", "cis-aws")]
    for framework in frameworks:
        TenantFramework.objects.get_or_create(tenant=tenant, framework=framework)
    integration = Integration.objects.create(tenant=tenant, type="aws", name="prod")
    return frameworks, integration


def _seed_job(tenant, frameworks, integration) -> ScanJob:
    """A RUNNING job whose AWS part is done: many failures of one check, passes of another, errors of a third."""
    now = timezone.now()
    job = ScanJob.objects.create(
        tenant=tenant,
        status="running",
        started_at=now,
        integration_types=["aws"],
        framework_ids=[str(f.pk) for f in frameworks],
    )
    ScanPart.objects.create(
        tenant=tenant,
        scan_job=job,
        integration=integration,
        integration_type="aws",
        integration_name="prod",
        status="done",
    )
    failing, passing, erroring = (
        "aws.iam.root_mfa_enabled",
        "aws.s3.bucket_default_encryption",
        "aws.cloudtrail.multi_region_enabled",
    )
    rows = []
    for n in range(15):
        rows.append((failing, f"user-{n:02d}", "fail", f"no MFA on user-{n:02d}"))
        rows.append((passing, f"bucket-{n:02d}", "pass", ""))
    rows += [(erroring, "trail-a", "error", "AccessDenied"), (erroring, "trail-b", "pass", "")]
    rows += [(passing, "bucket-bad", "fail", "not encrypted — ünïcode")]
    CheckOutcome.objects.bulk_create(
        CheckOutcome(
            tenant=tenant,
            scan_job=job,
            integration=integration,
            check_id=check_id,
            resource_id=resource_id,
            resource_type="AWS::Test::Thing",
            region="us-east-1",
            status=status,
            severity="high",
            reason=reason,
            detail={"resource": resource_id, "nested": {"b": 1, "a": [1, 2]}},
        )
        for check_id, resource_id, status, reason in rows
    )
    return job


def _comparable(document: dict) -> dict:
    """The document less what differs between two jobs of the same input: the job itself and the time."""
    return {key: value for key, value in document.items() if key not in ("scan_job", "collected_at")}


def _artifacts(job, storage_root) -> dict:
    artifacts = {}
    for row in Evidence.objects.filter(scan_job=job).order_by("sequence"):
        stored = (storage_root / row.file_key).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == row.sha256 and len(stored) == row.size
        document = json.loads(stored)
        # The spliced file is exactly the canonical encoding of the whole document.
        assert canonical_json(document) == stored
        artifacts[(row.framework_key, row.control_ref)] = (row.sequence, _comparable(document))
    return artifacts


def test_chunked_roll_up_matches_one_chunk(tenant, scope, monkeypatch, local_evidence_storage):
    # given two jobs with the same outcomes, at most 2 passes listed per check
    frameworks, integration = scope
    monkeypatch.setattr(rollup_spool, "EVIDENCE_PASSING_CAP", 2)
    assert {"aws.iam.root_mfa_enabled", "aws.s3.bucket_default_encryption", "aws.cloudtrail.multi_region_enabled"} <= {
        c.id for c in all_checks("aws")
    }
    one_chunk = _seed_job(tenant, frameworks, integration)
    chunked = _seed_job(tenant, frameworks, integration)

    # when one is rolled up in a single chunk and the other 7 controls at a time
    monkeypatch.setattr(rollup, "ROLLUP_CHUNK_CONTROLS", 100_000)
    rollup.scan_finalize(scan_job_id=str(one_chunk.pk))
    monkeypatch.setattr(rollup, "ROLLUP_CHUNK_CONTROLS", 7)
    rollup.scan_finalize(scan_job_id=str(chunked.pk))

    # then both completed with the same counts and scores, and timings of the roll-up
    one_chunk.refresh_from_db()
    chunked.refresh_from_db()
    assert one_chunk.status == chunked.status == "completed"
    assert one_chunk.total_controls == chunked.total_controls > 7 * 3
    for name in ("passed_controls", "failed_controls", "errored_controls", "not_applicable_controls", "score"):
        assert getattr(one_chunk, name) == getattr(chunked, name)
    assert [{**s, "framework_id": None} for s in one_chunk.framework_scores] == [
        {**s, "framework_id": None} for s in chunked.framework_scores
    ]
    assert set(chunked.timings) >= {"rollup", "evidence"} and chunked.timings["rollup"] >= chunked.timings["evidence"]
    # and the same result per control, each pointing at its own evidence
    results = {
        job.pk: {
            r.control_id: ({f: getattr(r, f) for f in RESULT_FIELDS}, r.evidence.control_id, r.evidence_key)
            for r in ScanResult.objects.filter(scan_job=job).select_related("evidence")
        }
        for job in (one_chunk, chunked)
    }
    assert results[one_chunk.pk].keys() == results[chunked.pk].keys()
    for control_id, (fields, evidence_control, key) in results[chunked.pk].items():
        assert fields == results[one_chunk.pk][control_id][0]
        assert evidence_control == control_id and key
    # and the same evidence documents, in the same order of the chain, which stays linear and verifiable
    first, second = _artifacts(one_chunk, local_evidence_storage), _artifacts(chunked, local_evidence_storage)
    assert first.keys() == second.keys() and len(first) == chunked.total_controls
    for control, (sequence, document) in second.items():
        assert document == first[control][1]
        assert sequence == first[control][0] + len(first)
    assert tenant_evidence_verify(tenant=tenant).ok

    # and the outcome lists are whole: every failure, passes up to the cap, errors with their reason
    mfa = next(d for _, d in second.values() for c in d["checks"] if c["id"] == "aws.iam.root_mfa_enabled")
    listed = next(c for c in mfa["checks"] if c["id"] == "aws.iam.root_mfa_enabled")
    assert [o["resource_id"] for o in listed["outcomes"]] == [f"user-{n:02d}" for n in range(15)]
    assert listed["failed"] == 15 and not listed["outcomes_truncated"]
    assert "user-09: no MFA on user-09 (+5 more)" in mfa["finding"]
    buckets = next(c for _, d in second.values() for c in d["checks"] if c["id"] == "aws.s3.bucket_default_encryption")
    assert [o["status"] for o in buckets["outcomes"]] == ["fail", "pass", "pass"]
    assert buckets["outcomes_truncated"] and buckets["passed"] == 15
    assert buckets["outcomes"][0]["reason"] == "not encrypted — ünïcode"
    assert buckets["outcomes"][0]["integration_id"] == str(integration.pk)
    trail = next(
        d for _, d in second.values() if any(c["id"] == "aws.cloudtrail.multi_region_enabled" for c in d["checks"])
    )
    assert "multi_region_enabled) on aws 'prod': AccessDenied" in trail["finding"]


def test_failed_roll_up_leaves_no_results_evidence_or_files(tenant, scope, monkeypatch, local_evidence_storage):
    # given a job whose third chunk of results cannot be inserted (its evidence is stored by then)
    frameworks, integration = scope
    job = _seed_job(tenant, frameworks, integration)
    monkeypatch.setattr(rollup, "ROLLUP_CHUNK_CONTROLS", 5)
    insert = ScanResult.objects.bulk_create
    calls = []

    def failing_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise DatabaseError("connection lost")
        return insert(*args, **kwargs)

    monkeypatch.setattr(ScanResult.objects, "bulk_create", failing_third)
    # when the roll-up runs
    with pytest.raises(DatabaseError):
        rollup.scan_finalize(scan_job_id=str(job.pk))
    # then nothing of the first two chunks stays: no result, no evidence row, no file, and the job still runs
    job.refresh_from_db()
    assert job.status == "running"
    assert not ScanResult.objects.filter(scan_job=job).exists()
    assert not Evidence.objects.filter(scan_job=job).exists()
    assert not [p for p in local_evidence_storage.rglob("*") if p.is_file()]

    # when it is redelivered and succeeds
    monkeypatch.setattr(ScanResult.objects, "bulk_create", insert)
    rollup.scan_finalize(scan_job_id=str(job.pk))
    # then one result and one artifact per control, and the chain verifies
    job.refresh_from_db()
    assert job.status == "completed"
    assert ScanResult.objects.filter(scan_job=job).count() == Evidence.objects.filter(scan_job=job).count()
    assert job.total_controls == ScanResult.objects.filter(scan_job=job).count()
    assert tenant_evidence_verify(tenant=tenant).ok
