"""A tenant's require_mfa: its members' browser sessions must set up and use a second factor; tokens unaffected."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise.choices import Role
from complywise.tenancy import SESSION_TENANT_KEY
from tests.factories import MembershipFactory, TenantFactory, UserFactory

from .accounts_support import confirmed_device, post_code, post_password, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_tenant(db):
    return TenantFactory(name="Strict", slug="strict", require_mfa=True)


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_pages_send_a_member_without_a_second_factor_to_set_one_up(strict_tenant):
    # given a member of a tenant that requires a second factor, logged in with a password only
    client = logged_in(MembershipFactory(tenant=strict_tenant, role=Role.ADMIN))
    # when they open pages
    for url in ["/", "/scans/", "/settings/", "/admin/"]:
        response = client.get(url)
        # then each sends them to the set-up page, and back afterwards
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/security/mfa/setup/?required=1&next="), url
    # and the set-up and account pages themselves open, saying why
    assert (
        "requires two-factor authentication" in client.get("/accounts/security/mfa/setup/?required=1").content.decode()
    )
    assert client.get("/accounts/security/").status_code == 200


def test_api_calls_with_such_a_session_answer_403_json(strict_tenant):
    # given the same kind of session
    client = logged_in(MembershipFactory(tenant=strict_tenant, role=Role.ADMIN))
    # when it calls the API
    for response in [client.get("/api/me"), client.get("/api/scans"), client.post("/api/scans/trigger", {})]:
        # then each call is refused with a JSON reason
        assert response.status_code == 403
        assert response.json()["code"] == "mfa_required"
        assert "two-factor" in response.json()["detail"]


def test_bearer_tokens_are_not_affected(strict_tenant, client_for):
    # given a token of that tenant
    client = client_for(strict_tenant, Role.ADMIN)
    # when / then
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/scans").status_code == 200


def test_after_setting_it_up_the_member_goes_on(strict_tenant):
    # given a member sent to set up a second factor
    client = logged_in(MembershipFactory(tenant=strict_tenant, role=Role.MEMBER))
    client.get("/accounts/security/mfa/setup/?required=1&next=/scans/")
    device = TOTPDevice.objects.get()
    # when they confirm a code from the app
    codes_page = client.post("/accounts/security/mfa/setup/?required=1&next=/scans/", {"code": totp_code(device)})
    # then the recovery-codes page leads on to where they were going, and pages and API open
    assert codes_page.status_code == 200 and 'href="/scans/"' in codes_page.content.decode()
    assert client.get("/scans/").status_code == 200
    assert client.get("/api/me").status_code == 200


def test_a_member_who_logs_in_with_both_factors_is_let_in(strict_tenant):
    # given a member of the tenant with an authenticator
    member = MembershipFactory(tenant=strict_tenant, role=Role.MEMBER)
    device = confirmed_device(member.user)
    client = Client()
    # when they log in with password and code
    post_password(client, member.user)
    post_code(client, totp_code(device))
    # then pages and the API answer
    assert client.get("/").status_code == 200
    assert client.get("/api/me").status_code == 200


def test_only_the_current_tenant_decides(strict_tenant, tenant):
    # given a user in a relaxed tenant (the current one) and in a strict one
    relaxed = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    MembershipFactory(tenant=strict_tenant, user=relaxed.user, role=Role.MEMBER)
    client = logged_in(relaxed)
    session = client.session
    session[SESSION_TENANT_KEY] = str(tenant.pk)
    session.save()
    # when / then the relaxed tenant's pages open
    assert client.get("/scans/").status_code == 200
    # when they switch to the strict tenant (the switch itself is allowed)
    switched = client.post("/tenant/switch", {"tenant_id": str(strict_tenant.pk)})
    assert switched.status_code == 302
    # then its pages ask for set-up
    assert client.get("/scans/")["Location"].startswith("/accounts/security/mfa/setup/")


def test_tenants_without_the_requirement_are_unchanged(tenant):
    # given a member of a tenant that does not require a second factor
    client = logged_in(MembershipFactory(tenant=tenant, role=Role.MEMBER))
    # when / then
    assert client.get("/").status_code == 200
    assert client.get("/api/me").status_code == 200


def test_without_a_chosen_tenant_the_first_by_name_decides():
    # given a user in a strict tenant named first and a relaxed one, who has not picked a tenant
    strict = TenantFactory(name="Aardvark", slug="aardvark", require_mfa=True)
    relaxed = TenantFactory(name="Zebra", slug="zebra")
    membership = MembershipFactory(tenant=relaxed, role=Role.MEMBER)
    MembershipFactory(tenant=strict, user=membership.user, role=Role.MEMBER)
    client = logged_in(membership)
    # when / then the strict tenant (the one the pages show) asks for set-up
    assert client.get("/scans/")["Location"].startswith("/accounts/security/mfa/setup/")
    # when / then a garbled session tenant changes nothing
    session = client.session
    session[SESSION_TENANT_KEY] = "not-a-uuid"
    session.save()
    assert client.get("/scans/")["Location"].startswith("/accounts/security/mfa/setup/")


# --- the admin site: staff need a second factor whatever their tenants require ------------------------------


@pytest.fixture
def staff(tenant):
    membership = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    membership.user.is_staff = membership.user.is_superuser = True
    membership.user.save()
    return membership


def test_staff_without_a_second_factor_are_sent_to_set_one_up_before_the_admin(staff):
    # given a staff account with no authenticator, in a tenant that does not require one, logged in by password
    client = Client()
    post_password(client, staff.user, next_url="/admin/")
    # when the admin is opened, on any of its pages
    for url in ["/admin/", "/admin/complywise/tenant/", f"/admin/complywise/tenant/{staff.tenant.pk}/change/"]:
        response = client.get(url)
        # then each sends them to the set-up page, saying the admin asks for it, and back afterwards
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/security/mfa/setup/?required=admin&next="), url
    setup = client.get("/accounts/security/mfa/setup/?required=admin&next=/admin/").content.decode()
    assert "The admin site requires two-factor authentication" in setup
    # and the tenant's own pages stay open to them, as their tenant asks no second factor
    assert client.get("/scans/").status_code == 200


def test_staff_reach_the_admin_once_their_session_used_the_second_factor(staff):
    # given a staff account that sets up an authenticator when the admin sends it there
    client = Client()
    post_password(client, staff.user)
    client.get("/admin/")
    client.get("/accounts/security/mfa/setup/")
    device = TOTPDevice.objects.get(user=staff.user)
    # when its code confirms the set-up
    client.post("/accounts/security/mfa/setup/", {"code": totp_code(device)})
    # then the admin opens in that session
    assert client.get("/admin/").status_code == 200
    # and a later login must pass both steps before the admin opens
    later = Client()
    assert post_password(later, staff.user)["Location"].startswith("/accounts/login/verify/")
    assert later.get("/admin/").status_code == 302
    post_code(later, totp_code(device, steps_ahead=1))
    assert later.get("/admin/").status_code == 200


def test_an_operator_may_leave_the_admin_to_passwords(staff, settings):
    # given an install that turned the admin's requirement off
    settings.ADMIN_REQUIRE_MFA = False
    client = Client()
    post_password(client, staff.user)
    # when / then the admin opens without a second factor
    assert client.get("/admin/").status_code == 200


def test_staff_of_no_tenant_set_up_their_second_factor_too():
    # given a platform operator's account that belongs to no tenant
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    post_password(client, operator)
    # when the admin is opened, then the set-up page it sends them to opens, and once confirmed the admin does
    assert client.get("/admin/")["Location"].startswith("/accounts/security/mfa/setup/?required=admin")
    assert client.get("/accounts/security/mfa/setup/?required=admin").status_code == 200
    device = TOTPDevice.objects.get(user=operator)
    assert client.post("/accounts/security/mfa/setup/", {"code": totp_code(device)}).status_code == 200
    assert client.get("/admin/").status_code == 200
