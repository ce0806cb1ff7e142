"""The API's evidence filters: parsing, validation and the OpenAPI parameters; the filtering is the selector's."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from .choices import EvidenceType
from .models import Evidence
from .selectors import evidence_filtered


class EvidenceFilterSet(django_filters.FilterSet):
    control_id = django_filters.UUIDFilter(label="Evidence of this control: its primary control or any linked one.")
    framework_id = django_filters.UUIDFilter(
        label="Evidence supporting a control of this framework: its primary control or any linked one."
    )
    type = django_filters.ChoiceFilter(choices=EvidenceType.choices)
    scan_job_id = django_filters.UUIDFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Evidence
        fields = ["control_id", "framework_id", "type", "scan_job_id", "created_after", "created_before"]

    def filter_queryset(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """The one evidence filter the pages use too (evidence.selectors.evidence_filtered)."""
        data: dict[str, Any] = self.form.cleaned_data
        return evidence_filtered(
            tenant=self.request.tenant,
            queryset=queryset,
            control_id=data.get("control_id"),
            # A document filed under SOC 2 and linked to ISO 27001 5.15 is ISO evidence too, as on the page.
            control_framework_id=data.get("framework_id"),
            evidence_type=data.get("type") or "",
            scan_job_id=data.get("scan_job_id"),
            created_after=data.get("created_after"),
            created_before=data.get("created_before"),
        )
