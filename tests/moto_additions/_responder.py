"""How an addition joins moto: its methods set on moto's response class for the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def add_methods(source: type, responder: type) -> None:
    """Set each public method ``source`` defines on ``responder``, where moto's dispatch finds it by the action's
    name (``GetServiceSetting`` -> ``get_service_setting``)."""
    for name, method in vars(source).items():
        if callable(method) and not name.startswith("_"):
            setattr(responder, name, method)


def state_on(owner: Any, name: str, start: Callable[[], T]) -> T:
    """What an addition keeps on one of moto's objects (a backend of an account and region, a plan, a vault) under
    ``complywise_<name>``, made by ``start`` the first time it is asked for: moto's reset drops it with the object."""
    attribute = f"complywise_{name}"
    found: T | None = getattr(owner, attribute, None)
    if found is None:
        found = start()
        setattr(owner, attribute, found)
    return found


def paged(items: list[Any], key: str, token: Any, size: Any, *, token_key: str = "NextToken") -> dict[str, Any]:
    """One page of ``items`` under ``key``, as AWS pages a listing: ``token`` is where the page starts (the previous
    page's token, a position here), ``size`` how many it holds; the answer carries the next token while any are left."""
    start, count = int(token or 0), int(size)
    page: dict[str, Any] = {key: items[start : start + count]}
    if start + count < len(items):
        page[token_key] = str(start + count)
    return page
