"""PostgreSQL row-level security: the second tenancy wall, behind the application's ``for_tenant()`` scoping.

Every table of a model with a ``tenant`` foreign key gets one policy: a row is visible and writable only when
its ``tenant_id`` equals the connection's ``app.tenant_id`` setting. An unset or empty setting matches nothing,
so a query that runs before (or without) a tenant being resolved returns no rows, and a write for another
tenant is refused. Tables are FORCEd, so even the owner is held by the policy unless it is a superuser.

Who sets it:

- a request, once its credential resolved the tenant (``tenant_activate`` in the API permission and the page
  decorator); ``RequestContextMiddleware`` clears it when the request ends, so a reused connection
  (``CONN_MAX_AGE``) never carries one request's tenant into the next;
- a task, once it knows its job's tenant (``tenant_scope_of``); every task starts unset (Celery signals);
- credential resolution itself (a token digest, a user's memberships) and operator jobs spanning tenants use
  the explicit ``system_scope(reason=...)``, which the policy accepts as ``app.tenant_id = '*'``.
  ``manage.py`` commands other than the servers are operator jobs and start in system scope.

SQLite has no row-level security: every helper here is a no-op there and the application scoping stands alone.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Field

from .logging import tenant_logged

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from .models import TenantScopedModel

logger = logging.getLogger(__name__)

SETTING = "app.tenant_id"
SYSTEM = "*"
UNSET = ""
# The version is in the name so a changed definition replaces the old policy on the next migrate, while an
# unchanged one is left alone (no table lock on every deploy).
POLICY_VERSION = "v1"
POLICY_PREFIX = "cw_tenant"
# Commands that serve tenants' requests or tasks: they stay unset like gunicorn and the worker.
SERVER_COMMANDS = frozenset({"runserver", "runstack", "testserver"})

_SCOPE = f"current_setting('{SETTING}', true)"
_IS_SYSTEM = f"{_SCOPE} = '{SYSTEM}'"
# NULLIF turns both unset ('' or NULL) and system ('*') into NULL before the cast, and NULL equals nothing.
_TENANT = f"NULLIF(NULLIF({_SCOPE}, '{UNSET}'), '{SYSTEM}')::uuid"

# What a connection opened by this process starts with; see ``configure_process``.
_process_scope = UNSET
# Task id → the scope to restore when that task ends (eager tasks run nested inside a request or task).
_task_previous: dict[str, str] = {}


# --- which tables, which policy --------------------------------------------------------------------


@dataclass(frozen=True)
class TenantTable:
    table: str
    column: str
    # Rows without a tenant (the shipped framework catalog) are shared: readable in every scope, writable
    # only in system scope.
    shared_rows: bool
    model_label: str

    @property
    def policy_name(self) -> str:
        return f"{POLICY_PREFIX}_{'shared_' if self.shared_rows else ''}{POLICY_VERSION}"


def tenant_tables() -> list[TenantTable]:
    """Every concrete model with a ``tenant`` foreign key to Tenant, from the app registry (new ones included)."""
    # Imported when called: the Celery app imports this module before Django's apps are ready.
    from django.apps import apps  # noqa: PLC0415

    from .models import Tenant  # noqa: PLC0415

    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        try:
            field = meta.get_field("tenant")
        except FieldDoesNotExist:
            continue
        # Reverse relations are never many-to-one: this is a forward foreign key, its column set by Django.
        if getattr(field, "many_to_one", False) and isinstance(field, Field) and field.related_model is Tenant:
            found.append(TenantTable(meta.db_table, cast(str, field.column), bool(field.null), meta.label))
    return sorted(found, key=lambda t: t.table)


def policy_statements(table: TenantTable, *, quote) -> list[str]:
    """The DDL that puts ``table`` behind the wall (ENABLE + FORCE + the policy)."""
    name, column = quote(table.table), quote(table.column)
    own = f"{column} = {_TENANT}"
    visible = f"{_IS_SYSTEM} OR {own}" + (f" OR {column} IS NULL" if table.shared_rows else "")
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {quote(table.policy_name)} ON {name} AS PERMISSIVE FOR ALL "
        f"USING ({visible}) WITH CHECK ({_IS_SYSTEM} OR {own})",
    ]


def _table_states(cursor) -> dict[str, tuple[bool, bool, set[str]]]:
    cursor.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               COALESCE(array_agg(p.polname) FILTER (WHERE p.polname IS NOT NULL), '{}')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_policy p ON p.polrelid = c.oid
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
        """
    )
    return {name: (enabled, forced, set(policies)) for name, enabled, forced, policies in cursor.fetchall()}


def policies_apply(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Put every existing tenant table behind the wall; idempotent; returns the tables it changed.

    Runs after every ``migrate`` (as the owner: only the owner may alter its tables).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    changed = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        states = _table_states(cursor)
        for table in tenant_tables():
            if table.table not in states:
                continue  # not migrated yet (e.g. migrate to an older target)
            enabled, forced, policies = states[table.table]
            ours = {p for p in policies if p.startswith(f"{POLICY_PREFIX}_")}
            if enabled and forced and ours == {table.policy_name}:
                continue
            for stale in ours - {table.policy_name}:
                cursor.execute(f"DROP POLICY {quote(stale)} ON {quote(table.table)}")
            for statement in policy_statements(table, quote=quote):
                if statement.startswith("CREATE POLICY") and table.policy_name in ours:
                    continue
                cursor.execute(statement)
            changed.append(table.table)
    if changed:
        logger.info("row-level security applied", extra={"tables": changed})
    return changed


def policies_missing(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Tenant tables that exist but are not fully behind the wall (empty when all is well, or not PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        states = _table_states(cursor)
    missing = []
    for table in tenant_tables():
        enabled, forced, policies = states.get(table.table, (False, False, set()))
        if not (enabled and forced and table.policy_name in policies):
            missing.append(table.table)
    return missing


def on_post_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    policies_apply(using=using)


# --- the scope of a connection --------------------------------------------------------------------


def _postgres(using: str) -> BaseDatabaseWrapper | None:
    connection = connections[using]
    return connection if connection.vendor == "postgresql" else None


# The scope is connection state, like the time zone and role Django itself sets when it connects: it goes
# through the driver's connection directly (errors still wrapped as Django's), so it neither shows up among a
# request's data queries nor pays the query-logging cursor's overhead. The value last written is remembered on
# the connection wrapper (TRACKED), so entering a scope does not need a round trip to learn the one to restore.
TRACKED = "complywise_rls_scope"


def _run(connection: BaseDatabaseWrapper, sql: str, params: list[str]) -> str:
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] or UNSET


def _execute(connection: BaseDatabaseWrapper, sql: str, params: list[str]) -> str:
    # A kept connection (CONN_MAX_AGE) is health-checked by Django before a request's first query, with a
    # round trip of its own. The scope is nearly always a request's first statement, and it went around that
    # check, so a connection that died since the last request (a database restart) failed the request. The
    # write is the check now: on a dead connection, reconnect and write once more; on a live one, no SELECT 1.
    # health_check_enabled/health_check_done are Django's (BaseDatabaseWrapper), absent from django-stubs.
    checking = (
        connection.connection is not None
        and getattr(connection, "health_check_enabled", False)
        and not getattr(connection, "health_check_done", True)
        and not connection.in_atomic_block
    )
    try:
        value = _run(connection, sql, params)
    except DatabaseError:
        if not checking or connection.is_usable():
            raise
        connection.close()
        value = _run(connection, sql, params)  # a new connection: on_connection_created has set it up
    if checking:
        connection.health_check_done = True  # type: ignore[attr-defined]
    return value


def _query(connection: BaseDatabaseWrapper) -> str:
    """What the database says, one round trip."""
    return _execute(connection, "SELECT current_setting(%s, true)", [SETTING])


def _read(connection: BaseDatabaseWrapper) -> str:
    if connection.connection is None:
        return _process_scope
    known = getattr(connection, TRACKED, None)
    return known if known is not None else _query(connection)


def _write(connection: BaseDatabaseWrapper, value: str) -> None:
    if connection.connection is None and value == _process_scope:
        return  # a connection opened later starts there; don't open one just to say so
    durable = connection.connection is not None and not connection.in_atomic_block
    if durable and getattr(connection, TRACKED, None) == value:
        return  # already so on this connection (a request's end clears it twice: middleware, then signal)
    setattr(connection, TRACKED, None)  # unknown until the write is known to have happened
    # Session-level (not SET LOCAL): requests and tasks run in autocommit, one transaction per query.
    _execute(connection, "SELECT set_config(%s, %s, false)", [SETTING, value])
    # Inside a transaction a rollback would silently undo the write: remember only what autocommit made durable.
    if not connection.in_atomic_block:
        setattr(connection, TRACKED, value)


def _tenant_value(tenant_id: Any) -> str:
    # Through UUID, so nothing but a tenant id (never '*') can be set as a tenant scope.
    return str(tenant_id if isinstance(tenant_id, uuid.UUID) else uuid.UUID(str(tenant_id)))


def current_scope(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The connection's ``app.tenant_id`` ('' unset, '*' system, else a tenant id); None when not PostgreSQL."""
    connection = _postgres(using)
    if connection is None:
        return None
    return _process_scope if connection.connection is None else _query(connection)


def tenant_activate(tenant_id: Any, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Scope the connection to one tenant until the request or task ends (which clears it)."""
    connection = _postgres(using)
    if connection is not None:
        _write(connection, _tenant_value(tenant_id))


def system_activate(*, reason: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Lift the wall until the request ends: only for operator surfaces that span tenants (the Django admin)."""
    connection = _postgres(using)
    if connection is not None:
        logger.info("row-level security: system scope for the request", extra={"rls_reason": reason})
        _write(connection, SYSTEM)


def clear(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Back to unset (no tenant rows visible). Never opens a connection just for this, never raises."""
    connection = _postgres(using)
    if connection is None or connection.connection is None:
        return
    try:
        _write(connection, UNSET)
    except DatabaseError:
        if connection.in_atomic_block:
            # An aborted transaction (only tests wrap requests in one): its rollback undoes what was set in it.
            return
        # A failed connection must not reach the next request with a tenant still set on it.
        logger.warning("row-level security: could not clear the scope; closing the connection")
        connection.close()


class ScopeExit:
    """What a scope block goes back to when it ends: the previous scope, unless the block names a tenant."""

    def __init__(self) -> None:
        self.tenant_value: str | None = None

    def leave_to_tenant(self, tenant_id: Any) -> None:
        """End the block in ``tenant_id``'s scope (as ``tenant_activate``) rather than the previous one.

        For a credential lookup whose answer decides the request's tenant: one write to the connection where
        restoring the previous scope and then activating the tenant would take two round trips. An error in the
        block still restores the previous scope.
        """
        self.tenant_value = _tenant_value(tenant_id)


@contextmanager
def _scoped(value: str, using: str) -> Iterator[ScopeExit]:
    leave = ScopeExit()
    connection = _postgres(using)
    if connection is None:
        yield leave
        return
    previous = _read(connection)
    _write(connection, value)
    try:
        yield leave
    except BaseException:
        try:
            _write(connection, previous)
        except DatabaseError:
            # The block left its transaction aborted; our set_config ran inside that transaction, so the
            # rollback now under way restores the previous value. The block's own error is the one to raise.
            if not connection.in_atomic_block:
                raise
        raise
    _write(connection, leave.tenant_value if leave.tenant_value is not None else previous)


@contextmanager
def tenant_scope(tenant_id: Any, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Only this tenant's rows inside the block (and log lines naming it); the previous scope afterwards."""
    with _scoped(_tenant_value(tenant_id), using), tenant_logged(tenant_id):
        yield


@contextmanager
def system_scope(*, reason: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[ScopeExit]:
    """Every tenant's rows inside the block. For credential resolution and operator jobs only: say why."""
    if _postgres(using) is not None:
        logger.debug("row-level security: system scope", extra={"rls_reason": reason})
    with _scoped(SYSTEM, using) as leave:
        yield leave


@contextmanager
def tenant_scope_of(model: type[TenantScopedModel], pk: Any, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """For a task given a row id: look up the row's tenant (system scope), then run in that tenant's scope.

    Yields the tenant id, or None when the row is gone (the block then runs unset and sees nothing).
    """
    # Looked up on SQLite too, where no policy needs it: the task's log lines name the tenant either way.
    with system_scope(reason=f"tenant of {model._meta.label}", using=using):
        try:
            tenant_id = model.objects.using(using).filter(pk=pk).values_list("tenant_id", flat=True).first()
        except (ValueError, TypeError, ValidationError):
            tenant_id = None  # not a valid id: nothing to find
    if tenant_id is None:
        yield None
        return
    with tenant_scope(tenant_id, using=using):
        yield tenant_id


# --- processes, connections, tasks ------------------------------------------------------------------


def is_operator_command(argv: Sequence[str]) -> bool:
    """``manage.py <command>`` (or django-admin) other than a server: an operator job across tenants."""
    if len(argv) < 2:
        return False
    program = os.path.basename(argv[0])
    return program in {"manage.py", "django-admin"} and argv[1] not in SERVER_COMMANDS


def configure_process(argv: Sequence[str]) -> None:
    """Decide what this process's connections start with: system for operator commands, else unset."""
    global _process_scope
    _process_scope = SYSTEM if is_operator_command(argv) else UNSET


def on_connection_created(sender, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    setattr(connection, TRACKED, UNSET)
    if _process_scope != UNSET:
        _write(connection, _process_scope)


def on_request_finished(sender, **kwargs: Any) -> None:
    """When the response is closed (after a streamed body was read too), the connection goes back to unset."""
    clear()


def on_task_prerun(task_id: str | None = None, **kwargs: Any) -> None:
    """Every task starts unset: it scopes itself once it knows its tenant."""
    connection = _postgres(DEFAULT_DB_ALIAS)
    if connection is None or task_id is None:
        return
    _task_previous[task_id] = _read(connection)
    _write(connection, UNSET)


def on_task_postrun(task_id: str | None = None, **kwargs: Any) -> None:
    """Give back the scope the task found (an eager task may run inside a request or another task)."""
    connection = _postgres(DEFAULT_DB_ALIAS)
    if connection is None or task_id is None:
        return
    previous = _task_previous.pop(task_id, UNSET)
    try:
        _write(connection, previous)
    except DatabaseError:
        # A broken connection is discarded (and a new one starts unset); an aborted transaction's
        # rollback undoes the task's own settings. Either way nothing of the task's scope survives.
        logger.warning("row-level security: could not restore the scope after a task", extra={"task_id": task_id})
