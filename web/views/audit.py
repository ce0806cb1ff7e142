"""The audit log page (admins and auditors): the API's filters as a GET form, a table, pages and downloads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from complywise.audit import AUDIT_LOG_ROLES, AuditFilters, audit_event_summary, audit_events
from complywise.http import TenantRequest
from web.forms import DateTimeLocalInput
from web.tenancy import tenant_view

from .common import paginate

AUDIT_PER_PAGE = 50
DETAILS_MAX_CHARS = 300


class AuditLogFilterForm(forms.Form):
    # The names are the API's (GET /api/audit-log), so the download links carry the same filters.
    actor = forms.CharField(required=False, max_length=254, label="Actor", help_text="Email or user id.")
    action = forms.CharField(
        required=False, max_length=64, label="Action", help_text="Exact, or a prefix ending with “.” (token.)."
    )
    target_type = forms.CharField(required=False, max_length=64, label="Target type")
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    since = forms.DateTimeField(required=False, widget=DateTimeLocalInput(), label="From (UTC)")
    until = forms.DateTimeField(required=False, widget=DateTimeLocalInput(), label="To (UTC)")

    def clean(self) -> dict[str, Any]:
        super().clean()
        # The stubs type Form.clean() as Optional; for a plain Form it returns cleaned_data, read here directly.
        cleaned = self.cleaned_data
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Must not be before the start.")
        return cleaned


def _download_url(cleaned: dict[str, Any], fmt: str) -> str:
    query = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in cleaned.items() if v not in (None, "")}
    return "/api/audit-log?" + urlencode({**query, "format": fmt})


def _details(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False) if data else ""
    return text if len(text) <= DETAILS_MAX_CHARS else text[: DETAILS_MAX_CHARS - 1] + "…"


@tenant_view(AUDIT_LOG_ROLES)
@require_GET
def audit_log(request: TenantRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET)
    cleaned = form.cleaned_data if form.is_valid() else {}
    events = audit_events(tenant=request.tenant, filters=AuditFilters(**cleaned))
    page = paginate(request, events, per_page=AUDIT_PER_PAGE)
    rows = [{"event": e, "actor": audit_event_summary(e), "details": _details(e.data)} for e in page.object_list]
    return render(
        request,
        "web/settings/audit_log.html",
        {
            "filters": form,
            "page": page,
            "rows": rows,
            "csv_url": _download_url(cleaned, "csv"),
            "json_url": _download_url(cleaned, "json"),
        },
        status=200 if form.is_valid() else 400,
    )
