"""Second factor for web logins: enrolment, the two-step login, recovery codes, disabling."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise.accounts.services import mfa_enrolment_confirm, mfa_enrolment_start
from complywise.choices import Role
from complywise.models import AuditEvent
from tests.factories import MembershipFactory

from .accounts_support import confirmed_device, logged_in_user_id, post_code, post_password, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(tenant):
    return MembershipFactory(tenant=tenant, role=Role.MEMBER)


def recovery_codes_in(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())


def test_enrolment_shows_a_qr_code_and_turns_on_with_a_code_from_the_app(member):
    # given a logged-in member without a second factor
    client = Client()
    client.force_login(member.user)
    # when the set-up page is opened
    page = client.get("/accounts/security/mfa/setup/")
    # then it shows a QR code inline (no external image service) and the key, for a device not yet confirmed
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=member.user)
    assert device.confirmed is False
    assert html.count('data-testid="totp-secret"') == 1
    # when a code computed from the device key is entered
    response = client.post("/accounts/security/mfa/setup/", {"code": totp_code(device)})
    # then the device is on, ten recovery codes are shown once, and only their digests are stored
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    codes = recovery_codes_in(response)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=member.user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    # and this session counts as verified: it may generate new recovery codes
    assert "Generate new recovery codes" in client.get("/accounts/security/").content.decode()
    assert AuditEvent.objects.filter(tenant=member.tenant, action="auth.mfa_enabled", actor=member.user).count() == 1


def test_enrolment_refuses_a_wrong_code(member):
    # given a member on the set-up page
    client = Client()
    client.force_login(member.user)
    client.get("/accounts/security/mfa/setup/")
    device = TOTPDevice.objects.get(user=member.user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    # when a wrong code is entered
    response = client.post("/accounts/security/mfa/setup/", {"code": wrong})
    # then the form says so and nothing is turned on
    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticToken.objects.filter(device__user=member.user).exists()


def test_login_asks_for_the_code_before_the_session_is_logged_in(member):
    # given a member with an authenticator app
    device = confirmed_device(member.user)
    client = Client()
    # when the password is right
    response = post_password(client, member.user, next_url="/scans/")
    # then the code page follows, and the session is not logged in yet
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert logged_in_user_id(client) is None
    assert client.get("/scans/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/me").status_code in (401, 403)
    # when the current code of the app is entered
    response = post_code(client, totp_code(device))
    # then the member is logged in, verified, and lands where they were going
    assert response.status_code == 302 and response["Location"] == "/scans/"
    assert logged_in_user_id(client) == str(member.user.pk)
    assert client.get("/scans/").status_code == 200
    assert client.get("/api/me").status_code == 200
    login = AuditEvent.objects.get(tenant=member.tenant, action="auth.login")
    assert login.actor == member.user and login.data["second_factor"] == "totp"


def test_a_wrong_code_is_refused_and_counted_as_a_failed_login(member):
    # given a member past the password step
    device = confirmed_device(member.user)
    client = Client()
    post_password(client, member.user)
    wrong = f"{(int(totp_code(device)) + 500_000) % 1_000_000:06d}"
    # when a wrong code is entered
    response = post_code(client, wrong)
    # then it is refused, the session stays logged out, and the failure is in the tenant's audit log
    assert response.status_code == 400
    assert "That code is not valid." in response.content.decode()
    assert logged_in_user_id(client) is None
    failure = AuditEvent.objects.get(tenant=member.tenant, action="auth.login_failed")
    assert failure.data["stage"] == "second_factor"
    assert failure.data["username"] == member.user.username and failure.data["ip"] == "127.0.0.1"


def test_a_code_cannot_be_replayed(member):
    # given a member who logged in with the current code
    device = confirmed_device(member.user)
    code = totp_code(device)
    client = Client()
    post_password(client, member.user)
    assert post_code(client, code).status_code == 302
    # when someone replays the same code in another session
    other = Client()
    post_password(other, member.user)
    response = post_code(other, code)
    # then it is refused
    assert response.status_code == 400
    assert logged_in_user_id(other) is None


def test_a_recovery_code_logs_in_once(member):
    # given a member with an authenticator app and recovery codes
    device = mfa_enrolment_start(user=member.user)
    _, codes = mfa_enrolment_confirm(user=member.user, code=totp_code(device))
    # when one recovery code is used (typed in capitals, without dashes)
    client = Client()
    post_password(client, member.user)
    response = post_code(client, codes[3].replace("-", "").upper())
    # then the member is in, and told how many are left
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)
    assert "9 left" in client.get("/").content.decode()
    assert AuditEvent.objects.get(action="auth.login").data["second_factor"] == "recovery_code"
    # when the same code is used again
    again = Client()
    post_password(again, member.user)
    response = post_code(again, codes[3])
    # then it no longer works
    assert response.status_code == 400
    assert logged_in_user_id(again) is None
    assert StaticToken.objects.filter(device__user=member.user).count() == 9


def test_new_recovery_codes_replace_the_old_ones(member):
    # given a verified session of a member with recovery codes
    device = mfa_enrolment_start(user=member.user)
    _, old_codes = mfa_enrolment_confirm(user=member.user, code=totp_code(device))
    client = Client()
    post_password(client, member.user)
    post_code(client, totp_code(device, steps_ahead=1))
    # when new codes are generated
    response = client.post("/accounts/security/recovery-codes/")
    # then ten new codes are shown and an old one no longer logs in
    new_codes = recovery_codes_in(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    other = Client()
    post_password(other, member.user)
    assert post_code(other, old_codes[0]).status_code == 400
    assert AuditEvent.objects.filter(action="auth.recovery_codes_issued", actor=member.user).count() == 1


def test_new_recovery_codes_need_a_verified_session(member):
    # given a session of a member with an authenticator that has not used it (a forced login)
    confirmed_device(member.user)
    client = Client()
    client.force_login(member.user)
    # when it asks for new recovery codes
    response = client.post("/accounts/security/recovery-codes/")
    # then it is sent to the code page first
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/verify/")
    assert not StaticToken.objects.exists()


def test_turning_off_needs_a_current_code(member):
    # given a verified member
    device = mfa_enrolment_start(user=member.user)
    mfa_enrolment_confirm(user=member.user, code=totp_code(device))
    client = Client()
    post_password(client, member.user)
    post_code(client, totp_code(device, steps_ahead=1))
    # when they turn it off with a wrong code
    response = client.post("/accounts/security/mfa/disable/", {"code": "000000"})
    # then nothing changes
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=member.user, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="auth.mfa_disabled").exists()


def test_turning_off_with_a_recovery_code_removes_every_factor(member):
    # given a verified member
    device = mfa_enrolment_start(user=member.user)
    _, codes = mfa_enrolment_confirm(user=member.user, code=totp_code(device))
    client = Client()
    post_password(client, member.user)
    post_code(client, totp_code(device, steps_ahead=1))
    # when they turn it off with a recovery code
    response = client.post("/accounts/security/mfa/disable/", {"code": codes[0]})
    # then the app and the codes are gone, and the next login needs only the password
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member.user).exists()
    assert not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(action="auth.mfa_disabled", actor=member.user).count() == 1
    fresh = Client()
    assert post_password(fresh, member.user)["Location"] == "/"
    assert logged_in_user_id(fresh) == str(member.user.pk)


def test_a_session_that_skipped_the_second_factor_must_enter_it(member):
    # given a member with an authenticator whose session never used it (e.g. started before enrolment)
    device = confirmed_device(member.user)
    client = Client()
    client.force_login(member.user)
    # when it opens a page or calls the API
    page = client.get("/scans/")
    api = client.get("/api/me")
    # then the page sends it to the code page and the API refuses with JSON
    assert page.status_code == 302 and page["Location"] == "/accounts/login/verify/?next=%2Fscans%2F"
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"
    # when the code is entered on that page
    response = client.post("/accounts/login/verify/?next=/scans/", {"code": totp_code(device), "next": "/scans/"})
    # then the session is verified and goes on
    assert response.status_code == 302 and response["Location"] == "/scans/"
    assert client.get("/scans/").status_code == 200
    assert client.get("/api/me").status_code == 200


def test_the_admin_login_form_is_the_site_login(member):
    # when the admin's login page is opened
    response = Client().get("/admin/login/?next=/admin/")
    # then it is the site's own two-step login
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_the_code_page_without_a_password_step_goes_back_to_login():
    # when the code page is opened by an anonymous visitor
    response = Client().get("/accounts/login/verify/")
    # then they are sent to log in
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_password_step_expires(member, settings):
    # given a member who typed the password but waited too long for the code
    device = confirmed_device(member.user)
    client = Client()
    post_password(client, member.user)
    settings.MFA_LOGIN_PENDING_SECONDS = -1
    # when the right code finally comes
    response = post_code(client, totp_code(device))
    # then the password is asked again
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert logged_in_user_id(client) is None
