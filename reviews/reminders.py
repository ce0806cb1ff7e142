"""The daily round of access reviews: open the scheduled ones whose day came, remind reviewers of due ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications.choices import EventType
from notifications.services import event_record

from . import notify, selectors
from .choices import CampaignStatus
from .models import ReviewCampaign
from .services import campaign_open


def reviews_tick(*, tenant_id: Any, now: datetime | None = None) -> dict[str, int]:
    """The daily round for one tenant: open scheduled reviews whose day came, remind reviewers of due ones."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    opened = 0
    for campaign in ReviewCampaign.objects.filter(
        tenant_id=tenant_id, status=CampaignStatus.SCHEDULED, opens_on__lte=today
    ):
        campaign_open(campaign=campaign, now=now)
        opened += 1
    reminded = 0
    for campaign in selectors.campaigns_due_for_reminder(tenant_id=tenant_id, today=today):
        with transaction.atomic():
            # The date is the once-a-day guard: claim it first, so two ticks never remind twice.
            claimed = (
                ReviewCampaign.objects.filter(pk=campaign.pk)
                .exclude(last_reminded_on=today)
                .update(last_reminded_on=today)
            )
            if not claimed:
                continue
            progress = selectors.campaign_progress(campaign)
            if not progress.pending:
                continue
            event_record(
                tenant_id=tenant_id,
                type=EventType.ACCESS_REVIEW_REMINDER,
                key=f"access_review.reminder:{campaign.pk}:{today.isoformat()}",
                data={
                    "review": notify.summary(
                        campaign, pending=progress.pending, total=progress.total, overdue=campaign.due_date < today
                    )
                },
                occurred_at=now,
            )
            transaction.on_commit(_mailer(campaign))
            reminded += 1
    return {"opened": opened, "reminded": reminded}


def _mailer(campaign: ReviewCampaign) -> Any:
    def send() -> None:
        notify.mail_reviewers(campaign, kind="reminder")

    return send
