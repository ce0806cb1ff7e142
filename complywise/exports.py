"""Streamed CSV and JSON downloads of a whole filtered set, in constant memory, for any list.

A download is a queryset (iterated in chunks, never loaded whole) and a list of ``Column``s (a name and how to
read it from a row). ``export_response`` streams it; ``ExportFormatMixin`` gives a DRF list endpoint
``?format=csv`` / ``?format=json`` with that response. Cells that a spreadsheet would run as a formula are
neutralised in CSV (OWASP "CSV injection"); JSON keeps values as they are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.settings import api_settings

from . import rls
from .api.renderers import JSONRenderer
from .services import audit_record

FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# Characters that make a spreadsheet treat a cell as a formula (or smuggle one in after a tab or line break).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
ITERATOR_CHUNK = 2000
# Rows are gathered into chunks of about this size: one write per row would cost a syscall per row.
STREAM_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Any], Any]


def attribute_column(name: str, path: str | None = None) -> Column:
    """A column read from an attribute path of the row ("actor.email"); None when a step is missing."""
    steps = (path or name).split(".")

    def read(row: Any) -> Any:
        for step in steps:
            row = getattr(row, step, None)
            if row is None:
                return None
        return row

    return Column(name, read)


def csv_cell(value: Any) -> str:
    """One CSV cell: structured values as JSON, datetimes as ISO 8601, formula-like text prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Line:
    """A file-like object whose write returns what it was given: csv.writer then yields each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(*, rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow([column.name for column in columns])
    for row in rows:
        yield writer.writerow([csv_cell(column.value(row)) for column in columns])


def json_lines(*, rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[str]:
    """A JSON array of one object per row, written as it goes."""
    separator = "\n"
    yield "["
    for row in rows:
        item = {column.name: column.value(row) for column in columns}
        yield separator + json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def _chunked(parts: Iterable[str], size: int = STREAM_CHUNK_BYTES) -> Iterator[bytes]:
    buffer: list[bytes] = []
    held = 0
    for part in parts:
        encoded = part.encode()
        buffer.append(encoded)
        held += len(encoded)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


def export_response(
    *, rows: Iterable[Any], columns: Sequence[Column], filename: str, fmt: str, tenant_id: Any = None
) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV or JSON attachment named ``filename`` + extension.

    ``rows`` is best a queryset (read in chunks of ``ITERATOR_CHUNK``); pass ``tenant_id`` for tenant data.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}.")
    lines = csv_lines if fmt == "csv" else json_lines
    return streamed_attachment(
        lambda: lines(rows=_rows(rows), columns=columns),
        filename=f"{filename}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
        tenant_id=tenant_id,
    )


def _rows(rows: Iterable[Any]) -> Iterator[Any]:
    yield from rows.iterator(chunk_size=ITERATOR_CHUNK) if isinstance(rows, QuerySet) else rows


def _scoped(parts: Callable[[], Iterable[str]], tenant_id: Any) -> Iterator[str]:
    # The body is written after the view returned and the request's database scope was cleared: the rows are
    # read under the tenant's scope again (row-level security on PostgreSQL).
    with rls.tenant_scope(tenant_id) if tenant_id is not None else nullcontext():
        yield from parts()


def streamed_attachment(
    parts: Callable[[], Iterable[str]], *, filename: str, content_type: str, tenant_id: Any = None
) -> StreamingHttpResponse:
    """A download whose text ``parts()`` produces while it is sent (any document written as it goes).

    ``parts`` is called only once the body is being written, inside the tenant's database scope when
    ``tenant_id`` is given; the text goes out in chunks of about ``STREAM_CHUNK_BYTES``.
    """
    response = StreamingHttpResponse(_chunked(_scoped(parts, tenant_id)), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # An export is a snapshot of sensitive data: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


def export_audit(request: Any, *, what: str, fmt: str, target: Any = None, **details: Any) -> None:
    """One audit line per download: who took which set of the tenant's data out, in which format.

    Auditors ask who exported evidence or findings; the audit log's own export records itself the same way.
    """
    query = {key: value for key, value in request.GET.items() if key != "format"}
    audit_record(
        tenant=request.tenant,
        actor=request.user,
        action="data.exported",
        target=target,
        data={"what": what, "format": fmt, "filters": query, **details},
    )


def export_format_parameter(*, what: str) -> OpenApiParameter:
    """The ``?format=`` query parameter of a list that can also be downloaded whole, as the schema shows it."""
    return OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=list(FORMATS),
        required=False,
        description=f"Download {what} as a CSV or JSON file instead of a page.",
    )


class ExportFormatMixin:
    """For a DRF list view: ``?format=csv|json`` asks for a whole-set download instead of a page.

    DRF would otherwise read ``format`` as a renderer choice and answer 404 for csv; errors (400 on a bad
    filter, 403) still answer JSON.
    """

    export_formats: tuple[str, ...] = FORMATS

    def export_format(self, request) -> str | None:
        requested = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE or "format")
        return requested if requested in self.export_formats else None

    def perform_content_negotiation(self, request, force=False):
        if self.export_format(request):
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force=force)
