"""What the Google Workspace connector reads, one module per group of services (mirroring ``checks``).

``COLLECTORS`` maps each inventory service to how it is read.  The user list is needed by several services;
the :class:`Scope` reads it once per scan, whichever asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import admins, tokens, users
from ._common import Scope

ServiceCollector = Callable[[Scope], Any]


@dataclass(frozen=True)
class Collector:
    """How one inventory service is read."""

    # What a user reads in an error: "could not read <label> of acme.example".
    label: str
    read: ServiceCollector


COLLECTORS: dict[str, Collector] = {
    "users": Collector("the users", users.collect_users),
    "admins": Collector("the administrator roles and their assignments", admins.collect_admins),
    "tokens": Collector("the users' OAuth grants to third-party apps", tokens.collect_tokens),
}

__all__ = ["COLLECTORS", "Collector", "Scope"]
