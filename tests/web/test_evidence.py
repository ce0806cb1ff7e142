"""The evidence register: filters, download links, verification, auditor exports, deletion with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence, EvidenceExport, EvidenceTombstone
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from tests.evidence.factories import CSV_BYTES

from .factories import custom_framework, evidence_for

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
    # when
    page = admin_web.get("/evidence/").content.decode()
    # then
    for evidence in register.values():
        assert shown(page, evidence)
        assert f"/api/evidence/{evidence.pk}/download" in page
        assert f"/evidence/{evidence.pk}/verify/" in page
    assert "Automatic (scan)" in page and "Manual upload" in page


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
            tenant, scan_data.controls[0], name=f"n{i}.txt", content=f"n{i}\n".encode(), user=admin_web.membership.user
        )
    # when / then
    with django_assert_max_num_queries(12):
        first = admin_web.get("/evidence/").content.decode()
    assert first.count("data-sha256=") == 50
    assert "Page 1 of 2" in first
