from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from complywise.models import ApiToken, Membership, Tenant

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_tenant_is_idempotent_on_slug():
    # when run twice
    run("create_tenant", "--name", "Acme", "--slug", "acme", "--retention-days", "90")
    run("create_tenant", "--name", "Acme Corp", "--slug", "acme", "--admin-email", "a@x.io", "--admin-password", "pw1")
    # then one tenant, updated, with an admin
    tenant = Tenant.objects.get(slug="acme")
    assert Tenant.objects.count() == 1
    assert tenant.name == "Acme Corp" and tenant.retention_days == 90
    assert Membership.objects.get(tenant=tenant, user__email="a@x.io").role == "admin"


def test_create_api_token_prints_token_alone_on_last_line_and_it_works():
    # given
    run("create_tenant", "--name", "Acme", "--slug", "acme")
    # when
    out = run("create_api_token", "--tenant", "acme", "--email", "ci@acme.io", "--role", "viewer", "--name", "ci")
    secret = out.strip().splitlines()[-1]
    # then
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = client.get("/api/me").json()
    assert me["role"] == "viewer" and me["email"] == "ci@acme.io"
    assert ApiToken.objects.count() == 1


def test_create_api_token_defaults_to_member_and_unknown_tenant_fails():
    run("create_tenant", "--name", "Acme", "--slug", "acme")
    run("create_api_token", "--tenant", "acme", "--email", "m@acme.io")
    assert Membership.objects.get(user__email="m@acme.io").role == "member"
    with pytest.raises(CommandError, match="nope"):
        run("create_api_token", "--tenant", "nope", "--email", "m@acme.io")


def test_seed_demo_is_idempotent():
    # when run twice
    first = run("seed_demo")
    second = run("seed_demo")
    # then one demo tenant and one demo token; the login is printed
    assert "admin@demo.local" in first and "API token (shown once): cw_" in first
    assert "already issued" in second
    assert Tenant.objects.filter(slug="demo").count() == 1
    assert ApiToken.objects.filter(name="demo").count() == 1
