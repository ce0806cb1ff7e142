"""Applications: the active ones, their authentication policy, and deprovisioned users still assigned to them.

Read for the checks in ``checks.apps`` and ``checks.users``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import App, Apps, Assignment
from ._common import PAGES, Scope, concurrently, segment

APP_USERS_LIMIT = 500


def _policy_id(raw: Mapping[str, Any]) -> str | None:
    links = raw.get("_links")
    link = links.get("accessPolicy") if isinstance(links, Mapping) else None
    href = str(link.get("href") or "") if isinstance(link, Mapping) else ""
    return href.rstrip("/").rpartition("/")[2] or None


def _app(raw: Mapping[str, Any]) -> App:
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "label": raw.get("label"),
        "status": raw.get("status"),
        "sign_on_mode": raw.get("signOnMode"),
        "access_policy_id": _policy_id(raw),
    }


def collect_apps(scope: Scope) -> Apps:
    listed = scope.api.get_all("/api/v1/apps", {"filter": 'status eq "ACTIVE"', "limit": 200}, paging=PAGES)
    apps = [_app(a) for a in listed if isinstance(a, Mapping) and a.get("id")]
    gone = {u["id"] for u in scope.users() if u.get("status") == "DEPROVISIONED"}
    assignments: dict[str, list[Assignment]] = {}
    if not gone:
        # Nobody to look for: no app's user list needs reading.
        return {"apps": apps, "deprovisioned_assignments": assignments}

    def read(app: App) -> list[tuple[str, Assignment]]:
        users = scope.api.get_all(f"/api/v1/apps/{segment(app['id'])}/users", {"limit": APP_USERS_LIMIT}, paging=PAGES)
        return [
            (
                str(u["id"]),
                {"app_id": app["id"], "app_label": app["label"], "scope": u.get("scope"), "status": u.get("status")},
            )
            for u in users
            if isinstance(u, Mapping) and u.get("id") in gone
        ]

    for hits in concurrently(read, apps, workers=scope.workers):
        for user_id, assignment in hits:
            assignments.setdefault(user_id, []).append(assignment)
    return {"apps": apps, "deprovisioned_assignments": assignments}
