"""Writes of access reviews: create and open a campaign, decide and reassign items, complete, remind.

A campaign takes its items from the integrations' account snapshots (refreshed by every scan) when it opens.
Reviewers approve or revoke each account (a revocation needs a note) or hand it to someone else. Completing
records the revocations where the next scan checks them, stores the decisions as manual evidence (CSV and
PDF, hash-chained) linked to the access-review controls of every active framework, and schedules the next
campaign of a recurring review.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from complywise.choices import ADMIN_ROLES
from complywise.exceptions import ConflictError, FieldValidationError, PermissionDeniedError
from complywise.models import Membership, Tenant
from complywise.services import audit_record, real_user
from evidence.services import evidence_upload
from integrations.accounts import accounts_present, accounts_revoke
from integrations.models import Integration
from notifications import payloads
from notifications.choices import EventType
from notifications.services import event_record

from . import selectors
from .choices import DECISIONS, RECURRENCE_MONTHS, CampaignStatus, Decision, Recurrence
from .documents import ReviewRecord, decisions_csv, decisions_pdf, sha256_hex
from .models import ReviewCampaign, ReviewItem, ReviewSource

logger = logging.getLogger(__name__)

NAME_MAX = 200
NOTE_MAX = 2000
MAX_SOURCES = 50


@dataclass(frozen=True)
class SourceInput:
    integration_id: Any
    reviewer_id: Any


def _email(user: Any) -> str:
    return (getattr(user, "email", "") or user.get_username()) if user is not None else ""


def _membership(tenant: Tenant, user: Any) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(tenant=tenant, user=user).first()


def _is_admin(tenant: Tenant, user: Any) -> bool:
    membership = _membership(tenant, user)
    return membership is not None and membership.role in ADMIN_ROLES


def _clean_sources(tenant: Tenant, sources: Iterable[SourceInput]) -> list[tuple[Integration, Any]]:
    sources = list(sources)
    if not sources:
        raise FieldValidationError({"sources": "Pick at least one integration whose accounts are reviewed."})
    if len(sources) > MAX_SOURCES:
        raise FieldValidationError({"sources": f"At most {MAX_SOURCES} integrations per review."})
    integrations = {str(i.pk): i for i in selectors.reviewable_integrations(tenant=tenant)}
    reviewers = {str(m.user_id): m.user for m in selectors.reviewers_for_tenant(tenant=tenant)}
    cleaned: list[tuple[Integration, Any]] = []
    errors: dict[str, str] = {}
    for index, source in enumerate(sources):
        integration = integrations.get(str(source.integration_id))
        reviewer = reviewers.get(str(source.reviewer_id))
        if integration is None:
            errors[f"sources.{index}.integration_id"] = "No such integration with accounts to review."
        elif any(integration.pk == seen.pk for seen, _ in cleaned):
            errors[f"sources.{index}.integration_id"] = "This integration is already in the review."
        if reviewer is None:
            errors[f"sources.{index}.reviewer_id"] = (
                "The reviewer must be an active admin or member of your organisation."
            )
        if integration is not None and reviewer is not None:
            cleaned.append((integration, reviewer))
    if errors:
        raise FieldValidationError(errors)
    return cleaned


@transaction.atomic
def campaign_create(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    name: str,
    due_date: date,
    recurrence: str = Recurrence.QUARTERLY,
    sources: Iterable[SourceInput],
    opens_on: date | None = None,
    now: datetime | None = None,
) -> ReviewCampaign:
    """Create a review; it opens at once (its items taken from the latest scans) unless ``opens_on`` is later."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the review a name, e.g. 'Q4 2026 access review'."
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    if recurrence not in Recurrence.values:
        errors["recurrence"] = f"One of: {', '.join(Recurrence.values)}."
    opens_on = opens_on or today
    if opens_on < today:
        errors["opens_on"] = "Cannot be in the past."
    if due_date < opens_on:
        errors["due_date"] = "Must be on or after the day the review opens."
    if errors:
        raise FieldValidationError(errors)
    cleaned = _clean_sources(tenant, sources)
    campaign = ReviewCampaign.objects.create(
        tenant=tenant,
        name=name,
        recurrence=recurrence,
        opens_on=opens_on,
        due_date=due_date,
        created_by=real_user(actor),
        previous=None,
    )
    for integration, reviewer in cleaned:
        ReviewSource.objects.create(
            tenant=tenant,
            campaign=campaign,
            integration=integration,
            integration_name=integration.name,
            integration_type=integration.type,
            reviewer=reviewer,
        )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="access_review.created",
        target=campaign,
        data={
            "name": name,
            "due_date": due_date.isoformat(),
            "recurrence": recurrence,
            "sources": [{"integration": i.name, "reviewer": _email(r)} for i, r in cleaned],
        },
    )
    if opens_on <= today:
        campaign_open(campaign=campaign, now=now)
        campaign.refresh_from_db()
    return campaign


def _previous_review_ids(campaign: ReviewCampaign, integration_id: Any) -> set[str] | None:
    """Account ids of this integration in the most recent completed review of it, None if never reviewed."""
    source = (
        ReviewSource.objects.filter(
            tenant_id=campaign.tenant_id,
            integration_id=integration_id,
            campaign__status=CampaignStatus.COMPLETED,
        )
        .exclude(campaign=campaign)
        .order_by("-campaign__completed_at")
        .first()
    )
    if source is None:
        return None
    return set(source.items.values_list("external_id", flat=True))


@transaction.atomic
def campaign_open(*, campaign: ReviewCampaign, now: datetime | None = None) -> int:
    """Take the items from each source's account snapshot and tell the reviewers; a no-op unless scheduled."""
    now = now or timezone.now()
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.SCHEDULED:
        return 0
    count = 0
    for source in campaign.sources.select_related("integration", "reviewer"):
        if source.integration is None:
            continue
        previous = _previous_review_ids(campaign, source.integration_id)
        accounts = list(accounts_present(tenant=campaign.tenant_id, integration=source.integration))
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    tenant_id=campaign.tenant_id,
                    campaign=campaign,
                    source=source,
                    account=account,
                    external_id=account.external_id,
                    name=account.name,
                    kind=account.kind,
                    email=account.email,
                    privileges=account.privileges,
                    admin=account.admin,
                    active=account.active,
                    last_activity_at=account.last_activity_at,
                    first_seen_at=account.first_seen_at,
                    new_since_last_review=previous is not None and account.external_id not in previous,
                    reviewer=source.reviewer,
                )
                for account in accounts
            ],
            batch_size=1000,
        )
        source.accounts_as_of = max((a.last_seen_at for a in accounts), default=None)
        source.save(update_fields=["accounts_as_of", "updated_at"])
        count += len(accounts)
    campaign.status = CampaignStatus.OPEN
    campaign.opened_at = now
    campaign.save(update_fields=["status", "opened_at", "updated_at"])
    event_record(
        tenant_id=campaign.tenant_id,
        type=EventType.ACCESS_REVIEW_OPENED,
        key=f"access_review.opened:{campaign.pk}",
        data={"review": _summary(campaign, items=count)},
        occurred_at=now,
    )
    transaction.on_commit(lambda: _mail_reviewers(campaign, kind="opened"))
    return count


def _summary(campaign: ReviewCampaign, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(campaign.pk),
        "name": campaign.name,
        "due_date": campaign.due_date.isoformat(),
        "recurrence": campaign.recurrence,
        "url": payloads.link(f"/reviews/{campaign.pk}/"),
        **extra,
    }


def _mail_reviewers(campaign: ReviewCampaign, *, kind: str) -> int:
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


def _open_campaign_for_update(tenant: Tenant, campaign: ReviewCampaign) -> ReviewCampaign:
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk, tenant=tenant)
    if campaign.status != CampaignStatus.OPEN:
        raise ConflictError(f"This review is {campaign.get_status_display().lower()}; its items cannot change.")
    return campaign


def _items_for(tenant: Tenant, campaign: ReviewCampaign, actor: Any, item_ids: Iterable[Any]) -> list[ReviewItem]:
    ids = [str(i) for i in item_ids]
    if not ids:
        raise FieldValidationError({"items": "Select at least one account."})
    items = list(ReviewItem.objects.filter(tenant=tenant, campaign=campaign, pk__in=ids).select_for_update())
    if len(items) != len(set(ids)):
        raise FieldValidationError({"items": "Some of the selected accounts are not in this review."})
    if not _is_admin(tenant, actor):
        user_id = getattr(actor, "pk", None)
        if any(item.reviewer_id != user_id for item in items):
            raise PermissionDeniedError("Only the assigned reviewer (or an admin) can decide these accounts.")
    return items


@transaction.atomic
def items_decide(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser,
    campaign: ReviewCampaign,
    item_ids: Iterable[Any],
    decision: str,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Approve or revoke accounts (a revocation needs a note saying why); a decision can be changed until completion."""
    now = now or timezone.now()
    note = (note or "").strip()
    if decision not in DECISIONS:
        raise FieldValidationError({"decision": f"One of: {', '.join(DECISIONS)}."})
    if decision == Decision.REVOKED and not note:
        raise FieldValidationError({"note": "Say why the access is revoked (the auditor reads it)."})
    if len(note) > NOTE_MAX:
        raise FieldValidationError({"note": f"At most {NOTE_MAX} characters."})
    campaign = _open_campaign_for_update(tenant, campaign)
    items = _items_for(tenant, campaign, actor, item_ids)
    for item in items:
        item.decision = decision
        item.note = note
        item.decided_by = real_user(actor)
        item.decided_by_email = _email(actor)[:254]
        item.decided_at = now
    ReviewItem.objects.bulk_update(items, ["decision", "note", "decided_by", "decided_by_email", "decided_at"])
    audit_record(
        tenant=tenant,
        actor=actor,
        action=f"access_review.{decision}",
        target=campaign,
        data={"items": [i.external_id for i in items][:500], "count": len(items), "note": note},
    )
    return len(items)


@transaction.atomic
def items_reassign(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser,
    campaign: ReviewCampaign,
    item_ids: Iterable[Any],
    reviewer_id: Any,
    note: str = "",
) -> int:
    """Hand accounts to another reviewer (e.g. the team lead who knows them); they go back to pending."""
    reviewers = {str(m.user_id): m.user for m in selectors.reviewers_for_tenant(tenant=tenant)}
    reviewer = reviewers.get(str(reviewer_id))
    if reviewer is None:
        raise FieldValidationError({"reviewer": "The reviewer must be an active admin or member of your organisation."})
    campaign = _open_campaign_for_update(tenant, campaign)
    items = _items_for(tenant, campaign, actor, item_ids)
    for item in items:
        item.reassigned_from_id = item.reviewer_id
        item.reviewer = reviewer
        item.decision = Decision.PENDING
        item.note = (note or "").strip()[:NOTE_MAX]
        item.decided_by = None
        item.decided_by_email = ""
        item.decided_at = None
    ReviewItem.objects.bulk_update(
        items, ["reassigned_from", "reviewer", "decision", "note", "decided_by", "decided_by_email", "decided_at"]
    )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="access_review.reassigned",
        target=campaign,
        data={"items": [i.external_id for i in items][:500], "count": len(items), "reviewer": _email(reviewer)},
    )
    return len(items)


def _record(
    campaign: ReviewCampaign, *, completed_at: datetime, completed_by: str, controls: list[str]
) -> ReviewRecord:
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
                "reviewer": _email(s.reviewer),
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
                "reviewer": _email(item.reviewer),
                "decided_by": item.decided_by_email,
                "decided_at": item.decided_at,
            }
            for item in items
        ],
        controls=controls,
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_date(campaign: ReviewCampaign) -> date | None:
    months = RECURRENCE_MONTHS.get(Recurrence(campaign.recurrence))
    return add_months(campaign.due_date, months) if months else None


@transaction.atomic
def campaign_complete(
    *, tenant: Tenant, actor: AbstractBaseUser, campaign: ReviewCampaign, now: datetime | None = None
) -> ReviewCampaign:
    """Close a review once every account is decided: evidence, revocations to verify, the next campaign."""
    now = now or timezone.now()
    if not _is_admin(tenant, actor) and not campaign.sources.filter(reviewer=actor).exists():
        raise PermissionDeniedError("Only an admin or one of the review's reviewers can complete it.")
    campaign = _open_campaign_for_update(tenant, campaign)
    pending = ReviewItem.objects.filter(tenant=tenant, campaign=campaign, decision=Decision.PENDING).count()
    if pending:
        raise ConflictError(f"{pending} account(s) are still pending; decide every one before completing.")
    controls = selectors.review_controls(tenant=tenant)
    completed_by = _email(actor)
    record = _record(
        campaign,
        completed_at=now,
        completed_by=completed_by,
        controls=[f"{c.framework.key} {c.ref}" for c in controls],
    )
    csv_bytes = decisions_csv(record)
    csv_sha = sha256_hex(csv_bytes)
    follow_up = next_due_date(campaign)
    # A recurring review's record stays valid until the next one is due: a missed review turns the controls red.
    expires_at = (
        timezone.make_aware(datetime.combine(follow_up + timedelta(days=1), datetime.min.time())) if follow_up else None
    )
    if controls:
        stem = f"access-review-{campaign.due_date:%Y-%m-%d}"
        description = (
            f"Access review '{campaign.name}' completed by {completed_by}: {len(record.rows)} account(s) decided. "
            f"Decisions CSV SHA-256 {csv_sha}."
        )
        common = {
            "tenant": tenant,
            "actor": actor,
            "control_id": controls[0].pk,
            "control_ids": [c.pk for c in controls[1:]],
            "collected_at": now,
            "expires_at": expires_at,
            "description": description,
        }
        campaign.evidence_csv = evidence_upload(
            file=SimpleUploadedFile(f"{stem}.csv", csv_bytes, content_type="text/csv"),
            title=f"Access review decisions: {campaign.name} (CSV)",
            **common,
        )
        pdf_bytes = decisions_pdf(record, csv_sha256=csv_sha)
        campaign.evidence_pdf = evidence_upload(
            file=SimpleUploadedFile(f"{stem}.pdf", pdf_bytes, content_type="application/pdf"),
            title=f"Access review report: {campaign.name} (PDF)",
            **common,
        )
    revoked = ReviewItem.objects.filter(tenant=tenant, campaign=campaign, decision=Decision.REVOKED)
    accounts_revoke(
        tenant=tenant,
        account_ids=revoked.exclude(account=None).values_list("account_id", flat=True),
        reason=f"access review '{campaign.name}'"[:500],
        revoked_by=completed_by,
        revoked_at=now,
    )
    campaign.status = CampaignStatus.COMPLETED
    campaign.completed_at = now
    campaign.completed_by = real_user(actor)
    campaign.decisions_sha256 = csv_sha
    campaign.save(
        update_fields=[
            "status",
            "completed_at",
            "completed_by",
            "decisions_sha256",
            "evidence_csv",
            "evidence_pdf",
            "updated_at",
        ]
    )
    successor = _schedule_next(campaign, follow_up) if follow_up else None
    audit_record(
        tenant=tenant,
        actor=actor,
        action="access_review.completed",
        target=campaign,
        data={
            "decisions_sha256": csv_sha,
            "items": len(record.rows),
            "revoked": revoked.count(),
            "evidence": [str(e.pk) for e in (campaign.evidence_csv, campaign.evidence_pdf) if e is not None],
            "controls": record.controls,
            "next_review": str(successor.pk) if successor else None,
        },
    )
    progress = selectors.campaign_progress(campaign)
    event_record(
        tenant_id=tenant.pk,
        type=EventType.ACCESS_REVIEW_COMPLETED,
        key=f"access_review.completed:{campaign.pk}",
        data={
            "review": _summary(
                campaign,
                completed_by=completed_by,
                approved=progress.approved,
                revoked=progress.revoked,
                decisions_sha256=csv_sha,
                evidence=[str(e.pk) for e in (campaign.evidence_csv, campaign.evidence_pdf) if e is not None],
            )
        },
        occurred_at=now,
    )
    return campaign


def _schedule_next(campaign: ReviewCampaign, due: date) -> ReviewCampaign:
    window = campaign.due_date - campaign.opens_on
    successor = ReviewCampaign.objects.create(
        tenant_id=campaign.tenant_id,
        name=_next_name(campaign.name),
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


def _next_name(name: str) -> str:
    suffix = " (next)"
    base = name[: NAME_MAX - len(suffix)]
    return base if base.endswith(suffix) else base + suffix


@transaction.atomic
def campaign_cancel(
    *, tenant: Tenant, actor: AbstractBaseUser, campaign: ReviewCampaign, reason: str
) -> ReviewCampaign:
    if not _is_admin(tenant, actor):
        raise PermissionDeniedError("Only an admin can cancel a review.")
    reason = (reason or "").strip()
    if not reason:
        raise FieldValidationError({"reason": "Say why the review is cancelled."})
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk, tenant=tenant)
    if campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.OPEN):
        raise ConflictError("Only a scheduled or open review can be cancelled.")
    campaign.status = CampaignStatus.CANCELLED
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(tenant=tenant, actor=actor, action="access_review.cancelled", target=campaign, data={"reason": reason})
    return campaign


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
                    "review": _summary(
                        campaign, pending=progress.pending, total=progress.total, overdue=campaign.due_date < today
                    )
                },
                occurred_at=now,
            )
            transaction.on_commit(lambda c=campaign: _mail_reviewers(c, kind="reminder"))
            reminded += 1
    return {"opened": opened, "reminded": reminded}
