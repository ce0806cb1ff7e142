"""People: the user list with each user's 2-Step Verification, admin flags and sign-in times.

Read for the checks in ``checks.users`` and ``checks.admins``.
"""

from __future__ import annotations

from ..shapes import Users
from ._common import Scope


def collect_users(scope: Scope) -> Users:
    return {
        "users": scope.users(),
        "inactive_days": scope.inactive_days,
        "never_signed_in_days": scope.never_signed_in_days,
        "admin_inactive_days": scope.admin_inactive_days,
        "collected_at": scope.collected_at,
    }
