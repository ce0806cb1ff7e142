"""Read-only Linux host connector: configuration files in, inventory out.

It only ever reads files through a :class:`~.transport.Transport` (no command is run,
nothing is written), collects one inventory per scan (each service through its collector
in ``collectors``) and hands it to the pure checks in ``checks``.  Secrets never enter the
inventory: password hashes are reduced to whether a password is empty, locked or set.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from integrations.registry import Inventory

from . import parsers, policy
from .collectors import COLLECTORS, describe_error, read_optional
from .transport import LocalTransport, Transport

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "host"

SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)

__all__ = ["SUPPORTED_SERVICES", "HostConnector", "build_connector", "describe_error"]


class HostConnector:
    """Collects a read-only inventory of one Linux host's configuration files."""

    def __init__(self, transport: Transport, *, local_machine: bool = False, refusal: str | None = None) -> None:
        self.transport = transport
        # Why this deployment does not let the integration read its root at all (nothing is read then).
        self.refusal = refusal
        # Only when scanning this very machine may its kernel hostname stand in for etc/hostname.
        self.local_machine = local_machine

    def __repr__(self) -> str:
        return f"HostConnector({self.transport!r})"

    def hostname(self) -> str:
        try:
            text = read_optional(self.transport, "/etc/hostname") or ""
        except OSError:
            text = ""
        for line in text.splitlines():
            name = line.strip()
            if name and not name.startswith("#"):
                return name[:200]
        if self.local_machine:
            return socket.gethostname()
        return self.transport.location

    def os_name(self) -> str:
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            try:
                text = read_optional(self.transport, path)
            except OSError:
                continue
            if text is not None:
                values = parsers.shell_vars(text)
                return values.get("PRETTY_NAME") or values.get("NAME") or "Linux"
        return "an unknown operating system"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        if self.refusal:
            return False, self.refusal
        location = self.transport.location
        try:
            if self.transport.stat("/").kind != "directory":
                return False, f"The root {location} is not a directory"
            self.transport.list_dir("/")
        except FileNotFoundError:
            return False, f"The root {location} does not exist on the worker"
        except OSError as exc:
            return False, f"The root {location} cannot be read: {describe_error(exc)}"
        return True, f"Reading host {self.hostname()} ({self.os_name()}) from the files under {location}"

    def collect(self, services: set[str]) -> Inventory:
        # A refused root is never read, not even for its host name.
        account_id = self.transport.location if self.refusal else self.hostname()
        inventory = Inventory(integration_type=INTEGRATION_TYPE, account_id=account_id)
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the host connector does not collect this service"
        ok, detail = self.test_connection()
        wanted = sorted(s for s in services if s in SUPPORTED_SERVICES)
        if not ok:
            for service in wanted:
                inventory.errors[service] = detail
            return inventory
        for service in wanted:
            try:
                data = COLLECTORS[service](self.transport)
            except OSError as exc:
                detail = describe_error(exc)
                logger.warning("host collection of %s failed: %s", service, detail)
                inventory.errors[service] = detail
                continue
            inventory.data[service] = {**data, "collected_at": datetime.now(UTC).isoformat()}
        return inventory


def build_connector(*, config: dict, credentials: dict) -> HostConnector:
    """Build the connector of a host integration; it takes no credentials."""
    root = str(config.get("root") or "/")
    # Checked again here, where the files are read: the row may predate a stricter
    # HOST_SCAN_ALLOWED_ROOTS, or the root may be a symlink that leads elsewhere now.
    refusal = policy.root_refusal(root, resolve=True)
    transport = LocalTransport(root, protected=policy.protected_folders())
    return HostConnector(transport, local_machine=os.path.realpath(root) == "/", refusal=refusal)
