import django_filters

from .choices import EvidenceType
from .models import Evidence


class EvidenceFilterSet(django_filters.FilterSet):
    control_id = django_filters.UUIDFilter()
    framework_id = django_filters.UUIDFilter()
    type = django_filters.ChoiceFilter(choices=EvidenceType.choices)
    scan_job_id = django_filters.UUIDFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Evidence
        fields = ["control_id", "framework_id", "type", "scan_job_id", "created_after", "created_before"]
