"""The collector's view of a long-running process (a gunicorn or Celery worker), set once it has loaded.

A loaded worker holds about 150,000 long-lived objects: modules, models, the check registry, the shipped
frameworks, the URL resolver. CPython's full collection walks all of them each time, and a request or task
that leaves reference cycles behind (querysets, tracebacks) triggers one every few dozen requests. Measured in
``bench.pages``: about 20 full collections per worker in 45 s, each 100–195 ms, during which none of the
worker's threads runs (the slowest 1 % of pages at a reading pace waited 80–110 ms for nothing else).

``settle`` collects once, then freezes what is alive into the permanent generation (``gc.freeze``): later
collections walk only what was made since. It also raises the youngest generation's threshold, so a request's
short-lived objects are mostly freed by reference counting before a collection looks at them, and fewer of
them are promoted into the older generations only to be walked again. Cycles made later are still found.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver

# Allocations (net of frees) between young collections; CPython's default is 700, sized for small scripts.
# At 10,000 a young collection still walks at most that many objects (about 1 ms).
YOUNG_THRESHOLD = 10_000


def settle(*, load_urls: bool = True) -> None:
    """Load what every request needs now, then take it out of the collector's walk. Idempotent."""
    if load_urls:
        # Every view, serializer and filter module is imported now, not on a worker's first request, so they
        # are frozen with the rest.
        get_resolver().url_patterns  # noqa: B018
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
