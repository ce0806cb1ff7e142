"""One exception handler: domain errors and Django validation errors become clean 4xx bodies."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from complywise.exceptions import ApplicationError, FieldValidationError

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, FieldValidationError):
        return Response(exc.errors, status=400)
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.detail, **exc.extra}
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=400)
        return Response({"detail": exc.messages}, status=400)
    if isinstance(exc, drf_exceptions.ParseError):
        return Response({"detail": str(exc.detail)}, status=400)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response({"detail": f"The request body is larger than the limit of {limit} bytes."}, status=413)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return Response({"detail": str(exc)}, status=400)
    if isinstance(exc, SuspiciousOperation):
        # Django answers these 400 too, but as an HTML page; the message may name server paths, so it stays here.
        logger.warning("suspicious request refused", extra={"error": type(exc).__name__})
        return Response({"detail": "The request was refused as malformed."}, status=400)
    return drf_exception_handler(exc, context)
