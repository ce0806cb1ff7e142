"""Celery entry points: thin, idempotent wrappers calling one service each."""

from __future__ import annotations

from celery import shared_task

from complywise import rls

from . import reminders
from .choices import CampaignStatus
from .models import ReviewCampaign


@shared_task(name="reviews.tick", ignore_result=True)
def tick() -> dict[str, int]:
    """Open scheduled reviews whose day came and remind reviewers of due ones, tenant by tenant."""
    with rls.system_scope(reason="beat: tenants with scheduled or open access reviews"):
        tenant_ids = list(
            ReviewCampaign.objects.filter(status__in=[CampaignStatus.SCHEDULED, CampaignStatus.OPEN])
            .values_list("tenant_id", flat=True)
            .distinct()
            .order_by()
        )
    totals = {"opened": 0, "reminded": 0}
    for tenant_id in tenant_ids:
        with rls.tenant_scope(tenant_id):
            for key, value in reminders.reviews_tick(tenant_id=tenant_id).items():
                totals[key] += value
    return totals
