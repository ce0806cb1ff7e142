"""The results and outcomes pages are built from plain rows; they must say exactly what the serializers say."""

from __future__ import annotations

import json

import pytest

from scans.api.serializers import (
    OUTCOME_PAGE_FIELDS,
    RESULT_PAGE_FIELDS,
    CheckOutcomeSerializer,
    ScanResultSerializer,
    outcome_page_row,
    result_page_row,
)
from scans.models import CheckOutcome, ScanJob
from scans.selectors import scan_outcomes, scan_results

pytestmark = pytest.mark.django_db


def _as_json(data) -> object:
    # What reaches the client: UUIDs and the like as the JSON renderer writes them.
    return json.loads(json.dumps(data, default=str))


def test_page_rows_equal_the_serializers_field_for_field(aws_integration, open_ssh_group, run_scan, admin_client):
    # given a real scan of a moto account (failing and passing checks, evidence filed, details) and one outcome
    # whose integration has since been deleted
    scan = run_scan(admin_client)
    assert scan["status"] == "completed", scan
    job = ScanJob.objects.get(pk=scan["id"])
    orphan = CheckOutcome.objects.filter(scan_job=job).order_by("check_id").first()
    CheckOutcome.objects.filter(pk=orphan.pk).update(integration=None)
    outcomes = scan_outcomes(scan_job=job)
    results = scan_results(scan_job=job)
    assert outcomes.filter(status="fail").exists() and results.filter(evidence__isnull=False).exists()

    # when every outcome and result is represented both ways
    by_serializer = {
        "outcomes": [_as_json(CheckOutcomeSerializer(o).data) for o in outcomes],
        "results": [_as_json(ScanResultSerializer(r).data) for r in results],
    }
    by_rows = {
        "outcomes": [_as_json(outcome_page_row(row)) for row in outcomes.values(*OUTCOME_PAGE_FIELDS)],
        "results": [_as_json(result_page_row(row)) for row in results.values(*RESULT_PAGE_FIELDS)],
    }
    pages = {
        kind: admin_client.get(f"/api/scans/{job.pk}/{kind}?limit=1000").json()["results"]
        for kind in ("outcomes", "results")
    }

    # then they agree on every field, keys in the same order, and the API pages say the same
    for kind in ("outcomes", "results"):
        assert len(by_rows[kind]) > 20
        for row, expected in zip(by_rows[kind], by_serializer[kind], strict=True):
            assert list(row.items()) == list(expected.items())
        assert pages[kind] == by_serializer[kind]
    assert any(row["integration_id"] is None for row in pages["outcomes"])
    assert any(c["remediation"] for r in pages["results"] for c in r["checks"])
