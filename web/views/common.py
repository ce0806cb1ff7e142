"""Helpers shared by the page views: pagination and safe redirects back to where the user was."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def paginate(request: HttpRequest, items: QuerySet, *, per_page: int) -> Page:
    """One page of a queryset: a COUNT and a LIMIT/OFFSET query, never the whole set; bad page numbers clamp."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The form's ``next`` when it points into this site, else the fallback (no open redirect)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return redirect(safe_next(request, fallback))


def pop_shown_once(request: HttpRequest, key: str, queryset: QuerySet) -> tuple[dict[str, Any], Any]:
    """What a create view left in the session for one display (a secret, a link), and its row of this tenant."""
    pending = request.session.pop(key, None) or {}
    row = queryset.filter(pk=pending["id"]).first() if pending.get("id") else None
    return pending, row
