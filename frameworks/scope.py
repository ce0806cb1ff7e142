"""Writes of a tenant's scope decisions on controls: applicability (the Statement of Applicability) and
evidence requirements (which controls need a document, renewed how often, owned by whom). Every change is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from complywise.exceptions import FieldValidationError
from complywise.models import Membership, Tenant
from complywise.services import audit_record, real_user

from .models import (
    RENEWAL_DAYS_MAX,
    RENEWAL_DAYS_MIN,
    Control,
    ControlApplicability,
    ControlEvidenceRequirement,
    Framework,
)
from .services import ensure_visible

JUSTIFICATION_MAX_LENGTH = 2000


# --------------------------------------------------------------------------- applicability (Statement of Applicability)


def _applicability_locked(*, tenant: Tenant, control: Control) -> tuple[ControlApplicability, bool]:
    """The tenant's row for the control, locked, and whether it was applicable before (no row: applicable).

    Locked so two admins deciding at once leave a consistent from/to trail in the audit log; the first decision
    inserts a default row first, and the unique constraint settles two first decisions racing.
    """
    rows = ControlApplicability.objects.for_tenant(tenant).select_for_update().filter(control=control)
    record = rows.first()
    if record is not None:
        return record, record.applicable
    try:
        with transaction.atomic():
            ControlApplicability.objects.create(tenant=tenant, control=control, decided_at=timezone.now())
    except IntegrityError:
        pass  # another request inserted it first: lock theirs below
    record = rows.get()
    return record, record.applicable


@transaction.atomic
def control_applicability_set(
    *, tenant: Tenant, control: Control, applicable: bool, justification: str = "", actor: AbstractBaseUser | None
) -> ControlApplicability:
    """Keep a control in the tenant's scope or exclude it; excluding needs a justification. Every change is audited."""
    ensure_visible(tenant=tenant, framework=control.framework)
    justification = (justification or "").strip()
    if not applicable and not justification:
        raise FieldValidationError({"justification": "Say why this control is excluded from scope."})
    if len(justification) > JUSTIFICATION_MAX_LENGTH:
        raise FieldValidationError(
            {"justification": f"Ensure this field has no more than {JUSTIFICATION_MAX_LENGTH} characters."}
        )
    record, previous = _applicability_locked(tenant=tenant, control=control)
    record.applicable = applicable
    record.justification = justification
    record.decided_by = real_user(actor)
    record.decided_at = timezone.now()
    record.save()
    audit_record(
        tenant=tenant,
        actor=actor,
        action="control.applicability_changed",
        target=control,
        data={
            "ref": control.ref,
            "framework": control.framework.key,
            "from": "applicable" if previous else "excluded",
            "to": "applicable" if applicable else "excluded",
            "justification": justification,
        },
    )
    return record


# --------------------------------------------------------------------------- evidence requirements (documents)

DEFAULT_RENEWAL_DAYS = 365
# Controls whose title says they are a periodic review get a quarterly default: access reviews are
# expected every 90 days by SOC 2 and ISO auditors, a yearly policy review would be too slow for them.
QUARTERLY_TITLE_WORDS = ("access review", "review of access", "review of user access", "access rights review")
QUARTERLY_RENEWAL_DAYS = 90


def default_renewal_days(control: Control) -> int:
    title = control.title.lower()
    return QUARTERLY_RENEWAL_DAYS if any(word in title for word in QUARTERLY_TITLE_WORDS) else DEFAULT_RENEWAL_DAYS


def _member(*, tenant: Tenant, member_id: Any, field: str = "owner_id") -> Membership | None:
    """A member of the tenant by its id (as /api/members lists it); anyone else is a 400 naming the field."""
    if member_id is None:
        return None
    try:
        membership = Membership.objects.filter(tenant=tenant, pk=member_id).select_related("user").first()
    except (ValueError, DjangoValidationError):
        membership = None
    if membership is None:
        raise FieldValidationError({field: "Not a member of your organisation (use an id from /api/members)."})
    return membership


def _validate_renewal_days(renewal_days: Any) -> int:
    if isinstance(renewal_days, bool) or not isinstance(renewal_days, int):
        raise FieldValidationError({"renewal_days": "A whole number of days."})
    if not RENEWAL_DAYS_MIN <= renewal_days <= RENEWAL_DAYS_MAX:
        raise FieldValidationError({"renewal_days": f"Between {RENEWAL_DAYS_MIN} and {RENEWAL_DAYS_MAX} days."})
    return renewal_days


def _requirement_data(requirement: ControlEvidenceRequirement) -> dict[str, Any]:
    return {
        "renewal_days": requirement.renewal_days,
        "owner": requirement.owner.user.email if requirement.owner is not None else None,
        "due_date": requirement.due_date.isoformat() if requirement.due_date else None,
    }


@transaction.atomic
def control_evidence_requirement_set(
    *,
    tenant: Tenant,
    control: Control,
    renewal_days: int,
    owner_id: Any = None,
    due_date: date | None = None,
    actor: AbstractBaseUser | None,
) -> ControlEvidenceRequirement:
    """Require a document for the control, renewed every ``renewal_days``; create or replace. Audited."""
    ensure_visible(tenant=tenant, framework=control.framework)
    renewal_days = _validate_renewal_days(renewal_days)
    owner = _member(tenant=tenant, member_id=owner_id)
    requirement = (
        ControlEvidenceRequirement.objects.for_tenant(tenant).select_for_update().filter(control=control).first()
    )
    before = _requirement_data(requirement) if requirement else None
    if requirement is None:
        requirement = ControlEvidenceRequirement(tenant=tenant, control=control)
    requirement.renewal_days = renewal_days
    requirement.owner = owner
    requirement.due_date = due_date
    requirement.set_by = real_user(actor)
    try:
        with transaction.atomic():
            requirement.save()
    except IntegrityError:
        # Two first settings raced; the other one won. Apply this one over it.
        existing = ControlEvidenceRequirement.objects.for_tenant(tenant).select_for_update().get(control=control)
        requirement.pk, requirement.created_at = existing.pk, existing.created_at
        requirement.save(force_update=True)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="control.evidence_requirement_set",
        target=control,
        data={
            "ref": control.ref,
            "framework": control.framework.key,
            "from": before,
            "to": _requirement_data(requirement),
        },
    )
    return requirement


@transaction.atomic
def control_evidence_requirement_delete(*, tenant: Tenant, control: Control, actor: AbstractBaseUser | None) -> bool:
    """Drop the control's requirement; False when it had none (the call is idempotent)."""
    requirement = (
        ControlEvidenceRequirement.objects.for_tenant(tenant).select_for_update().filter(control=control).first()
    )
    if requirement is None:
        return False
    audit_record(
        tenant=tenant,
        actor=actor,
        action="control.evidence_requirement_deleted",
        target=control,
        data={"ref": control.ref, "framework": control.framework.key, "from": _requirement_data(requirement)},
    )
    requirement.delete()
    return True


@transaction.atomic
def framework_require_documents_for_unautomated(
    *,
    tenant: Tenant,
    framework: Framework,
    renewal_days: int | None = None,
    owner_id: Any = None,
    actor: AbstractBaseUser | None,
) -> list[ControlEvidenceRequirement]:
    """One click: every applicable control no check covers, and that has no requirement yet, now needs documents.

    Renewal is ``renewal_days`` when given, else a default per control (90 days for access reviews, else 365).
    Existing requirements are left as they are; returns the ones created.
    """
    ensure_visible(tenant=tenant, framework=framework)
    if renewal_days is not None:
        renewal_days = _validate_renewal_days(renewal_days)
    owner = _member(tenant=tenant, member_id=owner_id)
    already = ControlEvidenceRequirement.objects.for_tenant(tenant).values("control_id")
    excluded = ControlApplicability.objects.for_tenant(tenant).filter(applicable=False).values("control_id")
    controls = (
        Control.objects.filter(framework=framework, checks__isnull=True)
        .exclude(pk__in=already)
        .exclude(pk__in=excluded)
        .order_by("sort_key")
    )
    set_by = real_user(actor)
    created = ControlEvidenceRequirement.objects.bulk_create(
        [
            ControlEvidenceRequirement(
                tenant=tenant,
                control=control,
                renewal_days=renewal_days or default_renewal_days(control),
                owner=owner,
                set_by=set_by,
            )
            for control in controls
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="framework.evidence_requirements_defaulted",
        target=framework,
        data={
            "framework": framework.key,
            "created": len(created),
            "renewal_days": renewal_days,
            "owner": owner.user.email if owner else None,
        },
    )
    return created
