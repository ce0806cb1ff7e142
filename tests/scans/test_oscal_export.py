"""OSCAL exports of a completed scan: assessment results and POA&M, valid against NIST's v1.0.6 schemas."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from complywise import rls
from complywise.choices import Role
from evidence.models import Evidence
from scans import oscal
from scans.choices import ResultStatus
from scans.models import CheckOutcome, ScanResult
from tests.web.factories import completed_scan, custom_framework, map_checks, scan_data_for, scan_job

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "oscal_schemas"
SSH_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"
APP_ROLE = "cw_rls_app"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@cache
def validator(name: str) -> jsonschema_rs.Draft7Validator:
    schema = json.loads((SCHEMAS / f"oscal_{name}_schema_v1.0.6.json").read_text())
    # The schemas declare draft-07; their \p{L} patterns need jsonschema_rs's Rust regex engine.
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def assert_valid(name: str, document: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator(name).iter_errors(document)]
    assert not errors, "\n".join(errors[:20])


def download(client, url: str) -> tuple[Any, bytes]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def ar_of(client, scan_id) -> dict[str, Any]:
    return json.loads(download(client, f"/api/scans/{scan_id}/oscal")[1])["assessment-results"]


def poam_of(client, scan_id) -> dict[str, Any]:
    return json.loads(download(client, f"/api/scans/{scan_id}/oscal/poam")[1])["plan-of-action-and-milestones"]


def prop(obj: dict[str, Any], name: str) -> str | None:
    return next((p["value"] for p in obj.get("props", []) if p["name"] == name), None)


@pytest.fixture
def scanned(admin_client, aws_integration, open_ssh_group, run_scan) -> dict[str, Any]:
    """A real scan of a moto AWS account with a security group open to the internet on port 22."""
    job = run_scan(admin_client)
    assert job["status"] == "completed", job
    return job


# --------------------------------------------------------------------------- a real scan


def test_assessment_results_are_valid_oscal_with_one_observation_per_outcome(admin_client, scanned):
    # given a completed scan with passing and failing outcomes
    outcomes = CheckOutcome.objects.filter(scan_job_id=scanned["id"])
    assert outcomes.filter(status="pass").exists() and outcomes.filter(status="fail").exists()
    results = ScanResult.objects.filter(scan_job_id=scanned["id"])
    assessed = results.exclude(status=ResultStatus.NOT_APPLICABLE)
    # when
    ar = ar_of(admin_client, scanned["id"])
    # then it is valid against NIST's schema and counts every outcome and every assessed result
    assert_valid("assessment-results", {"assessment-results": ar})
    assert ar["metadata"]["oscal-version"] == "1.0.6"
    assert {p["name"] for p in ar["metadata"]["parties"]} == {"ComplyWise", "Acme"}
    (result,) = ar["results"]
    assert len(result["observations"]) == outcomes.count()
    assert len(result["findings"]) == assessed.count()
    assert all(o["methods"] == ["TEST"] for o in result["observations"])
    reviewed = result["reviewed-controls"]["control-selections"]
    included = [c["control-id"] for s in reviewed for c in s.get("include-controls", [])]
    excluded = [c["control-id"] for s in reviewed for c in s.get("exclude-controls", [])]
    assert sorted(included) == sorted(f["target"]["target-id"] for f in result["findings"])
    assert len(excluded) == results.filter(status=ResultStatus.NOT_APPLICABLE).count()
    # and every subject an observation names is declared as an inventory item
    items = {i["uuid"] for i in result["local-definitions"]["inventory-items"]}
    assert {s["subject-uuid"] for o in result["observations"] for s in o["subjects"]} == items


def test_failing_control_finding_is_not_satisfied_and_links_its_failing_observation_and_evidence(
    admin_client, scanned, open_ssh_group
):
    # given the control the open security group fails, and its auto evidence
    failing = next(
        r
        for r in ScanResult.objects.filter(scan_job_id=scanned["id"], status=ResultStatus.FAIL).select_related(
            "control", "framework", "evidence"
        )
        if any(c["id"] == SSH_CHECK and c["status"] == "fail" for c in r.checks)
    )
    control_id = oscal.oscal_control_id(failing.framework.key, failing.control.ref)
    # when
    result = ar_of(admin_client, scanned["id"])["results"][0]
    # then its finding is not satisfied
    finding = next(f for f in result["findings"] if f["target"]["target-id"] == control_id)
    assert finding["target"]["status"] == {"state": "not-satisfied", "reason": "fail"}
    assert finding["description"] == failing.finding
    # and links the observation of the open group, which carries the control's evidence and its SHA-256
    observations = {o["uuid"]: o for o in result["observations"]}
    linked = [observations[r["observation-uuid"]] for r in finding["related-observations"]]
    ssh = next(o for o in linked if o["subjects"][0]["title"] == open_ssh_group and prop(o, "check-id") == SSH_CHECK)
    assert prop(ssh, "outcome") == "fail"
    assert prop(ssh["subjects"][0], "region") == "us-east-1"
    evidence = next(e for e in ssh["relevant-evidence"] if prop(e, "control-id") == control_id)
    assert evidence["href"] == f"/api/evidence/{failing.evidence.pk}/download"
    assert prop(evidence, "sha256") == failing.evidence.sha256
    with storages["evidence"].open(failing.evidence.file_key) as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == failing.evidence.sha256


def test_passing_control_finding_is_satisfied(admin_client, scanned):
    # given
    passing = ScanResult.objects.filter(scan_job_id=scanned["id"], status=ResultStatus.PASS).select_related(
        "control", "framework"
    )[0]
    # when
    result = ar_of(admin_client, scanned["id"])["results"][0]
    # then
    finding = next(
        f
        for f in result["findings"]
        if f["target"]["target-id"] == oscal.oscal_control_id(passing.framework.key, passing.control.ref)
    )
    assert finding["target"]["status"]["state"] == "satisfied"


def test_poam_is_valid_oscal_with_one_item_and_one_open_risk_per_failing_control(admin_client, scanned):
    # given
    failing = ScanResult.objects.filter(scan_job_id=scanned["id"], status=ResultStatus.FAIL).select_related(
        "control", "framework"
    )
    failing_ids = sorted(oscal.oscal_control_id(r.framework.key, r.control.ref) for r in failing)
    assert failing_ids
    # when
    poam = poam_of(admin_client, scanned["id"])
    # then
    assert_valid("poam", {"plan-of-action-and-milestones": poam})
    assert sorted(prop(item, "control-id") for item in poam["poam-items"]) == failing_ids
    assert len(poam["risks"]) == len(failing_ids)
    assert all(r["status"] == "open" for r in poam["risks"])
    risks = {r["uuid"]: r for r in poam["risks"]}
    observations = {o["uuid"] for o in poam["observations"]}
    for item in poam["poam-items"]:
        (related,) = item["related-risks"]
        assert risks[related["risk-uuid"]]["description"] == item["description"]
        assert {o["observation-uuid"] for o in item.get("related-observations", [])} <= observations


def test_poam_risk_of_the_open_group_has_its_severity_and_remediation(admin_client, scanned, open_ssh_group):
    # given
    result = next(
        r
        for r in ScanResult.objects.filter(scan_job_id=scanned["id"], status=ResultStatus.FAIL).select_related(
            "control", "framework"
        )
        if any(c["id"] == SSH_CHECK and c["status"] == "fail" for c in r.checks)
    )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}
    worst = min((c["severity"] for c in result.checks if c["status"] in ("fail", "error")), key=rank.__getitem__)
    # when
    poam = poam_of(admin_client, scanned["id"])
    # then its risk carries the worst severity of its failing checks and each check's remediation
    control_id = oscal.oscal_control_id(result.framework.key, result.control.ref)
    risk = next(r for r in poam["risks"] if prop(r, "control-id") == control_id)
    assert risk["characterizations"][0]["facets"][0] == {"name": "severity", "system": oscal.NS, "value": worst}
    assert prop(risk, "severity") == worst
    ssh_fix = next(m for m in risk["remediations"] if prop(m, "check-id") == SSH_CHECK)
    assert ssh_fix["lifecycle"] == "recommendation" and ssh_fix["description"]
    observations = {o["uuid"]: o for o in poam["observations"]}
    titles = {observations[o["observation-uuid"]]["subjects"][0]["title"] for o in risk["related-observations"]}
    assert open_ssh_group in titles


def test_two_downloads_are_identical_attachments_that_no_cache_keeps(admin_client, scanned):
    for url, name in (
        (f"/api/scans/{scanned['id']}/oscal", "assessment-results"),
        (f"/api/scans/{scanned['id']}/oscal/poam", "poam"),
    ):
        # when
        first, first_body = download(admin_client, url)
        _, second_body = download(admin_client, url)
        # then
        assert first.streaming
        assert first_body == second_body
        assert first["Content-Type"] == "application/json"
        assert first["Cache-Control"] == "no-store"
        assert first["Content-Disposition"] == f'attachment; filename="scan-{scanned["id"]}-{name}.oscal.json"'


# --------------------------------------------------------------------------- built scans (fast)


def test_large_scan_streams_every_outcome_across_chunks_and_maps_checks_without_a_snapshot(
    admin_client, tenant, loaded_frameworks
):
    # given a scan whose failing control has more outcomes than one database chunk, results without check rows
    framework, controls = custom_framework(tenant)
    map_checks(controls)
    job = completed_scan(
        tenant, framework, {controls[0]: "pass", controls[1]: "fail", controls[2]: "not-applicable"}, resources=2100
    )
    # when
    ar = ar_of(admin_client, job.pk)
    poam = poam_of(admin_client, job.pk)
    # then
    assert_valid("assessment-results", {"assessment-results": ar})
    assert_valid("poam", {"plan-of-action-and-milestones": poam})
    result = ar["results"][0]
    assert len(result["observations"]) == 2100 == len({o["uuid"] for o in result["observations"]})
    assert len(result["findings"]) == 2
    failing = next(f for f in result["findings"] if f["target"]["status"]["state"] == "not-satisfied")
    assert len(failing["related-observations"]) == 2100
    (item,) = poam["poam-items"]
    assert prop(item, "control-ref") == "CTL-2"


def test_scan_with_nothing_failing_gets_a_valid_poam_saying_so(admin_client, tenant):
    # given
    framework, controls = custom_framework(tenant)
    job = completed_scan(tenant, framework, {controls[0]: "pass", controls[1]: "pass"})
    # when
    poam = poam_of(admin_client, job.pk)
    # then
    assert_valid("poam", {"plan-of-action-and-milestones": poam})
    (item,) = poam["poam-items"]
    assert prop(item, "no-open-items") == "true"
    assert "risks" not in poam and "observations" not in poam


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
@pytest.mark.parametrize("suffix", ["oscal", "oscal/poam"])
def test_a_scan_that_did_not_complete_is_a_conflict(admin_client, tenant, status, suffix):
    # given
    job = scan_job(tenant, status=status)
    # when
    response = admin_client.get(f"/api/scans/{job.pk}/{suffix}")
    # then
    assert response.status_code == 409
    assert status in response.json()["detail"] and "completed" in response.json()["detail"]


@pytest.mark.parametrize("suffix", ["oscal", "oscal/poam"])
def test_another_tenants_scan_and_unknown_ids_are_not_found(admin_client, other_tenant, suffix):
    # given
    theirs = scan_data_for(other_tenant).job
    # then
    for scan_id in (theirs.pk, "7d3f3c55-3a52-4b0c-9d7e-3f6c2f0a0f11", "not-a-uuid"):
        assert admin_client.get(f"/api/scans/{scan_id}/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["oscal", "oscal/poam"])
def test_a_viewer_can_read_the_exports(client_for, tenant, suffix):
    # given
    job = scan_data_for(tenant).job
    # when
    response = client_for(tenant, Role.VIEWER).get(f"/api/scans/{job.pk}/{suffix}")
    # then
    assert response.status_code == 200
    json.loads(b"".join(response.streaming_content))


def test_unauthenticated_callers_are_refused(api_client, tenant):
    job = scan_data_for(tenant).job
    assert api_client.get(f"/api/scans/{job.pk}/oscal").status_code in (401, 403)


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("key", "ref", "expected"),
    [
        ("soc2", "CC6.1", "soc2_cc6.1"),
        ("cis-aws", "1.4", "cis-aws_1.4"),
        ("iso27001-2022", "A.5.15", "iso27001-2022_a.5.15"),
        ("27001", "A 5/1", "_27001_a-5-1"),
    ],
)
def test_control_ids_are_oscal_tokens_derived_from_framework_and_ref(key, ref, expected):
    assert oscal.oscal_control_id(key, ref) == expected


def test_every_relevant_evidence_is_an_auto_artifact_of_the_scan_with_its_hash(admin_client, scanned):
    # given every relevant-evidence entry of the document
    result = ar_of(admin_client, scanned["id"])["results"][0]
    linked = [e for o in result["observations"] for e in o.get("relevant-evidence", [])]
    stored = {
        str(pk): sha for pk, sha in Evidence.objects.filter(scan_job_id=scanned["id"]).values_list("pk", "sha256")
    }
    # then each names an auto evidence row of this scan, with that row's SHA-256 and download path
    assert linked
    for entry in linked:
        evidence_id = prop(entry, "evidence-id")
        assert prop(entry, "sha256") == stored[evidence_id]
        assert entry["href"] == f"/api/evidence/{evidence_id}/download"


# --------------------------------------------------------------------------- row-level security (PostgreSQL)


@contextmanager
def as_app_role() -> Iterator[None]:
    """The test connection acts as the application's (non-owner) role, held by the row-level security policy."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.mark.skipif(not ON_POSTGRES, reason="row-level security is PostgreSQL's; set DATABASE_URL=postgres://…")
def test_as_the_app_role_the_documents_are_written_in_the_tenants_scope(admin_client, tenant):
    # given the app role and a completed scan with a failing control (two failing outcomes)
    call_command("setup_database_roles", role=APP_ROLE, stdout=io.StringIO())
    job = scan_data_for(tenant).job
    with as_app_role():
        # when both documents are downloaded (their bodies are written after the view returned)
        ar_body = download(admin_client, f"/api/scans/{job.pk}/oscal")[1]
        poam_body = download(admin_client, f"/api/scans/{job.pk}/oscal/poam")[1]
        # then the connection is unset again afterwards
        assert rls.current_scope() == ""
    # and the outcomes and results were visible while writing
    result = json.loads(ar_body)["assessment-results"]["results"][0]
    assert len(result["observations"]) == CheckOutcome.objects.filter(scan_job=job).count() == 2
    assert len(result["findings"]) == 2
    (item,) = json.loads(poam_body)["plan-of-action-and-milestones"]["poam-items"]
    assert prop(item, "control-ref") == "CTL-2"
