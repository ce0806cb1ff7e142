"""OAuth grants: the third-party apps each user has given access to their data, and the scopes granted.

Read for the checks in ``checks.tokens``.  One GET per user (suspended users included: their grants come
back to life when they are restored, archived users too), a few at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import Token, Tokens
from ._common import USERS_PATH, Scope, concurrently, segment


def _token(raw: Mapping[str, Any]) -> Token:
    return {
        "client_id": str(raw.get("clientId") or ""),
        "app": raw.get("displayText"),
        "scopes": sorted(str(s) for s in raw.get("scopes") or []),
        "anonymous": raw.get("anonymous") is True,
        "native_app": raw.get("nativeApp") is True,
    }


def collect_tokens(scope: Scope) -> Tokens:
    ids = [u["id"] for u in scope.users()]

    def read(user_id: str) -> list[Token]:
        # tokens.list is not paged: every grant of the user comes in one answer ("items" left out when none).
        body = scope.api.get_json(f"{USERS_PATH}/{segment(user_id)}/tokens")
        items = body.get("items") if isinstance(body, Mapping) else None
        return [_token(t) for t in items or [] if isinstance(t, Mapping)]

    return {
        "users": dict(zip(ids, concurrently(read, ids, workers=scope.workers), strict=True)),
        "trusted_clients": list(scope.trusted_clients),
    }
