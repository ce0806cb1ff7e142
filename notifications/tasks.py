"""Celery entry points: thin, idempotent wrappers taking string ids and calling one service each."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from complywise import rls
from evidence.selectors import tenants_with_evidence

from . import services
from .models import Delivery

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 2, "retry_backoff_max": 60, "retry_jitter": True}


@shared_task(name="notifications.deliver", acks_late=True, max_retries=3, **RETRY)
def deliver(delivery_id: str) -> None:
    with rls.tenant_scope_of(Delivery, delivery_id):
        services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="notifications.resume_deliveries", ignore_result=True)
def resume_deliveries() -> int:
    with rls.system_scope(reason="beat: resume lost webhook deliveries"):
        return services.deliveries_resume()


@shared_task(name="notifications.evidence_expiry_sweep", ignore_result=True)
def evidence_expiry_sweep() -> int:
    announced = 0
    with rls.system_scope(reason="beat: list tenants with evidence"):
        tenant_ids = list(tenants_with_evidence().values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        with rls.tenant_scope(tenant_id):
            announced += services.evidence_expiry_sweep(tenant_id=tenant_id)
    with rls.system_scope(reason="beat: purge old notification events"):
        services.events_purge_expired()
    return announced


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    with rls.system_scope(reason="beat: due e-mail digests"):
        return services.digests_send_due()
