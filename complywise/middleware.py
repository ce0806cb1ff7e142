from __future__ import annotations

import logging
import re
import uuid

from .logging import request_id_var, tenant_id_var, user_id_var

logger = logging.getLogger("complywise.request")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives each request an id (kept from X-Request-ID when sane) and logs it with tenant and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = [request_id_var.set(request_id), tenant_id_var.set("-"), user_id_var.set("-")]
        try:
            response = self.get_response(request)
            tenant = getattr(request, "tenant", None)
            user = getattr(request, "user", None)
            if tenant is not None:
                tenant_id_var.set(str(tenant.pk))
            if user is not None and user.is_authenticated:
                user_id_var.set(str(user.pk))
            response["X-Request-ID"] = request_id
            logger.info(
                "request",
                extra={"method": request.method, "path": request.path, "status": response.status_code},
            )
            return response
        finally:
            request_id_var.reset(tokens[0])
            tenant_id_var.reset(tokens[1])
            user_id_var.reset(tokens[2])
