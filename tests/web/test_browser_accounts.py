"""Login security in headless Chromium: password + TOTP, enrolment, and the CSP-covered admin and API docs.

Reuses the live-server browser fixtures of test_browser.py; skips the same way without /usr/bin/chromium.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise.choices import Role
from tests.complywise.accounts_support import totp_code
from tests.factories import MembershipFactory

from .test_browser import AUDIT_JS, PASSWORD, browser, page, shot  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(tab) -> list[str]:
    return [m for m in tab.console_errors if "Content Security Policy" in m or "Refused to" in m]


def test_log_in_with_password_and_authenticator_code_reaches_the_dashboard(page, tenant):  # noqa: F811
    from playwright.sync_api import expect

    # given a member with an authenticator app
    member = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    device = TOTPDevice.objects.create(user=member.user, name="phone", confirmed=True)
    # when they log in with their password
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # then the code is asked for
    page.wait_for_url(re.compile(r"/accounts/login/verify/$"))
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    shot(page, "20-login-second-factor", full_page=False)
    # when the current code of the app is entered
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    # then the dashboard opens
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Compliance dashboard")).to_be_visible()
    assert page.outside_requests == []
    assert page.console_errors == []


def test_set_up_an_authenticator_from_the_qr_page(page, tenant):  # noqa: F811
    from playwright.sync_api import expect

    # given a member of a tenant that requires a second factor, logging in with a password only
    tenant.require_mfa = True
    tenant.save(update_fields=["require_mfa"])
    member = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # then they land on the set-up page, whose QR code (a data: image) renders under the CSP
    page.wait_for_url(re.compile(r"/accounts/security/mfa/setup/"))
    expect(page.get_by_text("Your organisation requires two-factor authentication")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    assert page.evaluate(AUDIT_JS) == []
    shot(page, "21-mfa-setup")
    # when the key shown is typed into an "app" and its code entered
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    app = TOTP(key, 30, 0, 6, 0)
    app.time = time.time()
    page.get_by_label("Code from the app").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Turn on").click()
    # then ten recovery codes are shown once, and continuing opens the dashboard
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert page.evaluate(AUDIT_JS) == []
    shot(page, "22-recovery-codes")
    page.get_by_role("link", name=re.compile("continue")).click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Compliance dashboard")).to_be_visible()
    assert csp_violations(page) == []
    assert page.outside_requests == []


def test_swagger_ui_works_offline_under_the_csp(page):  # noqa: F811
    from playwright.sync_api import expect

    # when the API docs are opened
    page.goto("/api/docs/")
    # then Swagger UI renders the schema from this server, with no outside request and no CSP violation
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ComplyWise API")
    expect(page.locator(".opblock").first).to_be_visible()
    shot(page, "23-api-docs", full_page=False)
    assert page.outside_requests == []
    assert csp_violations(page) == []


def test_django_admin_works_under_the_csp(page, tenant):  # noqa: F811
    from playwright.sync_api import expect

    # given a staff user without an authenticator, who logs in through the admin's address
    member = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    member.user.is_staff = member.user.is_superuser = True
    member.user.save()
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/admin/"))
    page.get_by_label("Email or username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # then the admin first asks them to set up a second factor, and once it is on, opens
    page.wait_for_url(re.compile(r"/accounts/security/mfa/setup/\?required=admin"))
    expect(page.get_by_text("The admin site requires two-factor authentication")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    app = TOTP(b32decode(secret + "=" * (-len(secret) % 8)), 30, 0, 6, 0)
    app.time = time.time()
    page.get_by_label("Code from the app").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name=re.compile("continue")).click()
    page.wait_for_url(re.compile(r"/admin/$"))
    # when a list and a change form are opened and the list's action checkbox is used
    page.get_by_role("link", name="Tenants").click()
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.get_by_role("link", name=tenant.name).click()
    expect(page.locator("#id_name")).to_have_value(tenant.name)
    shot(page, "24-admin-change-form", full_page=False)
    # then the admin's scripts ran (the counter above) and nothing was blocked
    assert csp_violations(page) == []
    assert page.outside_requests == []


def test_account_pages_have_labelled_inputs_and_ordered_headings(page, tenant):  # noqa: F811
    # given a member with an authenticator app, past the password step
    member = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    device = TOTPDevice.objects.create(user=member.user, name="phone", confirmed=True)
    for url in ["/accounts/password_reset/", "/accounts/password_reset/done/"]:
        page.goto(url)
        assert page.evaluate(AUDIT_JS) == [], url
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/login/verify/$"))
    # when / then the code page, the account pages and the password page pass the audit
    assert page.evaluate(AUDIT_JS) == []
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/$"))
    for url in ["/accounts/security/", "/accounts/password_change/"]:
        page.goto(url)
        assert page.evaluate(AUDIT_JS) == [], url
    shot(page, "25-password-change", full_page=False)
    assert page.console_errors == []
