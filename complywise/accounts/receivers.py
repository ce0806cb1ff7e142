"""Failed logins from any login form (ours, the admin's, a wrong second-factor code) are logged and audited."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .lockout import client_ip, lockout_username
from .services import auth_login_failure_record

logger = logging.getLogger(__name__)


@receiver(user_login_failed, dispatch_uid="complywise_accounts_login_failed")
def record_login_failure(sender, credentials=None, request=None, **kwargs) -> None:
    # django-axes' own receiver runs first (its app loads earlier) and flags the request when this
    # failure is the one that locks the account or the address out.
    auth_login_failure_record(
        username=lockout_username(request, credentials) or "",
        ip_address=client_ip(request) if request is not None else None,
        stage=kwargs.get("stage", "password"),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="complywise_accounts_locked_out")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    logger.warning("login locked out", extra={"username": username, "ip": ip_address})
