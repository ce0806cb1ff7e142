"""Who may open which page and press which button: the API's role table, tenant isolation, login."""

import uuid

import pytest
from django.test import Client

from complywise import services as core_services
from complywise.choices import Role
from integrations.models import Integration
from scans.models import ScanSchedule
from tests.factories import UserFactory
from tests.integrations.factories import IntegrationFactory

from .factories import evidence_for, scan_job

pytestmark = pytest.mark.django_db

ALL_ROLES = [Role.ADMIN, Role.MEMBER, Role.VIEWER, Role.AUDITOR]
READ_ONLY_ROLES = [Role.VIEWER, Role.AUDITOR]


@pytest.fixture
def objects(tenant, scan_data):
    """One of each kind of tenant object the pages address by id."""
    admin = core_services.membership_ensure(tenant=tenant, user=UserFactory(), role=Role.ADMIN)
    schedule = ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60)
    return {
        "scan": scan_data.job,
        "control": scan_data.failing,
        "framework": scan_data.framework,
        "evidence": evidence_for(tenant, scan_data.failing),
        "integration": IntegrationFactory(tenant=tenant),
        "schedule": schedule,
        "token": core_services.api_token_create(membership=admin, name="ci").token,
        "membership": admin,
    }


def read_pages(o):
    return [
        "/",
        "/scans/",
        f"/scans/{o['scan'].pk}/",
        f"/scans/{o['scan'].pk}/progress/",
        f"/scans/{o['scan'].pk}/results.csv",
        f"/controls/{o['control'].pk}/",
        "/evidence/",
        "/frameworks/",
        f"/frameworks/{o['framework'].pk}/",
        "/checks/",
    ]


def admin_pages(o):
    return ["/integrations/", "/integrations/new/", f"/integrations/{o['integration'].pk}/edit/", "/settings/"]


def admin_actions(o):
    return [
        (f"/frameworks/{o['framework'].pk}/activation/", {"active": "false"}),
        ("/integrations/new/", {"type": "host", "name": "box", "config": '{"root": "/"}'}),
        (f"/integrations/{o['integration'].pk}/test/", {}),
        (f"/integrations/{o['integration'].pk}/delete/", {}),
        ("/settings/retention/", {"retention_days": "30"}),
        ("/settings/schedules/", {"name": "hourly", "interval_minutes": "60"}),
        (f"/settings/schedules/{o['schedule'].pk}/toggle/", {}),
        (f"/settings/schedules/{o['schedule'].pk}/delete/", {}),
        ("/settings/security/", {"require_mfa": "on"}),
        ("/settings/invitations/", {"email": "new@example.com", "role": "viewer"}),
        (f"/settings/members/{o['membership'].pk}/role/", {"role": "member"}),
        (f"/settings/members/{o['membership'].pk}/remove/", {}),
        ("/settings/tokens/", {"name": "x", "membership": str(o["membership"].pk)}),
        (f"/settings/tokens/{o['token'].pk}/revoke/", {}),
        (f"/evidence/{o['evidence'].pk}/delete/", {"reason": "duplicate"}),
    ]


def write_actions(o):
    return [
        ("/scans/run/", {}),
        (f"/controls/{o['control'].pk}/evidence/", {"title": "x"}),
        (f"/scans/{o['scan'].pk}/cancel/", {}),
    ]


def test_anonymous_is_sent_to_login_from_every_page_and_action(objects):
    # given no session
    client = Client()
    urls = read_pages(objects) + admin_pages(objects)
    posts = [url for url, _ in admin_actions(objects) + write_actions(objects)]
    # when / then
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    for url in posts:
        response = client.post(url, {})
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_every_read_page(web_login, tenant, objects, role):
    # given
    client = web_login(tenant, role)
    # when / then
    for url in read_pages(objects):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.MEMBER, *READ_ONLY_ROLES])
def test_only_admins_open_integrations_and_settings(web_login, tenant, objects, role):
    # given a non-admin
    client = web_login(tenant, role)
    # when / then
    for url in admin_pages(objects):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Not allowed" in response.content
    for url, data in admin_actions(objects):
        assert client.post(url, data).status_code == 403, url
    # and nothing changed
    assert Integration.objects.filter(pk=objects["integration"].pk).exists()
    assert ScanSchedule.objects.filter(pk=objects["schedule"].pk, enabled=True).exists()


def test_admin_opens_integrations_and_settings(admin_web, objects):
    for url in admin_pages(objects):
        assert admin_web.get(url).status_code == 200, url


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_cannot_run_cancel_or_upload(web_login, tenant, objects, role):
    # given a viewer or auditor, and a running scan
    client = web_login(tenant, role)
    running = scan_job(tenant, status="running")
    # when / then
    for url, data in [*write_actions(objects), (f"/scans/{running.pk}/cancel/", {})]:
        assert client.post(url, data).status_code == 403, url
    running.refresh_from_db()
    assert running.status == "running"


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_see_no_write_buttons(web_login, tenant, objects, role):
    # given
    client = web_login(tenant, role)
    running = scan_job(tenant, status="running")
    # when
    scans_page = client.get("/scans/").content.decode()
    control_page = client.get(f"/controls/{objects['control'].pk}/").content.decode()
    running_page = client.get(f"/scans/{running.pk}/").content.decode()
    # then
    assert "Run scan" not in scans_page
    assert "Upload evidence" not in control_page
    assert "Cancel scan" not in running_page
    # No link to the admin pages (auditors do get one to the audit log, under /settings/audit-log/).
    assert 'href="/integrations/"' not in scans_page and 'href="/settings/"' not in scans_page


def test_member_runs_scans_and_uploads(web_login, tenant, objects, django_capture_on_commit_callbacks):
    # given a member
    client = web_login(tenant, Role.MEMBER)
    # when
    with django_capture_on_commit_callbacks(execute=False):
        run = client.post("/scans/run/", {})
    upload = client.post(
        f"/controls/{objects['control'].pk}/evidence/",
        {"file": _file("review.txt", b"Reviewed.\n")},
    )
    # then
    assert run.status_code == 302 and run["Location"].startswith("/scans/")
    assert upload.status_code == 302
    assert "Run scan" in client.get("/scans/").content.decode()


def test_verify_is_open_to_read_roles(web_login, tenant, objects):
    # given an auditor (verification is what auditors come for)
    client = web_login(tenant, Role.AUDITOR)
    # when
    response = client.post(f"/evidence/{objects['evidence'].pk}/verify/", follow=True)
    # then
    assert response.status_code == 200
    assert "Verified" in response.content.decode()


def _other_tenant_urls(o):
    gets = [
        f"/scans/{o['scan'].pk}/",
        f"/scans/{o['scan'].pk}/progress/",
        f"/scans/{o['scan'].pk}/results.csv",
        f"/controls/{o['control'].pk}/",
        f"/frameworks/{o['framework'].pk}/",
        f"/integrations/{o['integration'].pk}/edit/",
    ]
    posts = [
        f"/scans/{o['scan'].pk}/cancel/",
        f"/controls/{o['control'].pk}/evidence/",
        f"/evidence/{o['evidence'].pk}/verify/",
        f"/evidence/{o['evidence'].pk}/delete/",
        f"/frameworks/{o['framework'].pk}/activation/",
        f"/integrations/{o['integration'].pk}/test/",
        f"/integrations/{o['integration'].pk}/delete/",
        f"/settings/schedules/{o['schedule'].pk}/toggle/",
        f"/settings/schedules/{o['schedule'].pk}/delete/",
        f"/settings/members/{o['membership'].pk}/role/",
        f"/settings/members/{o['membership'].pk}/remove/",
        f"/settings/tokens/{o['token'].pk}/revoke/",
    ]
    return gets, posts


def test_another_tenants_objects_are_404_like_missing_ones(web_login, other_tenant, objects):
    # given an admin of another tenant
    outsider = web_login(other_tenant, Role.ADMIN)
    gets, posts = _other_tenant_urls(objects)
    # when / then: every id of this tenant is "not found" — exactly like an id that exists nowhere
    for url in gets:
        assert outsider.get(url).status_code == 404, url
        assert outsider.get(url.replace(url.split("/")[2], str(uuid.uuid4()))).status_code == 404, url
    for url in posts:
        assert outsider.post(url, {"reason": "x", "role": "viewer", "active": "false"}).status_code == 404, url
    # and nothing was touched
    assert Integration.objects.filter(pk=objects["integration"].pk).exists()
    assert ScanSchedule.objects.filter(pk=objects["schedule"].pk).exists()
    objects["token"].refresh_from_db()
    assert objects["token"].revoked_at is None


def test_another_tenants_lists_show_nothing_of_this_tenant(web_login, other_tenant, objects):
    # given an admin of another tenant
    outsider = web_login(other_tenant, Role.ADMIN)
    # when
    pages = "".join(outsider.get(url).content.decode() for url in ["/", "/scans/", "/evidence/", "/frameworks/"])
    # then
    assert str(objects["scan"].pk) not in pages
    assert objects["evidence"].sha256[:12] not in pages
    assert objects["framework"].name not in pages


def test_user_without_membership_gets_an_explanation(db):
    # given a user that belongs to no tenant
    client = Client()
    client.force_login(UserFactory())
    # when
    response = client.get("/")
    # then
    assert response.status_code == 403
    assert "not a member of any organisation" in response.content.decode()


def test_tenant_switcher_changes_the_tenant_and_refuses_others(web_login, tenant, other_tenant, objects):
    # given an admin of both tenants, on the first one
    client = web_login(tenant, Role.ADMIN)
    core_services.membership_ensure(tenant=other_tenant, user=client.membership.user, role=Role.VIEWER)
    assert client.get(f"/scans/{objects['scan'].pk}/").status_code == 200
    # when switching
    response = client.post("/tenant/switch", {"tenant_id": str(other_tenant.pk), "next": "https://evil.example/"})
    # then the redirect stays on the site and the first tenant's scan is gone from view
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(f"/scans/{objects['scan'].pk}/").status_code == 404
    assert "Globex" in client.get("/").content.decode()
    # and a tenant the user is not in, or garbage, is refused
    assert client.post("/tenant/switch", {"tenant_id": str(uuid.uuid4())}).status_code == 400
    assert client.post("/tenant/switch", {"tenant_id": "not-a-uuid"}).status_code == 400


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")
