"""Reads of access reviews: campaigns with their progress, filtered items, and the controls a review proves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complywise.choices import WRITE_ROLES
from complywise.models import Membership, Tenant
from frameworks.models import Control
from frameworks.selectors import frameworks_active
from integrations import registry
from integrations.models import Integration

from .choices import CampaignStatus, Decision
from .documents import ReviewRecord
from .models import ReviewCampaign, ReviewItem

# The controls a periodic access review is evidence for, per shipped framework (framework key -> refs).
REVIEW_CONTROLS: dict[str, tuple[str, ...]] = {
    "soc2": ("CC6.2", "CC6.3"),
    "iso27001-2022": ("5.18",),
    "nist-800-53-r5-moderate": ("AC-2", "AC-2(3)", "AC-6(7)"),
    "pci-dss-4": ("7.2.4", "7.2.5.1"),
    "hipaa-security": ("164.308(a)(4)(ii)(C)",),
    "cis-controls-8": ("5.1", "5.3"),
    "nist-csf-2": ("PR.AA-05",),
}

INACTIVE_DAYS = 90
DUE_SOON_DAYS = 7


def campaigns_for_tenant(*, tenant: Tenant | Any) -> QuerySet[ReviewCampaign]:
    """The tenant's campaigns with their item counts (``items_total``, ``items_pending`` …)."""
    return (
        ReviewCampaign.objects.for_tenant(tenant)
        .annotate(
            items_total=Count("items"),
            items_pending=Count("items", filter=Q(items__decision=Decision.PENDING)),
            items_approved=Count("items", filter=Q(items__decision=Decision.APPROVED)),
            items_revoked=Count("items", filter=Q(items__decision=Decision.REVOKED)),
        )
        .order_by("-due_date", "-created_at")
    )  # an aggregate drops Meta.ordering: pages need a stable order


def campaign_get(*, tenant: Tenant | Any, campaign_id: Any) -> ReviewCampaign | None:
    """One of the tenant's campaigns, or None (also for another tenant's id or a malformed one)."""
    try:
        return campaigns_for_tenant(tenant=tenant).filter(pk=campaign_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int
    approved: int
    revoked: int

    @property
    def decided(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return round(100 * self.decided / self.total) if self.total else 100


def campaign_progress(campaign: ReviewCampaign) -> Progress:
    counts = dict(
        ReviewItem.objects.filter(tenant_id=campaign.tenant_id, campaign=campaign)
        .values("decision")
        .annotate(n=Count("id"))
        .values_list("decision", "n")
    )
    return Progress(
        total=sum(counts.values()),
        pending=counts.get(Decision.PENDING, 0),
        approved=counts.get(Decision.APPROVED, 0),
        revoked=counts.get(Decision.REVOKED, 0),
    )


def campaign_items(
    *,
    campaign: ReviewCampaign,
    source_id: Any = None,
    decision: str = "",
    admins_only: bool = False,
    inactive: bool = False,
    new_only: bool = False,
    reviewer: Any = None,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[ReviewItem]:
    """A campaign's items, filtered as a reviewer works through them.

    ``inactive`` keeps accounts with no activity in the last 90 days (or none ever); ``new_only`` those that
    were not in the previous review of the same integration; ``reviewer`` those assigned to that user.
    """
    items = ReviewItem.objects.filter(tenant_id=campaign.tenant_id, campaign=campaign).select_related(
        "source", "reviewer", "decided_by"
    )
    if source_id:
        items = items.filter(source_id=source_id)
    if decision:
        items = items.filter(decision=decision)
    if admins_only:
        items = items.filter(admin=True)
    if inactive:
        cutoff = (now or timezone.now()) - timedelta(days=INACTIVE_DAYS)
        items = items.filter(Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True))
    if new_only:
        items = items.filter(new_since_last_review=True)
    if reviewer is not None:
        items = items.filter(reviewer=reviewer)
    if search:
        items = items.filter(Q(name__icontains=search) | Q(email__icontains=search) | Q(external_id__icontains=search))
    return items.order_by("source__integration_type", "source__integration_name", "kind", "name", "external_id")


def is_reviewer_of(campaign: ReviewCampaign, user: Any) -> bool:
    """Whether the user reviews one of the campaign's integrations (with admins, who may complete it)."""
    return campaign.sources.filter(reviewer_id=getattr(user, "pk", None)).exists()


def review_controls(*, tenant: Tenant | Any) -> list[Control]:
    """The access-review controls of every framework active for the tenant (its own frameworks have none)."""
    frameworks = {f.key: f for f in frameworks_active(tenant=tenant)}
    wanted = Q()
    for key, refs in REVIEW_CONTROLS.items():
        if key in frameworks:
            wanted |= Q(framework=frameworks[key], ref__in=refs)
    if not wanted:
        return []
    return list(Control.objects.filter(wanted).select_related("framework").order_by("framework__key", "ref"))


def reviewable_integrations(*, tenant: Tenant | Any) -> QuerySet[Integration]:
    """The tenant's integrations whose type lists accounts (AWS, GitHub, identity providers, databases …)."""
    types = [source.integration_type for source in registry.account_sources()]
    return Integration.objects.for_tenant(tenant).filter(type__in=types).order_by("type", "name")


def reviewers_for_tenant(*, tenant: Tenant | Any) -> QuerySet[Membership]:
    """Members who may review (anyone who can write: admins and members)."""
    return (
        Membership.objects.filter(tenant_id=getattr(tenant, "pk", tenant), role__in=WRITE_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


def campaigns_due_for_reminder(*, tenant_id: Any, today: date) -> QuerySet[ReviewCampaign]:
    """Open campaigns due within a week or overdue, not yet reminded today."""
    return (
        ReviewCampaign.objects.filter(
            tenant_id=tenant_id, status=CampaignStatus.OPEN, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
        .exclude(last_reminded_on=today)
        .order_by("due_date")
    )


def review_record(
    campaign: ReviewCampaign, *, completed_at: datetime, completed_by: str, controls: list[str]
) -> ReviewRecord:
    """Everything the completion documents say, read in one ordered pass over the items."""
    sources = list(campaign.sources.select_related("reviewer"))
    items = (
        ReviewItem.objects.filter(tenant_id=campaign.tenant_id, campaign=campaign)
        .select_related("source", "reviewer")
        .order_by("source__integration_type", "source__integration_name", "kind", "name", "external_id")
    )
    return ReviewRecord(
        tenant_name=campaign.tenant.name,
        campaign_id=str(campaign.pk),
        name=campaign.name,
        recurrence=campaign.get_recurrence_display(),
        opens_on=campaign.opens_on.isoformat(),
        due_date=campaign.due_date.isoformat(),
        opened_at=campaign.opened_at,
        completed_at=completed_at,
        completed_by=completed_by,
        sources=[
            {
                "integration": s.integration_name,
                "integration_type": s.integration_type,
                "reviewer": user_email(s.reviewer),
                "accounts_as_of": s.accounts_as_of,
            }
            for s in sources
        ],
        rows=[
            {
                "integration": item.source.integration_name,
                "integration_type": item.source.integration_type,
                "account_id": item.external_id,
                "account": item.name,
                "kind": item.kind,
                "email": item.email,
                "admin": item.admin,
                "active": item.active,
                "privileges": list(item.privileges),
                "last_activity_at": item.last_activity_at,
                "new_since_last_review": item.new_since_last_review,
                "decision": item.decision,
                "note": item.note,
                "reviewer": user_email(item.reviewer),
                "decided_by": item.decided_by_email,
                "decided_at": item.decided_at,
            }
            for item in items
        ],
        controls=controls,
    )


def user_email(user: Any) -> str:
    """How a user is named in review records and audit data: the e-mail, else the user name; "" for nobody."""
    return (getattr(user, "email", "") or user.get_username()) if user is not None else ""
