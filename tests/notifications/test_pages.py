"""Settings › Notifications in the staff UI: create a webhook, see its secret once, test it, read the log, redeliver."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from complywise.choices import Role
from notifications.models import Delivery, EmailDigest, Webhook
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def login(tenant, role=Role.ADMIN) -> Client:
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    return client


def test_an_admin_manages_a_webhook_from_the_settings_pages(tenant, receiver, committed):
    browser = login(tenant)
    # given the notifications page, linked from the settings page
    assert 'href="/settings/notifications/"' in browser.get("/settings/").content.decode()
    assert "No webhook yet." in browser.get("/settings/notifications/").content.decode()
    # when an admin creates a webhook
    created = browser.post(
        "/settings/webhooks/",
        {"name": "siem", "url": receiver.url, "kind": "generic", "events": ["scan.failed", "evidence.uploaded"]},
        follow=True,
    )
    # then the secret is shown once, and works
    page = created.content.decode()
    secret = re.search(r'id="secret" class="mono secret" value="([^"]+)"', page).group(1)
    assert secret.startswith("whsec_")
    assert secret not in browser.get("/settings/webhooks/created/", follow=True).content.decode()
    webhook = Webhook.objects.get()
    # when a test event is sent from the webhook's page
    with committed():
        browser.post(f"/settings/webhooks/{webhook.pk}/ping/")
    detail = browser.get(f"/settings/webhooks/{webhook.pk}/").content.decode()
    # then the receiver verified it and the log shows the answer
    [ping] = receiver.received
    assert ping.signed_by(secret)
    assert "HTTP 200" in detail and "Succeeded" in detail and "Redeliver" in detail
    # when it is redelivered from the log
    delivery = Delivery.objects.get()
    with committed():
        response = browser.post(f"/settings/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver/", follow=True)
    # then
    assert "sent again" in response.content.decode()
    assert len(receiver.received) == 2 and Delivery.objects.filter(redelivery_of=delivery).count() == 1
    # when it is disabled, pings are refused with a message
    browser.post(f"/settings/webhooks/{webhook.pk}/toggle/")
    refused = browser.post(f"/settings/webhooks/{webhook.pk}/ping/", follow=True).content.decode()
    assert "disabled" in refused and len(receiver.received) == 2


def test_a_refused_url_is_shown_on_the_form(tenant, settings):
    settings.INTEGRATION_EGRESS_ALLOW = []
    browser = login(tenant)
    response = browser.post(
        "/settings/webhooks/",
        {"name": "x", "url": "http://169.254.169.254/latest", "kind": "generic", "events": ["scan.failed"]},
    )
    assert response.status_code == 400
    assert "public addresses" in response.content.decode() or "refused" in response.content.decode().lower()
    assert not Webhook.objects.exists()


def test_an_admin_creates_a_digest_with_several_recipients(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    browser = login(tenant)
    response = browser.post(
        "/settings/digests/",
        {
            "name": "grc",
            "recipients": "a@example.com, b@example.com\nc@example.com",
            "frequency": "hourly",
            "events": ["evidence.expired"],
        },
        follow=True,
    )
    assert response.status_code == 200
    digest = EmailDigest.objects.get()
    assert digest.recipients == ["a@example.com", "b@example.com", "c@example.com"]
    assert "a@example.com, b@example.com, c@example.com" in response.content.decode()
    bad = browser.post(
        "/settings/digests/", {"name": "y", "recipients": "nope", "frequency": "daily", "events": ["scan.failed"]}
    )
    assert bad.status_code == 400 and "Not an e-mail address" in bad.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.AUDITOR])
def test_the_pages_are_for_admins(tenant, role):
    assert login(tenant, role).get("/settings/notifications/").status_code == 403
