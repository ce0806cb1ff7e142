"""The control page: description, mapped checks, verdict history, evidence, and uploading evidence from a form."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from complywise.choices import Role
from complywise.models import AuditEvent
from evidence.models import Evidence
from frameworks.models import ControlCheck
from tests.evidence.factories import CSV_BYTES, ELF_BYTES, PDF_BYTES

from .factories import evidence_for

pytestmark = pytest.mark.django_db

SG_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"


def upload_url(control) -> str:
    return f"/controls/{control.pk}/evidence/"


def test_control_page_shows_description_checks_history_and_evidence(admin_web, tenant, scan_data):
    # given a control mapped to a registered check, failing in the latest scan, with one expired upload
    control = scan_data.failing
    ControlCheck.objects.create(control=control, check_id=SG_CHECK)
    evidence = evidence_for(
        tenant,
        control,
        name="review.csv",
        content=CSV_BYTES,
        user=admin_web.membership.user,
        collected_at=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=35),
    )
    # when
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    # then the control, its group and description
    assert "CTL-2" in page and "Control number 2" in page and "Access" in page and "Do 2." in page
    # the registry's description of the mapped check, and an unregistered id flagged as such
    assert SG_CHECK in page and "Not provided by any installed connector" in page
    # both verdicts, newest first
    history = page[page.index("Result history") : page.index('id="evidence"')]
    assert history.index("Fail") < history.index("Pass")
    # the evidence with its shortened SHA-256 (full one in the title), size, who and freshness
    assert f'title="{evidence.sha256}"' in page
    assert evidence.sha256[:12] + "…" in page
    assert "29\xa0bytes" in page
    assert admin_web.membership.user.email in page
    assert "Expired" in page
    assert f"/api/evidence/{evidence.pk}/download" in page


def test_upload_stores_evidence_and_shows_it_with_its_sha256(web_login, tenant, scan_data):
    # given a member on a control page
    client = web_login(tenant, Role.MEMBER)
    control = scan_data.controls[0]
    form = client.get(f"/controls/{control.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in form and "csrfmiddlewaretoken" in form
    # when a PDF is uploaded with a title and an expiry
    response = client.post(
        upload_url(control),
        {
            "file": SimpleUploadedFile("policy.pdf", PDF_BYTES, content_type="application/pdf"),
            "title": "Access policy 2026",
            "description": "Signed by the CISO.",
            "collected_at": "2026-01-02T10:30",
            "expires_at": "2099-01-02T10:30",
        },
    )
    # then it is stored through the service, hashed, and the page shows it
    assert response.status_code == 302
    assert response["Location"] == f"/controls/{control.pk}/#evidence"
    evidence = Evidence.objects.get(control=control)
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (evidence.type, evidence.title, evidence.content_type) == ("manual", "Access policy 2026", "application/pdf")
    assert evidence.uploaded_by == client.membership.user
    assert evidence.collected_at.isoformat().startswith("2026-01-02T10:30")
    page = client.get(response["Location"]).content.decode()
    assert evidence.sha256 in page  # in the success message and the title attribute
    assert "Access policy 2026" in page and "Current" in page
    assert AuditEvent.objects.filter(action="evidence.uploaded", target_id=str(evidence.pk)).exists()


def test_empty_file_is_a_form_error(admin_web, scan_data):
    # when
    response = admin_web.post(upload_url(scan_data.controls[0]), {"file": SimpleUploadedFile("empty.txt", b"")})
    # then
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()
    assert not Evidence.objects.exists()


def test_missing_file_is_a_form_error(admin_web, scan_data):
    response = admin_web.post(upload_url(scan_data.controls[0]), {"title": "no file"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_executable_is_refused_with_415_as_a_form_error(admin_web, scan_data):
    # when an ELF binary is uploaded under an innocent name
    response = admin_web.post(upload_url(scan_data.controls[0]), {"file": SimpleUploadedFile("report.pdf", ELF_BYTES)})
    # then the control page answers with the reason on the file field
    assert response.status_code == 415
    page = response.content.decode()
    assert "This type of file is not accepted as evidence." in page
    assert "application/pdf" in page  # the accepted types are listed
    assert "<h1>" in page and "CTL-1" in page
    assert not Evidence.objects.exists()


def test_file_over_the_limit_is_refused_with_413_as_a_form_error(admin_web, scan_data, settings):
    # given a 100-byte limit
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    # when a 300-byte file is streamed in (the limit handler drops it while it arrives)
    response = admin_web.post(upload_url(scan_data.controls[0]), {"file": SimpleUploadedFile("big.txt", b"a" * 300)})
    # then
    assert response.status_code == 413
    assert "larger than the limit of 100 bytes" in response.content.decode()
    assert not Evidence.objects.exists()


def test_body_far_over_the_limit_is_refused_before_it_is_read(admin_web, scan_data, settings):
    # given a 100-byte limit and a body bigger than the limit plus the multipart allowance
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 500))
    # when
    response = admin_web.post(upload_url(scan_data.controls[0]), {"file": big})
    # then
    assert response.status_code == 413
    assert "larger than the limit of 100 bytes" in response.content.decode()


def test_bad_dates_are_form_errors(admin_web, scan_data):
    # when expires_at is before collected_at (a rule of the service)
    response = admin_web.post(
        upload_url(scan_data.controls[0]),
        {
            "file": SimpleUploadedFile("notes.txt", b"notes\n"),
            "collected_at": "2026-01-02T10:30",
            "expires_at": "2025-01-02T10:30",
        },
    )
    # then
    assert response.status_code == 400
    assert "Must be after collected_at." in response.content.decode()
    # and a date that is not a date is the form's own error
    response = admin_web.post(
        upload_url(scan_data.controls[0]),
        {"file": SimpleUploadedFile("notes.txt", b"notes\n"), "collected_at": "yesterday"},
    )
    assert response.status_code == 400
    assert "Enter a valid date/time." in response.content.decode()


def test_upload_requires_a_valid_csrf_token(tenant, scan_data, web_login):
    # given a browser-like client that enforces CSRF
    member = web_login(tenant, Role.MEMBER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.membership.user)
    url = upload_url(scan_data.controls[0])
    # when posting without the token
    refused = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"notes\n")})
    # then
    assert refused.status_code == 403
    assert not Evidence.objects.exists()
    # and with the page's token it works
    client.get(f"/controls/{scan_data.controls[0].pk}/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"notes\n"), "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert Evidence.objects.count() == 1


def test_evidence_on_the_control_page_is_paginated(admin_web, tenant, scan_data):
    # given 30 uploads
    control = scan_data.controls[0]
    for i in range(30):
        evidence_for(tenant, control, name=f"n{i}.txt", content=f"note {i}\n".encode())
    # when
    first = admin_web.get(f"/controls/{control.pk}/").content.decode()
    second = admin_web.get(f"/controls/{control.pk}/", {"page": 2}).content.decode()
    # then
    assert first.count("data-sha256=") == 25 and second.count("data-sha256=") == 5
    assert "30 items" in first or "30 item" in first
