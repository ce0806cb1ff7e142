"""Helpers shared by the Google Workspace collectors: the scan's scope, the cached user list, concurrency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from ..._rest import RestClient, RestError, TokenPaging
from ..shapes import User

_T = TypeVar("_T")
_R = TypeVar("_R")

USERS_PATH = "/admin/directory/v1/users"
# 500 is the largest page users.list serves.
USERS_PAGE = 500
USERS = TokenPaging(items_key="users")
# Google's Directory API quota is per minute and per project; a few reads in flight stay well inside it.
WORKERS = 4
# What Google writes for a user who never signed in.
NEVER = "1970-01-01T00:00:00.000Z"


@dataclass
class Scope:
    """What the integration's configuration asks for, and the user list read once per scan for several services."""

    api: RestClient
    customer: str
    inactive_days: int
    never_signed_in_days: int
    admin_inactive_days: int
    min_super_admins: int
    max_super_admins: int
    trusted_clients: tuple[str, ...]
    workers: int = WORKERS
    collected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    _users: list[User] | None = None
    _users_error: RestError | None = None

    def users(self) -> list[User]:
        """Every user, the suspended and archived included; read at most once (a failure is remembered)."""
        if self._users_error is not None:
            raise self._users_error
        if self._users is None:
            try:
                listed = self.api.get_all(
                    USERS_PATH,
                    {"customer": self.customer, "projection": "full", "maxResults": USERS_PAGE},
                    paging=USERS,
                )
            except RestError as exc:
                self._users_error = exc
                raise
            found = {str(u["id"]): user(u) for u in listed if isinstance(u, Mapping) and u.get("id")}
            self._users = list(found.values())
        return self._users


def user(raw: Mapping[str, Any]) -> User:
    last = raw.get("lastLoginTime")
    return {
        "id": str(raw["id"]),
        "email": raw.get("primaryEmail"),
        "is_admin": raw.get("isAdmin") is True,
        "is_delegated_admin": raw.get("isDelegatedAdmin") is True,
        "suspended": raw.get("suspended") is True,
        "archived": raw.get("archived") is True,
        "enrolled_2sv": raw.get("isEnrolledIn2Sv") is True,
        "enforced_2sv": raw.get("isEnforcedIn2Sv") is True,
        "last_login": None if not last or str(last).startswith("1970-01-01") else str(last),
        "created": raw.get("creationTime"),
        "org_unit": raw.get("orgUnitPath"),
    }


def segment(value: Any) -> str:
    """``value`` quoted to stand alone in a URL path."""
    return quote(str(value), safe="")


def concurrently(read: Callable[[_T], _R], items: Iterable[_T], *, workers: int) -> list[_R]:
    """``[read(item) for item in items]`` with up to ``workers`` reads in flight; results keep the items' order."""
    listed = list(items)
    if len(listed) <= 1 or workers <= 1:
        return [read(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(workers, len(listed)), thread_name_prefix="gws-read") as pool:
        return list(pool.map(read, listed))
