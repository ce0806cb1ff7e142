"""POST /api/integrations/{id}/test against a target that never answers: a hard deadline, and a per-tenant cap on
concurrent tests (429 with Retry-After beyond it), so one tenant cannot stall the web tier for the others."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from integrations import crypto, services
from tests.integrations.egress_support import SilentServer
from tests.integrations.factories import IntegrationFactory

# Requests run in parallel threads, each with its own database connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 2.0
CAP = 2
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture
def quick_tests(settings):
    settings.INTEGRATION_TEST_TIMEOUT_SECONDS = DEADLINE
    settings.INTEGRATION_TEST_CONCURRENCY = CAP


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def github_at(tenant, port: int):
    return IntegrationFactory(
        tenant=tenant,
        type="github",
        config={"organization": "acme", "api_url": f"http://127.0.0.1:{port}"},
        credentials_encrypted=crypto.encrypt_json({"token": TOKEN}),
    )


def timed_post(client, url: str):
    started = time.monotonic()
    response = client.post(url)
    return response, time.monotonic() - started


def test_a_silent_target_is_answered_at_the_deadline(admin_client, tenant, quick_tests, silent):
    # given an integration whose target accepts the connection and never says a word
    integration = github_at(tenant, silent.port)
    # when it is tested
    response, took = timed_post(admin_client, f"/api/integrations/{integration.pk}/test")
    # then the answer keeps its shape, comes at the deadline, and is recorded
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"ok", "detail", "status", "last_tested_at"}
    assert body["ok"] is False and body["status"] == "error"
    assert "did not finish within 2 seconds" in body["detail"]
    assert DEADLINE <= took < DEADLINE + 4
    integration.refresh_from_db()
    assert integration.last_error == body["detail"]
    assert len(silent.accepted) == 1


def test_parallel_tests_of_one_tenant_are_capped_and_others_are_not_stalled(
    client_for, tenant, other_tenant, quick_tests, silent
):
    # given one tenant firing many tests at a silent target at once, and another tenant using the API meanwhile
    integrations = [github_at(tenant, silent.port) for _ in range(6)]
    clients = [client_for(tenant) for _ in integrations]
    other = client_for(other_tenant)
    with ThreadPoolExecutor(max_workers=len(integrations) + 1) as pool:
        started = time.monotonic()
        futures = [
            pool.submit(timed_post, client, f"/api/integrations/{integration.pk}/test")
            for client, integration in zip(clients, integrations, strict=True)
        ]
        time.sleep(0.3)
        me_started = time.monotonic()
        me = other.get("/api/me")
        me_took = time.monotonic() - me_started
        results = [future.result(timeout=DEADLINE + 10) for future in futures]
        elapsed = time.monotonic() - started
    # then exactly the cap ran (and answered at the deadline), the rest were told to come back later
    statuses = sorted(response.status_code for response, _ in results)
    assert statuses == [200] * CAP + [429] * (len(integrations) - CAP)
    admitted = [took for response, took in results if response.status_code == 200]
    assert min(admitted) >= DEADLINE
    for response, took in results:
        if response.status_code == 429:
            assert int(response["Retry-After"]) >= 1
            assert "connection tests" in response.json()["detail"]
            # refused at once: never held until the deadline as the admitted ones are (compared with them, not
            # with the clock, so a loaded machine that slows every request alike cannot fail it)
            assert took < min(admitted)
        else:
            assert response.json()["ok"] is False
    assert elapsed < DEADLINE + 6
    # and the other tenant was served at once
    assert me.status_code == 200
    assert me_took < 1.5


def test_a_finished_test_frees_its_slot(admin_client, tenant, quick_tests, silent):
    # given the cap used up by tests still waiting on a silent target after their deadline
    integration = github_at(tenant, silent.port)
    for _ in range(CAP):
        assert admin_client.post(f"/api/integrations/{integration.pk}/test").status_code == 200
    assert admin_client.post(f"/api/integrations/{integration.pk}/test").status_code == 429
    # when the target hangs up, so the background tests end
    silent.hang_up()
    # then the slots come back (no leak): a new test is accepted again
    deadline = time.monotonic() + 10
    status = 429
    while status == 429 and time.monotonic() < deadline:
        time.sleep(0.2)
        status = admin_client.post(f"/api/integrations/{integration.pk}/test").status_code
    assert status == 200


def test_a_slot_whose_holder_died_expires(tenant, settings):
    # given every slot taken by a process that crashed before releasing it (a 0.2 s deadline: slots live 2 s)
    settings.INTEGRATION_TEST_TIMEOUT_SECONDS = 0.2
    settings.INTEGRATION_TEST_CONCURRENCY = CAP
    slots = [services._test_slot_acquire(tenant_id=tenant.pk) for _ in range(CAP)]
    assert all(slots) and services._test_slot_acquire(tenant_id=tenant.pk) is None
    # when their time has passed
    time.sleep(2.2)
    # then the tenant can test again
    assert services._test_slot_acquire(tenant_id=tenant.pk) is not None
