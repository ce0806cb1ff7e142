from __future__ import annotations

import logging
import re
import time
import uuid

from . import rls
from .accounts.lockout import client_ip
from .logging import client_ip_var, request_id_var, tenant_id_var, user_agent_var, user_id_var

logger = logging.getLogger("complywise.request")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives each request an id (kept from X-Request-ID when sane) and logs it with tenant and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = [request_id_var.set(request_id), tenant_id_var.set("-"), user_id_var.set("-")]
        # Where the request came from, for the audit trail (see complywise.audit).
        origin = [
            client_ip_var.set(client_ip(request) or ""),
            user_agent_var.set(request.headers.get("User-Agent", "")),
        ]
        streaming = False
        try:
            response = self.get_response(request)
            streaming = response.streaming
            tenant = getattr(request, "tenant", None)
            user = getattr(request, "user", None)
            if tenant is not None:
                tenant_id_var.set(str(tenant.pk))
            if user is not None and user.is_authenticated:
                user_id_var.set(str(user.pk))
            response["X-Request-ID"] = request_id
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            # The one line per request (gunicorn's access log is off): readable as text, fields for JSON logs.
            logger.info(
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                elapsed_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": elapsed_ms,
                },
            )
            return response
        finally:
            # Connections outlive requests (CONN_MAX_AGE): the next request on this one must start unset.
            # A streamed body is still read in the request's tenant; it is cleared when the response closes
            # (complywise.rls.on_request_finished).
            if not streaming:
                rls.clear()
            request_id_var.reset(tokens[0])
            tenant_id_var.reset(tokens[1])
            user_id_var.reset(tokens[2])
            client_ip_var.reset(origin[0])
            user_agent_var.reset(origin[1])

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The Django admin is the operators' view across tenants: staff see every tenant's rows there.
        match = request.resolver_match
        user = getattr(request, "user", None)
        if match is not None and match.app_name == "admin" and user is not None and user.is_active and user.is_staff:
            rls.system_activate(reason=f"django admin: {match.url_name}")
        return None
