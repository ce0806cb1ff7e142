"""The dashboard: per active framework its score, counts and trend chart; the last scans; newly failing controls."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complywise.choices import Role

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
    assert '<script src="http' not in page and "cdn" not in page.lower()


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
