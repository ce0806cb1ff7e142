"""The dashboard: per active framework its score, counts and trend chart; the last scans; newly failing controls."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role
from frameworks.models import TenantFramework
from frameworks.scope import control_evidence_requirement_set
from reviews import services as review_services
from reviews.models import ReviewItem
from tests.evidence.factories import manual_evidence
from tests.reviews.support import open_review, reviewable

from .factories import completed_scan, custom_framework

pytestmark = pytest.mark.django_db


def test_dashboard_shows_latest_score_counts_chart_and_data_table(web_login, tenant, scan_data):
    # given a viewer
    client = web_login(tenant, Role.VIEWER)
    # when
    page = client.get("/").content.decode()
    # then the latest score and counts of the framework
    assert "Acme controls" in page
    assert "50%" in page
    assert "<dt>Passed</dt><dd>" in page
    # a server-rendered accessible chart with both scans, and its data table
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert "<title id=" in page and "<desc id=" in page
    assert "Acme controls: score over time" in page
    assert page.count('class="chart-point"') == 2
    assert "Score data table" in page
    # (no asset from another host: "cdn" in a URL, not anywhere, since the page's random CSRF token may hold it)
    assert '<script src="http' not in page and not re.search(r'(?:src|href)="[^"]*cdn', page, re.IGNORECASE)


def test_dashboard_lists_newly_failing_controls_since_the_previous_scan(admin_web, scan_data):
    # when
    page = admin_web.get("/").content.decode()
    section = page[page.index("Newly failing") : page.index("Last scans")]
    # then CTL-2 (pass → fail) is listed, linked to its page
    assert "CTL-2" in section and "was pass" in section
    assert f"/controls/{scan_data.failing.pk}/" in section
    assert "CTL-1" not in section


def test_dashboard_lists_the_last_scans(admin_web, scan_data):
    page = admin_web.get("/").content.decode()
    assert f"/scans/{scan_data.job.pk}/" in page and f"/scans/{scan_data.previous.pk}/" in page


def test_dashboard_trend_period_can_be_chosen(admin_web, tenant):
    # given scans 10 and 60 days ago
    framework, controls = custom_framework(tenant)
    now = timezone.now()
    completed_scan(tenant, framework, {controls[0]: "pass"}, created_at=now - timedelta(days=60))
    completed_scan(tenant, framework, {controls[0]: "fail"}, created_at=now - timedelta(days=10))
    # when / then
    assert admin_web.get("/", {"days": "30"}).content.decode().count('class="chart-point"') == 1
    assert admin_web.get("/", {"days": "90"}).content.decode().count('class="chart-point"') == 2
    assert admin_web.get("/", {"days": "7777"}).status_code == 200


def test_empty_dashboard_guides_the_user(web_login, tenant):
    # given a tenant with nothing yet
    admin = web_login(tenant, Role.ADMIN)
    viewer = web_login(tenant, Role.VIEWER)
    # when
    admin_page = admin.get("/").content.decode()
    viewer_page = viewer.get("/").content.decode()
    # then
    assert "No integration is connected yet" in admin_page and "Connect an integration" in admin_page
    assert "Ask an admin" in viewer_page and "Connect an integration" not in viewer_page
    assert "No scan yet" in admin_page


# --- posture ------------------------------------------------------------------------------------------


def panel(page: str, panel_id: str) -> str:
    start = page.index(f'id="{panel_id}"')
    return page[start : page.index("</article>", start)]


def test_document_panels_list_what_is_due_expired_and_unowned(web_login, tenant):
    # given an active framework whose controls need documents, and an owner
    client = web_login(tenant, Role.ADMIN)
    owner = client.membership
    framework, controls = custom_framework(tenant, controls=5)
    expired, due_soon, unowned, fresh, overdue = controls
    now = timezone.now()
    today = timezone.localdate()
    for control in (expired, due_soon, fresh, overdue):
        renewal = 30 if control is expired else 365
        due = (
            today + timedelta(days=10)
            if control is due_soon
            else today - timedelta(days=3)
            if control is overdue
            else None
        )
        control_evidence_requirement_set(
            tenant=tenant, control=control, renewal_days=renewal, owner_id=owner.pk, due_date=due, actor=None
        )
    control_evidence_requirement_set(tenant=tenant, control=unowned, renewal_days=365, actor=None)
    # a document collected 40 days ago for a 30-day renewal, fresh ones for two others
    manual_evidence(tenant=tenant, control=expired, collected_at=now - timedelta(days=40))
    manual_evidence(tenant=tenant, control=fresh, name="fresh.txt", content=b"fresh\n")
    manual_evidence(tenant=tenant, control=unowned, name="unowned.txt", content=b"unowned\n")
    # when
    page = client.get("/").content.decode()
    due_panel = panel(page, "documents-due")
    expired_panel = panel(page, "documents-expired")
    unowned_panel = panel(page, "documents-unowned")

    def listed(section: str, control) -> bool:
        return f'href="/controls/{control.pk}/"' in section

    # then each control is in the right panel, linked, with its owner and date
    assert [c.ref for c in controls if listed(due_panel, c)] == [due_soon.ref]
    assert f"due {(today + timedelta(days=10)):%-d %b %Y}" in due_panel and owner.user.email in due_panel
    assert [c.ref for c in controls if listed(expired_panel, c)] == [expired.ref, overdue.ref]
    assert f"expired {(now - timedelta(days=10)).date():%-d %b %Y}" in expired_panel
    assert [c.ref for c in controls if listed(unowned_panel, c)] == [unowned.ref]
    assert "no owner" in unowned_panel
    # with their counts and the framework key
    assert 'Evidence due in the next 30 days <span class="muted small">(1)</span>' in due_panel
    assert "(2)" in expired_panel and framework.key in expired_panel
    # and the fresh, owned control is in none
    assert not any(listed(p, fresh) for p in (due_panel, expired_panel, unowned_panel))


def test_document_panels_skip_frameworks_no_longer_active_and_cap_the_list(web_login, tenant):
    # given 12 unowned requirements in an active framework and one in a deactivated one
    client = web_login(tenant, Role.VIEWER)
    _, controls = custom_framework(tenant, controls=12)
    inactive, (hidden,) = custom_framework(tenant, key="retired", controls=1)
    for control in [*controls, hidden]:
        control_evidence_requirement_set(tenant=tenant, control=control, renewal_days=90, actor=None)
    TenantFramework.objects.filter(tenant=tenant, framework=inactive).delete()
    # when
    unowned_panel = panel(client.get("/").content.decode(), "documents-unowned")
    # then the total counts all 12, ten are listed, the deactivated framework's control is not
    assert "(12)" in unowned_panel
    assert unowned_panel.count('href="/controls/') == 10
    assert "and 2 more" in unowned_panel
    assert f"/controls/{hidden.pk}/" not in unowned_panel


def test_a_scan_scored_before_coverage_existed_still_renders(web_login, tenant, scan_data):
    # given scan_data's framework_scores entries, written without coverage or could_not_evaluate
    assert "coverage" not in scan_data.job.framework_scores[0]
    # when
    page = web_login(tenant, Role.VIEWER).get("/").content.decode()
    # then the card shows its counts and no made-up coverage
    assert "50%" in page
    assert "<dt>Could not evaluate</dt>" in page
    assert "Coverage <strong>" not in page


def test_dashboard_lists_open_and_scheduled_access_reviews_soonest_first(admin_web, tenant):
    # given an open review of 20 accounts with 3 decided, due in 5 days, and one scheduled for next month
    actor = admin_web.membership.user
    integration = reviewable(tenant)
    today = timezone.localdate()
    soon = open_review(tenant, actor, integration, name="Q4 review", due_date=today + timedelta(days=5))
    review_services.items_decide(
        tenant=tenant,
        actor=actor,
        campaign=soon,
        item_ids=list(ReviewItem.objects.filter(campaign=soon).values_list("pk", flat=True)[:3]),
        decision="approved",
    )
    open_review(
        tenant,
        actor,
        integration,
        name="Q1 review",
        opens_on=today + timedelta(days=30),
        due_date=today + timedelta(days=44),
    )
    # when the dashboard is opened
    page = admin_web.get("/").content.decode()
    # then the reviews panel lists both, the open one first with what is left to decide
    panel = page[page.index('id="reviews-due"') :]
    assert panel.index("Q4 review") < panel.index("Q1 review")
    assert "17 of 20 pending" in panel
    assert f"opens {(today + timedelta(days=30)).strftime('%-d %b %Y')}" in panel
