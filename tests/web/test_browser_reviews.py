"""An access review end to end in headless Chromium: create it, work through 20 accounts with the filters and
bulk actions, complete it, and see the evidence turn the SOC 2 access-review control green.

Screenshots go to test-artifacts/web/ (gitignored). Without /usr/bin/chromium these tests skip.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence, EvidenceControlLink
from frameworks.models import Framework, TenantFramework
from integrations import registry
from integrations.accounts import accounts_refresh
from reviews.choices import CampaignStatus, Decision
from reviews.models import ReviewCampaign, ReviewItem
from scans.posture_selectors import framework_posture
from tests.factories import MembershipFactory
from tests.integrations.factories import IntegrationFactory

from .test_browser import AUDIT_JS, browser, log_in, page, shot  # noqa: F401 - shared fixtures and helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = 20
ADMINS = {"user-00", "user-05", "user-10", "user-15"}
# Idle for 200 days, or never signed in: what the "inactive 90 days" filter finds.
INACTIVE = {"user-03", "user-07", "user-11", "user-18"}
REVOKED = "user-07"


def seeded_accounts() -> list[registry.Account]:
    now = timezone.now()
    accounts = []
    for n in range(ACCOUNTS):
        name = f"user-{n:02d}"
        idle = timedelta(days=200) if name in INACTIVE else timedelta(days=n % 5)
        accounts.append(
            registry.Account(
                id=f"arn:aws:iam::123456789012:user/{name}",
                name=name,
                kind=registry.AccountKind.USER,
                email=f"{name}@acme.test",
                admin=name in ADMINS,
                privileges=("AdministratorAccess",) if name in ADMINS else ("ReadOnlyAccess",),
                last_activity=None if name == "user-18" else now - idle,
            )
        )
    return accounts


def rows(tab):
    return tab.locator("table.review-items tbody tr")


def row_names(tab) -> list[str]:
    return sorted(rows(tab).locator(".account-name").all_inner_texts())


def test_quarterly_review_of_20_accounts_completes_into_soc2_evidence(page, tenant, loaded_frameworks):  # noqa: F811
    from playwright.sync_api import expect

    # given SOC 2 active and an AWS integration whose last scan saw 20 accounts (4 admins, 4 inactive)
    soc2 = Framework.objects.get(key="soc2")
    TenantFramework.objects.create(tenant=tenant, framework=soc2)
    cc62 = soc2.controls.get(ref="CC6.2")
    integration = IntegrationFactory(tenant=tenant, name="prod-aws")
    accounts_refresh(integration=integration, accounts=seeded_accounts(), seen_at=timezone.now(), scan_job_id=None)
    admin = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    log_in(page, admin)

    # when the admin creates a quarterly review of the integration from the Access reviews page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access reviews").click()
    expect(page.get_by_role("heading", name="Access reviews")).to_be_visible()
    page.get_by_role("link", name="New review").click()
    assert page.evaluate(AUDIT_JS) == []
    due = timezone.localdate() + timedelta(days=21)
    page.get_by_label(re.compile(r"^Name")).fill("Q4 2026 access review")
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_label("Recurrence").select_option("quarterly")
    page.get_by_label("Include prod-aws").check()
    expect(page.get_by_label("Reviewer of prod-aws")).to_have_value(str(admin.user.pk))
    shot(page, "reviews-01-new")
    page.get_by_role("button", name="Create review").click()

    # then the review is open with the 20 accounts, none decided
    page.wait_for_url(re.compile(r"/reviews/[0-9a-f-]{36}/$"))
    expect(page.locator(".message-success")).to_contain_text("20 account(s) to review")
    expect(page.locator('.review-status [data-status="open"]')).to_be_visible()
    expect(page.locator('[data-count="decided"]')).to_have_text("0 of 20")
    expect(rows(page)).to_have_count(ACCOUNTS)
    expect(page.get_by_role("button", name="Complete review")).to_be_disabled()
    expect(page.locator("#complete-why")).to_contain_text("20 account(s) are still pending")
    assert page.evaluate(AUDIT_JS) == []
    campaign = ReviewCampaign.objects.get()
    assert campaign.recurrence == "quarterly" and campaign.status == CampaignStatus.OPEN

    # when the accounts are filtered to admins and all of them approved at once
    page.get_by_label("Admins only").check()
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(re.compile(r"admins=on"))
    expect(rows(page)).to_have_count(len(ADMINS))
    assert row_names(page) == sorted(ADMINS)
    shot(page, "reviews-02-admins-only")
    page.get_by_label("Select all 4 accounts on this page").check()
    page.get_by_label("Action").select_option("approve")
    page.get_by_role("button", name="Apply to selected").click()

    # then the four are approved and the filter is still applied
    expect(page.locator(".message-success")).to_contain_text("Approved 4 account(s).")
    assert "admins=on" in page.url
    expect(rows(page).locator('[data-status="approved"]')).to_have_count(len(ADMINS))
    expect(page.locator('[data-count="decided"]')).to_have_text("4 of 20")

    # when the inactive accounts still pending are listed and one is revoked, first without a note
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Inactive 90 days").check()
    page.get_by_label("Decision", exact=True).select_option("pending")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(re.compile(r"inactive=on"))
    assert row_names(page) == sorted(INACTIVE)
    page.get_by_label(f"Select {REVOKED}", exact=True).check()
    page.get_by_label("Action").select_option("revoke")
    page.get_by_role("button", name="Apply to selected").click()
    # then the reason is asked for and nothing changed
    expect(page.locator(".message-error")).to_contain_text("Say why the access is revoked")
    assert "inactive=on" in page.url
    assert not ReviewItem.objects.filter(decision=Decision.REVOKED).exists()
    # when it is revoked with a note
    page.get_by_label(f"Select {REVOKED}", exact=True).check()
    page.get_by_label("Action").select_option("revoke")
    page.get_by_label("Note").fill("Left the company in September; key unused for 200 days.")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".message-success")).to_contain_text("Revoked 1 account(s).")
    # then it leaves the pending list
    expect(rows(page)).to_have_count(len(INACTIVE) - 1)
    shot(page, "reviews-03-after-revoke")

    # when every account still pending is listed and approved
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Decision", exact=True).select_option("pending")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(re.compile(r"decision=pending"))
    expect(rows(page)).to_have_count(ACCOUNTS - len(ADMINS) - 1)
    page.get_by_label("Select all 15 accounts on this page").check()
    page.get_by_label("Action").select_option("approve")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".message-success")).to_contain_text("Approved 15 account(s).")
    expect(page.get_by_text("No account matches these filters.")).to_be_visible()

    # then all 20 are decided through the page, and the review can be completed
    expect(page.locator('[data-count="decided"]')).to_have_text("20 of 20")
    expect(page.locator('[data-count="revoked"]')).to_have_text("1")
    decided = ReviewItem.objects.filter(campaign=campaign).exclude(decision=Decision.PENDING)
    assert decided.count() == ACCOUNTS and set(decided.values_list("decided_by", flat=True)) == {admin.user.pk}
    complete = page.get_by_role("button", name="Complete review")
    expect(complete).to_be_enabled()
    complete.click()

    # then the review is completed, with its sign-off and the two evidence documents
    expect(page.locator(".message-success")).to_contain_text("completed")
    expect(page.locator('.review-status [data-status="completed"]')).to_be_visible()
    expect(page.locator(".completed-by")).to_contain_text(admin.user.email)
    campaign.refresh_from_db()
    evidence = page.locator(".review-evidence")
    expect(evidence.locator("code.sha")).to_have_text(campaign.decisions_sha256)
    expect(evidence.locator('a[data-evidence="csv"]')).to_have_attribute(
        "href", f"/api/evidence/{campaign.evidence_csv_id}/download"
    )
    expect(evidence.locator('a[data-evidence="pdf"]')).to_have_attribute(
        "href", f"/api/evidence/{campaign.evidence_pdf_id}/download"
    )
    expect(evidence.locator(f'a[href="/controls/{cc62.pk}/"]')).to_be_visible()
    assert page.evaluate(AUDIT_JS) == []
    shot(page, "reviews-04-completed")

    # and the CSV and PDF are manual evidence linked to SOC 2 CC6.2
    manual = Evidence.objects.filter(tenant=tenant, type="manual")
    assert sorted(e.filename.rsplit(".", 1)[1] for e in manual) == ["csv", "pdf"]
    for document in manual:
        assert EvidenceControlLink.objects.filter(evidence=document, control=cc62).exists()
    # and a next quarterly review is scheduled
    successor = ReviewCampaign.objects.get(previous=campaign)
    assert successor.status == CampaignStatus.SCHEDULED and successor.recurrence == "quarterly"
    expect(page.locator("a.next-review")).to_have_attribute("href", f"/reviews/{successor.pk}/")

    # and CC6.2 passes on the review's documents, on its page and in the framework's posture
    page.locator(f'.review-evidence a[href="/controls/{cc62.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/controls/{cc62.pk}/"))
    verdict = page.locator(".page-head .verdict")
    expect(verdict).to_have_attribute("data-status", "pass")
    expect(verdict).to_have_attribute("data-basis", "manual")
    expect(page.locator("table.documents-table")).to_contain_text("Access review report")
    shot(page, "reviews-05-control-passes")
    posture = next(p for p in framework_posture(tenant=tenant, framework=soc2).controls if p.control.ref == "CC6.2")
    assert (posture.verdict.status, posture.verdict.basis) == ("pass", "manual")

    # and the list shows it completed with its evidence, next to the scheduled one
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access reviews").click()
    expect(page.locator(f'tr[data-review="{campaign.pk}"]')).to_contain_text("Completed")
    expect(page.locator(f'tr[data-review="{successor.pk}"]')).to_contain_text("Scheduled")
    assert page.evaluate(AUDIT_JS) == []
    shot(page, "reviews-06-list")
    assert page.outside_requests == []
    assert page.console_errors == []
