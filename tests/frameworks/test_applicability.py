"""Applicability (Statement of Applicability): excluding a control, its audit trail, scans and the SoA endpoint."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent
from frameworks.models import ControlApplicability, TenantFramework
from integrations.services import integration_create
from scans.models import ScanJob, ScanResult
from tests.contracts import ObjectEndpointContract, random_id
from tests.evidence.factories import manual_evidence
from tests.frameworks.factories import ControlCheckFactory, ControlFactory, CustomFrameworkFactory, FrameworkFactory
from tests.integrations.host.support import non_compliant_host

pytestmark = pytest.mark.django_db

FAILING_HOST_CHECK = "host.accounts.no_empty_passwords"
EXCLUDE = {"applicable": False, "justification": "No on-premises servers; all hosting is with a SOC 2 provider."}


def applicability_url(control) -> str:
    return f"/api/controls/{control.pk}/applicability"


def soa_url(framework, query: str = "") -> str:
    return f"/api/frameworks/{framework.pk}/soa{query}"


class TestApplicabilityContract(ObjectEndpointContract):
    method = "put"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return applicability_url(ControlFactory(framework=CustomFrameworkFactory(tenant=tenant)))

    def missing_url(self):
        return f"/api/controls/{random_id()}/applicability"

    def payload(self, tenant):
        return EXCLUDE


class TestSoaContract(ObjectEndpointContract):
    def url(self, tenant):
        return soa_url(CustomFrameworkFactory(tenant=tenant))

    def missing_url(self):
        return f"/api/frameworks/{random_id()}/soa"


# --------------------------------------------------------------------------- the decision


def test_excluding_a_shipped_control_records_who_when_why_and_the_detail_shows_it(admin_client, tenant):
    # given a control of the shipped catalog
    control = ControlFactory()
    # when an admin excludes it
    response = admin_client.put(applicability_url(control), EXCLUDE, format="json")
    # then the answer is the control's applicability
    assert response.status_code == 200, response.content
    body = response.json()
    record = ControlApplicability.objects.for_tenant(tenant).get(control=control)
    assert body["applicable"] is False
    assert body["justification"] == EXCLUDE["justification"]
    assert body["decided_by"] == record.decided_by.email
    assert body["decided_at"] is not None
    # and the control detail shows the same
    detail = admin_client.get(f"/api/controls/{control.pk}").json()
    assert detail["applicability"] == body


def test_a_control_without_a_decision_is_applicable(admin_client):
    # given a control nobody decided on
    control = ControlFactory()
    # when
    detail = admin_client.get(f"/api/controls/{control.pk}").json()
    # then
    assert detail["applicability"] == {"applicable": True, "justification": "", "decided_by": None, "decided_at": None}


@pytest.mark.parametrize("justification", [None, "", "   "])
def test_excluding_without_a_justification_is_400_naming_it_and_stores_nothing(admin_client, tenant, justification):
    # given
    control = ControlFactory()
    body = {"applicable": False} if justification is None else {"applicable": False, "justification": justification}
    # when
    response = admin_client.put(applicability_url(control), body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert "justification" in response.content.decode()
    assert not ControlApplicability.objects.for_tenant(tenant).exists()
    assert not AuditEvent.objects.for_tenant(tenant).filter(action="control.applicability_changed").exists()


def test_a_justification_over_2000_characters_is_400(admin_client, tenant):
    # given
    control = ControlFactory()
    # when
    response = admin_client.put(
        applicability_url(control), {"applicable": False, "justification": "x" * 2001}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "justification" in response.content.decode()
    assert not ControlApplicability.objects.for_tenant(tenant).exists()


def test_unknown_fields_are_refused(admin_client):
    # given
    control = ControlFactory()
    # when
    response = admin_client.put(applicability_url(control), {**EXCLUDE, "excluded": True}, format="json")
    # then
    assert response.status_code == 400
    assert "excluded" in response.content.decode()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_non_admins_cannot_decide(client_for, tenant, role):
    # given
    control = ControlFactory()
    # when
    response = client_for(tenant, role).put(applicability_url(control), EXCLUDE, format="json")
    # then
    assert response.status_code == 403
    assert not ControlApplicability.objects.exists()


def test_another_tenants_custom_control_is_404_like_a_missing_one(admin_client, other_tenant):
    # given a control of another tenant's custom framework
    foreign = ControlFactory(framework=CustomFrameworkFactory(tenant=other_tenant))
    # when
    response = admin_client.put(applicability_url(foreign), EXCLUDE, format="json")
    missing = admin_client.put(f"/api/controls/{random_id()}/applicability", EXCLUDE, format="json")
    # then
    assert response.status_code == 404
    assert response.json() == missing.json()
    assert not ControlApplicability.objects.exists()


def test_each_change_is_audited_with_from_to_and_reincluding_keeps_the_history(admin_client, tenant):
    # given an excluded control
    control = ControlFactory()
    admin_client.put(applicability_url(control), EXCLUDE, format="json")
    # when it is brought back into scope
    response = admin_client.put(applicability_url(control), {"applicable": True}, format="json")
    # then the record says applicable
    assert response.status_code == 200
    assert response.json()["applicable"] is True
    assert ControlApplicability.objects.for_tenant(tenant).get(control=control).applicable is True
    # and the audit log holds both changes, oldest first
    events = list(
        AuditEvent.objects.for_tenant(tenant).filter(action="control.applicability_changed").order_by("created_at")
    )
    assert [(e.data["from"], e.data["to"]) for e in events] == [("applicable", "excluded"), ("excluded", "applicable")]
    assert events[0].data["justification"] == EXCLUDE["justification"]
    assert events[0].target_id == str(control.pk)
    assert events[0].actor_email


# --------------------------------------------------------------------------- scans


@pytest.fixture
def host_scope(tenant, tmp_path, settings):
    """A custom framework of ``tenant`` (active) with two controls on a check that fails on a neglected host."""
    settings.HOST_SCAN_ALLOWED_ROOTS = [str(tmp_path)]
    framework = CustomFrameworkFactory(tenant=tenant)
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    excluded = ControlCheckFactory(control__framework=framework, check_id=FAILING_HOST_CHECK).control
    kept = ControlCheckFactory(control__framework=framework, check_id=FAILING_HOST_CHECK).control
    non_compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    return framework, excluded, kept


def _scan(client, capture):
    with capture(execute=True):
        response = client.post("/api/scans/trigger", {}, format="json")
    assert response.status_code == 202, response.content
    job_id = response.json()["scan_job_id"]
    assert ScanJob.objects.get(pk=job_id).status == "completed"
    return {r["control_id"]: r for r in client.get(f"/api/scans/{job_id}/results").json()["results"]}


def test_a_scan_after_exclusion_says_not_applicable_and_why(
    admin_client, tenant, host_scope, django_capture_on_commit_callbacks
):
    # given two controls on a failing check, one of them excluded
    _, excluded, kept = host_scope
    before = _scan(admin_client, django_capture_on_commit_callbacks)
    assert before[str(excluded.pk)]["status"] == "fail"
    admin_client.put(applicability_url(excluded), EXCLUDE, format="json")
    decision = ControlApplicability.objects.for_tenant(tenant).get(control=excluded)
    # when the next scan runs
    after = _scan(admin_client, django_capture_on_commit_callbacks)
    # then the excluded control is not-applicable whatever its check says, and the finding says why
    assert after[str(excluded.pk)]["status"] == "not-applicable"
    assert after[str(excluded.pk)]["finding"] == (
        f"Excluded from scope by {decision.decided_by.email} on {decision.decided_at:%Y-%m-%d}: "
        f"{EXCLUDE['justification']}"
    )
    # and the other control still fails on its check
    assert after[str(kept.pk)]["status"] == "fail"
    assert FAILING_HOST_CHECK in after[str(kept.pk)]["finding"]
    # and the earlier result is left as it was
    assert ScanResult.objects.filter(control=excluded, status="fail").count() == 1


def test_the_roll_up_reads_exclusions_in_one_query_whatever_their_number(
    admin_client, tenant, host_scope, django_capture_on_commit_callbacks
):
    # given one excluded control, then many more excluded controls
    framework, excluded, _ = host_scope
    admin_client.put(applicability_url(excluded), EXCLUDE, format="json")

    def roll_up_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            _scan(admin_client, django_capture_on_commit_callbacks)
        return sum(1 for q in queries.captured_queries if "controlapplicability" in q["sql"])

    few = roll_up_queries()
    for _ in range(5):
        extra = ControlCheckFactory(control__framework=framework, check_id=FAILING_HOST_CHECK).control
        admin_client.put(applicability_url(extra), EXCLUDE, format="json")
    # when / then the roll-up still asks for exclusions once
    assert roll_up_queries() == few == 1


# --------------------------------------------------------------------------- the Statement of Applicability


def _soa_world(tenant):
    framework = FrameworkFactory()
    first = ControlFactory(framework=framework, ref="A.2")
    second = ControlFactory(framework=framework, ref="A.10")
    ControlApplicability.objects.create(
        tenant=tenant, control=second, applicable=False, justification="=cmd|' /C calc'!A0", decided_at=timezone.now()
    )
    return framework, first, second


def test_soa_lists_every_control_in_natural_order_with_its_columns(admin_client, tenant, other_tenant):
    # given a framework with one excluded control, a manual document on the other, and a completed scan result
    framework, first, _ = _soa_world(tenant)
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    TenantFramework.objects.create(tenant=other_tenant, framework=framework)
    document = manual_evidence(tenant=tenant, control=first)
    job = ScanJob.objects.create(tenant=tenant, status="completed", framework_ids=[str(framework.pk)])
    ScanResult.objects.create(tenant=tenant, scan_job=job, framework=framework, control=first, status="pass")
    # and another tenant's decision and document on the same control, which must not show
    ControlApplicability.objects.create(
        tenant=other_tenant, control=first, applicable=False, justification="theirs", decided_at=timezone.now()
    )
    manual_evidence(tenant=other_tenant, control=first)
    # when
    response = admin_client.get(soa_url(framework))
    # then
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [r["control_ref"] for r in rows] == ["A.2", "A.10"]
    assert rows[0] == {
        "control_id": str(first.pk),
        "control_ref": "A.2",
        "control_title": first.title,
        "applicable": True,
        "justification": "",
        "decided_by": None,
        "decided_at": None,
        "implementation_status": "pass",
        "basis": "automated+manual",
        "evidence_state": "fresh",
        "owner": None,
        "next_due": None,
        "evidence_count": 1,
        "evidence": [
            {"evidence_id": str(document.pk), "title": document.title, "freshness": "fresh", "valid_until": None}
        ],
    }
    assert rows[1]["applicable"] is False
    assert rows[1]["basis"] == "excluded"
    assert rows[1]["justification"] == "=cmd|' /C calc'!A0"
    assert rows[1]["implementation_status"] is None
    assert rows[1]["evidence_count"] == 0


def test_soa_csv_streams_every_row_with_formulas_neutralised(admin_client, tenant):
    # given
    framework, _, _ = _soa_world(tenant)
    # when
    response = admin_client.get(soa_url(framework, "?format=csv"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["control_ref"] for r in rows] == ["A.2", "A.10"]
    assert rows[0]["applicable"] == "True"
    assert rows[1]["applicable"] == "False"
    assert rows[1]["justification"] == "'=cmd|' /C calc'!A0"
    assert set(rows[0]) == {
        "control_id",
        "control_ref",
        "control_title",
        "applicable",
        "justification",
        "decided_by",
        "decided_at",
        "implementation_status",
        "basis",
        "evidence_state",
        "owner",
        "next_due",
        "evidence_count",
        "evidence",
    }


def test_soa_query_count_does_not_grow_with_the_page(admin_client, tenant):
    # given a framework with a few controls, then with many more, each decided and documented
    framework = FrameworkFactory()
    TenantFramework.objects.create(tenant=tenant, framework=framework)

    def add(n):
        for _ in range(n):
            control = ControlFactory(framework=framework)
            ControlApplicability.objects.create(
                tenant=tenant, control=control, applicable=False, justification="why", decided_at=timezone.now()
            )
            manual_evidence(tenant=tenant, control=control)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(soa_url(framework, "?limit=100")).status_code == 200
        return len(captured)

    add(2)
    queries()  # the token's first use from this address is itself recorded: not part of the listing
    few = queries()
    add(20)
    # when / then
    assert queries() == few


def test_soa_of_another_tenants_custom_framework_is_404(admin_client, other_tenant):
    # given
    foreign = CustomFrameworkFactory(tenant=other_tenant)
    # when
    response = admin_client.get(soa_url(foreign))
    # then
    assert response.status_code == 404
