"""The control page: description, mapped checks, verdict history, evidence, and uploading evidence from a form."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from complywise.choices import Role
from complywise.models import AuditEvent
from evidence.models import Evidence, EvidenceControlLink
from frameworks.models import Control, ControlCheck, ControlEvidenceRequirement, Framework, TenantFramework
from integrations.registry import get_check
from scans.models import ScanResult
from tests.evidence.factories import CSV_BYTES, ELF_BYTES, PDF_BYTES

from .factories import custom_framework, evidence_for

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
        actor=admin_web.membership.user,
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
    assert "Access policy 2026" in page and 'data-state="fresh"' in page and "until 2 Jan 2099" in page
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


# --- posture (#14): live status, checks of the latest scan, the evidence requirement, "Also supports" --------------

GITHUB_CHECK = "github.branch_protection.default_branch_protected"
ROOT_MFA_CHECK = "aws.iam.root_mfa_enabled"


def requirement_url(control) -> str:
    return f"/controls/{control.pk}/evidence-requirement/"


def scanned_checks(scan_data, control, *, automated_status: str, checks: list[dict]) -> None:
    """Give the control's result in the latest scan the per-check detail a posture-aware scan records."""
    ScanResult.objects.filter(scan_job=scan_data.job, control=control).update(
        status="fail" if automated_status in ("fail", "error") else "pass",
        basis="automated",
        automated_status=automated_status,
        errored=automated_status == "error",
        checks=checks,
        checks_mapped=len(checks),
        checks_ran=sum(1 for c in checks if c["status"] != "not-run"),
        missing_integration_types=sorted({c["integration_type"] for c in checks if c["status"] == "not-run"}),
    )


def check_row(check_id: str, status: str, *, passed=0, failed=0, errored=0) -> dict:
    check = get_check(check_id)
    return {
        "id": check_id,
        "title": check.title,
        "severity": str(check.severity),
        "integration_type": check.integration_type,
        "status": status,
        "passed": passed,
        "failed": failed,
        "errored": errored,
    }


def test_control_page_lists_each_mapped_check_with_its_status_in_the_latest_scan(admin_web, scan_data):
    # given a control mapped to three registered checks: one failed, one passed, one (GitHub) never ran
    control = scan_data.controls[0]
    ControlCheck.objects.filter(control=control).delete()
    for check_id in (ROOT_MFA_CHECK, SG_CHECK, GITHUB_CHECK):
        ControlCheck.objects.create(control=control, check_id=check_id)
    scanned_checks(
        scan_data,
        control,
        automated_status="fail",
        checks=[
            check_row(SG_CHECK, "fail", failed=2, passed=1),
            check_row(ROOT_MFA_CHECK, "pass", passed=1),
            check_row(GITHUB_CHECK, "not-run"),
        ],
    )
    # when
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    # then the control fails on automated checks, failing check first with its severity and remediation
    assert 'data-status="fail" data-basis="automated"' in page
    checks = page[page.index('id="checks-heading"') : page.index('id="history-heading"')]
    assert checks.index(SG_CHECK) < checks.index(ROOT_MFA_CHECK) < checks.index(GITHUB_CHECK)
    failing = checks[checks.index(f'data-check="{SG_CHECK}"') : checks.index(f'data-check="{ROOT_MFA_CHECK}"')]
    assert "Fail" in failing and "High" in failing and "2 failing, 1 passing" in failing
    assert escape(get_check(SG_CHECK).remediation) in failing
    passing = checks[checks.index(f'data-check="{ROOT_MFA_CHECK}"') : checks.index(f'data-check="{GITHUB_CHECK}"')]
    assert "Pass" in passing and "Remediation" not in passing
    assert 'data-state="not-run"' in checks[checks.index(f'data-check="{GITHUB_CHECK}"') :]
    # and how much of the mapping ran, naming the integration the scan lacked
    assert "Checks ran: 2 of 3 mapped; no github integration in the latest scan." in page
    # and each check links to its entry in the check catalog, which finds it
    assert f'href="/checks/?q={SG_CHECK}#{SG_CHECK}"' in failing
    assert f'<tr id="{SG_CHECK}">' in admin_web.get("/checks/", {"q": SG_CHECK}).content.decode()


def test_a_check_that_could_not_evaluate_is_shown_apart_from_a_failure(admin_web, scan_data):
    # given a control whose only check errored in the latest scan
    control = scan_data.controls[0]
    ControlCheck.objects.filter(control=control).delete()
    ControlCheck.objects.create(control=control, check_id=ROOT_MFA_CHECK)
    scanned_checks(scan_data, control, automated_status="error", checks=[check_row(ROOT_MFA_CHECK, "error", errored=1)])
    # when
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    # then it reads "could not evaluate", not a plain fail
    head = page[page.index("<h1>") : page.index('id="posture-heading"')]
    assert 'data-status="could-not-evaluate"' in head and "Could not evaluate" in head
    assert "badge-fail" not in head


def test_mapped_checks_of_a_control_never_scanned_show_not_run(admin_web, tenant):
    # given a control with two mapped checks and no scan at all
    _, (control,) = custom_framework(tenant, controls=1)
    ControlCheck.objects.create(control=control, check_id=SG_CHECK)
    ControlCheck.objects.create(control=control, check_id=ROOT_MFA_CHECK)
    # when
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    # then both are listed as not run and the control is not assessed
    checks = page[page.index('id="checks-heading"') : page.index('id="history-heading"')]
    assert checks.count('data-state="not-run"') == 2
    assert "No completed scan has evaluated this control yet: 2 checks mapped." in page
    assert 'data-status="not-applicable" data-basis="unassessed"' in page


def test_an_admin_sets_changes_and_removes_the_evidence_requirement(admin_web, web_login, tenant, scan_data):
    # given an admin, another member as the future owner, and a control without a requirement
    owner = web_login(tenant, Role.MEMBER).membership
    control = scan_data.controls[2]
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    assert "No document required." in page and f'action="{requirement_url(control)}"' in page
    # when the admin requires a document every 90 days, owned by the member, first due on a date
    response = admin_web.post(
        requirement_url(control), {"renewal_days": "90", "owner": str(owner.pk), "due_date": "2027-01-15"}
    )
    # then it is stored through the service and the control page shows it, failing for want of a document
    assert response.status_code == 302 and response["Location"] == f"/controls/{control.pk}/#requirement"
    requirement = ControlEvidenceRequirement.objects.for_tenant(tenant).get(control=control)
    assert (requirement.renewal_days, requirement.owner, str(requirement.due_date)) == (90, owner, "2027-01-15")
    assert requirement.set_by == admin_web.membership.user
    page = admin_web.get(response["Location"]).content.decode()
    assert "now requires a document, renewed every 90 days" in page
    assert "90 days" in page and owner.user.email in page and "15 Jan 2027" in page
    assert 'data-status="fail" data-basis="manual"' in page and "Document missing:" in page
    assert AuditEvent.objects.filter(action="control.evidence_requirement_set").count() == 1
    # when it is changed to no owner
    admin_web.post(requirement_url(control), {"renewal_days": "365", "owner": ""})
    requirement.refresh_from_db()
    assert (requirement.renewal_days, requirement.owner) == (365, None)
    assert "no owner" in admin_web.get(f"/controls/{control.pk}/").content.decode()
    # when it is removed
    response = admin_web.post(f"{requirement_url(control)}delete/")
    # then
    assert response.status_code == 302
    assert not ControlEvidenceRequirement.objects.exists()
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    assert "no longer requires a document" in page and "No document required." in page
    assert AuditEvent.objects.filter(action="control.evidence_requirement_deleted").count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_only_admins_see_and_use_the_requirement_form(web_login, tenant, scan_data, role):
    # given a non-admin, and a requirement already set on another control
    client = web_login(tenant, role)
    control, other = scan_data.controls[0], scan_data.controls[1]
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=other, renewal_days=365)
    # when
    page = client.get(f"/controls/{control.pk}/").content.decode()
    set_response = client.post(requirement_url(control), {"renewal_days": "30"})
    delete_response = client.post(f"{requirement_url(other)}delete/")
    # then no form, both posts refused, nothing stored or removed
    assert requirement_url(control) not in page
    assert set_response.status_code == 403 and delete_response.status_code == 403
    assert list(ControlEvidenceRequirement.objects.values_list("control_id", flat=True)) == [other.pk]


@pytest.mark.parametrize("days", ["0", "3651", "-5", "many"])
def test_renewal_days_out_of_range_is_a_form_error_and_nothing_is_stored(admin_web, scan_data, days):
    # when
    response = admin_web.post(requirement_url(scan_data.controls[0]), {"renewal_days": days})
    # then the control page comes back with the error on the field
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('for="requirement_renewal_days"') :]
    assert 'class="error"' in field[: field.index("</div>")]
    assert not ControlEvidenceRequirement.objects.exists()


def test_an_owner_who_is_not_a_member_is_refused(admin_web, web_login, other_tenant, scan_data):
    # given a member of another tenant
    stranger = web_login(other_tenant, Role.ADMIN).membership
    # when the admin posts that membership as the owner
    response = admin_web.post(requirement_url(scan_data.controls[0]), {"renewal_days": "90", "owner": str(stranger.pk)})
    # then the owner field carries the error and nothing is stored
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('for="requirement_owner"') :]
    assert "Select a valid choice" in field[: field.index("</div>")]
    assert stranger.user.email not in page
    assert not ControlEvidenceRequirement.objects.exists()


def test_the_owner_choices_are_the_tenants_members_only(admin_web, web_login, tenant, other_tenant, scan_data):
    # given a member here and one elsewhere
    colleague = web_login(tenant, Role.VIEWER).membership
    stranger = web_login(other_tenant, Role.ADMIN).membership
    # when
    page = admin_web.get(f"/controls/{scan_data.controls[0].pk}/").content.decode()
    # then
    owner_select = page[page.index('id="requirement_owner"') :]
    owner_select = owner_select[: owner_select.index("</select>")]
    assert f'value="{colleague.pk}"' in owner_select and colleague.user.email in owner_select
    assert str(stranger.pk) not in owner_select and "No owner" in owner_select


def test_a_document_satisfies_a_requirement_and_its_freshness_is_shown(admin_web, tenant, scan_data):
    # given a 365-day requirement on a control no check covers and a document collected 350 days ago
    control = scan_data.controls[2]
    ControlCheck.objects.filter(control=control).delete()
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=control, renewal_days=365)
    collected = timezone.now() - timedelta(days=350)
    evidence_for(tenant, control, name="review.txt", title="Access review", collected_at=collected)
    # when
    page = admin_web.get(f"/controls/{control.pk}/").content.decode()
    # then it passes on documents, the document is expiring, valid until its renewal date
    assert 'data-status="pass" data-basis="manual"' in page
    documents = page[page.index('id="documents"') : page.index('id="checks-heading"')]
    until = (collected + timedelta(days=365)).strftime("%-d %b %Y")
    assert "Access review" in documents and until in documents and 'data-state="expiring"' in documents
    assert "Document expiring" in page


# --- "Also supports": one upload linked to controls of several frameworks ------------------------------------


def also_supports_upload(client, control, also: str, name: str = "policy.pdf"):
    return client.post(
        upload_url(control),
        {"file": SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf"), "also_supports": also},
    )


@pytest.fixture
def two_frameworks(tenant, scan_data):
    """Two active frameworks of the tenant: acme-controls CTL-1..3 and beta CTL-1..2 plus B-9 (a ref only beta has)."""
    beta, beta_controls = custom_framework(tenant, key="beta", controls=2)
    unique = Control.objects.create(framework=beta, ref="B-9", title="Only in beta")
    return scan_data.controls, [*beta_controls, unique]


def test_also_supports_links_one_upload_to_controls_of_other_frameworks(web_login, tenant, two_frameworks):
    # given a member on a control of one framework
    client = web_login(tenant, Role.MEMBER)
    acme, beta = two_frameworks
    page = client.get(f"/controls/{acme[0].pk}/").content.decode()
    assert 'list="control-refs"' in page and '<option value="beta B-9">' in page
    # when a file is uploaded that also supports two beta controls (a key with a ref, and a unique bare ref)
    response = also_supports_upload(client, acme[0], "beta CTL-2, B-9\nacme-controls CTL-1 — Control number 1")
    # then one artifact is stored, linked to the control of the page and to both (the page's own listed once)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    linked = set(EvidenceControlLink.objects.filter(evidence=evidence).values_list("control_id", flat=True))
    assert linked == {acme[0].pk, beta[1].pk, beta[2].pk}
    assert "It also supports 2 other controls." in client.get(response["Location"]).content.decode()
    # and the other control's page lists the document
    other = client.get(f"/controls/{beta[2].pk}/").content.decode()
    documents = other[other.index('id="documents"') : other.index('id="checks-heading"')]
    assert evidence.title in documents


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("beta CTL-99", "Unknown control “beta CTL-99”"),
        ("nist AC-2", "Unknown control “nist AC-2”"),
        ("CTL-1", "“CTL-1” is in several active frameworks (acme-controls CTL-1, beta CTL-1): add the framework key."),
    ],
)
def test_an_unknown_or_ambiguous_entry_is_a_form_error_and_nothing_is_stored(
    admin_web, two_frameworks, local_evidence_storage, entry, message
):
    # when
    response = also_supports_upload(admin_web, two_frameworks[0][0], f"B-9, {entry}")
    # then the field names the entry, no artifact and no file is left behind
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('for="id_also_supports"') :]
    assert message in field[: field.index("</div>")]
    assert not Evidence.objects.exists() and not EvidenceControlLink.objects.exists()
    assert [p for p in local_evidence_storage.rglob("*") if p.is_file()] == []


def test_another_tenants_custom_control_is_unknown(admin_web, other_tenant, two_frameworks):
    # given another tenant's own framework, with a key and ref of its own
    custom_framework(other_tenant, key="secret-fw", controls=1)
    # when
    response = also_supports_upload(admin_web, two_frameworks[0][0], "secret-fw CTL-1")
    # then it is as unknown as a control that does not exist, and it is not offered either
    assert response.status_code == 400
    assert "Unknown control “secret-fw CTL-1”" in response.content.decode()
    assert "secret-fw" not in admin_web.get(f"/controls/{two_frameworks[0][0].pk}/").content.decode()
    assert not Evidence.objects.exists()


def test_an_inactive_global_framework_is_not_searched(admin_web, loaded_frameworks, two_frameworks):
    # given SOC 2 loaded but not activated by the tenant
    # when
    response = also_supports_upload(admin_web, two_frameworks[0][0], "soc2 CC6.1")
    # then
    assert response.status_code == 400
    assert "Unknown control “soc2 CC6.1”" in response.content.decode()


def test_catalog_refs_resolve_across_active_frameworks(admin_web, tenant, loaded_frameworks):
    # given SOC 2 and ISO 27001 active
    soc2 = Framework.objects.get(key="soc2")
    iso = Framework.objects.get(key="iso27001-2022")
    for framework in (soc2, iso):
        TenantFramework.objects.create(tenant=tenant, framework=framework)
    cc61 = soc2.controls.get(ref="CC6.1")
    iso515 = iso.controls.get(ref="5.15")
    # when an upload on CC6.1 also supports ISO 5.15 by its bare ref
    response = also_supports_upload(admin_web, cc61, "5.15")
    # then
    assert response.status_code == 302
    linked = set(EvidenceControlLink.objects.values_list("control_id", flat=True))
    assert linked == {cc61.pk, iso515.pk}
