"""Settings (admins): schedules, retention, security, members and invitations, API tokens (secret shown once)."""

import re

import pytest
from django.core import mail
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise.choices import Role
from complywise.models import ApiToken, AuditEvent, Invitation, Membership
from complywise.services import api_token_authenticate, api_token_create, invitation_create, token_digest
from scans.models import ScanSchedule
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_settings_page_has_every_section(admin_web, scan_data):
    page = admin_web.get("/settings/").content.decode()
    for heading in ("Active frameworks", "Scheduled scans", "Retention", "Security", "Members", "API tokens"):
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


def test_invite_a_member_link_shown_once_then_revoke(admin_web, tenant):
    # when an admin invites someone
    response = admin_web.post("/settings/invitations/", {"email": "New.Person@Example.com", "role": "viewer"})
    # then the next page shows the link once, not cached; the invitation is pending, nobody joined yet
    assert response.status_code == 302 and response["Location"] == "/settings/invitations/created/"
    shown = admin_web.get(response["Location"])
    assert "no-store" in shown["Cache-Control"] or "max-age=0" in shown["Cache-Control"]
    link = shown.content.decode().split('id="link" class="mono secret" value="')[1].split('"')[0]
    invitation = Invitation.objects.get(tenant=tenant)
    assert invitation.digest == token_digest(link.rsplit("/", 1)[1])
    assert (invitation.email, invitation.role) == ("new.person@example.com", Role.VIEWER)
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    assert not Membership.objects.filter(tenant=tenant, user__email="new.person@example.com").exists()
    page = admin_web.get("/settings/").content.decode()
    assert "new.person@example.com" in page and link not in page
    assert "shown only once" in admin_web.get("/settings/invitations/created/", follow=True).content.decode()
    # when revoked
    admin_web.post(f"/settings/invitations/{invitation.pk}/revoke/", follow=True)
    # then the link is dead and the invitation no longer pending
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "new.person@example.com" not in admin_web.get("/settings/").content.decode()


def test_invitation_errors_are_on_the_form(admin_web, tenant):
    member = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    bad = admin_web.post("/settings/invitations/", {"email": "not-an-email", "role": "viewer"})
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    taken = admin_web.post("/settings/invitations/", {"email": member.user.email, "role": "admin"})
    assert taken.status_code == 400 and "already a member" in taken.content.decode()
    assert not Invitation.objects.exists()


def test_another_tenants_invitation_cannot_be_revoked(admin_web, other_tenant):
    inviter = MembershipFactory(tenant=other_tenant, role=Role.ADMIN).user
    foreign = invitation_create(
        tenant=other_tenant, email="x@example.com", role=Role.VIEWER, actor=inviter, site_url="http://x/"
    ).invitation
    assert admin_web.post(f"/settings/invitations/{foreign.pk}/revoke/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_change_a_role_explicitly(admin_web, tenant):
    # given a viewer
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER)
    # when the role is changed
    response = admin_web.post(f"/settings/members/{viewer.pk}/role/", {"role": "member"})
    # then
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.role == Role.MEMBER
    assert AuditEvent.objects.get(action="member.role_changed").data["from"] == "viewer"


def test_remove_a_member_revokes_their_tokens(admin_web, tenant):
    # given a member with a token
    member = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    issued = api_token_create(membership=member, name="ci")
    # when removed from the settings page
    response = admin_web.post(f"/settings/members/{member.pk}/remove/", follow=True)
    # then
    assert response.status_code == 200 and "was removed" in response.content.decode()
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert api_token_authenticate(raw=issued.secret) is None


def test_the_last_admin_cannot_be_removed_from_the_page(admin_web, tenant):
    response = admin_web.post(f"/settings/members/{admin_web.membership.pk}/remove/", follow=True)
    assert "The last admin cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=admin_web.membership.pk, role=Role.ADMIN).exists()


def test_an_admin_who_removes_themself_leaves(admin_web, tenant):
    MembershipFactory(tenant=tenant, role=Role.ADMIN)
    response = admin_web.post(f"/settings/members/{admin_web.membership.pk}/remove/")
    assert response["Location"] == "/"
    assert not Membership.objects.filter(pk=admin_web.membership.pk).exists()


def test_require_two_factor_toggle(admin_web, tenant):
    # given an admin whose session has used a confirmed authenticator (once required, nothing else gets through)
    device = TOTPDevice.objects.create(user=admin_web.membership.user, name="phone", confirmed=True)
    session = admin_web.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    # when turned on
    response = admin_web.post("/settings/security/", {"require_mfa": "on"})
    # then
    assert response.status_code == 302 and response["Location"] == "/settings/#security"
    tenant.refresh_from_db()
    assert tenant.require_mfa is True
    assert AuditEvent.objects.get(action="tenant.settings_updated").data == {"require_mfa": {"from": False, "to": True}}
    assert "is <strong>required</strong>" in admin_web.get("/settings/").content.decode()
    # when turned off (an unticked checkbox is absent from the form)
    admin_web.post("/settings/security/", {})
    tenant.refresh_from_db()
    assert tenant.require_mfa is False


def test_settings_page_has_no_inline_script(admin_web, tenant):
    page = admin_web.get("/settings/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


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
