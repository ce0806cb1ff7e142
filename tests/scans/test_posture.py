"""Control posture: how checks, documents and scope combine into each result, the live posture, and diffs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from evidence.choices import EvidenceState
from evidence.models import Evidence
from frameworks.models import Control, ControlCheck, Framework, TenantFramework
from frameworks.scope import control_evidence_requirement_set
from integrations.registry import REVOCATION_CHECK_SUFFIX
from integrations.services import integration_create
from scans.choices import ResultBasis, ResultStatus
from scans.models import ScanJob, ScanResult
from scans.posture import AUTOMATED_ERROR, AUTOMATED_FAIL, AUTOMATED_NONE, AUTOMATED_PASS, Tally, verdict
from scans.posture_selectors import framework_posture
from tests.contracts import ObjectEndpointContract, random_id
from tests.evidence.factories import manual_evidence
from tests.factories import MembershipFactory
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, CustomFrameworkFactory
from tests.integrations.host.support import compliant_host, non_compliant_host

pytestmark = pytest.mark.django_db

PASS, FAIL, NA = ResultStatus.PASS, ResultStatus.FAIL, ResultStatus.NOT_APPLICABLE


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("excluded", "automated", "documents", "expected"),
    [
        (True, AUTOMATED_FAIL, EvidenceState.MISSING, (NA, ResultBasis.EXCLUDED, False)),
        (False, AUTOMATED_NONE, EvidenceState.NOT_REQUIRED, (NA, ResultBasis.UNASSESSED, False)),
        (False, AUTOMATED_PASS, EvidenceState.NOT_REQUIRED, (PASS, ResultBasis.AUTOMATED, False)),
        (False, AUTOMATED_FAIL, EvidenceState.NOT_REQUIRED, (FAIL, ResultBasis.AUTOMATED, False)),
        (False, AUTOMATED_ERROR, EvidenceState.NOT_REQUIRED, (FAIL, ResultBasis.AUTOMATED, True)),
        (False, AUTOMATED_NONE, EvidenceState.FRESH, (PASS, ResultBasis.MANUAL, False)),
        (False, AUTOMATED_NONE, EvidenceState.EXPIRING, (PASS, ResultBasis.MANUAL, False)),
        (False, AUTOMATED_NONE, EvidenceState.EXPIRED, (FAIL, ResultBasis.MANUAL, False)),
        (False, AUTOMATED_NONE, EvidenceState.MISSING, (FAIL, ResultBasis.MANUAL, False)),
        (False, AUTOMATED_PASS, EvidenceState.FRESH, (PASS, ResultBasis.AUTOMATED_MANUAL, False)),
        (False, AUTOMATED_PASS, EvidenceState.EXPIRED, (FAIL, ResultBasis.AUTOMATED_MANUAL, False)),
        (False, AUTOMATED_FAIL, EvidenceState.FRESH, (FAIL, ResultBasis.AUTOMATED_MANUAL, False)),
        # a missing document is a real finding even when the checks could not evaluate
        (False, AUTOMATED_ERROR, EvidenceState.MISSING, (FAIL, ResultBasis.AUTOMATED_MANUAL, False)),
        (False, AUTOMATED_ERROR, EvidenceState.FRESH, (FAIL, ResultBasis.AUTOMATED_MANUAL, True)),
    ],
)
def test_verdict_rules(excluded, automated, documents, expected):
    # when
    v = verdict(excluded=excluded, automated=automated, evidence_state=documents)
    # then
    assert (v.status, v.basis, v.errored) == expected


def test_score_is_over_assessed_controls_and_coverage_over_applicable_ones():
    # given 3 pass, 1 fail, 2 could not evaluate, 1 excluded, 2 unassessed
    tally = Tally()
    for args in [(False, AUTOMATED_PASS, "")] * 3 + [(False, AUTOMATED_FAIL, "")] + [(False, AUTOMATED_ERROR, "")] * 2:
        tally.add(verdict(excluded=args[0], automated=args[1], evidence_state=args[2]))
    tally.add(verdict(excluded=True, automated="", evidence_state=""))
    for _ in range(2):
        tally.add(verdict(excluded=False, automated="", evidence_state=""))
    # then
    summary = tally.as_dict()
    assert summary["total"] == 9 and summary["applicable"] == 8 and summary["assessed"] == 4
    assert summary["failed"] == 3 and summary["could_not_evaluate"] == 2
    assert summary["score"] == 75.0
    assert summary["coverage"] == 50.0


# --------------------------------------------------------------------------- the posture endpoint contract


class TestPostureContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/frameworks/{CustomFrameworkFactory(tenant=tenant).pk}/posture"

    def missing_url(self):
        return f"/api/frameworks/{random_id()}/posture"


# --------------------------------------------------------------------------- end to end on the shipped catalogs


@pytest.fixture
def demo(tenant, tmp_path, settings, loaded_frameworks):
    """SOC 2 and ISO 27001 active, a well-kept host connected, documents required where no check reaches."""
    settings.HOST_SCAN_ALLOWED_ROOTS = [str(tmp_path)]
    for key in ("soc2", "iso27001-2022"):
        TenantFramework.objects.create(tenant=tenant, framework=Framework.objects.get(key=key, tenant=None))
    compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    return tenant


def control(key: str, ref: str) -> Control:
    return Control.objects.get(framework__key=key, framework__tenant=None, ref=ref)


def scan(client, capture) -> dict:
    with capture(execute=True):
        response = client.post("/api/scans/trigger", {}, format="json")
    assert response.status_code == 202, response.content
    job = client.get(f"/api/scans/{response.json()['scan_job_id']}").json()
    assert job["status"] == "completed", job
    rows = client.get(f"/api/scans/{job['id']}/results?limit=500").json()["results"]
    job["by_ref"] = {(r["framework_key"], r["control_ref"]): r for r in rows}
    return job


def posture(client, key: str) -> dict:
    framework = Framework.objects.get(key=key, tenant=None)
    body = client.get(f"/api/frameworks/{framework.pk}/posture").json()
    body["by_ref"] = {row["control_ref"]: row for row in body["controls"]}
    return body


def test_three_documents_move_the_right_controls_to_pass_across_soc2_and_iso(
    client_for, demo, django_capture_on_commit_callbacks
):
    # given an admin who asked for documents on every unautomated control of both frameworks, and an owner
    admin = client_for(demo, Role.ADMIN)
    owner = MembershipFactory(tenant=demo, role=Role.MEMBER)
    for key in ("soc2", "iso27001-2022"):
        framework = Framework.objects.get(key=key, tenant=None)
        created = admin.post(
            f"/api/frameworks/{framework.pk}/require-documents", {"owner_id": str(owner.pk)}, format="json"
        )
        assert created.status_code == 201 and created.json()["created"] > 30
    # when the first scan runs
    first = scan(admin, django_capture_on_commit_callbacks)
    # then automated controls pass on the host checks, document-only ones fail naming the missing document
    cc61 = first["by_ref"][("soc2", "CC6.1")]
    assert (cc61["status"], cc61["basis"], cc61["evidence_state"]) == ("pass", "automated", "not-required")
    host_checks = ControlCheck.objects.filter(
        control__framework__key="soc2",
        control__framework__tenant=None,
        control__ref="CC6.1",
        check_id__startswith="host.",
    ).count()
    assert host_checks and cc61["checks_ran"] == host_checks and cc61["checks_mapped"] > host_checks
    assert "aws" in cc61["missing_integration_types"]
    cc11 = first["by_ref"][("soc2", "CC1.1")]
    assert (cc11["status"], cc11["basis"], cc11["evidence_state"]) == ("fail", "manual", "missing")
    assert cc11["finding"].startswith("Document missing: none uploaded, renewed every 365 days")
    assert owner.user.email in cc11["finding"]
    # and coverage counts the document-only controls as assessed (failing); only controls whose checks need an
    # integration that is not connected (AWS, GitHub…) stay unassessed
    soc2 = next(f for f in first["framework_scores"] if f["framework_key"] == "soc2")
    unassessed = [r for (key, _), r in first["by_ref"].items() if key == "soc2" and r["basis"] == "unassessed"]
    assert unassessed and all(r["checks_mapped"] and not r["checks_ran"] for r in unassessed)
    assert soc2["unassessed"] == len(unassessed)
    assert soc2["coverage"] == round(100 * soc2["assessed"] / soc2["applicable"], 1) > 75
    assert soc2["score"] < 50

    # when three documents are uploaded once each, linked across both frameworks
    member = client_for(demo, Role.MEMBER)
    iso, soc = "iso27001-2022", "soc2"
    uploads = [
        ("access-policy.txt", control(soc, "CC6.2"), [control(iso, "5.15"), control(iso, "5.18")]),
        ("code-of-conduct.txt", control(soc, "CC1.1"), []),
        ("security-policy.txt", control(iso, "5.1"), [control(soc, "CC5.3"), control(soc, "CC6.1")]),
    ]
    for name, primary, more in uploads:
        response = member.post(
            "/api/evidence/upload",
            {"file": _named(name), "control_id": str(primary.pk), "control_ids": [str(c.pk) for c in more]},
            format="multipart",
        )
        assert response.status_code == 201, response.content

    # then the live posture moves at once, without a rescan, in both frameworks
    soc2_now, iso_now = posture(admin, "soc2"), posture(admin, "iso27001-2022")

    def basis(key: str, ref: str) -> str:
        # Documents count for every control; those a host check also serves (CC6.2: only root has UID 0) are both.
        # The access-review check judges nothing until a review revoked someone, so it makes no control automated.
        automated = (
            ControlCheck.objects.filter(
                control__framework__key=key,
                control__framework__tenant=None,
                control__ref=ref,
                check_id__startswith="host.",
            )
            .exclude(check_id__endswith=REVOCATION_CHECK_SUFFIX)
            .exists()
        )
        return "automated+manual" if automated else "manual"

    for ref in ("CC6.2", "CC1.1", "CC5.3"):
        row = soc2_now["by_ref"][ref]
        assert (row["status"], row["basis"], row["evidence_state"]) == ("pass", basis(soc, ref), "fresh"), ref
        # a document-only control moved from fail to pass; one its checks already passed did not change status
        assert row["changed_since_scan"] is (basis(soc, ref) == "manual"), ref
    assert (soc2_now["by_ref"]["CC6.1"]["status"], soc2_now["by_ref"]["CC6.1"]["basis"]) == ("pass", "automated+manual")
    for ref in ("5.15", "5.18", "5.1"):
        assert (iso_now["by_ref"][ref]["status"], iso_now["by_ref"][ref]["basis"]) == ("pass", basis(iso, ref)), ref
    assert soc2_now["summary"]["passed"] > soc2["passed"]
    # and the next scan says the same
    second = scan(admin, django_capture_on_commit_callbacks)
    assert second["by_ref"][("soc2", "CC6.2")]["basis"] == basis(soc, "CC6.2")
    assert second["by_ref"][("soc2", "CC6.2")]["status"] == "pass"
    assert second["by_ref"][("iso27001-2022", "5.15")]["status"] == "pass"
    assert second["by_ref"][("soc2", "CC6.1")]["basis"] == "automated+manual"
    assert "Document fresh" in second["by_ref"][("iso27001-2022", "5.1")]["finding"]
    # and the seed contract still holds: every result has control_id, status, finding, evidence_key
    assert all(
        {"control_id", "status", "finding", "evidence_key"} <= set(r)
        and r["status"] in ("pass", "fail", "not-applicable")
        for r in second["by_ref"].values()
    )


def _named(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"Approved by the board on 2026-11-02.\n", content_type="text/plain")


def test_an_excluded_control_is_not_applicable_with_its_justification_in_results_posture_and_soa(
    client_for, demo, django_capture_on_commit_callbacks
):
    # given an admin excludes ISO 27001 7.1 (physical perimeters) with a reason
    admin = client_for(demo, Role.ADMIN)
    target = control("iso27001-2022", "7.1")
    reason = "Fully remote company; no offices or data centres of our own."
    assert (
        admin.put(
            f"/api/controls/{target.pk}/applicability", {"applicable": False, "justification": reason}, format="json"
        ).status_code
        == 200
    )
    # when
    job = scan(admin, django_capture_on_commit_callbacks)
    # then
    result = job["by_ref"][("iso27001-2022", "7.1")]
    assert (result["status"], result["basis"]) == ("not-applicable", "excluded")
    assert reason in result["finding"]
    live = posture(admin, "iso27001-2022")["by_ref"]["7.1"]
    assert (live["status"], live["basis"], live["justification"]) == ("not-applicable", "excluded", reason)
    soa = admin.get(f"/api/frameworks/{target.framework_id}/soa?limit=500").json()["results"]
    row = next(r for r in soa if r["control_ref"] == "7.1")
    assert (row["applicable"], row["justification"], row["basis"]) == (False, reason, "excluded")


def test_a_document_past_its_renewal_date_fails_its_controls_in_posture_and_next_scan(
    client_for, demo, django_capture_on_commit_callbacks
):
    # given a quarterly access review owned by a member, uploaded 80 days ago: passing, expiring soon
    admin = client_for(demo, Role.ADMIN)
    owner = MembershipFactory(tenant=demo, role=Role.MEMBER)
    review = control("iso27001-2022", "5.18")
    control_evidence_requirement_set(tenant=demo, control=review, renewal_days=90, owner_id=owner.pk, actor=None)
    document = manual_evidence(
        tenant=demo, control=review, name="q3-access-review.txt", collected_at=timezone.now() - timedelta(days=80)
    )
    scan(admin, django_capture_on_commit_callbacks)
    live = posture(admin, "iso27001-2022")["by_ref"]["5.18"]
    assert (live["status"], live["evidence_state"]) == ("pass", "expiring")
    assert live["next_due"] == (document.collected_at + timedelta(days=90)).date().isoformat()
    # when the quarter is over (the same document is now past its renewal date)
    later = timezone.now() + timedelta(days=11)
    moved = framework_posture(tenant=demo, framework=review.framework, now=later)
    row = next(r for r in moved.controls if r.control.pk == review.pk)
    # then the posture fails it without a rescan
    assert (row.verdict.status, row.documents.state) == ("fail", "expired")
    # and so does the posture endpoint once the document really is that old, and the next scan, naming it and its owner
    Evidence.objects.filter(pk=document.pk).update(collected_at=timezone.now() - timedelta(days=91))
    assert posture(admin, "iso27001-2022")["by_ref"]["5.18"]["status"] == "fail"
    job = scan(admin, django_capture_on_commit_callbacks)
    result = job["by_ref"][("iso27001-2022", "5.18")]
    assert (result["status"], result["evidence_state"]) == ("fail", "expired")
    assert result["finding"].startswith("Document expired on ")
    assert '"q3-access-review.txt"' in result["finding"] and owner.user.email in result["finding"]


def test_the_posture_query_count_does_not_grow_with_controls_or_documents(admin_client, tenant):
    # given a framework with a few controls, each with a requirement and a document
    framework = CustomFrameworkFactory(tenant=tenant)

    def add(n: int) -> None:
        for _ in range(n):
            c = ControlCheckFactory(control__framework=framework, check_id="host.ssh.root_login_disabled").control
            control_evidence_requirement_set(tenant=tenant, control=c, renewal_days=365, actor=None)
            manual_evidence(tenant=tenant, control=c)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(f"/api/frameworks/{framework.pk}/posture").status_code == 200
        return len(captured)

    add(2)
    queries()  # the token's first use from this address is recorded once
    few = queries()
    add(25)
    # when / then
    assert queries() == few


# --------------------------------------------------------------------------- errors apart from findings


@pytest.fixture
def custom_host_scope(tenant, tmp_path, settings):
    """A custom active framework: one control on a host check, one document-only control with a requirement."""
    settings.HOST_SCAN_ALLOWED_ROOTS = [str(tmp_path)]
    framework = CustomFrameworkFactory(tenant=tenant)
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    checked = ControlCheckFactory(
        control__framework=framework, control__ref="A-1", check_id="host.ssh.root_login_disabled"
    ).control
    ControlCheckFactory(control=checked, check_id="aws.iam.root_mfa_enabled")
    documented = ControlFactory(framework=framework, ref="A-2")
    control_evidence_requirement_set(tenant=tenant, control=documented, renewal_days=365, actor=None)
    return framework, checked, documented


def test_failing_results_name_the_checks_first_with_severity_and_remediation_in_api_and_csv(
    admin_client, tenant, tmp_path, custom_host_scope, django_capture_on_commit_callbacks
):
    # given a neglected host
    framework, _, _ = custom_host_scope
    non_compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    # when
    job = scan(admin_client, django_capture_on_commit_callbacks)
    # then the result says what failed first, how bad, how to fix, and what did not run
    result = job["by_ref"][(framework.key, "A-1")]
    assert result["status"] == "fail" and result["could_not_evaluate"] is False
    assert result["finding"].startswith("FAIL [")
    assert "Remediation: " in result["finding"].splitlines()[0]
    assert result["checks_mapped"] == 2 and result["checks_ran"] == 1
    assert result["missing_integration_types"] == ["aws"]
    assert result["finding"].splitlines()[-1] == "Checks ran: 1 of 2 mapped; no aws integration in this scan."
    first, second = result["checks"]
    assert (first["id"], first["status"]) == ("host.ssh.root_login_disabled", "fail") and first["remediation"]
    assert (second["id"], second["status"], second["remediation"]) == ("aws.iam.root_mfa_enabled", "not-run", "")
    # and the CSV download carries the same, with the finding whole
    response = admin_client.get(f"/api/scans/{job['id']}/results?format=csv")
    rows = {r["control_ref"]: r for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    assert rows["A-1"]["failing_checks"].startswith("FAIL [")
    assert "host.ssh.root_login_disabled" in rows["A-1"]["failing_checks"]
    assert rows["A-1"]["finding"] == result["finding"]
    assert rows["A-2"]["basis"] == "manual" and rows["A-2"]["evidence_state"] == "missing"


def test_an_unreachable_integration_is_could_not_evaluate_not_a_finding_in_results_scores_and_diff(
    admin_client, tenant, tmp_path, custom_host_scope, django_capture_on_commit_callbacks
):
    # given a first scan on a healthy host
    framework, _, _ = custom_host_scope
    compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    first = scan(admin_client, django_capture_on_commit_callbacks)
    assert first["by_ref"][(framework.key, "A-1")]["status"] == "pass"
    first_diff = admin_client.get(f"/api/scans/{first['id']}/diff").json()
    # then the first scan has nothing "unchanged"
    assert first_diff["first_scan"] is True
    assert (first_diff["unchanged_failing"], first_diff["unchanged_passing"]) == (0, 0)
    assert [e["control_ref"] for e in first_diff["newly_failing"]] == ["A-2"]
    # when the host disappears before the second scan
    (tmp_path / "host").rename(tmp_path / "gone")
    second = scan(admin_client, django_capture_on_commit_callbacks)
    # then the control fails as "could not evaluate", naming the integration, not as a finding
    result = second["by_ref"][(framework.key, "A-1")]
    assert result["status"] == "fail" and result["could_not_evaluate"] is True
    assert result["finding"].startswith("Could not evaluate: ") and "host 'web-1'" in result["finding"]
    assert second["partial"] is True and "web-1" in second["error"]
    scores = second["framework_scores"][0]
    assert scores["could_not_evaluate"] == 1 and scores["assessed"] == 1 and scores["coverage"] == 50.0
    # and the diff keeps it apart: not newly failing, listed as could not evaluate
    diff = admin_client.get(f"/api/scans/{second['id']}/diff").json()
    assert diff["first_scan"] is False and diff["against_scan_job_id"] == first["id"]
    assert diff["newly_failing"] == []
    assert [(e["control_ref"], e["status"], e["previous_status"]) for e in diff["could_not_evaluate"]] == [
        ("A-1", "could-not-evaluate", "pass")
    ]
    assert diff["unchanged_failing"] == 1  # A-2: its document is still missing


def test_newly_failing_compares_only_with_the_previous_scan_of_the_same_scope(
    admin_client, tenant, tmp_path, custom_host_scope, django_capture_on_commit_callbacks
):
    # given a full scan, then a scan of another scope (host integrations only) in between
    compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    full = scan(admin_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        other = admin_client.post("/api/scans/trigger", {"integration_types": ["host"]}, format="json").json()
    assert ScanJob.objects.get(pk=other["scan_job_id"]).status == "completed"
    # when the next full scan is compared
    again = scan(admin_client, django_capture_on_commit_callbacks)
    diff = admin_client.get(f"/api/scans/{again['id']}/diff").json()
    # then it is compared with the earlier full scan, not the AWS-only one
    assert diff["against_scan_job_id"] == full["id"]
    assert diff["newly_failing"] == [] and diff["newly_passing"] == []


def test_results_rolled_up_before_posture_existed_still_read_as_automated(admin_client, tenant):
    # given a result stored by an older version: no basis, no automated status
    framework = CustomFrameworkFactory(tenant=tenant)
    c = ControlFactory(framework=framework)
    job = ScanJob.objects.create(
        tenant=tenant, status="completed", framework_ids=[str(framework.pk)], completed_at=timezone.now()
    )
    ScanResult.objects.create(tenant=tenant, scan_job=job, framework=framework, control=c, status="fail")
    # when
    row = admin_client.get(f"/api/frameworks/{framework.pk}/posture").json()["controls"][0]
    # then
    assert (row["status"], row["basis"], row["automated_status"], row["status_at_scan"]) == (
        "fail",
        "automated",
        "fail",
        "fail",
    )


def test_posture_of_another_tenants_framework_is_404_and_status_filter_is_validated(admin_client, other_tenant, tenant):
    # given
    foreign = CustomFrameworkFactory(tenant=other_tenant)
    mine = CustomFrameworkFactory(tenant=tenant)
    # when / then
    assert admin_client.get(f"/api/frameworks/{foreign.pk}/posture").status_code == 404
    bad = admin_client.get(f"/api/frameworks/{mine.pk}/posture?status=broken")
    assert bad.status_code == 400 and "status" in bad.json()
