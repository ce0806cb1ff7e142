"""Read-only PostgreSQL connector built on psycopg 3.

The connector is the only part of the PostgreSQL provider that talks to a server.  It
opens one connection per scan, in a session where every transaction is read-only and
every statement has a timeout, reads server settings, pg_hba rules, roles and schema
privileges once (each service through its collector in ``collectors``), and hands them
to the pure checks in ``checks``.  Password hashes never leave the server: only the
*kind* of each stored password is read.
"""

from __future__ import annotations

import logging
import re
import socket
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from complywise import egress
from integrations.redaction import redact
from integrations.registry import Inventory

from .collectors import COLLECTORS, PostgresConnectorError

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "postgres"
CONNECT_TIMEOUT = 10
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 5_000
APPLICATION_NAME = "complywise-scan"
# A path that never exists: with an empty password libpq would otherwise read the
# worker's ~/.pgpass and could send the platform's own password to a customer's server.
NO_PASSFILE = "/nonexistent/complywise/no-pgpass"

DEFAULT_POLICY: dict[str, Any] = {
    "max_superusers": 3,
    "require_password_expiry": False,
    "require_pgaudit": False,
    "min_supported_major": 13,
}
SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# SQLSTATE -> what to tell the user.  The server's own message text is never repeated:
# whatever answers on the configured port must not be readable through a connection test.
_SQLSTATE_TEXT: dict[str, str] = {
    "28P01": "PostgreSQL rejected the password for user {user}: password authentication failed",
    "28000": "PostgreSQL refused the login of user {user} (no pg_hba.conf entry allows it, or the role may not log in)",
    "3D000": 'database "{dbname}" does not exist',
    "53300": "the server has no free connection slots",
    "57P03": "the server is not accepting connections (starting up, shutting down or in recovery)",
    "42501": "permission denied",
}
# libpq's messages (no SQLSTATE; patterns over the lower-cased text) -> what to tell the user, first match wins.
_CLIENT_TEXT: tuple[tuple[str, str], ...] = (
    ("password authentication failed", _SQLSTATE_TEXT["28P01"]),
    ("no password supplied", "the server asks for a password but the integration has none"),
    ("no pg_hba.conf entry", _SQLSTATE_TEXT["28000"]),
    (r'database ".*" does not exist', _SQLSTATE_TEXT["3D000"]),
    (r'role ".*" does not exist', 'role "{user}" does not exist'),
    ("connection refused", "Connection refused (nothing listens on that address and port)"),
    ("timeout expired", "the server did not answer within the connection timeout"),
    ("could not translate host name", "the host name could not be resolved"),
    ("network is unreachable", "the network is unreachable"),
    ("no route to host", "there is no route to the host"),
    ("server closed the connection unexpectedly", "the server closed the connection unexpectedly"),
    ("too many clients", _SQLSTATE_TEXT["53300"]),
    ("invalid response", "the server did not answer like PostgreSQL"),
    ("expected authentication request", "the server did not answer like PostgreSQL"),
    ("unsupported frontend protocol", "the server did not answer like PostgreSQL"),
    ("ssl", "the TLS negotiation with the server failed (check sslmode)"),
)


def describe_error(
    exc: BaseException, *, user: str = "", dbname: str = "", timeout_ms: int = STATEMENT_TIMEOUT_MS
) -> str:
    """A one-line, human explanation of a psycopg failure (the caller redacts the password).

    Built from the SQLSTATE or from the kind of client-side failure only, never from the
    server's message text.
    """
    if isinstance(exc, egress.EgressDeniedError):
        return str(exc)
    if isinstance(exc, pg_errors.QueryCanceled):
        return f"the server did not answer within {timeout_ms / 1000:g} seconds"
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate in _SQLSTATE_TEXT:
        return _SQLSTATE_TEXT[sqlstate].format(user=user, dbname=dbname)
    if sqlstate:
        return f"the server reported {type(exc).__name__} (SQLSTATE {sqlstate})"
    text = _one_line(str(exc)).lower()
    for pattern, meaning in _CLIENT_TEXT:
        if re.search(pattern, text):
            return meaning.format(user=user, dbname=dbname)
    return f"the connection failed ({type(exc).__name__})"


class PostgresConnector:
    """Collects a read-only inventory of one PostgreSQL server (through one of its databases)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        dbname: str,
        user: str,
        password: str = "",
        sslmode: str = "prefer",
        policy: dict[str, Any] | None = None,
        connect_timeout: int = CONNECT_TIMEOUT,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.dbname = dbname
        self.user = user
        self.sslmode = sslmode
        self.policy = {**DEFAULT_POLICY, **{k: v for k, v in (policy or {}).items() if v is not None}}
        self.connect_timeout = connect_timeout
        self.statement_timeout_ms = statement_timeout_ms
        self._password = password or ""

    def __repr__(self) -> str:
        return f"PostgresConnector(host={self.host!r}, port={self.port}, dbname={self.dbname!r}, user={self.user!r})"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def connection_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            # Always explicit, even when empty: an unset password lets libpq fall back to
            # PGPASSWORD from the worker's environment.
            "password": self._password,
            "passfile": NO_PASSFILE,
            "sslmode": self.sslmode,
            "connect_timeout": self.connect_timeout,
            "application_name": APPLICATION_NAME,
            # Never offer the worker's own Kerberos tickets to a customer's server.
            "gssencmode": "disable",
            "options": (
                "-c default_transaction_read_only=on "
                f"-c statement_timeout={int(self.statement_timeout_ms)} "
                f"-c lock_timeout={LOCK_TIMEOUT_MS}"
            ),
        }
        if psycopg.pq.version() >= 160000:
            # libpq 16+: refuse GSSAPI/SSPI and never present a client certificate of the worker.
            kwargs["require_auth"] = "!gss,!sspi"
            kwargs["sslcertmode"] = "disable"
        return kwargs

    def connect(self) -> psycopg.Connection:
        """A connection to a vetted address of the host; raises psycopg.Error or egress.EgressDeniedError."""
        kwargs = self.connection_kwargs()
        try:
            addresses = egress.vetted_addresses(self.host, self.port)
        except socket.gaierror:
            raise psycopg.OperationalError(f"could not translate host name {self.host!r} to address") from None
        # libpq connects to hostaddr and never resolves host again (no DNS rebinding); host
        # stays the name, for TLS certificate checks and the server's view of the connection.
        kwargs["hostaddr"] = ",".join(str(address) for address in addresses)
        kwargs["host"] = ",".join([self.host] * len(addresses))
        # Autocommit: each statement is its own (read-only) transaction, so a denied query
        # does not abort the ones after it.
        return psycopg.connect(autocommit=True, **kwargs)

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        try:
            with self.connect() as conn:
                row = conn.execute("SELECT current_setting('server_version'), current_user").fetchone()
        except (psycopg.Error, egress.EgressDeniedError) as exc:
            detail = self._explain(exc)
            logger.warning("PostgreSQL connection test failed: %s", detail)
            return False, f"Could not connect to PostgreSQL on {self.address} as {self.user}: {detail}"
        version, user = (row[0].split(" ")[0], row[1]) if row else ("?", self.user)
        return True, f"Connected to PostgreSQL {version} on {self.address} as {user}"

    def collect(self, services: set[str]) -> Inventory:
        inventory = Inventory(integration_type=INTEGRATION_TYPE, account_id=self.address)
        inventory.data["policy"] = dict(self.policy)
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the PostgreSQL connector does not collect this service"
        wanted = sorted(s for s in services if s in SUPPORTED_SERVICES)
        if not wanted:
            return inventory
        try:
            conn = self.connect()
        except (psycopg.Error, egress.EgressDeniedError) as exc:
            detail = f"could not connect to {self.address} as {self.user}: {self._explain(exc)}"
            logger.warning("PostgreSQL collection could not start: %s", detail)
            for service in wanted:
                inventory.errors[service] = detail
            return inventory
        with conn:
            for service in wanted:
                try:
                    data = COLLECTORS[service](conn)
                except (psycopg.Error, PostgresConnectorError) as exc:
                    detail = self._explain(exc)
                    logger.warning("PostgreSQL collection of %s failed: %s", service, detail)
                    inventory.errors[service] = detail
                    continue
                inventory.data[service] = {**data, "collected_at": datetime.now(UTC).isoformat()}
        return inventory

    # -- internals -----------------------------------------------------------

    def _explain(self, exc: BaseException) -> str:
        text = (
            str(exc)
            if isinstance(exc, PostgresConnectorError)
            else describe_error(exc, user=self.user, dbname=self.dbname, timeout_ms=self.statement_timeout_ms)
        )
        return redact(text, [self._password])


def build_connector(*, config: dict, credentials: dict) -> PostgresConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    return PostgresConnector(
        host=str(config.get("host") or ""),
        port=int(config.get("port") or 5432),
        dbname=str(config.get("dbname") or "postgres"),
        user=str(config.get("user") or ""),
        password=str(credentials.get("password") or ""),
        sslmode=str(config.get("sslmode") or "prefer"),
        policy={key: config.get(key) for key in DEFAULT_POLICY},
    )
