"""Writes of access reviews: create and open a campaign, decide and reassign items, complete, remind.

A campaign takes its items from the integrations' account snapshots (refreshed by every scan) when it opens.
Reviewers approve or revoke each account (a revocation needs a note) or hand it to someone else. Completing
records the revocations where the next scan checks them, stores the decisions as manual evidence (CSV and
PDF, hash-chained) linked to the access-review controls of every active framework, and schedules the next
campaign of a recurring review.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from complywise.choices import ADMIN_ROLES
from complywise.exceptions import ConflictError, FieldValidationError, PermissionDeniedError
from complywise.models import Membership, Tenant
from complywise.services import audit_record, real_user
from evidence.services import evidence_upload
from integrations.accounts import accounts_present, accounts_revoke
from integrations.models import Integration
from notifications.choices import EventType
from notifications.services import event_record

from . import notify, selectors
from .choices import DECISIONS, CampaignStatus, Decision, Recurrence
from .documents import decisions_csv, decisions_pdf, sha256_hex
from .models import ReviewCampaign, ReviewItem, ReviewSource
from .recurrence import NAME_MAX, next_due_date, schedule_next

logger = logging.getLogger(__name__)

NOTE_MAX = 2000
MAX_SOURCES = 50
ONE_OFF_VALID_DAYS = 365


@dataclass(frozen=True)
class SourceInput:
    integration_id: Any
    reviewer_id: Any


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
    errors: dict[str, list[str] | str] = {}
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
    errors: dict[str, list[str] | str] = {}
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
            "sources": [{"integration": i.name, "reviewer": selectors.user_email(r)} for i, r in cleaned],
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
        data={"review": notify.summary(campaign, items=count)},
        occurred_at=now,
    )
    transaction.on_commit(lambda: notify.mail_reviewers(campaign, kind="opened"))
    return count


def _open_campaign_for_update(tenant: Tenant, campaign: ReviewCampaign) -> ReviewCampaign:
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk, tenant=tenant)
    if campaign.status != CampaignStatus.OPEN:
        raise ConflictError(f"This review is {campaign.get_status_display().lower()}; its items cannot change.")
    return campaign


def _items_for(tenant: Tenant, campaign: ReviewCampaign, actor: Any, item_ids: Iterable[Any]) -> list[ReviewItem]:
    try:
        ids = [str(uuid.UUID(str(i))) for i in item_ids]
    except ValueError:
        raise FieldValidationError({"items": "Item ids are UUIDs."}) from None
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
        item.decided_by_email = selectors.user_email(actor)[:254]
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
    note = (note or "").strip()
    errors: dict[str, list[str] | str] = {}
    if reviewer is None:
        errors["reviewer_id"] = "The reviewer must be an active admin or member of your organisation."
    if len(note) > NOTE_MAX:
        errors["note"] = f"At most {NOTE_MAX} characters."
    if errors:
        raise FieldValidationError(errors)
    campaign = _open_campaign_for_update(tenant, campaign)
    items = _items_for(tenant, campaign, actor, item_ids)
    for item in items:
        item.reassigned_from_id = item.reviewer_id
        item.reviewer = reviewer
        item.decision = Decision.PENDING
        item.note = note
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
        data={
            "items": [i.external_id for i in items][:500],
            "count": len(items),
            "reviewer": selectors.user_email(reviewer),
        },
    )
    return len(items)


@transaction.atomic
def campaign_complete(
    *, tenant: Tenant, actor: AbstractBaseUser, campaign: ReviewCampaign, now: datetime | None = None
) -> ReviewCampaign:
    """Close a review once every account is decided: evidence, revocations to verify, the next campaign."""
    now = now or timezone.now()
    if not _is_admin(tenant, actor) and not selectors.is_reviewer_of(campaign, actor):
        raise PermissionDeniedError("Only an admin or one of the review's reviewers can complete it.")
    campaign = _open_campaign_for_update(tenant, campaign)
    pending = ReviewItem.objects.filter(tenant=tenant, campaign=campaign, decision=Decision.PENDING).count()
    if pending:
        raise ConflictError(f"{pending} account(s) are still pending; decide every one before completing.")
    controls = selectors.review_controls(tenant=tenant)
    completed_by = selectors.user_email(actor)
    record = selectors.review_record(
        campaign,
        completed_at=now,
        completed_by=completed_by,
        controls=[f"{c.framework.key} {c.ref}" for c in controls],
    )
    csv_bytes = decisions_csv(record)
    csv_sha = sha256_hex(csv_bytes)
    follow_up = next_due_date(campaign)
    # A recurring review's record stays valid until the next one is due: a missed review turns the controls red.
    # A one-off review proves a year at most (no framework accepts an access review older than that).
    expires_at = (
        timezone.make_aware(datetime.combine(follow_up + timedelta(days=1), datetime.min.time()))
        if follow_up
        else now + timedelta(days=ONE_OFF_VALID_DAYS)
    )
    if controls:
        stem = f"access-review-{campaign.due_date:%Y-%m-%d}"
        description = (
            f"Access review '{campaign.name}' completed by {completed_by}: {len(record.rows)} account(s) decided. "
            f"Decisions CSV SHA-256 {csv_sha}."
        )
        documents = (
            (f"{stem}.csv", csv_bytes, "text/csv", "decisions", "CSV"),
            (f"{stem}.pdf", decisions_pdf(record, csv_sha256=csv_sha), "application/pdf", "report", "PDF"),
        )
        stored = [
            evidence_upload(
                tenant=tenant,
                actor=actor,
                file=SimpleUploadedFile(filename, content, content_type=content_type),
                control_id=controls[0].pk,
                control_ids=[c.pk for c in controls[1:]],
                title=f"Access review {what}: {campaign.name} ({label})",
                description=description,
                collected_at=now,
                expires_at=expires_at,
            )
            for filename, content, content_type, what, label in documents
        ]
        campaign.evidence_csv, campaign.evidence_pdf = stored
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
    successor = schedule_next(campaign, follow_up) if follow_up else None
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
            "review": notify.summary(
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
