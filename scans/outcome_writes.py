"""Writing many check outcomes at once: COPY on PostgreSQL, ``bulk_create`` in batches elsewhere.

The rows are consumed lazily, so a scan part of any size is written in flat memory, and the write runs inside
the caller's transaction (its own when there is none), all rows or none.

Row-level security: PostgreSQL refuses ``COPY FROM`` into a table whose policies apply to the current role
(the app role web and workers connect as; see ``complywise.rls``). For that role the rows are copied into a
temporary table first, then moved with ``INSERT … SELECT``, which the policy's WITH CHECK holds to the scope's
tenant like any insert. A role the policy does not apply to (a superuser, the operator) copies straight in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial
from itertools import chain, islice
from operator import attrgetter
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, DateTimeField, Field, ForeignKey, JSONField, TextField, UUIDField

from .models import CheckOutcome

OUTCOME_WRITE_BATCH_SIZE = 5000

Preparer = Callable[[Any], Any]


def outcomes_write(
    rows: Iterable[CheckOutcome], *, batch_size: int = OUTCOME_WRITE_BATCH_SIZE, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Insert ``rows`` (unsaved outcomes, ids and timestamps filled as ``bulk_create`` fills them); returns how many.

    ``batch_size`` bounds the rows per ``bulk_create`` statement, and per pass through the temporary table
    when row-level security applies; a straight COPY streams every row in one statement.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be a positive number of rows")
    connection = connections[using]
    # savepoint=False like bulk_create's own: inside the caller's transaction a failure aborts that transaction.
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor != "postgresql":
            return _bulk_create(rows, batch_size=batch_size, using=using)
        return _copy(rows, connection=connection, batch_size=batch_size, using=using)


def _bulk_create(rows: Iterable[CheckOutcome], *, batch_size: int, using: str) -> int:
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        CheckOutcome.objects.using(using).bulk_create(batch)
        written += len(batch)
        del batch  # so the next batch is gathered without this one still held
    return written


# --- PostgreSQL -----------------------------------------------------------------------------------------


def _columns() -> list[Field[Any, Any]]:
    """Every stored column of the model, from its metadata: a field added later is written too."""
    return [field for field in CheckOutcome._meta.concrete_fields if not field.generated]


# Field classes whose ``get_db_prep_save`` on PostgreSQL hands a value of exactly this type on unchanged (an
# aware one, for datetimes): such values skip the per-value calls, most of the Python cost of a row. Any other
# class (a subclass too) or value goes through the field, as in an INSERT.
_UNCHANGED: dict[type[Field[Any, Any]], type] = {
    CharField: str,
    TextField: str,
    UUIDField: uuid.UUID,
    DateTimeField: datetime,
}


def _preparer(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Preparer:
    """The value COPY's text format takes for ``field``: what the field gives an INSERT, JSON as its text."""
    label = f"{CheckOutcome._meta.label}.{field.name}"
    if isinstance(field, JSONField):
        # The same serialisation an INSERT gets (Django adapts JSON with json.dumps and the field's encoder);
        # None is SQL NULL there too.
        encoder = field.encoder

        def json_text(value: Any) -> Any:
            if value is None:
                return None
            _refuse_expression(value, label)
            return json.dumps(field.get_prep_value(value), cls=encoder)

        return json_text

    # A foreign key's value is its target's (the related primary key), prepared by the target field.
    target = field.target_field if isinstance(field, ForeignKey) else field
    unchanged = _UNCHANGED.get(type(target))
    aware = unchanged is datetime  # a naive datetime is made aware by the field (with a warning)

    def prepared(value: Any) -> Any:
        kind = type(value)  # compared apart from ``value``, which keeps its type Any
        if kind is unchanged and not (aware and value.tzinfo is None):
            return value
        _refuse_expression(value, label)
        return field.get_db_prep_save(value, connection)

    return prepared


def _refuse_expression(value: Any, label: str) -> None:
    if hasattr(value, "resolve_expression"):
        # COPY carries data only: a database default or an expression needs an INSERT.
        raise ValueError(f"{label}: COPY cannot write the expression {value!r}")


def _reader(field: Field[Any, Any]) -> Callable[[CheckOutcome], Any]:
    """How an INSERT reads the field's value: ``pre_save`` (auto_now and auto_now_add take the time there)."""
    if type(field).pre_save is Field.pre_save:
        return attrgetter(field.attname)  # what the base pre_save does, without the call
    return partial(field.pre_save, add=True)


def _relations_settled(row: CheckOutcome, relations: list[ForeignKey[Any, Any]]) -> bool:
    """True when every related object assigned to ``row`` is saved and its id is the one in the row."""
    for field in relations:
        if field.is_cached(row):
            related = field.get_cached_value(row)
            if related is not None and (related.pk is None or related.pk != getattr(row, field.attname)):
                return False
    return True


def _values(
    rows: Iterable[CheckOutcome], fields: list[Field[Any, Any]], connection: BaseDatabaseWrapper, using: str
) -> Iterator[tuple[Any, ...]]:
    """Each row's column values, after the defaults and checks ``bulk_create`` applies before its INSERT."""
    meta = CheckOutcome._meta
    pk = meta.pk
    assert pk is not None
    steps = [(_reader(field), _preparer(field, connection)) for field in fields]
    relations = [field for field in fields if isinstance(field, ForeignKey)]
    # Generic relations are Django's to check, row by row; plain foreign keys are checked here first.
    generic = bool(meta.private_fields)
    for row in rows:
        if row.pk is None:
            row.pk = pk.get_pk_value_on_save(row)
        if generic or not _relations_settled(row, relations):
            # Django's own check: refuses a related object never saved, takes the id of one saved since.
            row._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        values = tuple([prepare(read(row)) for read, prepare in steps])
        # Saved, as bulk_create leaves its objects (a failed write aborts the transaction all the same).
        row._state.adding = False
        row._state.db = using
        yield values


def _copy(rows: Iterable[CheckOutcome], *, connection: BaseDatabaseWrapper, batch_size: int, using: str) -> int:
    quote = connection.ops.quote_name
    fields = _columns()
    table = quote(CheckOutcome._meta.db_table)
    # Concrete fields are exactly those with a column.
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_security_active(%s), has_database_privilege(current_database(), 'TEMPORARY')",
            [CheckOutcome._meta.db_table],
        )
        policed, may_stage = cursor.fetchone()
        if policed and not may_stage:
            # Without a temporary table there is no COPY for this role: batched INSERTs, as elsewhere.
            return _bulk_create(rows, batch_size=batch_size, using=using)
        values = _values(rows, fields, connection, using)
        if not policed:
            return _copy_rows(cursor, connection, f"COPY {table} ({columns}) FROM STDIN", values)
        stage = quote(f"cw_stage_{CheckOutcome._meta.db_table}")
        written = 0
        for batch in _batches(values, batch_size):
            if not written:
                # Only the columns and NOT NULLs come from the table: no index, key or policy to maintain twice.
                cursor.execute(f"CREATE TEMPORARY TABLE {stage} (LIKE {table})")
            written += _copy_rows(cursor, connection, f"COPY {stage} ({columns}) FROM STDIN", batch)
            # The policy's WITH CHECK applies to this INSERT: a row of another tenant fails the whole write.
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}")  # noqa: S608
            cursor.execute(f"TRUNCATE {stage}")
        if written:
            cursor.execute(f"DROP TABLE {stage}")
        return written


def _batches(values: Iterator[tuple[Any, ...]], size: int) -> Iterator[Iterator[tuple[Any, ...]]]:
    """Consecutive runs of at most ``size`` values, each read lazily (and fully) before the next begins."""
    for first in values:
        yield chain([first], islice(values, size - 1))


def _copy_rows(cursor: Any, connection: BaseDatabaseWrapper, sql: str, values: Iterable[tuple[Any, ...]]) -> int:
    copied = 0
    # Django's cursor wrapper hands ``copy`` through to psycopg's cursor; its errors are made Django's here.
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        for row in values:
            copy.write_row(row)
            copied += 1
    return copied
