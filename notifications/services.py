"""Writes of the notifications app: webhooks and digests, recording events, delivering them."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import serializers

from complywise import rls
from complywise.celery import BROKER_ERRORS, BROKER_PUBLISH_RETRY
from complywise.exceptions import ConflictError, FieldValidationError
from complywise.models import Tenant
from complywise.services import audit_record, real_user
from evidence.chain import chain_head
from evidence.choices import EvidenceType, Freshness
from evidence.models import EvidenceControlLink
from evidence.selectors import control_documents
from integrations.crypto import decrypt_json, encrypt_json
from integrations.providers.schema import validate_egress_url
from scans.choices import ScanStatus
from scans.models import ScanJob
from scans.selectors import scan_diff, scan_previous_completed

from . import payloads, selectors, transport
from .choices import FINAL_DELIVERY_STATUSES, DeliveryStatus, DigestFrequency, EventType, WebhookKind
from .models import Delivery, EmailDigest, Event, Webhook, shown_url

logger = logging.getLogger(__name__)

# An expired document is announced when the sweep first sees it, unless it expired longer ago than this (a
# new install must not announce years of history).
EXPIRED_ANNOUNCE_WINDOW = timedelta(days=7)
DIGEST_MAX_EVENTS = 500
DIGEST_PERIOD = {DigestFrequency.HOURLY: timedelta(hours=1), DigestFrequency.DAILY: timedelta(days=1)}


# --- webhooks --------------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    if not url.lower().startswith(("https://", "http://")):
        raise FieldValidationError({"url": ["Use an http:// or https:// URL."]})
    try:
        validate_egress_url(url)
    except serializers.ValidationError as exc:
        detail = exc.detail
        messages = [str(m) for m in detail] if isinstance(detail, list) else [str(detail)]
        raise FieldValidationError({"url": messages}) from None


def _check_events(events: list[str]) -> list[str]:
    allowed = {str(e) for e in EventType if e != EventType.PING}
    unknown = sorted(set(events) - allowed)
    if unknown:
        raise FieldValidationError({"events": [f"Unknown event(s): {', '.join(unknown)}; use {sorted(allowed)}."]})
    if not events:
        raise FieldValidationError({"events": ["Choose at least one event."]})
    # Kept in the catalogue's order, once each, so two equal subscriptions look the same.
    return [str(e) for e in EventType if str(e) in set(events)]


def webhook_secret(webhook: Webhook) -> str:
    return str(decrypt_json(webhook.secret_encrypted)["secret"])


def webhook_create(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    name: str,
    url: str,
    events: list[str],
    kind: str = WebhookKind.GENERIC,
    active: bool = True,
    secret: str | None = None,
) -> tuple[Webhook, str]:
    """A webhook and its signing secret (given, or made here); the secret is never readable again."""
    _check_url(url)
    events = _check_events(events)
    if Webhook.objects.for_tenant(tenant).filter(name=name).exists():
        raise FieldValidationError({"name": ["A webhook with this name exists."]})
    secret = secret or transport.new_secret()
    webhook = Webhook.objects.create(
        tenant=tenant,
        name=name,
        url=url,
        events=events,
        kind=kind,
        active=active,
        secret_encrypted=encrypt_json({"secret": secret}),
        created_by=real_user(actor),
    )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="webhook.created",
        target=webhook,
        data={"url": shown_url(url), "events": events, "kind": kind},
    )
    return webhook, secret


def webhook_update(
    *,
    webhook: Webhook,
    actor: AbstractBaseUser | None,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    kind: str | None = None,
    active: bool | None = None,
) -> Webhook:
    """Change what is given; turning a disabled webhook back on clears its failure count."""
    before = {"name": webhook.name, "url": webhook.url_shown, "events": webhook.events, "active": webhook.active}
    if url is not None:
        _check_url(url)
        webhook.url = url
    if events is not None:
        webhook.events = _check_events(events)
    if name is not None and name != webhook.name:
        if Webhook.objects.for_tenant(webhook.tenant_id).filter(name=name).exclude(pk=webhook.pk).exists():
            raise FieldValidationError({"name": ["A webhook with this name exists."]})
        webhook.name = name
    if kind is not None:
        webhook.kind = kind
    if active is not None:
        if active and not webhook.active:
            webhook.consecutive_failures = 0
            webhook.disabled_reason = ""
            webhook.disabled_at = None
        webhook.active = active
    webhook.save()
    after = {"name": webhook.name, "url": webhook.url_shown, "events": webhook.events, "active": webhook.active}
    audit_record(
        tenant=webhook.tenant,
        actor=actor,
        action="webhook.updated",
        target=webhook,
        data={"before": before, "after": after},
    )
    return webhook


def webhook_rotate_secret(*, webhook: Webhook, actor: AbstractBaseUser | None) -> str:
    secret = transport.new_secret()
    webhook.secret_encrypted = encrypt_json({"secret": secret})
    webhook.save(update_fields=["secret_encrypted", "updated_at"])
    audit_record(tenant=webhook.tenant, actor=actor, action="webhook.secret_rotated", target=webhook)
    return secret


def webhook_delete(*, webhook: Webhook, actor: AbstractBaseUser | None) -> None:
    audit_record(
        tenant=webhook.tenant,
        actor=actor,
        action="webhook.deleted",
        target=webhook,
        data={"name": webhook.name, "url": webhook.url_shown},
    )
    webhook.delete()


def webhook_ping(*, webhook: Webhook, actor: AbstractBaseUser | None) -> Delivery:
    """Send a ``ping`` event to this webhook alone, now, whatever it subscribes to."""
    if not webhook.active:
        raise ConflictError("The webhook is disabled; enable it before testing it.")
    now = timezone.now()
    event = Event.objects.create(
        tenant_id=webhook.tenant_id,
        type=EventType.PING,
        key=f"ping:{webhook.pk}:{now.isoformat()}",
        payload={"webhook": {"id": str(webhook.pk), "name": webhook.name}},
        occurred_at=now,
    )
    delivery = Delivery.objects.create(
        tenant_id=webhook.tenant_id, webhook=webhook, event=event, requested_by=real_user(actor)
    )
    _enqueue_on_commit(delivery)
    return delivery


# --- events ----------------------------------------------------------------------------------------


def event_record(
    *, tenant_id: Any, type: str, key: str, data: dict[str, Any], occurred_at: datetime | None = None
) -> Event | None:
    """Record an event once (by ``key``) and fan it out to the tenant's active webhooks subscribed to it.

    Returns None when the event was already recorded: a task that runs twice notifies once.
    """
    try:
        with transaction.atomic():
            event = Event.objects.create(
                tenant_id=tenant_id, type=type, key=key, payload=data, occurred_at=occurred_at or timezone.now()
            )
    except IntegrityError:
        return None
    subscribed = [w for w in Webhook.objects.for_tenant(tenant_id).filter(active=True) if type in w.events]
    deliveries = Delivery.objects.bulk_create(
        [Delivery(tenant_id=tenant_id, webhook=w, event=event) for w in subscribed]
    )
    for delivery in deliveries:
        _enqueue_on_commit(delivery)
    return event


def _chain_head(tenant_id: Any) -> dict[str, Any]:
    """The tenant's evidence chain head, as an event carries it: each delivery or digest that holds one is a
    record of the chain kept outside the platform (compare it with the head ``verify.py`` prints)."""
    sequence, chain_hash = chain_head(tenant_id)
    return {"sequence": sequence, "hash": chain_hash}


def scan_events_record(*, scan_job_id: Any) -> list[Event]:
    """``scan.completed`` or ``scan.failed`` for a finished scan, and ``control.status_changed`` per control
    whose verdict went from pass to fail or back since the previous completed scan of the same scope."""
    job = ScanJob.objects.select_related("tenant").get(pk=scan_job_id)
    if job.status not in (ScanStatus.COMPLETED, ScanStatus.FAILED):
        return []
    scan = selectors.scan_summary(job)
    recorded: list[Event | None] = []
    if job.status == ScanStatus.FAILED:
        recorded.append(
            event_record(
                tenant_id=job.tenant_id,
                type=EventType.SCAN_FAILED,
                key=f"scan.failed:{job.pk}",
                data={"scan": scan},
                occurred_at=job.completed_at,
            )
        )
        return [e for e in recorded if e is not None]
    diff = scan_diff(scan_job=job, against=scan_previous_completed(scan_job=job))
    changed = [
        row
        for row in diff["newly_failing"] + diff["newly_passing"]
        if {row["status"], row["previous_status"]} == {"pass", "fail"}
    ]
    recorded.append(
        event_record(
            tenant_id=job.tenant_id,
            type=EventType.SCAN_COMPLETED,
            key=f"scan.completed:{job.pk}",
            data={
                "scan": scan,
                "evidence_chain_head": _chain_head(job.tenant_id),
                "changes": {
                    "against_scan_job_id": diff["against_scan_job_id"],
                    "first_scan": diff["first_scan"],
                    "newly_failing": len(diff["newly_failing"]),
                    "newly_passing": len(diff["newly_passing"]),
                    "could_not_evaluate": len(diff["could_not_evaluate"]),
                },
            },
            occurred_at=job.completed_at,
        )
    )
    for row in changed:
        recorded.append(
            event_record(
                tenant_id=job.tenant_id,
                type=EventType.CONTROL_STATUS_CHANGED,
                key=f"control.status_changed:{job.pk}:{row['control_id']}",
                data={
                    "control": {
                        "id": row["control_id"],
                        "ref": row["control_ref"],
                        "title": row["control_title"],
                        "framework_id": row["framework_id"],
                        "framework_key": row["framework_key"],
                        "url": payloads.link(f"/controls/{row['control_id']}/"),
                    },
                    "status": row["status"],
                    "previous_status": row["previous_status"],
                    "scan_job_id": str(job.pk),
                    "previous_scan_job_id": diff["against_scan_job_id"],
                },
                occurred_at=job.completed_at,
            )
        )
    return [e for e in recorded if e is not None]


def evidence_uploaded_record(*, evidence_id: Any) -> Event | None:
    row = selectors.evidence_with_controls(evidence_id=evidence_id)
    if row is None or row.type != EvidenceType.MANUAL:
        return None
    return event_record(
        tenant_id=row.tenant_id,
        type=EventType.EVIDENCE_UPLOADED,
        key=f"evidence.uploaded:{row.pk}",
        data={"evidence": selectors.evidence_summary(row)},
        occurred_at=row.created_at,
    )


def evidence_expiry_sweep(*, tenant_id: Any, now: datetime | None = None) -> int:
    """Announce documents that are the last valid one of a control and are expiring or newly expired.

    A document already replaced by a fresher one for every control it supports is not announced: nothing
    needs doing. Each (document, end of validity) is announced once per state.
    """
    now = now or timezone.now()
    control_ids = (
        EvidenceControlLink.objects.filter(tenant_id=tenant_id, evidence__type=EvidenceType.MANUAL)
        .values_list("control_id", flat=True)
        .distinct()
    )
    affected: dict[tuple[Any, str], set[Any]] = defaultdict(set)
    for control_id, docs in control_documents(tenant=tenant_id, control_ids=control_ids, now=now).items():
        best = docs.best
        if best is None or best.valid_until is None:
            continue
        if best.freshness == Freshness.EXPIRING or (
            best.freshness == Freshness.EXPIRED and best.valid_until >= now - EXPIRED_ANNOUNCE_WINDOW
        ):
            affected[(best.evidence_id, best.freshness)].add(control_id)
    count = 0
    for (evidence_id, state), controls in affected.items():
        row = selectors.evidence_with_controls(evidence_id=evidence_id)
        if row is None:
            continue
        standing = control_documents(tenant=tenant_id, control_ids=controls, now=now)
        until = min(d.best.valid_until for d in standing.values() if d.best is not None and d.best.valid_until)
        summary = selectors.evidence_summary(row, only_controls=controls)
        summary["valid_until"] = until.isoformat()
        event_type = EventType.EVIDENCE_EXPIRING if state == Freshness.EXPIRING else EventType.EVIDENCE_EXPIRED
        recorded = event_record(
            tenant_id=tenant_id,
            type=event_type,
            key=f"{event_type}:{evidence_id}:{until.date().isoformat()}",
            data={"evidence": summary},
            occurred_at=now,
        )
        count += recorded is not None
    return count


def events_purge_expired(*, now: datetime | None = None) -> int:
    """Delete events (and their deliveries) older than NOTIFICATION_EVENT_RETENTION_DAYS, in batches."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NOTIFICATION_EVENT_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(Event.objects.filter(occurred_at__lt=cutoff).values_list("pk", flat=True)[:1000])
        if not batch:
            return deleted
        Event.objects.filter(pk__in=batch).delete()
        deleted += len(batch)


# --- deliveries ------------------------------------------------------------------------------------


def _enqueue(delivery_id: str, countdown: float = 0) -> None:
    from .tasks import deliver  # noqa: PLC0415 - tasks import this module

    try:
        deliver.apply_async(args=[delivery_id], countdown=countdown, retry_policy=BROKER_PUBLISH_RETRY)
    except BROKER_ERRORS as exc:
        # The delivery stays due in the database; the resume sweep sends it when the broker is back.
        logger.warning("webhook delivery not enqueued", extra={"delivery_id": delivery_id, "error": repr(exc)})


def _enqueue_on_commit(delivery: Delivery, countdown: float = 0) -> None:
    delivery_id = str(delivery.pk)
    transaction.on_commit(lambda: _enqueue(delivery_id, countdown))


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: base × 2^(attempts-1), capped."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)


def request_body(delivery: Delivery) -> bytes:
    """The exact bytes sent (and signed) for a delivery: the same for every attempt and redelivery."""
    event = delivery.event
    if delivery.webhook.kind == WebhookKind.SLACK:
        body: dict[str, Any] = payloads.slack_message(
            event_type=event.type, data=event.payload, tenant_name=event.tenant.name
        )
    else:
        body = payloads.envelope(
            event_id=str(event.pk),
            event_type=event.type,
            occurred_at=event.occurred_at.isoformat(),
            tenant={"id": str(event.tenant_id), "slug": event.tenant.slug, "name": event.tenant.name},
            data=event.payload,
        )
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def delivery_attempt(*, delivery_id: Any) -> Delivery | None:
    """Try a due delivery once; on failure schedule the next try or, after the last, fail it for good.

    Idempotent under redelivery of the task: a finished delivery, or one not yet due, is left alone.
    """
    delivery = Delivery.objects.select_related("webhook", "event", "event__tenant").filter(pk=delivery_id).first()
    now = timezone.now()
    if delivery is None or delivery.status in FINAL_DELIVERY_STATUSES:
        return delivery
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + timedelta(seconds=1):
        return delivery
    webhook = delivery.webhook
    if not webhook.active:
        _finish(delivery, status=DeliveryStatus.FAILED, error="Not sent: the webhook is disabled.")
        return delivery
    body = request_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-ComplyWise-Event": delivery.event.type,
        "X-ComplyWise-Event-Id": str(delivery.event_id),
        "X-ComplyWise-Delivery": str(delivery.pk),
        "X-ComplyWise-Timestamp": str(timestamp),
        "X-ComplyWise-Signature": transport.signature(secret=webhook_secret(webhook), timestamp=timestamp, body=body),
    }
    answer = transport.post(url=webhook.url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    delivery.attempts += 1
    delivery.response_status = answer.status_code
    delivery.latency_ms = answer.latency_ms
    delivery.error = answer.error[:2000]
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "at": now.isoformat(),
            "status_code": answer.status_code,
            "latency_ms": answer.latency_ms,
            "error": answer.error[:500],
        },
    ]
    if answer.ok:
        _finish(delivery, status=DeliveryStatus.SUCCEEDED)
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return delivery
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        delay = retry_delay(delivery.attempts)
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        delivery.save()
        _enqueue_on_commit(delivery, countdown=delay)
        return delivery
    _finish(delivery, status=DeliveryStatus.FAILED)
    _count_failure(webhook)
    return delivery


def _finish(delivery: Delivery, *, status: str, error: str | None = None) -> None:
    delivery.status = status
    delivery.next_attempt_at = None
    if status == DeliveryStatus.SUCCEEDED:
        delivery.delivered_at = timezone.now()
    if error is not None:
        delivery.error = error
    delivery.save()


def _count_failure(webhook: Webhook) -> None:
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        locked.consecutive_failures += 1
        if locked.active and locked.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
            locked.active = False
            locked.disabled_at = timezone.now()
            locked.disabled_reason = (
                f"Disabled after {locked.consecutive_failures} deliveries in a row failed "
                f"({settings.WEBHOOK_MAX_ATTEMPTS} tries each)."
            )
            audit_record(
                tenant=locked.tenant,
                actor=None,
                action="webhook.disabled",
                target=locked,
                data={"reason": locked.disabled_reason},
            )
            logger.warning("webhook disabled after repeated failures", extra={"webhook_id": str(locked.pk)})
        locked.save()


def delivery_redeliver(*, delivery: Delivery, actor: AbstractBaseUser | None) -> Delivery:
    """Send a delivery's event again to its webhook, as a new delivery with its own log."""
    webhook = delivery.webhook
    if not webhook.active:
        raise ConflictError("The webhook is disabled; enable it before redelivering.")
    if delivery.status not in FINAL_DELIVERY_STATUSES:
        raise ConflictError(f"This delivery is still {delivery.status}; wait for it to finish.")
    again = Delivery.objects.create(
        tenant_id=delivery.tenant_id,
        webhook=webhook,
        event_id=delivery.event_id,
        redelivery_of=delivery,
        requested_by=real_user(actor),
    )
    audit_record(
        tenant=webhook.tenant,
        actor=actor,
        action="webhook.redelivered",
        target=webhook,
        data={"delivery_id": str(delivery.pk), "new_delivery_id": str(again.pk), "event": delivery.event.type},
    )
    _enqueue_on_commit(again)
    return again


def deliveries_resume(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue deliveries whose task was lost (broker down at enqueue, worker killed): due for a while."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
    due = list(stale.filter(next_attempt_at__lt=now - grace).values_list("pk", flat=True)[:500]) + list(
        stale.filter(next_attempt_at__isnull=True, created_at__lt=now - grace).values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        _enqueue(str(delivery_id))
    return len(due)


# --- e-mail digests --------------------------------------------------------------------------------


def _check_recipients(recipients: Iterable[str]) -> list[str]:
    cleaned = []
    for address in recipients:
        address = address.strip()
        try:
            validate_email(address)
        except DjangoValidationError:
            raise FieldValidationError({"recipients": [f"Not an e-mail address: {address!r}."]}) from None
        cleaned.append(address)
    if not cleaned:
        raise FieldValidationError({"recipients": ["Give at least one address."]})
    return sorted(set(cleaned))


def digest_create(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    name: str,
    recipients: list[str],
    events: list[str],
    frequency: str = DigestFrequency.DAILY,
    active: bool = True,
) -> EmailDigest:
    if EmailDigest.objects.for_tenant(tenant).filter(name=name).exists():
        raise FieldValidationError({"name": ["A digest with this name exists."]})
    digest = EmailDigest.objects.create(
        tenant=tenant,
        name=name,
        recipients=_check_recipients(recipients),
        events=_check_events(events),
        frequency=frequency,
        active=active,
        cursor=timezone.now(),
        created_by=real_user(actor),
    )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="digest.created",
        target=digest,
        data={"recipients": digest.recipients, "events": digest.events, "frequency": frequency},
    )
    return digest


def digest_update(
    *,
    digest: EmailDigest,
    actor: AbstractBaseUser | None,
    name: str | None = None,
    recipients: list[str] | None = None,
    events: list[str] | None = None,
    frequency: str | None = None,
    active: bool | None = None,
) -> EmailDigest:
    if name is not None and name != digest.name:
        if EmailDigest.objects.for_tenant(digest.tenant_id).filter(name=name).exclude(pk=digest.pk).exists():
            raise FieldValidationError({"name": ["A digest with this name exists."]})
        digest.name = name
    if recipients is not None:
        digest.recipients = _check_recipients(recipients)
    if events is not None:
        digest.events = _check_events(events)
    if frequency is not None:
        digest.frequency = frequency
    if active is not None:
        digest.active = active
    digest.save()
    audit_record(
        tenant=digest.tenant,
        actor=actor,
        action="digest.updated",
        target=digest,
        data={"recipients": digest.recipients, "events": digest.events, "frequency": digest.frequency},
    )
    return digest


def digest_delete(*, digest: EmailDigest, actor: AbstractBaseUser | None) -> None:
    audit_record(tenant=digest.tenant, actor=actor, action="digest.deleted", target=digest, data={"name": digest.name})
    digest.delete()


def digest_send(*, digest: EmailDigest, now: datetime | None = None) -> int:
    """Mail the events since the digest's cursor (nothing is sent when there are none); return how many."""
    now = now or timezone.now()
    events = list(
        Event.objects.for_tenant(digest.tenant_id)
        .filter(type__in=digest.events, occurred_at__gt=digest.cursor, occurred_at__lte=now)
        .order_by("occurred_at")[: DIGEST_MAX_EVENTS + 1]
    )
    if not events:
        return 0
    more = len(events) > DIGEST_MAX_EVENTS
    events = events[:DIGEST_MAX_EVENTS]
    tenant = digest.tenant
    lines = [f"{e.occurred_at:%Y-%m-%d %H:%M} UTC  {payloads.summary(e.type, e.payload)}" for e in events]
    if more:
        lines.append("… more events than one digest lists; see the events in ComplyWise.")
    body = (
        f"ComplyWise {digest.get_frequency_display().lower()} digest '{digest.name}' for {tenant.name}\n"
        f"{len(events)} event(s) since {digest.cursor:%Y-%m-%d %H:%M} UTC:\n\n" + "\n".join(lines) + "\n"
    )
    head = _chain_head(digest.tenant_id)
    if head["sequence"]:
        body += (
            f"\nEvidence chain head as this digest was sent: sequence {head['sequence']}, {head['hash']}\n"
            "(any later auditor bundle's chain.csv must hold this hash at this sequence)\n"
        )
    send_mail(
        subject=f"[ComplyWise] {tenant.name}: {len(events)} event(s) — {digest.name}",
        message=body,
        from_email=None,
        recipient_list=digest.recipients,
    )
    digest.cursor = events[-1].occurred_at
    digest.last_sent_at = now
    digest.save(update_fields=["cursor", "last_sent_at", "updated_at"])
    return len(events)


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send every active digest whose period has passed since it was last sent (or created)."""
    now = now or timezone.now()
    sent = 0
    for digest in EmailDigest.objects.filter(active=True).select_related("tenant"):
        last = digest.last_sent_at or digest.created_at
        if now - last >= DIGEST_PERIOD[DigestFrequency(digest.frequency)]:
            with rls.tenant_scope(digest.tenant_id):
                sent += digest_send(digest=digest, now=now) > 0
    return sent
