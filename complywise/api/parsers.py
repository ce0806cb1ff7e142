"""Request body parsers of the API: bounded in size and depth, and refusing fields the operation does not declare."""

from __future__ import annotations

import codecs
import io
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from complywise.exceptions import PayloadTooLargeError

from .strict import reject_unknown_body_fields

# Deeper than any body the API takes (integration configs nest two levels); deep enough for any client.
MAX_JSON_DEPTH = 32


def body_too_large_error() -> PayloadTooLargeError:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return PayloadTooLargeError(f"The request body is larger than the limit of {limit} bytes.")


def _read_bounded(stream, request) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise body_too_large_error()
    # Read one byte past the limit: a body without (or lying about) its length is caught too.
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise body_too_large_error()
    return raw


def _depth_exceeds(data: Any, limit: int) -> bool:
    # Iterative on purpose: the point is to never recurse as deep as the client nested.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _context(parser_context: dict | None) -> tuple[Any, Any]:
    parser_context = parser_context or {}
    return parser_context.get("request"), parser_context.get("view")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request, view = _context(parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = _read_bounded(stream, request) if request is not None else stream.read()
        try:
            data = json.loads(codecs.decode(raw, encoding))
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if isinstance(data, (dict, list)) and _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(data, dict):
            reject_unknown_body_fields(data.keys(), request=request, view=view)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request, view = _context(parser_context)
        if request is not None:
            stream = io.BytesIO(_read_bounded(stream, request))
        data = super().parse(stream, media_type, parser_context)
        reject_unknown_body_fields(data.keys(), request=request, view=view)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Django's multipart parser caps the text fields itself; file sizes are the view's business (upload handlers)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request, view = _context(parser_context)
        result = super().parse(stream, media_type, parser_context)
        reject_unknown_body_fields([*result.data.keys(), *result.files.keys()], request=request, view=view)
        return result
