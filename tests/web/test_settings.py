"""Settings (admins): schedules, retention, members, API tokens (secret shown once)."""

import pytest

from complywise.choices import Role
from complywise.models import ApiToken, Membership
from complywise.services import api_token_authenticate
from scans.models import ScanSchedule
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_settings_page_has_every_section(admin_web, scan_data):
    page = admin_web.get("/settings/").content.decode()
    for heading in ("Active frameworks", "Scheduled scans", "Retention", "Members", "API tokens"):
        assert heading in page
    assert "Acme controls" in page
    assert 'value="365"' in page


def test_retention_is_saved_and_validated(admin_web, tenant):
    # when
    response = admin_web.post("/settings/retention/", {"retention_days": "90"})
    # then
    assert response.status_code == 302 and response["Location"] == "/settings/#retention"
    tenant.refresh_from_db()
    assert tenant.retention_days == 90
    # and nonsense is a form error
    bad = admin_web.post("/settings/retention/", {"retention_days": "0"})
    assert bad.status_code == 400
    assert "greater than or equal to 1" in bad.content.decode()


def test_schedule_create_toggle_delete(admin_web, tenant, scan_data):
    # when
    response = admin_web.post(
        "/settings/schedules/",
        {"name": "nightly", "cron": "0 3 * * *", "integration_types": ["aws"], "enabled": "on"},
    )
    # then
    assert response.status_code == 302
    schedule = ScanSchedule.objects.get(tenant=tenant)
    assert (schedule.cron, schedule.integration_types, schedule.enabled) == ("0 3 * * *", ["aws"], True)
    assert schedule.next_run_at is not None
    page = admin_web.get("/settings/").content.decode()
    assert "nightly" in page and "0 3 * * *" in page
    # when paused, then resumed
    admin_web.post(f"/settings/schedules/{schedule.pk}/toggle/")
    schedule.refresh_from_db()
    assert schedule.enabled is False
    # when deleted
    admin_web.post(f"/settings/schedules/{schedule.pk}/delete/")
    assert not ScanSchedule.objects.exists()


def test_schedule_errors_from_the_service_are_on_the_form(admin_web, scan_data):
    # when both an interval and a cron are given, with a bad cron
    response = admin_web.post("/settings/schedules/", {"name": "x", "interval_minutes": "30", "cron": "bogus"})
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give either interval_minutes or cron, not both." in page
    assert "Not a valid cron expression" in page
    assert not ScanSchedule.objects.exists()


def test_add_a_member_by_email_and_change_roles(admin_web, tenant):
    # when
    response = admin_web.post("/settings/members/", {"email": "New.Person@Example.com", "role": "viewer"})
    # then
    assert response.status_code == 302
    membership = Membership.objects.get(tenant=tenant, user__email="new.person@example.com")
    assert membership.role == Role.VIEWER
    # when the role is changed
    admin_web.post(f"/settings/members/{membership.pk}/role/", {"role": "member"})
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    # and a bad email is a form error
    bad = admin_web.post("/settings/members/", {"email": "not-an-email", "role": "viewer"})
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()


def test_the_last_admin_cannot_be_demoted(admin_web, tenant):
    # when the only admin demotes themself
    response = admin_web.post(f"/settings/members/{admin_web.membership.pk}/role/", {"role": "viewer"}, follow=True)
    # then
    admin_web.membership.refresh_from_db()
    assert admin_web.membership.role == Role.ADMIN
    assert "The last admin cannot be demoted" in response.content.decode()


def test_an_admin_who_demotes_themself_leaves_settings(admin_web, tenant):
    MembershipFactory(tenant=tenant, role=Role.ADMIN)
    response = admin_web.post(f"/settings/members/{admin_web.membership.pk}/role/", {"role": "member"})
    assert response["Location"] == "/"
    assert admin_web.get("/settings/").status_code == 403


def test_token_secret_is_shown_once_and_works(admin_web, tenant):
    # when an admin creates a token for a viewer
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    response = admin_web.post("/settings/tokens/", {"name": "ci", "membership": str(viewer.pk), "expires_days": "30"})
    # then the next page shows the secret, not cached
    assert response.status_code == 302 and response["Location"] == "/settings/tokens/created/"
    shown = admin_web.get(response["Location"])
    assert "no-store" in shown["Cache-Control"] or "max-age=0" in shown["Cache-Control"]
    token = ApiToken.objects.get(name="ci")
    page = shown.content.decode()
    secret = page.split('id="secret" class="mono secret" value="')[1].split('"')[0]
    assert secret.startswith(f"cw_{token.prefix}_")
    assert api_token_authenticate(raw=secret).membership == viewer
    assert token.expires_at is not None
    # and never again
    again = admin_web.get("/settings/tokens/created/", follow=True).content.decode()
    assert secret not in again
    assert "shown only once" in again
    assert secret not in admin_web.get("/settings/").content.decode()


def test_token_revoke(admin_web, tenant):
    admin_web.post("/settings/tokens/", {"name": "ci", "membership": str(admin_web.membership.pk)})
    token = ApiToken.objects.get(name="ci")
    admin_web.post(f"/settings/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in admin_web.get("/settings/").content.decode()


def test_token_for_a_member_of_another_tenant_is_refused(admin_web, other_tenant):
    outsider = MembershipFactory(tenant=other_tenant)
    response = admin_web.post("/settings/tokens/", {"name": "x", "membership": str(outsider.pk)})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
