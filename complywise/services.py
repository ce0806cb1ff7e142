"""Writes of the tenancy core: tenants, users, memberships, invitations, tokens, audit events."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .choices import Role
from .exceptions import ConflictError, FieldValidationError, NotFoundError, PermissionDeniedError
from .logging import client_ip_var, request_id_var, user_agent_var
from .models import ApiToken, AuditEvent, Invitation, Membership, Tenant
from .selectors import invitation_problem, user_by_email
from .signals import tenant_created

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "cw"
# last_used_at is bookkeeping, not an audit trail: write it at most this often per token.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
INVITATION_LIFETIME = timedelta(days=7)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _audit_client_ip() -> str | None:
    try:
        return str(ipaddress.ip_address(client_ip_var.get()))
    except ValueError:
        return None  # outside a request (task, command), or a socket peer that is no IP address


def real_user(actor: Any) -> User | None:
    """The acting user to record on a row, or None (no actor, an anonymous request, a system job)."""
    return actor if actor is not None and actor.is_authenticated else None


def audit_record(
    *, tenant: Tenant, actor: AbstractBaseUser | None, action: str, target: Any = None, data: dict | None = None
) -> AuditEvent:
    """Append one audit event; during a request it carries the client's address, user agent and request id."""
    actor = real_user(actor)
    request_id = request_id_var.get()
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor,
        # Kept as written: the log still names the actor after their account is deleted.
        actor_email=(getattr(actor, "email", "") or actor.get_username())[:254] if actor is not None else "",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        data=data or {},
        ip_address=_audit_client_ip(),
        user_agent=user_agent_var.get()[:256],
        request_id="" if request_id == "-" else request_id,
    )


@transaction.atomic
def tenant_create(*, name: str, slug: str, retention_days: int | None = None) -> tuple[Tenant, bool]:
    """Create a tenant, or return the one with this slug (idempotent); a new one gets the default frameworks."""
    tenant, created = Tenant.objects.get_or_create(
        slug=slug, defaults={"name": name, "retention_days": retention_days or 365}
    )
    if not created:
        changed = []
        if name and tenant.name != name:
            tenant.name = name
            changed.append("name")
        if retention_days is not None and tenant.retention_days != retention_days:
            tenant.retention_days = retention_days
            changed.append("retention_days")
        if changed:
            tenant.save(update_fields=[*changed, "updated_at"])
    if created:
        # frameworks activates the defaults (DEFAULT_TENANT_FRAMEWORKS); the core does not name domain apps.
        tenant_created.send(sender=Tenant, tenant=tenant)
    return tenant, created


def user_get_or_create(*, email: str, password: str | None = None, is_staff: bool = False) -> User:
    """The user with this email, or a new one with this password (unusable when none).

    An existing user's password and flags are never changed here: a command or a page that only
    names someone must not be able to take over their account (password changes go through the
    password forms or `manage.py changepassword`).
    """
    email = email.strip().lower()
    user = user_by_email(email=email)
    if user is not None:
        return user
    user = get_user_model()(username=email, email=email, is_staff=is_staff)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _validate_role(role: str) -> None:
    if role not in Role.values:
        raise FieldValidationError({"role": f"Must be one of {', '.join(Role.values)}."})


def tenant_lock(*, tenant_id: Any) -> None:
    """Make writes that must see each other take turns per tenant (call inside a transaction).

    Role changes (so two admins demoting each other cannot leave no admin), quota checks (so
    concurrent requests cannot overshoot) and the evidence chain (one head at a time) each lock
    the tenant row. NO KEY UPDATE, so rows that merely reference the tenant can still be inserted;
    SQLite serialises all writes anyway.
    """
    list(Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).values_list("pk", flat=True))


def _admin_count(tenant: Tenant) -> int:
    return Membership.objects.for_tenant(tenant).filter(role=Role.ADMIN).count()


def _member_label(membership: Membership) -> str:
    return membership.user.email or membership.user.get_username()


@transaction.atomic
def membership_create(*, tenant: Tenant, user: User, role: str, actor: AbstractBaseUser | None = None) -> Membership:
    """Make the user a member of the tenant with this role; refuses when they already are one."""
    _validate_role(role)
    tenant_lock(tenant_id=tenant.pk)
    if Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise ConflictError(f"{user.email or user.get_username()} is already a member of {tenant.name}.")
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="member.added",
        target=membership,
        data={"email": _member_label(membership), "role": role},
    )
    return membership


@transaction.atomic
def membership_ensure(
    *, tenant: Tenant, user: User, role: str | None = None, actor: AbstractBaseUser | None = None
) -> Membership:
    """The user's membership in the tenant, created with ``role`` (default member) when missing.

    Never changes the role of an existing membership: a role that differs is refused, since a
    role changes only through ``membership_role_change`` (explicit and audited).
    """
    if role is not None:
        _validate_role(role)
    existing = Membership.objects.for_tenant(tenant).filter(user=user).select_related("user").first()
    if existing is None:
        return membership_create(tenant=tenant, user=user, role=role or Role.MEMBER, actor=actor)
    if role is not None and existing.role != role:
        raise ConflictError(
            f"{_member_label(existing)} is already {existing.role} of {tenant.slug}; "
            f"roles change only explicitly, not to {role} as a side effect."
        )
    return existing


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, actor: AbstractBaseUser | None = None) -> Membership:
    """Give a member another role (audited with from/to); the last admin cannot be demoted."""
    _validate_role(role)
    tenant_lock(tenant_id=membership.tenant_id)
    membership.refresh_from_db(fields=["role"])
    previous = membership.role
    if previous == role:
        return membership
    if previous == Role.ADMIN and _admin_count(membership.tenant) <= 1:
        raise ConflictError("The last admin cannot be demoted: make someone else admin first.")
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        tenant=membership.tenant,
        actor=actor,
        action="member.role_changed",
        target=membership,
        data={"email": _member_label(membership), "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: AbstractBaseUser | None = None) -> None:
    """Remove a member and their API tokens in this tenant; the last admin cannot be removed."""
    tenant = membership.tenant
    tenant_lock(tenant_id=tenant.pk)
    membership.refresh_from_db(fields=["role"])
    if membership.role == Role.ADMIN and _admin_count(tenant) <= 1:
        raise ConflictError("The last admin cannot be removed: make someone else admin first.")
    # Revoked one by one so each token's end is in the audit trail; the rows then go with the
    # membership (ApiToken.membership cascades).
    for token in ApiToken.objects.for_tenant(tenant).active().filter(membership=membership):
        api_token_revoke(token=token, actor=actor)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="member.removed",
        target=membership,
        data={"email": _member_label(membership), "role": membership.role},
    )
    membership.delete()


# --- invitations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    link: str  # holds the secret; shown once, never stored
    emailed: bool


def invitation_link(*, site_url: str, secret: str) -> str:
    return site_url.rstrip("/") + reverse("invitation-accept", kwargs={"secret": secret})


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: str, actor: AbstractBaseUser | None, site_url: str
) -> IssuedInvitation:
    """Invite someone by email to join the tenant with a role; the link is e-mailed and returned once."""
    _validate_role(role)
    email = email.strip().lower()
    tenant_lock(tenant_id=tenant.pk)
    invited = user_by_email(email=email)
    if invited is not None and Membership.objects.for_tenant(tenant).filter(user=invited).exists():
        raise FieldValidationError({"email": f"{email} is already a member of {tenant.name}."})
    now = timezone.now()
    open_ones = Invitation.objects.for_tenant(tenant).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    if open_ones.exists():
        raise FieldValidationError({"email": f"{email} already has an open invitation; revoke it first."})
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        digest=token_digest(secret),
        invited_by=real_user(actor),
        expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        tenant=tenant, actor=actor, action="invitation.created", target=invitation, data={"email": email, "role": role}
    )
    link = invitation_link(site_url=site_url, secret=secret)
    emailed = _invitation_send(invitation=invitation, link=link, actor=actor)
    return IssuedInvitation(invitation=invitation, link=link, emailed=emailed)


def _invitation_send(*, invitation: Invitation, link: str, actor: AbstractBaseUser | None) -> bool:
    inviter = (getattr(actor, "email", "") or "An admin") if actor is not None else "An operator"
    body = (
        f"{inviter} invited you to join {invitation.tenant.name} on ComplyWise as {invitation.role}.\n\n"
        f"Accept the invitation: {link}\n\n"
        f"The link works once and expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC. "
        "If you did not expect it, ignore this e-mail."
    )
    try:
        send_mail(
            subject=f"Join {invitation.tenant.name} on ComplyWise",
            message=body,
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (smtplib.SMTPException, OSError):
        # The invitation stands: the admin is shown the link once and can hand it over.
        logger.warning(
            "invitation e-mail not sent",
            extra={"tenant_id": str(invitation.tenant_id), "invitation_id": str(invitation.pk)},
            exc_info=True,
        )
        return False
    return True


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: AbstractBaseUser | None = None) -> Invitation:
    invitation.refresh_from_db(fields=["accepted_at", "revoked_at"])
    if invitation.accepted_at is not None:
        raise ConflictError("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            tenant=invitation.tenant,
            actor=actor,
            action="invitation.revoked",
            target=invitation,
            data={"email": invitation.email},
        )
    return invitation


class InvitationClosedError(ConflictError):
    status_code = 410
    default_detail = "This invitation can no longer be accepted."


@transaction.atomic
def invitation_accept(
    *, secret: str, user: User | AnonymousUser | None = None, password: str | None = None
) -> Membership:
    """Accept an invitation through its link.

    An existing account must be the one signed in (``user``) and carry the invited email; someone
    new chooses a password, checked by Django's password validators. The membership gets the
    invited role; nothing else about an existing account changes.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("tenant").filter(digest=token_digest(secret)).first()
    )
    if invitation is None:
        raise NotFoundError("No such invitation.")
    problem = invitation_problem(invitation)
    if problem:
        raise InvitationClosedError(problem)
    invited = user_by_email(email=invitation.email)
    if invited is not None:
        if user is None or not user.is_authenticated:
            raise PermissionDeniedError(f"Log in as {invitation.email} to accept this invitation.")
        if user.pk != invited.pk:
            raise PermissionDeniedError(f"This invitation is for {invitation.email}, not for the account logged in.")
        if not invited.is_active:
            raise PermissionDeniedError("This account is disabled.")
    else:
        if user is not None and user.is_authenticated:
            raise PermissionDeniedError(f"This invitation is for {invitation.email}: log out first.")
        if not password:
            raise FieldValidationError({"password": "Choose a password."})
        invited = get_user_model()(username=invitation.email, email=invitation.email)
        try:
            password_validation.validate_password(password, invited)
        except ValidationError as exc:
            raise FieldValidationError({"password": list(exc.messages)}) from None
        invited.set_password(password)
        invited.save()
    membership = membership_create(tenant=invitation.tenant, user=invited, role=invitation.role, actor=invited)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = invited
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        tenant=invitation.tenant,
        actor=invited,
        action="invitation.accepted",
        target=invitation,
        data={"email": invitation.email, "role": invitation.role},
    )
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, expires_days: int | None = None, actor: AbstractBaseUser | None = None
) -> IssuedToken:
    if expires_days is not None and expires_days <= 0:
        raise FieldValidationError({"expires_days": "Must be a positive number of days."})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        tenant=membership.tenant,
        membership=membership,
        name=name[:100] or "token",
        prefix=prefix,
        digest=token_digest(raw),
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
    )
    audit_record(tenant=membership.tenant, actor=actor, action="token.created", target=token, data={"name": name})
    return IssuedToken(token=token, secret=raw)


def api_token_revoke(*, token: ApiToken, actor: AbstractBaseUser | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(tenant=token.tenant, actor=actor, action="token.revoked", target=token)
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token matching this secret, or None; records when it was last used."""
    if not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 200:
        return None
    # The digest is unique: no ordering to compile or sort, as ``first()`` would add on every request.
    found = (
        ApiToken.objects.active()
        .select_related("membership__user", "membership__tenant")
        .filter(digest=token_digest(raw))[:1]
    )
    token = next(iter(found), None)
    if token is None or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tenant_get_by_slug(*, slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise NotFoundError(f"No tenant with slug '{slug}'.")
    return tenant


@transaction.atomic
def tenant_update_settings(
    *,
    tenant: Tenant,
    retention_days: int | None = None,
    require_mfa: bool | None = None,
    actor: AbstractBaseUser | None = None,
) -> Tenant:
    """Change the tenant's settings that are given; each change is audited with from/to."""
    changes: dict[str, dict[str, Any]] = {}
    if retention_days is not None:
        if retention_days < 1 or retention_days > 3650 * 3:
            raise FieldValidationError({"retention_days": "Must be between 1 and 10950 days."})
        if tenant.retention_days != retention_days:
            changes["retention_days"] = {"from": tenant.retention_days, "to": retention_days}
            tenant.retention_days = retention_days
    if require_mfa is not None and tenant.require_mfa != require_mfa:
        changes["require_mfa"] = {"from": tenant.require_mfa, "to": require_mfa}
        tenant.require_mfa = require_mfa
    if changes:
        tenant.save(update_fields=[*changes, "updated_at"])
        audit_record(tenant=tenant, actor=actor, action="tenant.settings_updated", target=tenant, data=changes)
    return tenant
