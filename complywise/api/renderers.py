"""The API's JSON renderer: DRF's output, encoded by orjson.

A 50-row page of a framework's results is a quarter of a megabyte of JSON, and the standard library's encoder
spent about a seventh of an API answer's CPU writing pages (``docs/PERFORMANCE.md``, item 17). orjson writes
the same JSON values several times faster. What it would write differently is left to DRF: datetimes go
through DRF's encoder (its ``Z`` for UTC, its precision), as does every type orjson does not know (lazy
strings, decimals, durations, addresses), and anything orjson refuses (integers beyond 64 bits, non-string
keys, nesting past its limit, an indented answer asked for) is rendered by DRF itself, so such an answer is
what it was. Two differences remain, neither reachable from the API's fields: a float may be spelt otherwise
(``1e-7`` for ``1e-07``, the same number), and NaN or infinity is written ``null`` where DRF refused it.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
# The characters JSON allows raw and JavaScript did not; DRF escapes them so an answer is a script-safe literal.
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    """DRF's ``JSONRenderer`` (compact, UTF-8, U+2028/U+2029 escaped), encoded by orjson where it gives the same."""

    _default = staticmethod(JSONEncoder().default)

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if not self.compact or self.ensure_ascii or indent:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            encoded = orjson.dumps(data, default=self._default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # DRF renders it, or raises for it, as it always did.
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR in encoded or _PARAGRAPH_SEPARATOR in encoded:
            encoded = encoded.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return encoded
