import pytest

from .support import receiver_on


@pytest.fixture
def receiver(httpserver, settings):
    """A loopback receiver, allowed explicitly: production refuses loopback targets (INTEGRATION_EGRESS_ALLOW)."""
    settings.INTEGRATION_EGRESS_ALLOW = ["localhost", "127.0.0.1/32", "::1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    return receiver_on(httpserver)


@pytest.fixture
def create_webhook(admin_client):
    def create(url, events, **extra):
        response = admin_client.post(
            "/api/webhooks", {"name": "siem", "url": url, "events": events, **extra}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()

    return create


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what commits would run (enqueued deliveries, eager in tests) at the block's end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
