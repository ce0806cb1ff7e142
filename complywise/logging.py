"""Request context (request id, tenant id, user id) carried into every log record."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


@contextmanager
def tenant_logged(tenant_id: Any) -> Iterator[None]:
    """Log lines inside the block name this tenant (a task's lines too, once it scoped itself to its tenant)."""
    token = tenant_id_var.set(str(tenant_id))
    try:
        yield
    finally:
        tenant_id_var.reset(token)


# Task id -> the context tokens to reset when it ends (eager tasks nest inside requests and other tasks).
_task_tokens: dict[str, tuple[contextvars.Token[str], contextvars.Token[str]]] = {}


def on_task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """A worker's lines carry the task (as the request id) and, once it scopes itself, its tenant."""
    if task_id is None:
        return
    name = getattr(task, "name", "task")
    _task_tokens[task_id] = (request_id_var.set(f"{name}:{task_id[:8]}"), tenant_id_var.set("-"))


def on_task_postrun(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _task_tokens.pop(task_id or "", None)
    if tokens is not None:
        request_id_var.reset(tokens[0])
        tenant_id_var.reset(tokens[1])
