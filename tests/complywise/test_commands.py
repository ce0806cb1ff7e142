import re
import stat
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from complywise import services
from complywise.management.commands.runstack import bind_warning
from complywise.models import ApiToken, AuditEvent, Membership, Tenant

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


def test_create_api_token_never_changes_an_existing_members_role():
    # given a viewer
    run("create_tenant", "--name", "Acme", "--slug", "acme")
    run("create_api_token", "--tenant", "acme", "--email", "v@acme.io", "--role", "viewer")
    # when a token is asked for with another role
    with pytest.raises(CommandError, match=r"already viewer of acme.*Leave out --role"):
        run("create_api_token", "--tenant", "acme", "--email", "v@acme.io", "--role", "admin")
    # then the role stands and no token was issued for the refused call
    assert Membership.objects.get(user__email="v@acme.io").role == "viewer"
    assert ApiToken.objects.count() == 1
    # and without --role (or with the same one) the member gets a token with their own role
    out = run("create_api_token", "--tenant", "acme", "--email", "v@acme.io")
    assert "as viewer" in out
    run("create_api_token", "--tenant", "acme", "--email", "V@Acme.io", "--role", "viewer")
    assert ApiToken.objects.count() == 3 and Membership.objects.count() == 1


def test_create_tenant_never_silently_promotes_or_resets_a_password():
    # given a tenant with an admin and a viewer
    run("create_tenant", "--name", "Acme", "--slug", "acme", "--admin-email", "a@x.io", "--admin-password", "pw1")
    tenant = Tenant.objects.get(slug="acme")
    viewer = services.user_get_or_create(email="v@x.io", password="viewer-pw")
    services.membership_create(tenant=tenant, user=viewer, role="viewer")
    # when the viewer is named as admin without the explicit flag
    with pytest.raises(CommandError, match=r"already viewer of acme.*--make-admin"):
        run("create_tenant", "--name", "Acme", "--slug", "acme", "--admin-email", "v@x.io", "--admin-password", "x")
    # then nothing changed, the password included
    assert Membership.objects.get(user=viewer).role == "viewer"
    viewer.refresh_from_db()
    assert viewer.check_password("viewer-pw")
    # when the flag is given
    out = run("create_tenant", "--name", "Acme", "--slug", "acme", "--admin-email", "v@x.io", "--make-admin")
    # then the change is made, audited, and said
    assert Membership.objects.get(user=viewer).role == "admin"
    assert "was viewer and is now admin" in out
    assert AuditEvent.objects.get(action="member.role_changed").data["from"] == "viewer"
    # and an existing admin named again keeps their password
    out = run("create_tenant", "--name", "Acme", "--slug", "acme", "--admin-email", "a@x.io", "--admin-password", "new")
    assert "password was not changed" in out
    assert get_user_model().objects.get(email="a@x.io").check_password("pw1")


def test_create_tenant_refused_admin_leaves_no_new_tenant():
    # given a user without an account, named without a password
    with pytest.raises(CommandError, match="no account yet"):
        run("create_tenant", "--name", "New", "--slug", "new", "--admin-email", "n@x.io")
    assert not Tenant.objects.filter(slug="new").exists()


# --- seed_demo: a safe first run ------------------------------------------------------------------------


@pytest.fixture
def demo_login_file(settings, tmp_path):
    settings.DEMO_LOGIN_FILE = tmp_path / "var" / "demo-login.txt"
    return settings.DEMO_LOGIN_FILE


def printed_password(out: str) -> str:
    return re.search(r"log in as admin@demo\.local / (\S+)", out).group(1)


def test_seed_demo_first_run_makes_a_random_password_a_tenant_admin_and_no_superuser(demo_login_file):
    # when
    out = run("seed_demo")
    # then a random password is printed with the login, works, and is kept owner-only
    password = printed_password(out)
    assert password != "complywise-demo" and len(password) >= 20
    user = get_user_model().objects.get(email="admin@demo.local")
    assert user.check_password(password)
    assert not user.is_superuser and not user.is_staff
    assert Membership.objects.get(user=user, tenant__slug="demo").role == "admin"
    assert stat.S_IMODE(demo_login_file.stat().st_mode) == 0o600
    assert f"password: {password}" in demo_login_file.read_text()
    assert "API token (shown once): cw_" in out
    # and another install gets another password
    get_user_model().objects.filter(email="admin@demo.local").delete()
    assert printed_password(run("seed_demo")) != password


def test_seed_demo_second_run_keeps_the_password_and_open_sessions(demo_login_file):
    # given a first run and a logged-in browser
    first = run("seed_demo")
    password = printed_password(first)
    browser = Client()
    browser.force_login(get_user_model().objects.get(email="admin@demo.local"))
    hash_before = get_user_model().objects.get(email="admin@demo.local").password
    # when run again (every `make run`)
    second = run("seed_demo")
    # then the same login is printed, the password is untouched, and the session still works
    assert printed_password(second) == password
    assert get_user_model().objects.get(email="admin@demo.local").password == hash_before
    assert browser.get("/api/me").status_code == 200
    assert "already issued" in second and "cw_" not in second
    assert Tenant.objects.filter(slug="demo").count() == 1
    assert ApiToken.objects.filter(name="demo").count() == 1


def test_seed_demo_never_resets_a_password_the_user_changed(demo_login_file):
    # given the demo admin changed their password
    run("seed_demo")
    user = get_user_model().objects.get(email="admin@demo.local")
    user.set_password("my-own-secret-99")
    user.save()
    # when
    out = run("seed_demo")
    # then their password stands and no stale one is printed
    user.refresh_from_db()
    assert user.check_password("my-own-secret-99")
    assert "with the password you set" in out and "/ " not in out.split("log in as")[1].split("\n")[0]


def test_seed_demo_replaces_the_published_password_of_older_installs(demo_login_file):
    # given a demo admin as older versions made it: superuser with the published password
    user = get_user_model().objects.create_user(
        username="admin@demo.local", email="admin@demo.local", password="complywise-demo", is_staff=True
    )
    user.is_superuser = True
    user.save()
    # when
    out = run("seed_demo")
    # then
    user.refresh_from_db()
    assert not user.check_password("complywise-demo")
    assert user.check_password(printed_password(out))
    assert not user.is_superuser and not user.is_staff
    assert "published demo password was replaced" in out


# --- runstack ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_runstack_binds_quietly_to_loopback(host):
    assert bind_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.5", "my-laptop.example.com"])  # noqa: S104
def test_runstack_warns_when_binding_beyond_loopback(host):
    warning = bind_warning(host)
    assert warning is not None and "not a loopback address" in warning and host in warning


# --- README -----------------------------------------------------------------------------------------------


def test_every_readme_command_works_in_a_fresh_shell_without_an_activated_venv():
    # given the README's shell lines
    readme = (settings.BASE_DIR / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    manage_lines = [line for line in lines if "manage.py" in line]
    # then each runs manage.py with the project's own interpreter, and names a command that exists
    assert manage_lines
    commands = set(get_commands())
    for line in manage_lines:
        assert re.search(r"(^|[\s(])\.venv/bin/python manage\.py ", line), line
        assert not re.search(r"(^|[\s(])python3? manage\.py", line), line
        name = re.search(r"manage\.py (\S+)", line).group(1)
        assert name in commands, line
