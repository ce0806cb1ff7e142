"""One exception handler: domain errors and Django validation errors become clean 4xx bodies."""

from __future__ import annotations

import logging

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
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=400)
        return Response({"detail": exc.messages}, status=400)
    if isinstance(exc, drf_exceptions.ParseError):
        return Response({"detail": str(exc.detail)}, status=400)
    return drf_exception_handler(exc, context)
