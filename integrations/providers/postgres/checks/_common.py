"""Helpers shared by the PostgreSQL check modules (they read the inventory only, never the server)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from integrations.registry import Inventory, Outcome, checks_of, error_outcome, outcome

from ..client import DEFAULT_POLICY
from ..shapes import Databases, Hba, Roles, Schemas, Settings

INTEGRATION_TYPE = "postgres"
SERVER = "PostgreSQL::Server"


postgres_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any] | None:
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else None


# Typed views of each service; None when it was not collected (its checks then give no outcome).


def settings_data(inventory: Inventory) -> Settings | None:
    return cast(Settings | None, service_data(inventory, "settings"))


def hba_data(inventory: Inventory) -> Hba | None:
    return cast(Hba | None, service_data(inventory, "hba"))


def roles_data(inventory: Inventory) -> Roles | None:
    return cast(Roles | None, service_data(inventory, "roles"))


def schemas_data(inventory: Inventory) -> Schemas | None:
    return cast(Schemas | None, service_data(inventory, "schemas"))


def databases_data(inventory: Inventory) -> Databases | None:
    return cast(Databases | None, service_data(inventory, "databases"))


def server_id(inventory: Inventory) -> str:
    return inventory.account_id or "postgres"


def policy(inventory: Inventory, key: str) -> Any:
    """A policy option of the integration (e.g. max_superusers), or its default."""
    configured = inventory.data.get("policy")
    value = configured.get(key) if isinstance(configured, Mapping) else None
    return DEFAULT_POLICY[key] if value is None else value


def collected_at(data: Mapping[str, Any]) -> datetime:
    """When the service was collected, so dates are judged as of the scan."""
    try:
        moment = datetime.fromisoformat(str(data.get("collected_at")))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def setting(inventory: Inventory, name: str) -> tuple[str | None, Outcome | None]:
    """(value, None), or (None, an error outcome) when the scan role could not see the setting.

    (None, None) means the settings service was not collected: no outcome at all.
    """
    data = settings_data(inventory)
    if data is None:
        return None, None
    values = data.get("values", {})
    if name in values:
        return str(values[name]), None
    role = data.get("scan_role") or "the scan role"
    return None, error(
        server_id(inventory),
        SERVER,
        f"The setting {name} is not visible to {role}: grant it pg_read_all_settings (or scan as a superuser)",
        setting=name,
    )


def is_on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"on", "true", "yes", "1"}
