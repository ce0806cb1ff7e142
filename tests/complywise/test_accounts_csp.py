"""Content-Security-Policy on every page: scripts only from this origin, and no page relies on inline script."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from complywise.choices import Role
from tests.factories import MembershipFactory
from tests.web.factories import scan_job

from .accounts_support import verified_login

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.fixture
def staff_client(tenant) -> Client:
    membership = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    membership.user.is_staff = membership.user.is_superuser = True
    membership.user.save()
    client = Client()
    verified_login(client, membership.user)
    return client


def test_pages_carry_a_strict_policy(staff_client, tenant):
    # when pages of each kind are fetched: login, staff pages, account pages, admin, API docs
    anonymous = Client()
    responses = {
        "/accounts/login/": anonymous.get("/accounts/login/"),
        "/accounts/password_reset/": anonymous.get("/accounts/password_reset/"),
        "/": staff_client.get("/"),
        "/scans/": staff_client.get("/scans/"),
        "/accounts/security/": staff_client.get("/accounts/security/"),
        "/admin/": staff_client.get("/admin/"),
        "/admin/complywise/tenant/": staff_client.get("/admin/complywise/tenant/"),
        f"/admin/complywise/tenant/{tenant.pk}/change/": staff_client.get(
            f"/admin/complywise/tenant/{tenant.pk}/change/"
        ),
        "/api/docs/": anonymous.get("/api/docs/"),
    }
    for url, response in responses.items():
        assert response.status_code == 200, url
        csp = policy(response)
        # then scripts come only from this origin, nothing may frame the page, no plugins, no foreign forms
        assert csp["script-src"] == ["'self'"], url
        assert csp["default-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"], url
        assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"], url
        assert csp["img-src"] == ["'self'", "data:"], url
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"], url
        # and styles are this origin's files too, except on the Swagger UI page, which injects a <style>
        assert csp["style-src"] == (["'self'", "'unsafe-inline'"] if url == "/api/docs/" else ["'self'"]), url
        # and the page has no inline script or inline event handler the policy would block
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
        assert not INLINE_HANDLER.search(re.sub(r"<(pre|code|textarea)\b.*?</\1>", "", html, flags=re.S)), url


def test_swagger_ui_loads_its_start_up_script_as_a_file():
    # given the API docs page
    page = Client().get("/api/docs/").content.decode()
    # when the script it names is fetched from this server
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    init = [s for s in sources if "script=" in s]
    assert len(init) == 1, sources
    script = Client().get(init[0].replace("&amp;", "&"))
    # then it is JavaScript pointing at this server's schema, and every asset is served locally
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert all(s.startswith("/") for s in sources), sources


def test_the_running_scan_page_follows_progress_from_a_script_file(staff_client, tenant):
    # given a running scan
    job = scan_job(tenant, status="running", progress=10)
    # when its page is fetched
    html = staff_client.get(f"/scans/{job.pk}/").content.decode()
    # then the progress script is a file and the page has no inline script
    assert 'src="/static/js/scan-progress.js"' in html
    assert not INLINE_SCRIPT.search(html)
