"""Helpers shared by the Entra ID collector modules: the scan's scope, the cached user list, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from ..._rest import NextLinkPaging, RestClient, RestError, RestHttpError
from ..shapes import User, Users

_T = TypeVar("_T")
_R = TypeVar("_R")

# Every Graph list answers {"value": [...], "@odata.nextLink": "<absolute URL>"}.
PAGES = NextLinkPaging()
USER_FIELDS = "id,userPrincipalName,displayName,accountEnabled,userType,createdDateTime"
# Graph's answer when signInActivity is asked of a tenant without Entra ID P1.
NO_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
# Graph's throttling is per app and tenant; a few reads in flight stay well inside it.
WORKERS = 4


@dataclass
class Scope:
    """What the integration's configuration asks for, and the user list read once per scan for several services."""

    api: RestClient
    inactive_days: int
    guest_inactive_days: int
    never_signed_in_days: int
    min_global_admins: int
    max_global_admins: int
    workers: int = WORKERS
    collected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    _users: Users | None = None
    _users_error: RestError | None = None

    def users(self) -> Users:
        """Every user, with sign-in activity when Graph gives it; read at most once (a failure is remembered)."""
        if self._users_error is not None:
            raise self._users_error
        if self._users is None:
            try:
                self._users = self._read_users()
            except RestError as exc:
                self._users_error = exc
                raise
        return self._users

    def _read_users(self) -> Users:
        unavailable: str | None = None
        try:
            listed = self.api.get_all("/v1.0/users", {"$select": f"{USER_FIELDS},signInActivity"}, paging=PAGES)
        except RestHttpError as exc:
            if exc.status != 403:
                raise
            # Sign-in activity needs a P1 licence and AuditLog.Read.All; the rest of the user list does not.
            if exc.code == NO_PREMIUM:
                unavailable = "the tenant has no Microsoft Entra ID P1 licence, which sign-in activity needs"
            else:
                unavailable = f"Graph refused sign-in activity ({exc}); the app needs AuditLog.Read.All"
            listed = self.api.get_all("/v1.0/users", {"$select": USER_FIELDS}, paging=PAGES)
        return {
            "users": [user(raw) for raw in listed if isinstance(raw, Mapping) and raw.get("id")],
            "sign_in_activity": unavailable is None,
            "sign_in_unavailable": unavailable,
            "inactive_days": self.inactive_days,
            "guest_inactive_days": self.guest_inactive_days,
            "never_signed_in_days": self.never_signed_in_days,
            "collected_at": self.collected_at,
        }


def _latest(*values: Any) -> str | None:
    """The latest of Graph's sign-in times (all ISO 8601 UTC, so they sort as text); None when none is set."""
    present = sorted(str(v) for v in values if v)
    return present[-1] if present else None


def user(raw: Mapping[str, Any]) -> User:
    activity = raw.get("signInActivity")
    activity = activity if isinstance(activity, Mapping) else {}
    return {
        "id": str(raw["id"]),
        "upn": raw.get("userPrincipalName"),
        "display_name": raw.get("displayName"),
        "enabled": raw.get("accountEnabled"),
        "user_type": raw.get("userType"),
        "created": raw.get("createdDateTime"),
        # Interactive, non-interactive (token refreshes, apps) and the newer successful-only time: any use counts.
        "last_sign_in": _latest(
            activity.get("lastSignInDateTime"),
            activity.get("lastNonInteractiveSignInDateTime"),
            activity.get("lastSuccessfulSignInDateTime"),
        ),
    }


def strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def segment(value: Any) -> str:
    """``value`` quoted to stand alone in a URL path (ids are GUIDs already; this keeps a hostile one safe)."""
    return quote(str(value), safe="")


def concurrently(read: Callable[[_T], _R], items: Iterable[_T], *, workers: int) -> list[_R]:
    """``[read(item) for item in items]`` with up to ``workers`` reads in flight; results keep the items' order."""
    listed = list(items)
    if len(listed) <= 1 or workers <= 1:
        return [read(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(workers, len(listed)), thread_name_prefix="entra-read") as pool:
        return list(pool.map(read, listed))
