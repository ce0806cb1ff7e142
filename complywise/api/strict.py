"""The API takes exactly what its OpenAPI schema declares: an unknown query parameter or body field is a 400.

The schema is generated from what each view already declares (filtersets, pagination, ``extend_schema``
parameters and request serializers), so the contract clients read and the one the server enforces cannot
drift apart, and a new endpoint on the base viewsets is strict with no work. A view adds what the schema
cannot express (a body on DELETE) with ``accepted_query_params`` / ``accepted_body_fields``, keyed by action.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from rest_framework import serializers

QUERY_NUL = "Null characters are not allowed."
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Accepted:
    """What one operation takes; ``body`` is None when the schema leaves the body free-form."""

    query: frozenset[str]
    body: frozenset[str] | None


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    operations: dict[str, Accepted]


_lock = threading.Lock()
# Built once per process (and URLconf) from the generated schema, on the first API request.
_routes: dict[str, list[_Route]] = {}
# Which schema route serves each URL pattern Django resolved, found once per pattern: matching a request's path
# against every route's regex cost about a twentieth of a short API answer's CPU.
_by_pattern: dict[tuple[str, str], _Route | None] = {}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> frozenset[str] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return frozenset()
    fields: set[str] = set()
    for media in content.values():
        body = _resolve(schema, media.get("schema", {}))
        if "properties" not in body:
            return None
        fields |= set(body["properties"])
    return frozenset(fields)


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path.rstrip("/"))
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}/?$")


def _specificity(path: str) -> tuple[int, ...]:
    # Literal segments win over parameters, as the router resolves /api/scans/trend before /api/scans/{id}.
    return tuple(1 if segment.startswith("{") else 0 for segment in path.strip("/").split("/"))


def _build_routes() -> list[_Route]:
    # Imported when first used: the generator reads DRF's settings, which load this module's parsers.
    from drf_spectacular.generators import SchemaGenerator  # noqa: PLC0415

    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path in sorted(schema["paths"], key=_specificity):
        operations = {}
        for method, operation in schema["paths"][path].items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            query = frozenset(p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")
            operations[method.upper()] = Accepted(query=query, body=_body_fields(schema, operation))
        routes.append(_Route(pattern=_template_pattern(path), operations=operations))
    return routes


def _api_routes(urlconf: str) -> list[_Route]:
    if urlconf not in _routes:
        with _lock:
            if urlconf not in _routes:
                _routes[urlconf] = _build_routes()
    return _routes[urlconf]


def _route_for(request: Any) -> _Route | None:
    urlconf = str(getattr(settings, "ROOT_URLCONF", ""))
    path = request.path_info
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return _matching(urlconf, path)
    # Every path Django resolves to one URL pattern has one schema path: the first one seen answers for all.
    key = (urlconf, match.route)
    if key not in _by_pattern:
        _by_pattern[key] = _matching(urlconf, path)
    return _by_pattern[key]


def _matching(urlconf: str, path: str) -> _Route | None:
    return next((route for route in _api_routes(urlconf) if route.pattern.match(path)), None)


def _declared(view: Any, attribute: str, action: str) -> set[str]:
    extra: dict[str, Iterable[str]] = getattr(view, attribute, None) or {}
    return set(extra.get(action, ())) | set(extra.get("*", ()))


def accepted_inputs(request: Any, view: Any) -> Accepted | None:
    """What the operation serving ``request`` accepts; None when the schema does not describe it."""
    method = "GET" if request.method == "HEAD" else request.method
    route = _route_for(request)
    accepted = route.operations.get(method) if route is not None else None
    if accepted is None:
        return None
    action = getattr(view, "action", None) or request.method.lower()
    body = accepted.body
    if body is not None:
        body = body | _declared(view, "accepted_body_fields", action)
    return Accepted(query=accepted.query | _declared(view, "accepted_query_params", action), body=body)


def _listing(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) + "."


def reject_unknown_query_params(request: Any, view: Any) -> None:
    """400 naming each query parameter the operation does not declare, and any containing a NUL."""
    params = request.query_params
    if not params:
        return
    errors: dict[str, list[str]] = {}
    accepted = accepted_inputs(request, view)
    if accepted is not None:
        for name in params:
            if name not in accepted.query:
                hint = f"Accepted: {_listing(accepted.query)}" if accepted.query else "This endpoint takes none."
                errors[name] = [f"Unknown query parameter. {hint}"]
    for name, values in params.lists():
        if name not in errors and any("\x00" in value for value in values):
            # PostgreSQL refuses NUL in text: reject it here rather than as a database error.
            errors[name] = [QUERY_NUL]
    if errors:
        raise serializers.ValidationError(errors)


def reject_unknown_body_fields(keys: Iterable[Any], *, request: Any, view: Any) -> None:
    """400 naming each body field the operation does not declare (repeated multipart fields are fine)."""
    if view is None or request is None or request.method not in _BODY_METHODS:
        return
    accepted = accepted_inputs(request, view)
    if accepted is None or accepted.body is None:
        return
    unknown = sorted({str(key) for key in keys} - accepted.body)
    if unknown:
        hint = f"Accepted: {_listing(accepted.body)}" if accepted.body else "This endpoint takes no body."
        raise serializers.ValidationError({key: [f"Unknown field. {hint}"] for key in unknown})


def _has_body(request: Any) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > 0 or "HTTP_TRANSFER_ENCODING" in request.META


class StrictInputMixin:
    """For every API view: refuse unknown query parameters, and bodies sent to operations that take none.

    Declared bodies are checked by the parsers (``complywise.api.parsers``) when the view reads them, so an
    upload's size check still runs before its body is read.
    """

    accepted_query_params: dict[str, Iterable[str]] = {}
    accepted_body_fields: dict[str, Iterable[str]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_unknown_query_params(request, self)
        if request.method in _BODY_METHODS and _has_body(request):
            accepted = accepted_inputs(request, self)
            if accepted is not None and accepted.body == frozenset():
                # The view never reads this body, so parse it here: the parser names the unknown fields.
                request.data  # noqa: B018 - parsing is the side effect wanted
