"""Writes for web-login security: enrolment, verification and removal of second factors, and their audit trail."""

from __future__ import annotations

import hashlib
import logging
import secrets
from base64 import b32encode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from complywise import rls
from complywise.exceptions import ConflictError, FieldValidationError, TooManyRequestsError
from complywise.models import AuditEvent
from complywise.services import audit_record

from .selectors import tenants_for_user, totp_device_for_user, user_by_login_name

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6


# --- audit -------------------------------------------------------------------------------------------------


def _audit_in_user_tenants(*, user: User, actor: AbstractBaseUser | None, action: str, data: dict) -> list[AuditEvent]:
    """A user belongs to no tenant in particular: the event goes into the log of every tenant they are in."""
    events = []
    for tenant in tenants_for_user(user=user):
        with rls.tenant_scope(tenant.pk):
            events.append(audit_record(tenant=tenant, actor=actor, action=action, target=user, data=data))
    return events


def auth_login_record(*, user: User, ip_address: str | None, second_factor: str | None) -> list[AuditEvent]:
    logger.info("login", extra={"login_user_id": user.pk, "ip": ip_address, "second_factor": second_factor})
    return _audit_in_user_tenants(
        user=user,
        actor=user,
        action="auth.login",
        data={"ip": ip_address, "second_factor": second_factor or "none"},
    )


def auth_login_failure_record(
    *, username: str, ip_address: str | None, stage: str, locked_out: bool
) -> list[AuditEvent]:
    """Log every failed login; audit it in the tenants of the account it named, when that account exists."""
    logger.warning(
        "login failed", extra={"username": username, "ip": ip_address, "stage": stage, "locked_out": locked_out}
    )
    user = user_by_login_name(username=username)
    if user is None:
        return []
    data = {"username": username, "ip": ip_address, "stage": stage, "locked_out": locked_out}
    return _audit_in_user_tenants(user=user, actor=None, action="auth.login_failed", data=data)


PASSWORD_RESET_WINDOW_SECONDS = 3600


def auth_password_reset_request_allowed(*, email: str, ip_address: str | None) -> bool:
    """Whether a reset e-mail may go out for this request; each request counts against both limits.

    Counted per hour in the cache (shared by every web process when REDIS_URL is set): at most
    ``PASSWORD_RESET_PER_CLIENT_PER_HOUR`` requests from one client address, and at most
    ``PASSWORD_RESET_PER_ADDRESS_PER_HOUR`` e-mails to one address, whoever asks. The address is kept as a digest.
    """
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if ip_address and _counted(f"pwreset:client:{ip_address}") > settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR:
        logger.warning("password reset refused: too many from this client", extra={"ip": ip_address})
        return False
    if _counted(f"pwreset:address:{address}") > settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR:
        logger.warning(
            "password reset refused: too many for this address", extra={"ip": ip_address, "address": address[:16]}
        )
        return False
    return True


def _counted(key: str) -> int:
    """This request's number in the key's current window (the window starts with its first request)."""
    cache.add(key, 0, timeout=PASSWORD_RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:
        # The window ended between the two calls: this request opens the next one.
        cache.set(key, 1, timeout=PASSWORD_RESET_WINDOW_SECONDS)
        return 1


def auth_password_reset_record(*, user: User, ip_address: str | None) -> list[AuditEvent]:
    """After a reset through the mailbox, the account's own lockout is lifted (its address's is not)."""
    AxesProxyHandler.reset_attempts(username=user.get_username().lower())
    return _audit_in_user_tenants(user=user, actor=user, action="auth.password_reset", data={"ip": ip_address})


# --- second factor -----------------------------------------------------------------------------------------


def normalize_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    """Recovery codes are stored as (truncated) SHA-256: 60 random bits each, so a leaked table reveals none."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()[:16]


def _new_recovery_code() -> str:
    raw = b32encode(secrets.token_bytes(8)).decode().lower()[:12]
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def recovery_codes_issue(*, user: User, actor: AbstractBaseUser | None = None) -> list[str]:
    """Replace the user's recovery codes with ten new one-use codes; the plain codes exist only in the result."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_digest(c)) for c in codes])
    if actor is not None:
        _audit_in_user_tenants(user=user, actor=actor, action="auth.recovery_codes_issued", data={})
    return codes


def mfa_enrolment_start(*, user: User) -> TOTPDevice:
    """The authenticator-app device awaiting confirmation (kept across page loads so the QR code stays valid)."""
    if totp_device_for_user(user=user, confirmed=True) is not None:
        raise ConflictError("Two-factor authentication is already on.")
    pending = totp_device_for_user(user=user, confirmed=False)
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False, digits=TOTP_DIGITS)


def mfa_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn the pending device on once a code from it checks out; returns it and the first recovery codes."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            raise ConflictError("Start the set-up again: no authenticator is waiting for confirmation.")
        _raise_if_throttled(device)
        # A wrong code is committed (the device's back-off counts it) before the error is raised.
        matched = device.verify_token(normalize_code(code))
    if not matched:
        raise FieldValidationError({"code": "That code does not match. Check the time on your phone and try again."})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=user)
        _audit_in_user_tenants(user=user, actor=user, action="auth.mfa_enabled", data={})
    return device, codes


def _raise_if_throttled(device: Device) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until")
        wait = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
        raise TooManyRequestsError(
            f"Too many wrong codes: wait {wait} second{'s' if wait != 1 else ''} and try again.", retry_after=wait
        )


@transaction.atomic
def mfa_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts this code: six digits go to the authenticator app, anything else is a recovery code.

    A recovery code is consumed by its use. Each device backs off exponentially after wrong codes
    (TooManyRequestsError while it does), on top of the per-account lockout the caller applies.
    """
    normalized = normalize_code(code)
    if not normalized:
        return None
    if normalized.isdigit() and len(normalized) == TOTP_DIGITS:
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        token = normalized
    else:
        devices = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
        token = recovery_code_digest(normalized)
    for device in devices:
        _raise_if_throttled(device)
        if device.verify_token(token):
            return device
    return None


def mfa_disable(*, user: User, code: str) -> None:
    """Remove the authenticator and the recovery codes; a current code (or a recovery code) proves it is the owner."""
    if mfa_verify(user=user, code=code) is None:
        raise FieldValidationError({"code": "That code is not valid."})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _audit_in_user_tenants(user=user, actor=user, action="auth.mfa_disabled", data={})
