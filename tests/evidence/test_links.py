"""Manual evidence linked to many controls (upload once, satisfy every mapped control) and its freshness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent
from evidence.models import Evidence, EvidenceControlLink
from evidence.selectors import control_documents
from frameworks.scope import control_evidence_requirement_set
from tests.factories import MembershipFactory
from tests.frameworks.factories import ControlFactory, CustomFrameworkFactory

from .conftest import stored_files
from .factories import PDF_BYTES, active_control, manual_evidence, upload

pytestmark = pytest.mark.django_db

URL = "/api/evidence/upload"


def post(client, **fields):
    return client.post(URL, fields, format="multipart")


@pytest.fixture
def three_frameworks(tenant):
    """One control in each of three active frameworks (SOC 2 CC6.1, ISO 5.15, NIST AC-1 alike)."""
    return (
        active_control(tenant, ref="CC6.1"),
        active_control(tenant, ref="5.15"),
        active_control(tenant, ref="AC-1"),
    )


def test_one_upload_links_to_controls_of_three_frameworks_and_each_finds_it(client_for, tenant, three_frameworks):
    # given a member and controls in three frameworks
    client = client_for(tenant, Role.MEMBER)
    soc2, iso, nist = three_frameworks
    # when the policy is uploaded once for the SOC 2 control, also linked to the two others (repeated field)
    response = post(
        client,
        file=upload("access-policy.pdf", PDF_BYTES, "application/pdf"),
        control_id=str(soc2.pk),
        control_ids=[str(iso.pk), str(nist.pk), str(iso.pk), str(soc2.pk)],
    )
    # then one artifact, its primary control first, each other control once
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["control_id"] == str(soc2.pk)
    assert body["control_ids"] == [str(soc2.pk), str(iso.pk), str(nist.pk)]
    assert body["freshness"] == "fresh" and body["valid_until"] is None
    assert Evidence.objects.count() == 1
    assert EvidenceControlLink.objects.filter(evidence_id=body["id"]).count() == 3
    # and the list filtered by any of the controls finds it
    for control in three_frameworks:
        listed = client.get(f"/api/evidence?control_id={control.pk}").json()["results"]
        assert [row["id"] for row in listed] == [body["id"]], control.ref
    # and so does the list filtered by the framework of any of them
    for control in three_frameworks:
        listed = client.get(f"/api/evidence?framework_id={control.framework_id}").json()["results"]
        assert [row["id"] for row in listed] == [body["id"]], control.framework.key
    # and the upload's audit event names every linked control
    event = AuditEvent.objects.for_tenant(tenant).get(action="evidence.uploaded")
    assert event.data["linked_controls"] == [f"{c.framework.key} {c.ref}" for c in three_frameworks]


def test_linking_to_an_unknown_control_is_400_naming_it_and_stores_nothing(
    client_for, tenant, three_frameworks, local_evidence_storage
):
    # given
    soc2, _, _ = three_frameworks
    unknown = "00000000-0000-4000-8000-000000000001"
    # when
    response = post(client_for(tenant, Role.MEMBER), file=upload(), control_id=str(soc2.pk), control_ids=[unknown])
    # then
    assert response.status_code == 400, response.content
    assert unknown in str(response.json()["control_ids"])
    assert not Evidence.objects.exists() and not EvidenceControlLink.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_linking_to_another_tenants_control_is_400_and_stores_nothing(
    client_for, tenant, other_tenant, three_frameworks, local_evidence_storage
):
    # given a control of another tenant's custom framework, and one of a framework this tenant has not activated
    soc2, _, _ = three_frameworks
    foreign = ControlFactory(framework=CustomFrameworkFactory(tenant=other_tenant))
    inactive = ControlFactory()
    for control in (foreign, inactive):
        # when
        response = post(
            client_for(tenant, Role.MEMBER), file=upload(), control_id=str(soc2.pk), control_ids=[str(control.pk)]
        )
        # then
        assert response.status_code == 400, response.content
        assert "control_ids" in response.json()
    assert not Evidence.objects.exists()
    assert stored_files(local_evidence_storage) == []


def test_a_malformed_control_id_in_the_list_is_400(client_for, tenant, three_frameworks):
    # given
    soc2, _, _ = three_frameworks
    # when
    response = post(client_for(tenant), file=upload(), control_id=str(soc2.pk), control_ids=["not-a-uuid"])
    # then
    assert response.status_code == 400
    assert "control_ids" in response.json()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_viewers_and_auditors_cannot_upload(client_for, tenant, three_frameworks, role):
    # given
    soc2, iso, _ = three_frameworks
    # when
    response = post(client_for(tenant, role), file=upload(), control_id=str(soc2.pk), control_ids=[str(iso.pk)])
    # then
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_freshness_follows_the_strictest_renewal_of_its_controls(client_for, tenant, three_frameworks):
    # given a document collected 80 days ago, linked to a control renewed yearly and one renewed quarterly
    soc2, iso, _ = three_frameworks
    document = manual_evidence(
        tenant=tenant, control=soc2, control_ids=[iso.pk], collected_at=timezone.now() - timedelta(days=80)
    )
    client = client_for(tenant, Role.VIEWER)
    assert client.get(f"/api/evidence/{document.pk}").json()["freshness"] == "fresh"
    control_evidence_requirement_set(tenant=tenant, control=soc2, renewal_days=365, actor=None)
    assert client.get(f"/api/evidence/{document.pk}").json()["freshness"] == "fresh"
    # when the quarterly requirement is added
    control_evidence_requirement_set(tenant=tenant, control=iso, renewal_days=90, actor=None)
    # then the document is expiring (its renewal date is 10 days away), and expired once past it
    body = client.get(f"/api/evidence/{document.pk}").json()
    assert body["freshness"] == "expiring"
    assert body["valid_until"].startswith((document.collected_at + timedelta(days=90)).date().isoformat())
    control_evidence_requirement_set(tenant=tenant, control=iso, renewal_days=60, actor=None)
    assert client.get(f"/api/evidence/{document.pk}").json()["freshness"] == "expired"


def test_its_own_expiry_counts_even_without_a_requirement(client_for, tenant, three_frameworks):
    # given a document that expired yesterday
    soc2, _, _ = three_frameworks
    document = manual_evidence(
        tenant=tenant,
        control=soc2,
        collected_at=timezone.now() - timedelta(days=30),
        expires_at=timezone.now() - timedelta(days=1),
    )
    # when
    body = client_for(tenant, Role.VIEWER).get(f"/api/evidence/{document.pk}").json()
    # then
    assert body["freshness"] == "expired" and body["is_expired"] is True


def test_the_evidence_list_does_not_query_per_row(client_for, tenant, three_frameworks, django_assert_max_num_queries):
    # given many documents, each linked to three controls, two of them with requirements
    soc2, iso, nist = three_frameworks
    control_evidence_requirement_set(tenant=tenant, control=soc2, renewal_days=365, actor=None)
    control_evidence_requirement_set(tenant=tenant, control=iso, renewal_days=90, actor=None)
    for _ in range(15):
        manual_evidence(tenant=tenant, control=soc2, control_ids=[iso.pk, nist.pk])
    client = client_for(tenant, Role.VIEWER)
    client.get("/api/evidence")  # the token's first use from this address is recorded once
    # when / then
    with django_assert_max_num_queries(12):
        rows = client.get("/api/evidence?limit=50").json()["results"]
    assert len(rows) == 15
    assert all(len(row["control_ids"]) == 3 and row["freshness"] == "fresh" for row in rows)


def test_control_documents_reads_any_number_of_owned_requirements_in_fixed_queries(tenant, three_frameworks):
    # given requirements with owners on a few controls, then on many more
    owners = [MembershipFactory(tenant=tenant) for _ in range(3)]
    controls = list(three_frameworks)

    def add(n: int) -> None:
        for i in range(n):
            c = active_control(tenant)
            controls.append(c)
            control_evidence_requirement_set(
                tenant=tenant, control=c, renewal_days=90, owner_id=owners[i % 3].pk, actor=None
            )
            manual_evidence(tenant=tenant, control=c)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            states = control_documents(tenant=tenant, control_ids=[c.pk for c in controls])
            assert all(s.owner_email for s in states.values() if s.requirement_id)
        return len(captured)

    add(2)
    few = queries()
    add(12)
    # when / then
    assert queries() == few
