"""django-axes hooks: whose failures count together, from which address, and what a locked-out client sees."""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The name failures are counted against: "Alice@x.io " and "alice@x.io" are one account to an attacker."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None and request.method == "POST":
        raw = request.POST.get("username")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip().lower()[:255]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, the one the outermost trusted proxy saw.

    Entries left of that one come from the client and are ignored: trusting them would let anyone pick
    the address their failures are counted against.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            candidate = forwarded[-hops] if len(forwarded) >= hops else forwarded[0]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def lockout_cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown instead of the login form while the username or the address is locked out."""
    seconds = lockout_cooloff_seconds()
    response = render(
        request,
        "accounts/lockout.html",
        {"cooloff_minutes": max(1, seconds // 60), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def login_allowed(*, request: HttpRequest, username: str) -> bool:
    """False while this username or this client's address is locked out."""
    return AxesProxyHandler.is_allowed(request, {"username": username})


def login_failure_report(*, request: HttpRequest, username: str, stage: str) -> None:
    """Count a failed login step exactly like a wrong password: lockout, log and audit all listen to this signal."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request, stage=stage)
