"""Request context (request id, tenant id, user id) carried into every log record."""

from __future__ import annotations

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
tenant_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("tenant_id", default="-")
user_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_id", default="-")
# Not logged: read by complywise.audit so each audit event says where its request came from.
client_ip_var: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")
user_agent_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_agent", default="")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        record.tenant_id = getattr(record, "tenant_id", None) or tenant_id_var.get()
        record.user_id = getattr(record, "user_id", None) or user_id_var.get()
        return True
