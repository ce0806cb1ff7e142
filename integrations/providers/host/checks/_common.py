"""Helpers shared by the host check modules (they read the inventory only, never the host)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.registry import Inventory, checks_of, error_outcome, outcome

INTEGRATION_TYPE = "host"


host_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any] | None:
    """The collected data of a service, or None when it was not collected (no outcome then)."""
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else None


def host_name(inventory: Inventory) -> str:
    return inventory.account_id or "host"


def resource(inventory: Inventory, what: str) -> str:
    """A resource id such as "web-1:/etc/ssh/sshd_config"."""
    return f"{host_name(inventory)}:{what}"
