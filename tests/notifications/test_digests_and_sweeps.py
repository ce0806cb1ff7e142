"""E-mail digests, the evidence expiry sweep, lost-delivery recovery and reaped scans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence
from notifications import services, tasks
from notifications.models import Delivery, EmailDigest, Event
from scans.models import ScanJob
from scans.services import scan_reap_stale
from tests.evidence.factories import active_control, manual_evidence

pytestmark = pytest.mark.django_db


def make_digest(admin_client, **overrides):
    body = {"name": "grc", "recipients": ["grc@example.com", "ciso@example.com"], "events": ["scan.failed"]}
    response = admin_client.post("/api/email-digests", {**body, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_daily_digest_mails_the_events_since_the_last_one(admin_client, tenant, settings):
    # given a daily digest of failed scans, and two events, one of another type
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    digest = make_digest(admin_client)
    later = timezone.now() + timedelta(minutes=1)
    services.event_record(
        tenant_id=tenant.pk,
        type="scan.failed",
        key="k1",
        data={"scan": {"id": "deadbeef00", "error": "broker down"}},
        occurred_at=later,
    )
    services.event_record(
        tenant_id=tenant.pk, type="scan.completed", key="k2", data={"scan": {"id": "x"}}, occurred_at=later
    )
    # when the beat runs before a day has passed: nothing
    assert services.digests_send_due(now=later + timedelta(hours=1)) == 0
    assert mail.outbox == []
    # when a day has passed
    assert services.digests_send_due(now=timezone.now() + timedelta(days=1, minutes=5)) == 1
    # then one mail to both recipients lists the failed scan only
    [message] = mail.outbox
    assert sorted(message.to) == ["ciso@example.com", "grc@example.com"]
    assert "1 event(s)" in message.subject and tenant.name in message.subject
    assert "Scan deadbeef failed: broker down" in message.body
    assert "scan.completed" not in message.body
    # and the next run has nothing new to send
    assert services.digests_send_due(now=timezone.now() + timedelta(days=3)) == 0
    assert len(mail.outbox) == 1
    assert EmailDigest.objects.get(pk=digest["id"]).last_sent_at is not None


def test_a_digest_records_the_evidence_chain_head_as_it_was_sent(admin_client, tenant, settings):
    # given a digest of uploads, and a document uploaded (the chain's first position)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_digest(admin_client, events=["evidence.uploaded"])
    document = manual_evidence(tenant=tenant, control=active_control(tenant, ref="CC6.1"), name="policy.txt")
    services.evidence_uploaded_record(evidence_id=document.pk)
    # when it is sent
    assert services.digests_send_due(now=timezone.now() + timedelta(days=1, minutes=5)) == 1
    # then the mail names the head, a copy of the chain's state outside the platform
    [message] = mail.outbox
    assert f"Evidence chain head as this digest was sent: sequence 1, {document.chain_hash}" in message.body


def test_digest_input_is_validated(admin_client):
    bad = admin_client.post(
        "/api/email-digests", {"name": "x", "recipients": ["not-an-address"], "events": ["scan.failed"]}, format="json"
    )
    assert bad.status_code == 400 and "recipients" in bad.json()
    bad = admin_client.post(
        "/api/email-digests",
        {"name": "x", "recipients": ["a@example.com"], "events": ["scan.failed"], "frequency": "weekly"},
        format="json",
    )
    assert bad.status_code == 400 and "frequency" in bad.json()


def test_only_admins_configure_digests(client_for, tenant):
    body = {"name": "x", "recipients": ["a@example.com"], "events": ["scan.failed"]}
    assert client_for(tenant, Role.MEMBER).post("/api/email-digests", body, format="json").status_code == 403


def _require(control, tenant, days):
    from frameworks.scope import control_evidence_requirement_set

    control_evidence_requirement_set(tenant=tenant, control=control, renewal_days=days, actor=None)


def test_the_sweep_announces_the_last_valid_document_once_per_state(tenant):
    # given a control renewed every 90 days whose only document is 80 days old (expiring in 10 days)
    control = active_control(tenant, ref="CC6.3")
    _require(control, tenant, 90)
    doc = manual_evidence(tenant=tenant, control=control)
    Evidence.objects.filter(pk=doc.pk).update(collected_at=timezone.now() - timedelta(days=80))
    # when the sweep runs twice
    assert services.evidence_expiry_sweep(tenant_id=tenant.pk) == 1
    assert services.evidence_expiry_sweep(tenant_id=tenant.pk) == 0
    # then one expiring event names the document, its control and the day it stops counting
    [event] = Event.objects.filter(type="evidence.expiring")
    data = event.payload["evidence"]
    assert data["id"] == str(doc.pk) and [c["ref"] for c in data["controls"]] == ["CC6.3"]
    assert data["valid_until"][:10] == (timezone.now() + timedelta(days=10)).date().isoformat()
    # when ten more days pass, it is announced as expired, once
    later = timezone.now() + timedelta(days=11)
    assert services.evidence_expiry_sweep(tenant_id=tenant.pk, now=later) == 1
    assert services.evidence_expiry_sweep(tenant_id=tenant.pk, now=later) == 0
    assert Event.objects.filter(type="evidence.expired").count() == 1
    # and long-expired documents are not announced (a new install is not flooded with history)
    assert services.evidence_expiry_sweep(tenant_id=tenant.pk, now=later + timedelta(days=30)) == 0


def test_a_document_already_replaced_is_not_announced(tenant):
    # given an old document about to expire and a fresh one for the same control
    control = active_control(tenant, ref="CC6.3")
    _require(control, tenant, 90)
    old = manual_evidence(tenant=tenant, control=control, name="q1.txt")
    Evidence.objects.filter(pk=old.pk).update(collected_at=timezone.now() - timedelta(days=85))
    manual_evidence(tenant=tenant, control=control, name="q2.txt")
    # when
    announced = services.evidence_expiry_sweep(tenant_id=tenant.pk)
    # then nothing needs doing, so nothing is said
    assert announced == 0 and not Event.objects.exists()


def test_the_beat_task_sweeps_every_tenant_and_purges_old_events(tenant, other_tenant, settings):
    # given an expiring document in each tenant and an event past retention
    for owner in (tenant, other_tenant):
        control = active_control(owner, ref="A.5.18")
        doc = manual_evidence(tenant=owner, control=control, expires_at=timezone.now() + timedelta(days=3))
        assert doc.expires_at
    services.event_record(
        tenant_id=tenant.pk,
        type="scan.failed",
        key="ancient",
        data={"scan": {"id": "x"}},
        occurred_at=timezone.now() - timedelta(days=settings.NOTIFICATION_EVENT_RETENTION_DAYS + 1),
    )
    # when
    assert tasks.evidence_expiry_sweep() == 2
    # then
    assert Event.objects.filter(type="evidence.expiring").count() == 2
    assert not Event.objects.filter(key="ancient").exists()


def test_lost_deliveries_are_enqueued_again(admin_client, tenant, receiver, create_webhook, committed):
    # given a delivery whose task never ran (the broker was down when it was recorded)
    create_webhook(receiver.url, ["scan.failed"])
    services.event_record(tenant_id=tenant.pk, type="scan.failed", key="lost", data={"scan": {"id": "lost"}})
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert receiver.received == []
    # when the resume sweep runs
    assert tasks.resume_deliveries() == 1
    # then it was delivered
    assert len(receiver.received) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "succeeded"


def test_a_scan_no_worker_started_is_announced_as_failed(
    admin_client, receiver, create_webhook, aws_integration, committed, django_capture_on_commit_callbacks, settings
):
    # given a queued scan past the deadline
    create_webhook(receiver.url, ["scan.failed"])
    with django_capture_on_commit_callbacks(execute=False):
        job_id = admin_client.post("/api/scans/trigger", {}, format="json").json()["scan_job_id"]
    ScanJob.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(hours=2))
    # when the reaper runs
    with committed():
        scan_reap_stale()
    # then
    [failed] = receiver.of_type("scan.failed")
    assert failed.json["data"]["scan"]["id"] == job_id
    assert "No worker started" in failed.json["data"]["scan"]["error"]
