"""Reads for web-login security: second-factor devices and the tenants a login is recorded in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Exists, OuterRef, Subquery, Value, When
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise import rls
from complywise.models import Membership, Tenant


def user_by_login_name(*, username: str) -> User | None:
    """The account a login name designates (usernames are e-mail addresses here), if any."""
    if not username:
        return None
    User = get_user_model()
    return User.objects.filter(username__iexact=username).order_by("pk").first()


def tenants_for_user(*, user: User) -> list[Tenant]:
    # Before any tenant is chosen (a login): the user's memberships across tenants, as credential resolution does.
    with rls.system_scope(reason="tenants of a login"):
        return list(Tenant.objects.filter(memberships__user=user).order_by("name"))


def user_has_second_factor(*, user: User | AnonymousUser) -> bool:
    """True once an authenticator app is confirmed; recovery codes exist only alongside one."""
    if not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_for_user(*, user: User, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class SecondFactorStanding:
    has_second_factor: bool
    tenant_requires_it: bool


def second_factor_standing(*, user: User, session_tenant_id: str | None) -> SecondFactorStanding:
    """Whether the user has a confirmed authenticator, and whether the session's current tenant requires one.

    One query, as it runs on every request of an unverified session. The current tenant is chosen as
    ``complywise.selectors.membership_for_user`` chooses it: the session's tenant when the user is a
    member of it, else the first by name.
    """
    try:
        chosen = uuid.UUID(str(session_tenant_id)) if session_tenant_id else None
    except ValueError:
        chosen = None
    current_first = Case(When(tenant_id=chosen, then=Value(0)), default=Value(1)) if chosen else Value(1)
    current = (
        Membership.objects.filter(user_id=OuterRef("pk"))
        .order_by(current_first, "tenant__name")
        .values("tenant__require_mfa")[:1]
    )
    with rls.system_scope(reason="second-factor requirement of the session's tenant"):
        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                has_device=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)),
                requires=Subquery(current),
            )
            .values("has_device", "requires")
            .first()
        )
    if row is None:
        return SecondFactorStanding(has_second_factor=False, tenant_requires_it=False)
    return SecondFactorStanding(has_second_factor=bool(row["has_device"]), tenant_requires_it=bool(row["requires"]))
