"""Every route the URL configuration serves, with the HTTP methods it answers: the input of the isolation matrix.

The matrix (tests/complywise/test_isolation_matrix.py) classifies each (route, method) found here; a route
added to any urls.py shows up in ``discover_routes()`` and fails the suite until it is classified.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

# Answered by every class-based view without reaching the view's own code: not part of an access policy.
NEUTRAL_METHODS = frozenset({"HEAD", "OPTIONS", "TRACE"})
# A function view with no require_http_methods() decorator answers whatever it is sent.
UNDECLARED_FUNCTION_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its key (name, namespaced, or the pattern when unnamed), pattern, methods and parameters."""

    key: str
    pattern: str
    methods: tuple[str, ...]
    params: tuple[str, ...]
    api: bool

    @property
    def namespace(self) -> str:
        return self.key.rpartition(":")[0]


def discover_routes() -> list[Route]:
    """Every leaf pattern of the root URLconf, recursively through includes and DRF routers."""
    found = list(_walk(get_resolver(), prefix="", namespace="", params=()))
    # Keys are what the classification table is written in: two routes sharing a name are told apart by pattern.
    counts: dict[str, int] = {}
    for route in found:
        counts[route.key] = counts.get(route.key, 0) + 1
    return [
        Route(f"{r.key} {r.pattern}", r.pattern, r.methods, r.params, r.api) if counts[r.key] > 1 else r for r in found
    ]


def _walk(resolver: URLResolver, *, prefix: str, namespace: str, params: tuple[str, ...]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        names = params + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry, prefix=text, namespace=inner, params=names)
        elif isinstance(entry, URLPattern):
            key = entry.name or f"<unnamed> {text}"
            key = f"{namespace}:{key}" if namespace else key
            yield Route(key, text, view_methods(entry.callback), names, _is_api(entry.callback))


def _is_api(callback: Callable) -> bool:
    view_class = getattr(callback, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def view_methods(callback: Callable) -> tuple[str, ...]:
    """The HTTP methods a view callback handles (upper case, sorted), neutral ones left out."""
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        # A DRF viewset route: the router's method → action map, minus what the viewset refuses outright.
        allowed = {m.upper() for m in view_class.http_method_names}
        methods = {m.upper() for m in actions} & allowed
    elif view_class is not None:
        methods = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    else:
        declared = _declared_methods(callback)
        methods = set(declared) if declared is not None else set(UNDECLARED_FUNCTION_METHODS)
    return tuple(sorted(methods - NEUTRAL_METHODS))


def _declared_methods(callback: Callable) -> list[str] | None:
    """The list given to Django's require_http_methods (require_GET, require_POST…) anywhere in the wrapper chain."""
    seen = set()
    func: Callable | None = callback
    while func is not None and id(func) not in seen:
        seen.add(id(func))
        code = getattr(func, "__code__", None)
        if code is not None and func.__closure__:
            closure = inspect.getclosurevars(func).nonlocals
            if "request_method_list" in closure:
                return [m.upper() for m in closure["request_method_list"]]
        func = getattr(func, "__wrapped__", None)
    return None
