"""Signed deliveries to a loopback receiver: scans, control changes, evidence; retries, disabling, redelivery."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from complywise.choices import Role
from complywise.models import AuditEvent
from evidence.models import Evidence
from notifications.models import Delivery, Event, Webhook
from tests.conftest import REGION
from tests.evidence.factories import active_control, upload

pytestmark = pytest.mark.django_db


def test_a_scan_is_delivered_signed_and_a_fixed_control_is_announced(
    admin_client, receiver, create_webhook, aws_integration, open_ssh_group, run_scan, moto_reset, tenant
):
    # given a webhook for scans and control changes
    hook = create_webhook(receiver.url, ["scan.completed", "control.status_changed"])
    # when a first scan finds the open SSH group
    first = run_scan(admin_client)
    # then the receiver got one signed scan.completed, and no control "changed" on a first scan
    [completed] = receiver.of_type("scan.completed")
    assert completed.signed_by(hook["secret"])
    assert not completed.signed_by("whsec_wrong")
    assert abs(int(completed.headers["X-Complywise-Timestamp"]) - time.time()) < 60
    body = completed.json
    assert body["type"] == "scan.completed" and body["tenant"]["slug"] == tenant.slug
    assert body["data"]["scan"]["id"] == first["id"] and body["data"]["scan"]["score"] == first["score"]
    assert body["data"]["changes"]["first_scan"] is True
    # and it carries the evidence chain's head after the scan's artifacts were appended: a record kept outside
    head = Evidence.objects.filter(tenant=tenant).order_by("-sequence").values_list("sequence", "chain_hash")[0]
    assert body["data"]["evidence_chain_head"] == {"sequence": head[0], "hash": head[1]} and head[0] > 0
    assert completed.headers["X-Complywise-Event-Id"] == body["id"]
    assert completed.headers["User-Agent"].startswith("ComplyWise-Webhooks/")
    assert receiver.of_type("control.status_changed") == []
    # when the group is closed and the account scanned again
    ec2 = boto3.client("ec2", endpoint_url=moto_reset, region_name=REGION)
    ec2.revoke_security_group_ingress(
        GroupId=open_ssh_group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    second = run_scan(admin_client)
    # then each control that went fail → pass is announced once, signed, naming both scans
    diff = admin_client.get(f"/api/scans/{second['id']}/diff").json()
    fixed = {row["control_id"] for row in diff["newly_passing"] if row["previous_status"] == "fail"}
    assert fixed, "closing the group must fix at least one control"
    changes = receiver.of_type("control.status_changed")
    assert {c.json["data"]["control"]["id"] for c in changes} == fixed
    assert len(changes) == len(fixed)
    for change in changes:
        assert change.signed_by(hook["secret"])
        data = change.json["data"]
        assert (data["previous_status"], data["status"]) == ("fail", "pass")
        assert data["scan_job_id"] == second["id"] and data["previous_scan_job_id"] == first["id"]
    # and every delivery is logged as succeeded with its status code and latency
    deliveries = admin_client.get(f"/api/webhooks/{hook['id']}/deliveries?limit=100").json()
    assert deliveries["count"] == len(receiver.received)
    for row in deliveries["results"]:
        assert row["status"] == "succeeded" and row["response_status"] == 200 and row["attempts"] == 1
        assert row["latency_ms"] is not None and row["attempt_log"][0]["status_code"] == 200


def test_an_event_recorded_twice_is_delivered_once(committed, admin_client, receiver, create_webhook, tenant):
    # given
    create_webhook(receiver.url, ["scan.failed"])
    from notifications.services import event_record

    # when the same event is recorded twice (a task run twice)
    with committed():
        first = event_record(tenant_id=tenant.pk, type="scan.failed", key="scan.failed:x", data={"scan": {"id": "x"}})
        again = event_record(tenant_id=tenant.pk, type="scan.failed", key="scan.failed:x", data={"scan": {"id": "x"}})
    # then
    assert first is not None and again is None
    assert Delivery.objects.count() == 1


def test_a_failed_scan_is_announced(
    admin_client, receiver, create_webhook, aws_integration, django_capture_on_commit_callbacks
):
    # given a webhook for failed scans and a queued scan
    create_webhook(receiver.url, ["scan.failed"])
    with django_capture_on_commit_callbacks(execute=False):
        job = admin_client.post("/api/scans/trigger", {}, format="json").json()
    # when it is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(f"/api/scans/{job['scan_job_id']}/cancel").status_code == 200
    # then
    [failed] = receiver.of_type("scan.failed")
    assert failed.json["data"]["scan"]["id"] == job["scan_job_id"]
    assert failed.json["data"]["scan"]["error"].startswith("cancelled by")


def test_an_upload_is_announced_with_its_hash_and_controls(
    client_for, tenant, receiver, create_webhook, django_capture_on_commit_callbacks
):
    # given
    hook = create_webhook(receiver.url, ["evidence.uploaded"])
    control = active_control(tenant, ref="CC6.1")
    member = client_for(tenant, Role.MEMBER)
    # when a member uploads a document
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            "/api/evidence/upload", {"file": upload("policy.txt"), "control_id": str(control.pk)}, format="multipart"
        )
    assert response.status_code == 201, response.content
    # then
    [uploaded] = receiver.of_type("evidence.uploaded")
    assert uploaded.signed_by(hook["secret"])
    evidence = uploaded.json["data"]["evidence"]
    assert evidence["id"] == response.json()["id"] and evidence["sha256"] == response.json()["sha256"]
    assert [c["ref"] for c in evidence["controls"]] == ["CC6.1"]
    assert evidence["uploaded_by"]
    # and where the upload stands in the tenant's evidence chain
    row = Evidence.objects.get(pk=evidence["id"])
    assert evidence["chain"] == {"sequence": row.sequence, "chain_hash": row.chain_hash}


def test_failures_are_retried_with_backoff_and_logged(committed, admin_client, receiver, create_webhook):
    # given a receiver that fails twice, then accepts
    hook = create_webhook(receiver.url, ["scan.failed"])
    receiver.answer(500, 503)
    # when a ping is sent (it goes through the same delivery path)
    with committed():
        response = admin_client.post(f"/api/webhooks/{hook['id']}/ping")
    assert response.status_code == 202
    # then three tries arrived with the same body and delivery id, the last one succeeded
    assert [r.headers["X-Complywise-Event"] for r in receiver.received] == ["ping"] * 3
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["X-Complywise-Delivery"] for r in receiver.received}) == 1
    delivery = admin_client.get(f"/api/webhooks/{hook['id']}/deliveries/{response.json()['id']}").json()
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 503, 200]
    assert "HTTP 500" in delivery["attempt_log"][0]["error"]


def test_retry_delays_grow_exponentially_up_to_the_cap(settings):
    from notifications.services import retry_delay

    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 600
    assert [retry_delay(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_repeated_failures_fail_deliveries_then_disable_the_webhook(
    committed, admin_client, receiver, create_webhook, tenant
):
    # given a receiver that always fails (3 tries per delivery, disabled after 2 failed deliveries)
    hook = create_webhook(receiver.url, ["scan.failed"])
    receiver.answer(*[500] * 20)
    # when two deliveries fail for good
    with committed():
        first = admin_client.post(f"/api/webhooks/{hook['id']}/ping").json()
    after_one = admin_client.get(f"/api/webhooks/{hook['id']}").json()
    with committed():
        second = admin_client.post(f"/api/webhooks/{hook['id']}/ping").json()
    # then each was tried three times and failed
    for delivery in (first, second):
        row = Delivery.objects.get(pk=delivery["id"])
        assert row.status == "failed" and row.attempts == 3
    assert after_one["active"] is True and after_one["consecutive_failures"] == 1
    # and the webhook is now disabled, with the reason and an audit event
    webhook = admin_client.get(f"/api/webhooks/{hook['id']}").json()
    assert webhook["active"] is False and "in a row failed" in webhook["disabled_reason"]
    assert AuditEvent.objects.for_tenant(tenant).filter(action="webhook.disabled").count() == 1
    # and nothing more is sent to it: pings and redeliveries are refused, new events not fanned out to it
    with committed():
        assert admin_client.post(f"/api/webhooks/{hook['id']}/ping").status_code == 409
    with committed():
        redeliver = admin_client.post(f"/api/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert redeliver.status_code == 409
    received = len(receiver.received)
    from notifications.services import event_record

    with committed():
        event_record(tenant_id=tenant.pk, type="scan.failed", key="scan.failed:later", data={"scan": {"id": "later"}})
    assert len(receiver.received) == received


def test_a_success_resets_the_failure_count(committed, admin_client, receiver, create_webhook):
    hook = create_webhook(receiver.url, ["scan.failed"])
    receiver.answer(500, 500, 500)
    with committed():
        admin_client.post(f"/api/webhooks/{hook['id']}/ping")
    assert Webhook.objects.get(pk=hook["id"]).consecutive_failures == 1
    with committed():
        admin_client.post(f"/api/webhooks/{hook['id']}/ping")
    assert Webhook.objects.get(pk=hook["id"]).consecutive_failures == 0


def test_redelivery_sends_the_same_event_again_as_a_new_delivery(
    committed, admin_client, receiver, create_webhook, tenant
):
    # given a delivery that failed for good
    hook = create_webhook(receiver.url, ["scan.failed"])
    receiver.answer(500, 500, 500)
    with committed():
        failed = admin_client.post(f"/api/webhooks/{hook['id']}/ping").json()
    # when an admin redelivers it
    with committed():
        response = admin_client.post(f"/api/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver")
    # then a new delivery of the same event succeeded, pointing at the first
    assert response.status_code == 202, response.content
    again = admin_client.get(f"/api/webhooks/{hook['id']}/deliveries/{response.json()['id']}").json()
    assert again["status"] == "succeeded" and again["redelivery_of"] == failed["id"]
    assert again["event_id"] == str(Delivery.objects.get(pk=failed["id"]).event_id)
    last = receiver.received[-1]
    assert last.headers["X-Complywise-Event-Id"] == str(again["event_id"])
    assert last.headers["X-Complywise-Delivery"] == again["id"]
    assert last.signed_by(hook["secret"])
    assert AuditEvent.objects.for_tenant(tenant).filter(action="webhook.redelivered").count() == 1


def test_a_target_refused_by_the_egress_guard_at_send_time_gets_nothing(
    committed, admin_client, receiver, create_webhook, settings
):
    # given a webhook registered while loopback was allowed, then the operator tightens the policy
    hook = create_webhook(receiver.url, ["scan.failed"])
    settings.INTEGRATION_EGRESS_ALLOW = []
    # when
    with committed():
        delivery = admin_client.post(f"/api/webhooks/{hook['id']}/ping").json()
    # then nothing reached the receiver and the log says why
    assert receiver.received == []
    row = Delivery.objects.get(pk=delivery["id"])
    assert row.status == "failed" and "egress" in row.error.lower()
    assert all(a["status_code"] is None for a in row.attempt_log)


def test_redirects_are_not_followed(committed, admin_client, httpserver, receiver, create_webhook):
    # given a target that redirects elsewhere on the same server
    httpserver.expect_request("/moved", method="POST").respond_with_data("", status=307, headers={"Location": "/x"})
    hook = create_webhook(httpserver.url_for("/moved"), ["scan.failed"])
    # when
    with committed():
        delivery = admin_client.post(f"/api/webhooks/{hook['id']}/ping").json()
    # then the redirect is an answer (a failure), never followed
    row = Delivery.objects.get(pk=delivery["id"])
    assert row.response_status == 307 and row.status == "failed"


def test_slack_webhooks_get_a_slack_message(committed, admin_client, receiver, create_webhook, tenant):
    # given a Slack-compatible webhook
    hook = create_webhook(receiver.url, ["scan.failed"], kind="slack")
    from notifications.services import event_record

    # when a scan fails with a title that looks like Slack markup
    with committed():
        event_record(
            tenant_id=tenant.pk,
            type="scan.failed",
            key="scan.failed:abc",
            data={"scan": {"id": "abcdef123456", "error": "<!channel> broker down & gone", "url": "/scans/abc/"}},
        )
    # then the body is a Slack incoming-webhook message, with the markup neutralised
    [message] = receiver.received
    body = json.loads(message.body)
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith(f"[{tenant.name}] Scan abcdef12 failed")
    section = body["blocks"][0]["text"]
    assert section["type"] == "mrkdwn" and "&lt;!channel&gt;" in section["text"] and "&amp;" in section["text"]
    assert message.signed_by(hook["secret"])


def test_unsubscribed_events_are_not_delivered(committed, admin_client, receiver, create_webhook, tenant):
    create_webhook(receiver.url, ["scan.completed"])
    from notifications.services import event_record

    with committed():
        event_record(tenant_id=tenant.pk, type="scan.failed", key="scan.failed:1", data={"scan": {"id": "1"}})
    assert receiver.received == [] and Event.objects.count() == 1


def test_events_are_listed_for_every_role(client_for, tenant, other_tenant):
    from notifications.services import event_record

    event_record(tenant_id=tenant.pk, type="scan.failed", key="scan.failed:1", data={"scan": {"id": "1"}})
    event_record(tenant_id=other_tenant.pk, type="scan.failed", key="scan.failed:2", data={"scan": {"id": "2"}})
    viewer = client_for(tenant, Role.VIEWER)
    listed = viewer.get("/api/events?type=scan.failed").json()
    assert [e["payload"]["scan"]["id"] for e in listed["results"]] == ["1"]
    assert viewer.get("/api/events?type=nope").status_code == 400
