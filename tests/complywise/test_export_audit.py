"""Every download of a set of the tenant's data leaves one audit line: who, what, in which format, which filters."""

from __future__ import annotations

import pytest
from django.test import Client

from complywise.choices import Role
from complywise.models import AuditEvent
from tests.factories import MembershipFactory
from tests.web.factories import scan_data_for

pytestmark = pytest.mark.django_db


def exported(tenant) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_tenant(tenant).filter(action="data.exported").order_by("created_at"))


@pytest.mark.parametrize(
    ("path", "what", "fmt"),
    [
        ("/api/scans/{scan}/results?format=csv&status=fail", "scan results", "csv"),
        ("/api/scans/{scan}/outcomes?format=json", "scan outcomes", "json"),
        ("/api/evidence?format=csv", "evidence list", "csv"),
        ("/api/frameworks/{framework}/posture?format=csv", "framework posture", "csv"),
        ("/api/frameworks/{framework}/soa?format=json", "statement of applicability", "json"),
        ("/api/scans/{scan}/oscal", "OSCAL assessment results", "oscal-json"),
        ("/api/scans/{scan}/oscal/poam", "OSCAL POA&M", "oscal-json"),
        ("/api/scans/{scan}/report?framework_id={framework}", "scan report", "pdf"),
    ],
)
def test_each_api_download_is_audited_once_with_its_actor_and_filters(client_for, tenant, path, what, fmt):
    # given a completed scan and a viewer (every role may download)
    data = scan_data_for(tenant)
    client = client_for(tenant, Role.VIEWER)
    url = path.format(scan=data.job.pk, framework=data.framework.pk)
    # when the download is taken
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    b"".join(response.streaming_content) if response.streaming else response.content
    # then one audit line says who took what, how
    [event] = exported(tenant)
    assert (event.data["what"], event.data["format"]) == (what, fmt)
    assert event.actor is not None and event.actor.memberships.get(tenant=tenant).role == Role.VIEWER
    if "status=fail" in url:
        assert event.data["filters"] == {"status": "fail"}


def test_a_refused_download_is_not_audited(client_for, tenant):
    data = scan_data_for(tenant)
    response = client_for(tenant, Role.VIEWER).get(f"/api/scans/{data.job.pk}/outcomes?format=csv&status=bogus")
    assert response.status_code == 400
    assert exported(tenant) == []


def test_page_downloads_are_audited_too(tenant):
    data = scan_data_for(tenant)
    browser = Client()
    browser.force_login(MembershipFactory(tenant=tenant, role=Role.AUDITOR).user)
    assert browser.get(f"/scans/{data.job.pk}/results.csv").status_code == 200
    assert browser.get(f"/scans/{data.job.pk}/report/{data.framework.pk}.pdf").status_code == 200
    assert [(e.data["what"], e.data["format"]) for e in exported(tenant)] == [
        ("scan results", "csv"),
        ("scan report", "pdf"),
    ]
