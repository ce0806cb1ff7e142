"""Lockout of failed web logins (django-axes), per username and per address independently, logged and audited."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone

from complywise.accounts.lockout import client_ip
from complywise.choices import Role
from complywise.models import AuditEvent
from tests.factories import MembershipFactory, TenantFactory

from .accounts_support import confirmed_device, logged_in_user_id, post_code, post_password, totp_code

pytestmark = pytest.mark.django_db

LIMIT = 5  # AXES_FAILURE_LIMIT's default


@pytest.fixture
def member(tenant):
    return MembershipFactory(tenant=tenant, role=Role.MEMBER)


def test_an_account_locks_after_five_wrong_passwords_from_any_addresses(member):
    # given five wrong passwords for one account, each from another address
    for n in range(LIMIT):
        response = post_password(Client(), member.user, password=f"wrong-{n}", ip=f"198.51.100.{n + 1}")
        assert response.status_code == (429 if n == LIMIT - 1 else 200)
    # when the right password comes from yet another address
    client = Client()
    response = post_password(client, member.user, ip="203.0.113.77")
    # then the lockout page answers and nobody is logged in
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
    assert logged_in_user_id(client) is None


def test_an_address_locks_after_five_failures_whatever_the_usernames(member):
    # given five failed logins from one address, each for a different (unknown) username
    for n in range(LIMIT):
        Client().post(
            "/accounts/login/", {"username": f"guess{n}@example.com", "password": "x"}, REMOTE_ADDR="192.0.2.9"
        )
    # when a member with the right password logs in from that address
    blocked = Client()
    response = post_password(blocked, member.user, ip="192.0.2.9")
    # then it is locked out there, but not from another address
    assert response.status_code == 429
    assert logged_in_user_id(blocked) is None
    elsewhere = Client()
    assert post_password(elsewhere, member.user, ip="192.0.2.10")["Location"] == "/"
    assert logged_in_user_id(elsewhere) == str(member.user.pk)


def test_the_username_counts_whatever_its_case(member):
    # given wrong passwords for the same account spelt in different cases
    for n in range(LIMIT):
        name = member.user.username.upper() if n % 2 else member.user.username
        Client().post("/accounts/login/", {"username": name, "password": "x"}, REMOTE_ADDR=f"198.51.100.{n + 1}")
    # when the right password is typed
    response = post_password(Client(), member.user, ip="203.0.113.1")
    # then the account is locked
    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(member):
    # given a locked-out account
    for n in range(LIMIT):
        post_password(Client(), member.user, password="wrong", ip=f"198.51.100.{n + 1}")
    assert post_password(Client(), member.user, ip="203.0.113.5").status_code == 429
    # when the cool-off (15 minutes) has passed since the failures
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    # then the right password works again
    client = Client()
    assert post_password(client, member.user, ip="203.0.113.5")["Location"] == "/"
    assert logged_in_user_id(client) == str(member.user.pk)


def test_wrong_second_factor_codes_lock_out_too(member):
    # given a member whose password is known (to an attacker) and who has an authenticator
    device = confirmed_device(member.user)
    client = Client()
    post_password(client, member.user)
    # when five wrong codes are tried (waiting out the device's own back-off between them)
    statuses = []
    for n in range(LIMIT):
        device.refresh_from_db()
        device.throttling_failure_count = 0
        device.save(update_fields=["throttling_failure_count"])
        statuses.append(post_code(client, f"{(int(totp_code(device)) + 1 + n) % 1_000_000:06d}").status_code)
    # then the fifth locks the account, and even the right code is refused afterwards
    assert statuses == [400, 400, 400, 400, 429]
    assert post_code(client, totp_code(device)).status_code == 429
    assert logged_in_user_id(client) is None


def test_wrong_codes_in_a_row_make_the_device_back_off(member):
    # given a member past the password step who typed one wrong code
    device = confirmed_device(member.user)
    client = Client()
    post_password(client, member.user)
    post_code(client, "000000" if totp_code(device) != "000000" else "111111")
    # when the right code follows within the second of back-off
    response = post_code(client, totp_code(device))
    # then it is refused with the wait, without counting as another failed login
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_failures_are_logged_and_audited_in_every_tenant_of_the_account(member, caplog):
    # given a member of two tenants
    second = TenantFactory()
    MembershipFactory(tenant=second, user=member.user)
    # when a wrong password is typed
    with caplog.at_level(logging.WARNING, logger="complywise.accounts.services"):
        post_password(Client(), member.user, password="wrong", ip="198.51.100.20")
    # then the failure is a log line with the name tried and the address, and an audit event in both tenants
    record = next(r for r in caplog.records if r.getMessage() == "login failed")
    assert record.username == member.user.username and record.ip == "198.51.100.20"
    assert record.stage == "password" and record.locked_out is False
    events = AuditEvent.objects.filter(action="auth.login_failed")
    assert {e.tenant_id for e in events} == {member.tenant_id, second.pk}
    assert all(e.data == {**events[0].data, "username": member.user.username, "ip": "198.51.100.20"} for e in events)


def test_failures_for_unknown_names_are_logged_but_audited_nowhere(caplog):
    # when someone tries a name that has no account
    with caplog.at_level(logging.WARNING, logger="complywise.accounts.services"):
        Client().post("/accounts/login/", {"username": "nobody@example.com", "password": "x"}, REMOTE_ADDR="192.0.2.1")
    # then it is logged, and no tenant's audit log hears of it
    assert any(getattr(r, "username", None) == "nobody@example.com" for r in caplog.records)
    assert not AuditEvent.objects.exists()


def test_a_successful_login_is_audited_in_the_tenants_of_the_account(member):
    # when a member without a second factor logs in
    post_password(Client(), member.user, ip="203.0.113.9")
    # then the login is in the tenant's audit log
    event = AuditEvent.objects.get(action="auth.login")
    assert event.tenant_id == member.tenant_id and event.actor == member.user
    assert event.data == {"ip": "203.0.113.9", "second_factor": "none"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "10.0.0.2"),  # no trusted proxy: the header is the client's word, ignored
        (1, "6.6.6.6, 203.0.113.1", "203.0.113.1"),  # what the one trusted proxy saw; the client's own entry is ignored
        (2, "6.6.6.6, 203.0.113.1, 10.0.0.9", "203.0.113.1"),
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_client_address_behind_trusted_proxies(settings, proxies, forwarded, expected):
    # given TRUSTED_PROXY_COUNT proxies in front
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    # when / then
    assert client_ip(request) == expected
