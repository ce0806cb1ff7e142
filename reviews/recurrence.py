"""When a recurring access review comes round again, and the campaign that is scheduled for it."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from .choices import RECURRENCE_MONTHS, Recurrence
from .models import ReviewCampaign, ReviewSource

NAME_MAX = 200


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_date(campaign: ReviewCampaign) -> date | None:
    months = RECURRENCE_MONTHS.get(Recurrence(campaign.recurrence))
    return add_months(campaign.due_date, months) if months else None


def schedule_next(campaign: ReviewCampaign, due: date) -> ReviewCampaign:
    """The next campaign of a completed recurring one: same sources and reviewers, due ``due``, opening as far
    ahead of it as this one opened ahead of its own due date (never before the day after this one was due)."""
    window = campaign.due_date - campaign.opens_on
    successor = ReviewCampaign.objects.create(
        tenant_id=campaign.tenant_id,
        name=next_name(campaign.name, due),
        recurrence=campaign.recurrence,
        opens_on=max(due - window, campaign.due_date + timedelta(days=1)),
        due_date=due,
        created_by=campaign.completed_by,
        previous=campaign,
    )
    for source in campaign.sources.all():
        if source.integration_id is None:
            continue
        ReviewSource.objects.create(
            tenant_id=campaign.tenant_id,
            campaign=successor,
            integration_id=source.integration_id,
            integration_name=source.integration_name,
            integration_type=source.integration_type,
            reviewer_id=source.reviewer_id,
        )
    return successor


def next_name(name: str, due: date) -> str:
    """The series' name with the new due date: "Quarterly access review (due 2027-03-14)"."""
    base = re.sub(r" \(due \d{4}-\d{2}-\d{2}\)$", "", name)
    suffix = f" (due {due:%Y-%m-%d})"
    return base[: NAME_MAX - len(suffix)] + suffix
