"""Per-credential rates on scan trigger, evidence upload and export creation: 429 with Retry-After."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from complywise.choices import Role
from frameworks.models import TenantFramework
from tests.evidence.factories import active_control, upload
from tests.factories import MembershipFactory
from tests.frameworks.factories import FrameworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    # Throttle counters live in the Django cache; each test starts from zero and leaves none behind.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def evidence_dir(settings, tmp_path):
    """Uploads land in this test's own folder, not under var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def framework(tenant):
    framework = FrameworkFactory()
    TenantFramework.objects.create(tenant=tenant, framework=framework)
    return framework


@override_settings(API_THROTTLE_TRIGGER="2/min", TENANT_MAX_QUEUED_SCANS=100)
def test_trigger_rate_is_per_token(tenant, client_for, framework):
    # given two tokens of the same tenant, and a rate of 2 triggers a minute
    first, second = client_for(tenant, Role.MEMBER), client_for(tenant, Role.MEMBER)
    # when the first token triggers three times
    answers = [first.post("/api/scans/trigger", format="json") for _ in range(3)]
    # then the third is refused with 429, a Retry-After and a JSON detail
    assert [r.status_code for r in answers] == [202, 202, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 60
    assert "throttled" in answers[2].json()["detail"].lower()
    # and the other token still has its own budget
    assert second.post("/api/scans/trigger", format="json").status_code == 202


@override_settings(API_THROTTLE_TRIGGER="1/min", TENANT_MAX_QUEUED_SCANS=100)
def test_trigger_rate_applies_to_a_browser_session(tenant, api_client, framework):
    # given a member signed in with a session (no token)
    membership = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    api_client.force_login(membership.user)
    # when the session triggers twice
    answers = [api_client.post("/api/scans/trigger", format="json") for _ in range(2)]
    # then the user is counted like a token
    assert [r.status_code for r in answers] == [202, 429]
    assert answers[1]["Retry-After"]


@override_settings(API_THROTTLE_UPLOAD="1/min")
def test_upload_rate_is_enforced(tenant, client_for, evidence_dir):
    # given a control to file evidence under, and a rate of one upload a minute
    control = active_control(tenant)
    client = client_for(tenant, Role.MEMBER)
    # when the token uploads twice
    answers = [
        client.post("/api/evidence/upload", {"file": upload(), "control_id": str(control.pk)}, format="multipart")
        for _ in range(2)
    ]
    # then the second is refused before anything is stored
    assert [r.status_code for r in answers] == [201, 429]
    assert answers[1]["Retry-After"]


@override_settings(API_THROTTLE_EXPORT="1/hour", TENANT_MAX_PENDING_EXPORTS=100)
def test_export_rate_is_enforced(tenant, client_for, framework):
    # given a rate of one export an hour
    client = client_for(tenant, Role.AUDITOR)
    body = {"framework_id": str(framework.pk)}
    # when the token asks for two exports
    answers = [client.post("/api/evidence/export", body, format="json") for _ in range(2)]
    # then the second waits for the hour's window
    assert [r.status_code for r in answers] == [202, 429]
    assert 60 < int(answers[1]["Retry-After"]) <= 3600


@override_settings(API_THROTTLE_TRIGGER="1/min", TENANT_MAX_QUEUED_SCANS=100)
def test_reads_are_not_throttled(tenant, client_for, framework):
    # given a token that used up its trigger budget
    client = client_for(tenant, Role.MEMBER)
    client.post("/api/scans/trigger", format="json")
    assert client.post("/api/scans/trigger", format="json").status_code == 429
    # when it reads
    # then reads are not counted against it
    assert all(client.get("/api/scans").status_code == 200 for _ in range(5))
