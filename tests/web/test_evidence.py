"""The evidence register: filters, download links, verification, auditor exports, deletion with a reason."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence, EvidenceExport, EvidenceTombstone
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from frameworks.models import Control
from frameworks.scope import control_evidence_requirement_set
from scans.models import ScanResult
from tests.evidence.factories import CSV_BYTES

from .factories import custom_framework, evidence_for, scan_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(tenant, scan_data):
    """A manual upload on CTL-1, an auto artifact on CTL-2, and an old manual one on another framework's control."""
    manual = evidence_for(tenant, scan_data.controls[0], name="review.csv", content=CSV_BYTES)
    (auto,) = evidence_store_auto_batch(
        tenant=tenant,
        scan_job=scan_data.job,
        items=[
            AutoEvidenceItem(
                control=scan_data.failing, framework=scan_data.framework, title="Scan result CTL-2", document={"x": 1}
            )
        ],
        collected_at=timezone.now(),
    )
    _, other_controls = custom_framework(tenant, key="other", controls=1)
    old = evidence_for(tenant, other_controls[0], name="old.txt", content=b"old\n")
    Evidence.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    return {"manual": manual, "auto": auto, "old": old}


def shown(page: str, evidence: Evidence) -> bool:
    return f'data-sha256="{evidence.sha256}"' in page


def test_list_shows_every_item_with_hash_size_and_links(admin_web, register):
    # when every type is asked for
    page = admin_web.get("/evidence/", {"type": "all"}).content.decode()
    # then
    for evidence in register.values():
        assert shown(page, evidence)
        assert f"/api/evidence/{evidence.pk}/download" in page
        assert f"/evidence/{evidence.pk}/verify/" in page
    assert "Automatic (scan)" in page and "Manual upload" in page


def test_default_view_lists_documents_only(admin_web, register):
    # when the register is opened without filters
    page = admin_web.get("/evidence/").content.decode()
    # then the uploaded documents are listed, the scan artifact is one link away
    assert shown(page, register["manual"]) and shown(page, register["old"])
    assert not shown(page, register["auto"])
    assert "/evidence/?type=auto" in page


def test_filters_by_type_control_ref_framework_and_dates(admin_web, register, scan_data):
    def page(**params):
        return admin_web.get("/evidence/", params).content.decode()

    # when / then
    auto_only = page(type="auto")
    assert shown(auto_only, register["auto"]) and not shown(auto_only, register["manual"])
    by_ref = page(control_ref="ctl-1")
    assert shown(by_ref, register["manual"]) and not shown(by_ref, register["auto"])
    by_framework = page(framework=str(scan_data.framework.pk))
    assert shown(by_framework, register["manual"]) and not shown(by_framework, register["old"])
    today = timezone.now().date()
    recent = page(created_from=(today - timedelta(days=7)).isoformat(), created_to=today.isoformat())
    assert not shown(recent, register["old"]) and shown(recent, register["manual"])
    old_only = page(created_to=(today - timedelta(days=30)).isoformat())
    assert shown(old_only, register["old"]) and not shown(old_only, register["manual"])


def test_bad_filters_are_reported_not_500(admin_web, register):
    # when
    response = admin_web.get("/evidence/", {"created_from": "2026-02-10", "created_to": "2026-02-01", "type": "x"})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Must not be before the start date." in page
    assert "Select a valid choice" in page


def test_verify_reports_an_intact_file(web_login, tenant, register):
    # given a viewer
    client = web_login(tenant, Role.VIEWER)
    # when
    response = client.post(f"/evidence/{register['manual'].pk}/verify/", {"next": "/evidence/?type=manual"})
    # then back to where the button was, with the result
    assert response.status_code == 302 and response["Location"] == "/evidence/?type=manual"
    page = client.get(response["Location"]).content.decode()
    assert "The file and its chain link are intact." in page


def test_verify_reports_a_tampered_file(admin_web, register, local_evidence_storage):
    # given the stored file was changed behind the platform's back
    (local_evidence_storage / register["manual"].file_key).write_bytes(b"tampered\n")
    # when
    response = admin_web.post(f"/evidence/{register['manual'].pk}/verify/", follow=True)
    # then
    page = response.content.decode()
    assert "failed verification" in page
    assert "sha256 differs" in page


def test_verify_never_redirects_off_site(admin_web, register):
    response = admin_web.post(f"/evidence/{register['manual'].pk}/verify/", {"next": "https://evil.example/"})
    assert response["Location"] == "/evidence/"


def test_auditor_requests_an_export_that_is_built(
    web_login, tenant, register, scan_data, django_capture_on_commit_callbacks
):
    # given an auditor
    client = web_login(tenant, Role.AUDITOR)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/evidence/export/", {"framework": str(scan_data.framework.pk)})
    # then the bundle is built and offered for download
    export = EvidenceExport.objects.get()
    assert export.status == "completed", export.error
    assert response["Location"] == "/evidence/#exports"
    page = client.get(response["Location"]).content.decode()
    assert "The export is being built" in page
    assert f"/api/evidence/exports/{export.pk}/download" in page


def test_export_form_errors_are_shown(admin_web, register):
    response = admin_web.post("/evidence/export/", {"framework": "", "period_start": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "Enter a valid date/time." in page


def test_admin_deletes_with_a_reason_leaving_a_tombstone(admin_web, register):
    # when
    response = admin_web.post(f"/evidence/{register['manual'].pk}/delete/", {"reason": "uploaded twice"}, follow=True)
    # then
    assert not Evidence.objects.filter(pk=register["manual"].pk).exists()
    assert EvidenceTombstone.objects.get(evidence_id=register["manual"].pk).reason == "uploaded twice"
    assert "tombstone" in response.content.decode()


def test_delete_without_a_reason_deletes_nothing(admin_web, register):
    response = admin_web.post(f"/evidence/{register['manual'].pk}/delete/", {"reason": ""}, follow=True)
    assert Evidence.objects.filter(pk=register["manual"].pk).exists()
    assert "A reason is required" in response.content.decode()


def test_only_admins_see_the_delete_form(web_login, tenant, register):
    assert "Delete…" not in web_login(tenant, Role.MEMBER).get("/evidence/").content.decode()
    assert "Delete…" in web_login(tenant, Role.ADMIN).get("/evidence/").content.decode()


def test_list_is_paginated_with_constant_queries(admin_web, tenant, scan_data, django_assert_max_num_queries):
    # given 60 uploads by a user
    for i in range(60):
        evidence_for(
            tenant, scan_data.controls[0], name=f"n{i}.txt", content=f"n{i}\n".encode(), actor=admin_web.membership.user
        )
    # when / then
    with django_assert_max_num_queries(12):
        first = admin_web.get("/evidence/").content.decode()
    assert first.count("data-sha256=") == 50
    assert "Page 1 of 2" in first


# --- documents, their freshness and every control they support; scan artifacts by scan -----------------------


def test_documents_show_freshness_and_every_control_they_support(admin_web, tenant):
    # given two frameworks; CTL-1 needs a yearly document, CTL-3 a monthly one
    acme, (ctl1, _, ctl3) = custom_framework(tenant)
    other, (_, other_ctl2) = custom_framework(tenant, key="other-fw", controls=2)
    control_evidence_requirement_set(tenant=tenant, control=ctl1, renewal_days=365, actor=None)
    control_evidence_requirement_set(tenant=tenant, control=ctl3, renewal_days=30, actor=None)
    collected = timezone.now() - timedelta(days=1)
    # one upload for CTL-1 that also supports the other framework's CTL-2, and a stale one for CTL-3
    shared = evidence_for(tenant, ctl1, control_ids=[other_ctl2.pk], collected_at=collected)
    stale = evidence_for(
        tenant, ctl3, name="stale.txt", content=b"stale\n", collected_at=collected - timedelta(days=60)
    )
    # when the register is opened
    page = admin_web.get("/evidence/").content.decode()
    shared_row = row_of(page, shared)
    stale_row = row_of(page, stale)
    # then the shared document lists both controls, linked, with their framework keys
    assert f'href="/controls/{ctl1.pk}/"' in shared_row and f'href="/controls/{other_ctl2.pk}/"' in shared_row
    assert acme.key in shared_row and other.key in shared_row
    # and is fresh for a year from its collection; the other expired after 30 days
    assert "badge-fresh" in shared_row
    assert f"valid until {(collected + timedelta(days=365)):%-d %b %Y}" in shared_row
    assert "badge-expired" in stale_row
    assert f"valid until {(collected - timedelta(days=30)):%-d %b %Y}" in stale_row


def row_of(page: str, evidence: Evidence) -> str:
    marker = page.index(f'data-sha256="{evidence.sha256}"')
    return page[page.rindex("<tr", 0, marker) : page.index("</tr>", marker)]


def test_filter_by_control_ref_or_framework_finds_a_document_through_any_linked_control(admin_web, tenant):
    # given a document whose primary control is CTL-1 of one framework, also linked to X-9 of another
    _, (primary,) = custom_framework(tenant, controls=1)
    other, _ = custom_framework(tenant, key="other-fw", controls=0)
    linked = Control.objects.create(framework=other, ref="X-9", title="Linked control")
    document = evidence_for(tenant, primary, control_ids=[linked.pk])
    unrelated = evidence_for(tenant, primary, name="unrelated.txt", content=b"unrelated\n")

    def page(**params):
        return admin_web.get("/evidence/", params).content.decode()

    # when / then the linked control's ref finds it (and not the other upload)
    by_ref = page(control_ref="x-9")
    assert shown(by_ref, document) and not shown(by_ref, unrelated)
    # and so does the linked control's framework, alone or with the ref
    assert shown(page(framework=str(other.pk)), document)
    assert shown(page(framework=str(other.pk), control_ref="X-9"), document)
    # but not a ref of that framework it is not linked to
    assert not shown(page(framework=str(other.pk), control_ref="CTL-1"), document)


def test_scan_artifacts_are_grouped_by_scan_and_not_assessed_stubs_hidden(admin_web, tenant, scan_data):
    # given an artifact per control in each of scan_data's two scans (same content, so the same hash)
    artifacts = {}
    for job in (scan_data.previous, scan_data.job):
        rows = evidence_store_auto_batch(
            tenant=tenant,
            scan_job=job,
            items=[
                AutoEvidenceItem(control=c, framework=scan_data.framework, title=f"Scan result {c.ref}", document={})
                for c in scan_data.controls
            ],
            collected_at=job.created_at,
        )
        artifacts[job.pk] = rows
        # the results point at their artifacts, as the roll-up does; CTL-3 was not assessed
        for row in rows:
            ScanResult.objects.filter(scan_job=job, control=row.control).update(evidence=row)
    ScanResult.objects.filter(scan_job=scan_data.job, control=scan_data.controls[2]).update(basis="unassessed")
    latest, previous = artifacts[scan_data.job.pk], artifacts[scan_data.previous.pk]
    # when the scan artifacts are listed
    page = admin_web.get("/evidence/", {"type": "auto"}).content.decode()
    # then one heading per scan, newest first, linking to the scan, each followed by its own artifacts
    newest_heading = page.index(f'href="/scans/{scan_data.job.pk}/"')
    older_heading = page.index(f'href="/scans/{scan_data.previous.pk}/"')
    assert page.count('scope="rowgroup"') == 2
    assert newest_heading < page.index(listed(latest[0])) < older_heading
    assert older_heading < page.index(listed(previous[0]))
    # and the not-assessed stubs (CTL-3, before and after basis existed) are hidden
    assert listed(latest[1]) in page and listed(latest[2]) not in page and listed(previous[2]) not in page
    assert "2 artifacts" in page
    # when asked for, they are shown
    everything = admin_web.get("/evidence/", {"type": "auto", "unassessed": "on"}).content.decode()
    assert listed(latest[2]) in everything and listed(previous[2]) in everything
    # and one scan's artifacts can be listed alone
    one_scan = admin_web.get("/evidence/", {"type": "auto", "scan": str(scan_data.previous.pk)}).content.decode()
    assert listed(previous[0]) in one_scan and listed(latest[0]) not in one_scan
    assert "Only the artifacts of one scan are shown." in one_scan


def listed(evidence: Evidence) -> str:
    return f"/api/evidence/{evidence.pk}/download"


def test_export_panel_is_at_the_top(admin_web, register):
    page = admin_web.get("/evidence/").content.decode()
    assert page.index("Auditor exports") < page.index('aria-label="Filter evidence"')


def test_register_queries_do_not_grow_with_linked_documents_or_artifacts(admin_web, tenant, scan_data):
    _, many = custom_framework(tenant, key="many", controls=40)

    def add(documents: int, artifacts: list) -> None:
        for _ in range(documents):
            n = Evidence.objects.count()
            evidence_for(
                tenant,
                scan_data.controls[0],
                control_ids=[many[n % 40].pk],
                name=f"n{n}.txt",
                content=f"{n}\n".encode(),
            )
        evidence_store_auto_batch(
            tenant=tenant,
            scan_job=scan_data.job,
            items=[AutoEvidenceItem(control=c, framework=c.framework, title=c.ref, document={}) for c in artifacts],
            collected_at=timezone.now(),
        )

    def count(params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_web.get("/evidence/", params).status_code == 200
        return len(queries)

    # given 2 documents each linked to two controls, and 2 artifacts of a scan
    add(2, many[:2])
    few_documents, few_artifacts = count({}), count({"type": "auto"})
    # when there are 30 documents and 40 artifacts
    add(28, many[2:])
    # then each list costs the same number of queries
    assert count({}) == few_documents
    assert count({"type": "auto"}) == few_artifacts


def test_api_list_and_register_page_filter_through_the_same_selector(admin_web, client_for, tenant):
    # given a document on A-1 also linked to B-1 (another framework), a document on B-1 only, a document on A-2,
    # and a scan artifact on A-1
    framework_a, (a1, a2) = custom_framework(tenant, key="fw-a", controls=2)
    _, (b1,) = custom_framework(tenant, key="fw-b", controls=1)
    Control.objects.filter(pk=a1.pk).update(ref="A-1")
    Control.objects.filter(pk=a2.pk).update(ref="A-2")
    Control.objects.filter(pk=b1.pk).update(ref="B-1")
    a1.refresh_from_db()
    a2.refresh_from_db()
    b1.refresh_from_db()
    linked = evidence_for(tenant, a1, name="linked.txt", content=b"linked\n", control_ids=[b1.pk])
    only_b = evidence_for(tenant, b1, name="b.txt", content=b"b\n")
    only_a2 = evidence_for(tenant, a2, name="a2.txt", content=b"a2\n")
    (auto,) = evidence_store_auto_batch(
        tenant=tenant,
        scan_job=scan_job(tenant),
        items=[AutoEvidenceItem(control=a1, framework=framework_a, title="Scan result A-1", document={"x": 1})],
        collected_at=timezone.now(),
    )
    api = client_for(tenant, Role.AUDITOR)

    def api_ids(**query):
        response = api.get("/api/evidence", {**query, "limit": 100})
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    def page_ids(**query):
        response = admin_web.get("/evidence/", {"type": "all", "unassessed": "on", **query})
        assert response.status_code == 200
        return {str(evidence.pk) for evidence in response.context["page"].object_list}

    def ids(*rows):
        return {str(row.pk) for row in rows}

    # when / then: a control matched through its EvidenceControlLink
    assert api_ids(control_id=b1.pk) == page_ids(control_ref="B-1") == ids(linked, only_b)
    assert api_ids(control_id=a1.pk) == page_ids(control_ref="a-1") == ids(linked, auto)
    # a framework
    assert api_ids(framework_id=framework_a.pk) == page_ids(framework=framework_a.pk) == ids(linked, only_a2, auto)
    # a type
    assert api_ids(type="manual") == page_ids(type="manual") == ids(linked, only_b, only_a2)
    assert api_ids(type="auto") == page_ids(type="auto") == ids(auto)
    # and together
    assert api_ids(control_id=a1.pk, type="manual") == page_ids(control_ref="A-1", type="manual") == ids(linked)
    assert (
        api_ids(framework_id=framework_a.pk, type="auto")
        == page_ids(framework=framework_a.pk, type="auto")
        == ids(auto)
    )
