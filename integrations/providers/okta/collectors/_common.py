"""Helpers shared by the Okta collector modules: the scan's scope, the cached user list, paging, concurrency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from ..._rest import LinkHeaderPaging, RestClient, RestError
from ..shapes import User

_T = TypeVar("_T")
_R = TypeVar("_R")

# Okta's list endpoints page with Link headers; 200 is the largest page /api/v1/users serves.
PAGES = LinkHeaderPaging()
PAGE_LIMIT = 200
# Users who can sign in (or will, once they reset a password or are unlocked): MFA and activity apply to them.
SIGN_IN_STATUSES = frozenset({"ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"})
# Okta's per-endpoint limits are per minute and per org; a few reads in flight stay well inside them.
WORKERS = 4


@dataclass
class Scope:
    """What the integration's configuration asks for, and the user list read once per scan for several services."""

    api: RestClient
    inactive_days: int
    stuck_days: int
    min_super_admins: int
    max_super_admins: int
    max_token_age_days: int
    workers: int = WORKERS
    collected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    _users: list[User] | None = None
    _users_error: RestError | None = None

    def users(self) -> list[User]:
        """Every user, the deprovisioned included; read at most once (a failure is remembered, not retried)."""
        if self._users_error is not None:
            raise self._users_error
        if self._users is None:
            try:
                self._users = _read_users(self.api)
            except RestError as exc:
                self._users_error = exc
                raise
        return self._users


def _read_users(api: RestClient) -> list[User]:
    # GET /api/v1/users leaves deprovisioned users out unless a filter asks for them.
    listed = api.get_all("/api/v1/users", {"limit": PAGE_LIMIT}, paging=PAGES)
    gone = api.get_all("/api/v1/users", {"filter": 'status eq "DEPROVISIONED"', "limit": PAGE_LIMIT}, paging=PAGES)
    users: dict[str, User] = {}
    for raw in [*listed, *gone]:
        if isinstance(raw, Mapping) and raw.get("id"):
            users[str(raw["id"])] = user(raw)
    return list(users.values())


def user(raw: Mapping[str, Any]) -> User:
    profile = raw.get("profile")
    if not isinstance(profile, Mapping):
        profile = {}
    return {
        "id": str(raw["id"]),
        "login": profile.get("login"),
        "status": raw.get("status"),
        "created": raw.get("created"),
        "activated": raw.get("activated"),
        "status_changed": raw.get("statusChanged"),
        "last_login": raw.get("lastLogin"),
    }


def segment(value: Any) -> str:
    """``value`` quoted to stand alone in a URL path (ids are safe already; this keeps a hostile one so)."""
    return quote(str(value), safe="")


def concurrently(read: Callable[[_T], _R], items: Iterable[_T], *, workers: int) -> list[_R]:
    """``[read(item) for item in items]`` with up to ``workers`` reads in flight; results keep the items' order.

    An exception from one read is raised here, after the reads already started have finished.
    """
    listed = list(items)
    if len(listed) <= 1 or workers <= 1:
        return [read(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(workers, len(listed)), thread_name_prefix="okta-read") as pool:
        return list(pool.map(read, listed))
