"""Shared helpers of the tests/complywise/test_accounts_*.py files: real TOTP codes and the two login steps."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods later), computed from the device key."""
    if device.pk:
        # A code verified just after a period's boundary makes django-otp save a drift: the app follows it.
        device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    """An authenticator app the user has already set up (no code spent on it yet)."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def verified_login(client: Client, user) -> TOTPDevice:
    """``client`` logged in as ``user`` with a session that has used its authenticator, as after both login steps
    (what the admin site asks of staff)."""
    device = confirmed_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def post_password(client: Client, user, *, password: str = PASSWORD, ip: str = "127.0.0.1", next_url: str = ""):
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, REMOTE_ADDR=ip)


def post_code(client: Client, code: str, *, ip: str = "127.0.0.1"):
    return client.post("/accounts/login/verify/", {"code": code}, REMOTE_ADDR=ip)


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")
