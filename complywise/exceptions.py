"""The one family of domain errors; the API exception handler turns each into a 4xx/5xx."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status_code = 400
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.extra = extra or {}
        super().__init__(self.detail)


class FieldValidationError(ApplicationError):
    """Bad input on named fields: ``errors`` maps field → list of messages."""

    def __init__(self, errors: dict[str, list[str] | str]) -> None:
        self.errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        super().__init__("Invalid input.")


class NotFoundError(ApplicationError):
    status_code = 404
    default_detail = "Not found."


class PermissionDeniedError(ApplicationError):
    status_code = 403
    default_detail = "You do not have permission to perform this action."


class ConflictError(ApplicationError):
    status_code = 409
    default_detail = "The resource is not in a state that allows this."


class PayloadTooLargeError(ApplicationError):
    status_code = 413
    default_detail = "The upload is too large."


class UnsupportedMediaTypeError(ApplicationError):
    status_code = 415
    default_detail = "This type of file is not accepted."


class ServiceUnavailableError(ApplicationError):
    status_code = 503
    default_detail = "A backing service is unavailable; try again later."


class TooManyRequestsError(ApplicationError):
    """A per-tenant quota is used up; ``retry_after`` (seconds) becomes the Retry-After header."""

    status_code = 429
    default_detail = "Too many requests; try again later."

    def __init__(self, detail: str | None = None, *, retry_after: int, extra: dict[str, Any] | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(detail, extra=extra)
