"""What access reviews tell people: the event payload the notification channels carry, and reviewers' e-mails."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail

from notifications import payloads

from .choices import Decision
from .models import ReviewCampaign, ReviewItem

logger = logging.getLogger(__name__)


def summary(campaign: ReviewCampaign, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(campaign.pk),
        "name": campaign.name,
        "due_date": campaign.due_date.isoformat(),
        "recurrence": campaign.recurrence,
        "url": payloads.link(f"/reviews/{campaign.pk}/"),
        **extra,
    }


def mail_reviewers(campaign: ReviewCampaign, *, kind: str) -> int:
    """One e-mail per reviewer with pending items (a failure is logged: the event still went to the channels)."""
    pending = (
        ReviewItem.objects.filter(tenant_id=campaign.tenant_id, campaign=campaign, decision=Decision.PENDING)
        .exclude(reviewer=None)
        .values_list("reviewer__email")
    )
    counts: dict[str, int] = {}
    for (email,) in pending:
        if email:
            counts[email] = counts.get(email, 0) + 1
    link = payloads.link(f"/reviews/{campaign.pk}/?mine=1")
    sent = 0
    for email, n in sorted(counts.items()):
        verb = "is open" if kind == "opened" else f"is due on {campaign.due_date:%Y-%m-%d}"
        try:
            send_mail(
                subject=f"[ComplyWise] Access review '{campaign.name}' {verb}",
                message=(
                    f"You have {n} account(s) to review in '{campaign.name}', due on {campaign.due_date:%Y-%m-%d}.\n"
                    f"Approve or revoke each one here: {link}\n"
                ),
                from_email=None,
                recipient_list=[email],
            )
            sent += 1
        except Exception:  # noqa: BLE001 - one bad mailbox must not stop the others or the review
            logger.warning("access review e-mail failed", extra={"campaign_id": str(campaign.pk)})
    return sent
