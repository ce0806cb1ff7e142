"""/api/webhooks: admins register endpoints; URLs pass the egress guard; the secret is shown once."""

from __future__ import annotations

import pytest

from complywise.choices import Role
from complywise.models import AuditEvent
from notifications.models import Webhook

pytestmark = pytest.mark.django_db


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(admin_client, receiver, tenant):
    # when
    response = admin_client.post(
        "/api/webhooks",
        {"name": "siem", "url": receiver.url, "events": ["scan.completed", "evidence.uploaded"]},
        format="json",
    )
    # then the secret is in the answer to the creation only
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    assert created["events"] == ["scan.completed", "evidence.uploaded"]
    assert created["active"] is True and created["kind"] == "generic"
    shown = admin_client.get(f"/api/webhooks/{created['id']}").json()
    assert "secret" not in shown and created["secret"] not in str(admin_client.get("/api/webhooks").json())
    # and it is stored encrypted, and audited without it
    stored = Webhook.objects.get(pk=created["id"])
    assert created["secret"] not in stored.secret_encrypted
    event = AuditEvent.objects.for_tenant(tenant).get(action="webhook.created")
    assert created["secret"] not in str(event.data)


def test_a_given_secret_is_used_and_rotation_returns_a_new_one(admin_client, receiver):
    created = admin_client.post(
        "/api/webhooks",
        {"name": "a", "url": receiver.url, "events": ["scan.failed"], "secret": "s" * 32},
        format="json",
    ).json()
    assert created["secret"] == "s" * 32
    rotated = admin_client.post(f"/api/webhooks/{created['id']}/rotate-secret").json()
    assert rotated["secret"] != "s" * 32 and rotated["secret"].startswith("whsec_")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["scan.completed"]}, "url"),
        ({"url": "not a url", "events": ["scan.completed"]}, "url"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x", "events": ["scan.exploded"]}, "events"),
        ({"url": "https://example.com/x", "events": ["ping"]}, "events"),
        ({"url": "https://example.com/x", "events": ["scan.completed"], "kind": "teams"}, "kind"),
        ({"url": "https://example.com/x", "events": ["scan.completed"], "secret": "short"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_client, body, field):
    response = admin_client.post("/api/webhooks", {"name": "x", **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
    ],
)
def test_internal_targets_are_refused_under_the_production_policy(admin_client, settings, url):
    # given the production default: nothing internal allowed
    settings.INTEGRATION_EGRESS_ALLOW = []
    # when
    response = admin_client.post(
        "/api/webhooks", {"name": "x", "url": url, "events": ["scan.completed"]}, format="json"
    )
    # then
    assert response.status_code == 400, response.content
    assert "url" in response.json()
    assert not Webhook.objects.exists()


def test_update_validates_and_reenabling_clears_the_failure_count(admin_client, receiver, settings):
    created = admin_client.post(
        "/api/webhooks", {"name": "a", "url": receiver.url, "events": ["scan.failed"]}, format="json"
    ).json()
    Webhook.objects.filter(pk=created["id"]).update(active=False, consecutive_failures=7, disabled_reason="x")
    settings.INTEGRATION_EGRESS_ALLOW = []
    refused = admin_client.patch(f"/api/webhooks/{created['id']}", {"url": "http://10.1.1.1/x"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()
    enabled = admin_client.patch(f"/api/webhooks/{created['id']}", {"active": True}, format="json")
    assert enabled.status_code == 200, enabled.content
    assert enabled.json()["active"] is True
    assert enabled.json()["consecutive_failures"] == 0 and enabled.json()["disabled_reason"] == ""


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_only_admins_manage_webhooks(client_for, tenant, role, receiver):
    client = client_for(tenant, role)
    assert client.get("/api/webhooks").status_code == 403
    body = {"name": "a", "url": receiver.url, "events": ["scan.failed"]}
    assert client.post("/api/webhooks", body, format="json").status_code == 403


def test_another_tenants_webhook_is_404(admin_client, client_for, other_tenant, receiver):
    theirs = (
        client_for(other_tenant)
        .post("/api/webhooks", {"name": "a", "url": receiver.url, "events": ["scan.failed"]}, format="json")
        .json()
    )
    for method, path in [
        ("get", f"/api/webhooks/{theirs['id']}"),
        ("patch", f"/api/webhooks/{theirs['id']}"),
        ("delete", f"/api/webhooks/{theirs['id']}"),
        ("post", f"/api/webhooks/{theirs['id']}/ping"),
        ("get", f"/api/webhooks/{theirs['id']}/deliveries"),
    ]:
        assert getattr(admin_client, method)(path, {}, format="json").status_code == 404, (method, path)
    assert admin_client.get("/api/webhooks").json()["count"] == 0


def test_deleting_a_webhook_is_audited(admin_client, receiver, tenant):
    created = admin_client.post(
        "/api/webhooks", {"name": "a", "url": receiver.url, "events": ["scan.failed"]}, format="json"
    ).json()
    assert admin_client.delete(f"/api/webhooks/{created['id']}").status_code == 204
    assert not Webhook.objects.exists()
    assert AuditEvent.objects.for_tenant(tenant).filter(action="webhook.deleted").count() == 1


def test_the_url_path_is_written_once_and_never_shown_again(admin_client, tenant, receiver):
    # given a Slack-style URL whose path is the credential
    url = receiver.url + "/T0001/B0002/s3cr3tT0k3n?x=1"
    created = admin_client.post(
        "/api/webhooks", {"name": "slack", "url": url, "events": ["scan.failed"], "kind": "slack"}, format="json"
    ).json()
    # then the API, the list and the audit log show the scheme and host only
    shown = admin_client.get(f"/api/webhooks/{created['id']}").json()["url"]
    assert shown == f"http://localhost:{receiver.server.port}/…"
    assert "s3cr3t" not in str(admin_client.get("/api/webhooks").json()) and "s3cr3t" not in created["url"]
    assert "s3cr3t" not in str(AuditEvent.objects.for_tenant(tenant).get(action="webhook.created").data)
    # and deliveries still go to the whole URL
    assert Webhook.objects.get(pk=created["id"]).url == url
