"""Reads of the tenancy core."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken, Invitation, Membership, Tenant


def memberships_for_user(*, user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_for_user(*, user: User | AnonymousUser, tenant_id: str | None) -> Membership | None:
    """The membership a browser session acts through: the chosen tenant, else the first one."""
    memberships = memberships_for_user(user=user)
    if tenant_id:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def api_tokens_for_tenant(*, tenant: Tenant) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_tenant(tenant).select_related("membership__user")


def members_for_tenant(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("user__email")


def member_by_email(*, tenant: Tenant, email: str) -> Membership | None:
    """The member of this tenant with this email; a user of another tenant is as unknown as a stranger."""
    email = email.strip()
    return (
        members_for_tenant(tenant=tenant).filter(user__email__iexact=email).first()
        or members_for_tenant(tenant=tenant).filter(user__username__iexact=email).first()
    )


def user_by_email(*, email: str) -> User | None:
    """The account with this email (or an email as its username, as operators create them)."""
    User = get_user_model()
    email = email.strip()
    return User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()


def invitations_for_tenant(*, tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.for_tenant(tenant).select_related("invited_by", "accepted_by").order_by("-created_at")


def invitation_by_secret(*, secret: str) -> Invitation | None:
    """The invitation a link's secret names (any state), found by the secret's SHA-256 digest."""
    if not secret or len(secret) > 200:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return Invitation.objects.select_related("tenant").filter(digest=digest).first()


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


INVITATION_PROBLEMS = {
    "accepted": "This invitation was already accepted.",
    "revoked": "This invitation was revoked.",
    "expired": "This invitation has expired: ask an admin to invite you again.",
}


def invitation_problem(invitation: Invitation) -> str | None:
    """Why this invitation can no longer be accepted, or None while it is open."""
    return INVITATION_PROBLEMS.get(invitation_status(invitation))
