"""Control posture end to end in headless Chromium: upload once to satisfy controls of two frameworks, and a
document going stale turning a control from pass to fail.

Screenshots go to test-artifacts/web/ (gitignored) and /tmp/shots/. Without /usr/bin/chromium these tests skip.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from complywise.choices import Role
from frameworks.models import ControlEvidenceRequirement, Framework, TenantFramework
from scans.posture_selectors import framework_posture
from tests.evidence.factories import PDF_BYTES
from tests.factories import MembershipFactory

from .factories import custom_framework, evidence_for
from .test_browser import browser, log_in, page, shot  # noqa: F401 - shared fixtures and helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def posture_shot(tab, name: str) -> None:
    """The suite's screenshot, and a copy where the lead looks at them."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(tab, name), SHOTS / f"{name}.png")


def verdict_of(tab):
    return tab.locator(".page-head .verdict")


def soa_row(tab, ref: str):
    return tab.locator(f'tr[data-control="{ref}"]')


def posture_of(tenant, framework, ref: str) -> tuple[str, str, str]:
    row = next(p for p in framework_posture(tenant=tenant, framework=framework).controls if p.control.ref == ref)
    return row.verdict.status, row.verdict.basis, row.documents.state


def test_one_upload_satisfies_controls_of_two_frameworks(page, tenant, loaded_frameworks):  # noqa: F811
    from playwright.sync_api import expect

    # given SOC 2 and ISO 27001 active, a document required on SOC 2 CC6.1 and on ISO 27001 5.15, none uploaded
    soc2 = Framework.objects.get(key="soc2")
    iso = Framework.objects.get(key="iso27001-2022")
    for framework in (soc2, iso):
        TenantFramework.objects.create(tenant=tenant, framework=framework)
    cc61, iso515 = soc2.controls.get(ref="CC6.1"), iso.controls.get(ref="5.15")
    owner = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    for control in (cc61, iso515):
        ControlEvidenceRequirement.objects.create(tenant=tenant, control=control, renewal_days=365, owner=owner)
    assert posture_of(tenant, soc2, "CC6.1") == ("fail", "manual", "missing")
    assert posture_of(tenant, iso, "5.15") == ("fail", "manual", "missing")
    log_in(page, owner)

    # when the owner opens CC6.1, which fails for want of a document
    page.goto(f"/controls/{cc61.pk}/")
    expect(verdict_of(page)).to_have_attribute("data-status", "fail")
    expect(page.locator(".posture-line")).to_contain_text("Document missing")
    # and uploads a PDF that also supports ISO 27001 5.15, typed as the suggestions list it
    expect(page.locator('datalist#control-refs option[value="iso27001-2022 5.15"]')).to_have_count(1)
    page.get_by_label("File").set_input_files(
        {"name": "access-policy.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_label("Title").fill("Access control policy 2026")
    page.get_by_label("Also supports").fill("iso27001-2022 5.15")
    page.get_by_role("button", name="Upload").click()

    # then CC6.1 passes on its document, which is fresh
    page.wait_for_url(re.compile(rf"/controls/{cc61.pk}/"))
    expect(page.locator(".message-success")).to_contain_text("It also supports 1 other control.")
    expect(verdict_of(page)).to_have_attribute("data-status", "pass")
    expect(verdict_of(page)).to_have_attribute("data-basis", "manual")
    documents = page.locator("table.documents-table")
    expect(documents).to_contain_text("Access control policy 2026")
    expect(documents.locator('[data-state="fresh"]')).to_have_count(1)
    posture_shot(page, "posture-01-control-after-upload")

    # and so does ISO 27001 5.15, without a second upload
    page.goto(f"/controls/{iso515.pk}/")
    expect(verdict_of(page)).to_have_attribute("data-status", "pass")
    expect(verdict_of(page)).to_have_attribute("data-basis", "manual")
    expect(page.locator("table.documents-table")).to_contain_text("Access control policy 2026")
    expect(page.locator('table.documents-table [data-state="fresh"]')).to_have_count(1)

    # and the framework pages and the Statements of Applicability agree
    for framework, ref in ((soc2, "CC6.1"), (iso, "5.15")):
        for url in (f"/frameworks/{framework.pk}/", f"/frameworks/{framework.pk}/soa/"):
            page.goto(url)
            row = soa_row(page, ref)
            expect(row.locator(".verdict")).to_have_attribute("data-status", "pass")
            expect(row.locator(".verdict")).to_have_attribute("data-basis", "manual")
            expect(row.locator('[data-state="fresh"]')).to_have_count(1)
            expect(row).to_contain_text(owner.user.email)
    posture_shot(page, "posture-02-soa")
    assert posture_of(tenant, soc2, "CC6.1") == ("pass", "manual", "fresh")
    assert posture_of(tenant, iso, "5.15") == ("pass", "manual", "fresh")
    assert page.outside_requests == []
    assert page.console_errors == []


def test_shortening_the_renewal_turns_a_fresh_document_expiring_then_expired(page, tenant):  # noqa: F811
    from playwright.sync_api import expect

    # given a control no check covers, a yearly requirement, and a document collected 100 days ago
    _, (control,) = custom_framework(tenant, controls=1)
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    owner = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    ControlEvidenceRequirement.objects.create(tenant=tenant, control=control, renewal_days=365)
    evidence_for(
        tenant,
        control,
        name="review.txt",
        title="Quarterly access review",
        collected_at=timezone.now() - timedelta(days=100),
    )
    log_in(page, admin)

    # when the admin opens the control
    page.goto(f"/controls/{control.pk}/")
    # then it passes on a fresh document
    expect(verdict_of(page)).to_have_attribute("data-status", "pass")
    expect(page.locator('table.documents-table [data-state="fresh"]')).to_have_count(1)

    # when the renewal is shortened to 120 days (the document has 20 days left) and given an owner
    page.get_by_label("Renew every (days)").fill("120")
    page.get_by_label("Owner").select_option(str(owner.pk))
    page.get_by_role("button", name="Save requirement").click()
    # then it still passes, but the document is expiring, named with its owner
    expect(page.locator(".message-success")).to_contain_text("renewed every 120 days")
    expect(verdict_of(page)).to_have_attribute("data-status", "pass")
    expect(page.locator('table.documents-table [data-state="expiring"]')).to_have_count(1)
    expect(page.locator(".posture-line")).to_contain_text("Document expiring")

    # when it is shortened to 90 days: the same document is now past its renewal date
    page.get_by_label("Renew every (days)").fill("90")
    page.get_by_role("button", name="Save requirement").click()
    # then the control fails, naming the expired document and its owner
    expect(page.locator(".message-success")).to_contain_text("renewed every 90 days")
    expect(verdict_of(page)).to_have_attribute("data-status", "fail")
    expect(verdict_of(page)).to_have_attribute("data-basis", "manual")
    line = page.locator(".posture-line")
    expect(line).to_contain_text("Document expired")
    expect(line).to_contain_text("Quarterly access review")
    expect(line).to_contain_text(owner.user.email)
    expect(page.locator('table.documents-table [data-state="expired"]')).to_have_count(1)
    posture_shot(page, "posture-03-control-expired")
    # and the Statement of Applicability says the same
    page.goto(f"/frameworks/{control.framework_id}/soa/")
    expect(soa_row(page, control.ref).locator(".verdict")).to_have_attribute("data-status", "fail")
    expect(soa_row(page, control.ref).locator('[data-state="expired"]')).to_have_count(1)
    posture_shot(page, "posture-04-soa-expired")
    # and printed, it is the statement alone: no navigation, no forms, no download link
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()
    expect(page.locator("table.soa-table")).to_be_visible()
    posture_shot(page, "posture-05-soa-print")
    assert page.console_errors == []
