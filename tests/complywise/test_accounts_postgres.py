"""Login security as the app's PostgreSQL role, which row-level security holds (skipped on SQLite).

The suite connects as a superuser, whom row-level security never applies to; like tests/complywise/test_rls.py
these tests ``SET ROLE`` to a role granted by the real ``setup_database_roles`` command, inside the test's
transaction (the role and its grants roll back with it). The role has its own name so the two files never
contend for one cluster-wide role.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from complywise.choices import Role
from complywise.models import AuditEvent
from tests.factories import MembershipFactory, TenantFactory

from .accounts_support import confirmed_device, logged_in_user_id, post_code, post_password, totp_code

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security needs PostgreSQL"),
]

ROLE = "cw_accounts_app"
NEW_PASSWORD = "plum-tractor-velvet-42"


@pytest.fixture
def app_role(db) -> Iterator[None]:
    call_command("setup_database_roles", role=ROLE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@contextmanager
def as_superuser() -> Iterator[None]:
    """Counting rows across tenants, behind the app's back."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {ROLE}")


def audit_actions() -> list[tuple[str, str]]:
    with as_superuser():
        return sorted((str(e.tenant_id), e.action) for e in AuditEvent.objects.all())


def test_two_step_login_and_its_audit_trail_work_under_row_level_security(app_role):
    # given a member of two tenants with an authenticator app
    with as_superuser():
        member = MembershipFactory(tenant=TenantFactory(), role=Role.MEMBER)
        second = MembershipFactory(tenant=TenantFactory(), user=member.user, role=Role.VIEWER)
        device = confirmed_device(member.user)
    tenants = sorted([str(member.tenant_id), str(second.tenant_id)])
    # when, as the app role, a wrong password, then the password and a code are entered
    post_password(Client(), member.user, password="wrong")
    client = Client()
    post_password(client, member.user)
    response = post_code(client, totp_code(device))
    # then the member is logged in and the pages work
    assert response.status_code == 302 and logged_in_user_id(client) == str(member.user.pk)
    assert client.get("/").status_code == 200
    # and the failure and the login are in both tenants' audit logs
    assert audit_actions() == sorted([(t, "auth.login_failed") for t in tenants] + [(t, "auth.login") for t in tenants])


def test_require_mfa_is_enforced_under_row_level_security(app_role):
    # given a member of a tenant requiring a second factor, with a password-only session
    with as_superuser():
        member = MembershipFactory(tenant=TenantFactory(require_mfa=True), role=Role.ADMIN)
    client = Client()
    client.force_login(member.user)
    # when / then pages send them to set it up and the API refuses
    assert client.get("/scans/")["Location"].startswith("/accounts/security/mfa/setup/?required=1")
    assert client.get("/api/me").status_code == 403


def test_lockout_and_password_reset_work_under_row_level_security(app_role):
    # given a member locked out by five wrong passwords
    with as_superuser():
        member = MembershipFactory(tenant=TenantFactory(), role=Role.MEMBER)
    for n in range(5):
        post_password(Client(), member.user, password="wrong", ip=f"198.51.100.{n + 1}")
    assert post_password(Client(), member.user, ip="203.0.113.1").status_code == 429
    # when the password is reset from the mailbox
    client = Client()
    client.post("/accounts/password_reset/", {"email": member.user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then the new password logs in, and the reset is audited in the member's tenant
    assert done.status_code == 302
    assert post_password(Client(), member.user, password=NEW_PASSWORD, ip="203.0.113.1")["Location"] == "/"
    assert (str(member.tenant_id), "auth.password_reset") in audit_actions()
