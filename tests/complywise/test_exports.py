"""Whole-set CSV / JSON downloads (complywise.exports) of the API's lists: scan outcomes, evidence, scan results,
the live posture and the Statement of Applicability (the audit log's are in test_audit_log.py).

Each download is the whole filtered set (more rows than one page), named, tenant-scoped, readable by a viewer,
with formula-like cells neutralised in CSV and kept raw in JSON; a bad filter is a JSON 400, never a file.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from evidence import services as evidence_services
from frameworks.models import ControlApplicability, TenantFramework
from integrations.models import Integration
from integrations.registry import get_check
from scans.models import CheckOutcome, ScanResult
from tests.evidence.factories import active_control, auto_items, manual_evidence
from tests.factories import UserFactory
from tests.frameworks.factories import ControlFactory, FrameworkFactory
from tests.web.factories import completed_scan, custom_framework, scan_job

pytestmark = pytest.mark.django_db

PAGE = 50  # REST_FRAMEWORK["PAGE_SIZE"]: every "whole set" below is larger
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)"]
CHECK_ID = "aws.iam.root_mfa_enabled"


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def rows_of(response, fmt: str) -> list[dict]:
    data = body(response)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode())))
    return json.loads(data)


def assert_is_json_error(response, field: str) -> None:
    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert field in response.json()


# --- scan outcomes ---------------------------------------------------------------------------------------


def outcome(tenant, job, n: int, **fields) -> CheckOutcome:
    values = {
        "check_id": CHECK_ID,
        "resource_id": f"res-{n:04d}",
        "resource_type": "AWS::IAM::User",
        "region": "us-east-1",
        "status": "fail",
        "severity": "high",
        "reason": f"reason {n}",
        "detail": {"n": n},
        **fields,
    }
    return CheckOutcome(tenant=tenant, scan_job=job, **values)


@pytest.fixture
def outcomes_world(tenant):
    """One scan of ``tenant`` with 70 failing outcomes on one integration and 5 passing ones elsewhere."""
    prod = Integration.objects.create(tenant=tenant, type="aws", name="prod")
    staging = Integration.objects.create(tenant=tenant, type="aws", name="staging")
    job = scan_job(tenant)
    CheckOutcome.objects.bulk_create(
        [outcome(tenant, job, n, integration=prod) for n in range(70)]
        + [
            outcome(tenant, job, 100 + n, integration=staging, status="pass", region="eu-west-1", reason="")
            for n in range(5)
        ]
    )
    return job, prod, staging


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_outcomes_download_is_every_filtered_row_past_one_page_with_a_filename(client_for, tenant, outcomes_world, fmt):
    # given more failing outcomes than one page, and a viewer (the lowest role)
    job, prod, _ = outcomes_world
    client = client_for(tenant, Role.VIEWER)
    # when
    response = client.get(f"/api/scans/{job.pk}/outcomes", {"format": fmt, "status": "fail"})
    # then the file is named after the scan and holds every failing outcome, in the list's order
    assert response["Content-Disposition"] == f'attachment; filename="scan-{job.pk}-outcomes.{fmt}"'
    assert response["Cache-Control"] == "no-store"
    rows = rows_of(response, fmt)
    assert len(rows) == 70 > PAGE
    assert [row["resource_id"] for row in rows] == [f"res-{n:04d}" for n in range(70)]
    first = rows[0]
    assert first["check_id"] == CHECK_ID
    assert first["check_title"] == get_check(CHECK_ID).title
    assert (first["status"], first["severity"]) == ("fail", "high")
    assert (first["integration_type"], first["integration_name"]) == ("aws", "prod")
    assert str(first["integration_id"]) == str(prod.pk)
    assert (first["resource_type"], first["region"], first["reason"]) == ("AWS::IAM::User", "us-east-1", "reason 0")
    detail = first["detail"] if fmt == "json" else json.loads(first["detail"])
    assert detail == {"n": 0}


def test_outcomes_download_applies_every_filter_of_the_list(admin_client, outcomes_world):
    # given
    job, prod, staging = outcomes_world
    CheckOutcome.objects.bulk_create([outcome(job.tenant, job, 200, check_id="aws.s3.other", integration=prod)])

    def resources(**query):
        response = admin_client.get(f"/api/scans/{job.pk}/outcomes", {"format": "csv", **query})
        return [row["resource_id"] for row in rows_of(response, "csv")]

    # when / then each filter narrows the file exactly as it narrows the list
    assert resources(region="eu-west-1") == [f"res-{100 + n:04d}" for n in range(5)]
    assert resources(integration_id=str(staging.pk)) == [f"res-{100 + n:04d}" for n in range(5)]
    assert resources(check_id="aws.s3.other") == ["res-0200"]
    assert resources(resource="res-006") == [f"res-006{n}" for n in range(10)]
    assert len(resources()) == 76


def test_outcome_cells_a_spreadsheet_would_run_are_quoted_in_csv_and_raw_in_json(admin_client, tenant):
    # given reasons an attacker could influence (a resource name, an error message)
    job = scan_job(tenant)
    CheckOutcome.objects.bulk_create(
        [outcome(tenant, job, n, reason=payload, resource_id=payload) for n, payload in enumerate(FORMULAS)]
    )
    url = f"/api/scans/{job.pk}/outcomes"
    # when
    as_csv = rows_of(admin_client.get(url, {"format": "csv"}), "csv")
    as_json = rows_of(admin_client.get(url, {"format": "json"}), "json")
    # then
    assert sorted(row["reason"] for row in as_csv) == sorted("'" + payload for payload in FORMULAS)
    assert sorted(row["resource_id"] for row in as_csv) == sorted("'" + payload for payload in FORMULAS)
    assert sorted(row["reason"] for row in as_json) == sorted(FORMULAS)


def test_outcomes_of_another_tenant_never_appear(admin_client, client_for, tenant, other_tenant, outcomes_world):
    # given another tenant's scan, and a row of that tenant that (wrongly) points at our scan
    job, _, _ = outcomes_world
    theirs = scan_job(other_tenant)
    CheckOutcome.objects.bulk_create(
        [outcome(other_tenant, theirs, 1, reason="theirs"), outcome(other_tenant, job, 2, reason="theirs")]
    )
    # when
    rows = rows_of(admin_client.get(f"/api/scans/{job.pk}/outcomes", {"format": "json"}), "json")
    foreign = admin_client.get(f"/api/scans/{theirs.pk}/outcomes", {"format": "csv"})
    # then
    assert len(rows) == 75
    assert all(row["reason"] != "theirs" for row in rows)
    assert foreign.status_code == 404
    assert not foreign.streaming
    assert client_for(other_tenant).get(f"/api/scans/{job.pk}/outcomes", {"format": "csv"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"), [({"status": "broken"}, "status"), ({"integration_id": "x"}, "integration_id")]
)
def test_a_bad_outcome_filter_is_a_json_400_not_a_file(admin_client, outcomes_world, query, field):
    # given
    job, _, _ = outcomes_world
    # when
    response = admin_client.get(f"/api/scans/{job.pk}/outcomes", {"format": "csv", **query})
    # then
    assert_is_json_error(response, field)


def test_outcome_list_pages_are_unchanged_by_the_export(admin_client, outcomes_world):
    # given
    job, _, _ = outcomes_world
    # when
    page = admin_client.get(f"/api/scans/{job.pk}/outcomes", {"status": "fail"}).json()
    # then
    assert page["count"] == 70
    assert len(page["results"]) == PAGE


# --- evidence ----------------------------------------------------------------------------------------------


@pytest.fixture
def auto_evidence(tenant):
    """60 scan artifacts of one scan (one per control) and the scan."""
    framework = FrameworkFactory()
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    controls = ControlFactory.create_batch(60, framework=framework)
    job = scan_job(tenant)
    rows = evidence_services.evidence_store_auto_batch(
        tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now()
    )
    return job, rows


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_evidence_download_is_every_filtered_row_past_one_page_with_a_filename(client_for, tenant, auto_evidence, fmt):
    # given more scan artifacts than one page, a manual document the filter leaves out, and a viewer
    job, artifacts = auto_evidence
    manual_evidence(tenant=tenant, control=active_control(tenant))
    client = client_for(tenant, Role.VIEWER)
    # when
    response = client.get("/api/evidence", {"format": fmt, "scan_job_id": str(job.pk)})
    # then
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="evidence-acme-') and disposition.endswith(f'.{fmt}"')
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else "application/json")
    rows = rows_of(response, fmt)
    assert len(rows) == 60 > PAGE
    assert {row["id"] for row in rows} == {str(row.pk) for row in artifacts}
    assert {row["type"] for row in rows} == {"auto"}
    # newest first, as the list: the chain position falls down the file
    sequences = [int(row["sequence"]) for row in rows]
    assert sequences == sorted(sequences, reverse=True)
    artifact = next(row for row in rows if row["id"] == str(artifacts[0].pk))
    assert artifact["control_ref"] == artifacts[0].control_ref
    expected_refs = [f"{artifacts[0].framework_key}:{artifacts[0].control_ref}"]
    assert (json.loads(artifact["control_refs"]) if fmt == "csv" else artifact["control_refs"]) == expected_refs
    assert artifact["sha256"] == artifacts[0].sha256
    assert artifact["freshness"] in ("", None)  # auto artifacts never stand in for a document


def test_evidence_download_has_the_register_columns_of_a_linked_document(admin_client, tenant):
    # given a document filed under one control, linked to a second one in another framework, expiring soon
    alice = UserFactory(email="alice@acme.io", username="alice@acme.io")
    primary, linked = active_control(tenant, ref="CC6.1"), active_control(tenant, ref="A.5.15")
    expires = timezone.now() + timedelta(days=10)
    document = manual_evidence(
        tenant=tenant, control=primary, actor=alice, title="Access review", expires_at=expires, control_ids=[linked.pk]
    )
    # when
    (row,) = rows_of(admin_client.get("/api/evidence", {"format": "json"}), "json")
    # then
    assert row["id"] == str(document.pk)
    assert (row["type"], row["title"], row["filename"]) == ("manual", "Access review", document.filename)
    assert (row["framework_key"], row["control_ref"]) == (primary.framework.key, "CC6.1")
    assert row["control_refs"] == [f"{primary.framework.key}:CC6.1", f"{linked.framework.key}:A.5.15"]
    assert row["control_ids"] == [str(primary.pk), str(linked.pk)]
    assert (row["sha256"], row["size"], row["sequence"]) == (document.sha256, document.size, document.sequence)
    assert row["chain_hash"] == document.chain_hash
    assert row["uploaded_by"] == "alice@acme.io"
    assert row["freshness"] == "expiring"
    assert row["valid_until"] == row["expires_at"] and row["expires_at"] is not None


def test_evidence_download_applies_the_list_filters(admin_client, tenant, auto_evidence):
    # given documents on two controls, one of them older
    job, _ = auto_evidence
    control_a, control_b = active_control(tenant), active_control(tenant)
    old = manual_evidence(tenant=tenant, control=control_a, title="old")
    manual_evidence(tenant=tenant, control=control_b, title="other", control_ids=[control_a.pk])
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    week_ago = (timezone.now() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def titles(**query):
        return sorted(
            row["title"] for row in rows_of(admin_client.get("/api/evidence", {"format": "csv", **query}), "csv")
        )

    # when / then
    assert titles(type="manual") == ["old", "other"]
    assert titles(control_id=str(control_a.pk)) == ["old", "other"]
    assert titles(framework_id=str(control_b.framework_id)) == ["other"]
    assert titles(type="manual", created_before=week_ago) == ["old"]
    assert len(titles(scan_job_id=str(job.pk))) == 60
    assert len(titles()) == 62


def test_evidence_cells_a_spreadsheet_would_run_are_quoted_in_csv_and_raw_in_json(admin_client, tenant):
    # given titles chosen by whoever uploads
    control = active_control(tenant)
    for payload in FORMULAS:
        manual_evidence(tenant=tenant, control=control, title=payload)
    # when
    as_csv = rows_of(admin_client.get("/api/evidence", {"format": "csv"}), "csv")
    as_json = rows_of(admin_client.get("/api/evidence", {"format": "json"}), "json")
    # then
    assert sorted(row["title"] for row in as_csv) == sorted("'" + payload for payload in FORMULAS)
    assert sorted(row["title"] for row in as_json) == sorted(FORMULAS)


def test_evidence_of_another_tenant_never_appears(client_for, tenant, other_tenant):
    # given the same (global) control documented by both tenants
    control = active_control(tenant)
    TenantFramework.objects.get_or_create(tenant=other_tenant, framework=control.framework)
    mine = manual_evidence(tenant=tenant, control=control, title="mine")
    manual_evidence(tenant=other_tenant, control=control, title="theirs")
    # when
    for fmt in ("csv", "json"):
        rows = rows_of(client_for(tenant, Role.VIEWER).get("/api/evidence", {"format": fmt}), fmt)
        # then
        assert [row["id"] for row in rows] == [str(mine.pk)]


def test_a_bad_evidence_filter_is_a_json_400_not_a_file(admin_client):
    # when
    response = admin_client.get("/api/evidence", {"format": "csv", "control_id": "nope", "type": "other"})
    # then
    assert_is_json_error(response, "control_id")
    assert "type" in response.json()


def test_an_evidence_file_download_still_answers_with_the_file(admin_client, tenant):
    # given (the list's ?format= must not reach the file download's own negotiation)
    document = manual_evidence(tenant=tenant, control=active_control(tenant), content=b"the file\n")
    # when
    response = admin_client.get(f"/api/evidence/{document.pk}/download", HTTP_ACCEPT="application/pdf")
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"the file\n"


def _documents(tenant, count: int) -> None:
    # Half documents linked to two controls in two frameworks, half scan artifacts: every prefetch has rows.
    primary, linked = active_control(tenant), active_control(tenant)
    for n in range(count // 2):
        manual_evidence(tenant=tenant, control=primary, title=f"doc {n}", control_ids=[linked.pk])
    framework = FrameworkFactory()
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    evidence_services.evidence_store_auto_batch(
        tenant=tenant,
        scan_job=scan_job(tenant),
        items=auto_items(ControlFactory.create_batch(count - count // 2, framework=framework)),
        collected_at=timezone.now(),
    )


def _export_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = rows_of(client.get("/api/evidence", {"format": "csv"}), "csv")
    return len(rows), len(queries)


def test_evidence_download_queries_do_not_grow_with_the_rows(client_for, tenant, other_tenant):
    # given two tenants with 10 and 200 items, each half linked documents, half artifacts
    _documents(tenant, 10)
    _documents(other_tenant, 200)
    few, many = client_for(tenant), client_for(other_tenant)
    # when (each client once before, so that first-use lookups are not counted)
    rows_of(few.get("/api/evidence", {"format": "csv"}), "csv")
    rows_of(many.get("/api/evidence", {"format": "csv"}), "csv")
    few_rows, few_queries = _export_queries(few)
    many_rows, many_queries = _export_queries(many)
    # then both fit in one chunk of the iterator and cost the same queries
    assert (few_rows, many_rows) == (10, 200)
    assert many_queries == few_queries


# --- scan results, posture and Statement of Applicability (checks of the existing downloads) -------------------


@pytest.fixture
def results_world(tenant):
    """A completed scan of a 60-control framework: 55 pass, 5 fail; one finding is formula-like."""
    framework, controls = custom_framework(tenant, controls=60)
    job = completed_scan(tenant, framework, {c: ("fail" if i < 5 else "pass") for i, c in enumerate(controls)})
    ScanResult.objects.filter(scan_job=job, control=controls[0]).update(finding=FORMULAS[0])
    return framework, controls, job


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_results_download_is_every_filtered_row_past_one_page_with_a_filename(client_for, tenant, results_world, fmt):
    # given
    _, _, job = results_world
    client = client_for(tenant, Role.VIEWER)
    # when
    everything = client.get(f"/api/scans/{job.pk}/results", {"format": fmt})
    failing = client.get(f"/api/scans/{job.pk}/results", {"format": fmt, "status": "fail"})
    # then
    assert everything["Content-Disposition"] == f'attachment; filename="scan-{job.pk}-results.{fmt}"'
    assert len(rows_of(everything, fmt)) == 60 > PAGE
    failed = rows_of(failing, fmt)
    assert [row["control_ref"] for row in failed] == [f"CTL-{n}" for n in range(1, 6)]
    expected = FORMULAS[0] if fmt == "json" else "'" + FORMULAS[0]
    assert failed[0]["finding"] == expected


def test_results_download_of_another_tenant_is_404_and_a_bad_filter_a_json_400(
    client_for, other_tenant, admin_client, results_world
):
    # given
    _, _, job = results_world
    # when
    foreign = client_for(other_tenant).get(f"/api/scans/{job.pk}/results", {"format": "csv"})
    bad = admin_client.get(f"/api/scans/{job.pk}/results", {"format": "csv", "framework_id": "no-such-framework"})
    # then
    assert foreign.status_code == 404 and not foreign.streaming
    assert_is_json_error(bad, "framework_id")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_posture_download_is_filtered_named_and_neutralised(client_for, tenant, results_world, fmt):
    # given an excluded control whose justification looks like a formula
    framework, controls, _ = results_world
    ControlApplicability.objects.create(
        tenant=tenant, control=controls[59], applicable=False, justification=FORMULAS[3], decided_at=timezone.now()
    )
    client = client_for(tenant, Role.VIEWER)
    url = f"/api/frameworks/{framework.pk}/posture"
    # when
    everything = client.get(url, {"format": fmt})
    failing = client.get(url, {"format": fmt, "status": "fail"})
    # then
    disposition = everything["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="posture-{framework.key}-acme-')
    assert disposition.endswith(f'.{fmt}"')
    rows = rows_of(everything, fmt)
    assert len(rows) == 60
    excluded = next(row for row in rows if row["control_ref"] == "CTL-60")
    assert excluded["justification"] == (FORMULAS[3] if fmt == "json" else "'" + FORMULAS[3])
    assert [row["control_ref"] for row in rows_of(failing, fmt)] == [f"CTL-{n}" for n in range(1, 6)]


def test_posture_download_of_another_tenant_is_404_and_a_bad_filter_a_json_400(
    client_for, other_tenant, admin_client, results_world
):
    # given
    framework, _, _ = results_world
    url = f"/api/frameworks/{framework.pk}/posture"
    # when
    foreign = client_for(other_tenant).get(url, {"format": "csv"})
    bad = admin_client.get(url, {"format": "csv", "status": "broken"})
    # then
    assert foreign.status_code == 404 and not foreign.streaming
    assert_is_json_error(bad, "status")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_soa_download_is_every_control_past_one_page_with_a_filename(client_for, tenant, results_world, fmt):
    # given
    framework, _, _ = results_world
    # when
    response = client_for(tenant, Role.VIEWER).get(f"/api/frameworks/{framework.pk}/soa", {"format": fmt})
    # then
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="soa-{framework.key}-acme-') and disposition.endswith(
        f'.{fmt}"'
    )
    rows = rows_of(response, fmt)
    assert [row["control_ref"] for row in rows] == [f"CTL-{n}" for n in range(1, 61)]
