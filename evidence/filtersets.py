import django_filters
from django.db.models import Exists, OuterRef, Q

from .choices import EvidenceType
from .models import Evidence, EvidenceControlLink


class EvidenceFilterSet(django_filters.FilterSet):
    control_id = django_filters.UUIDFilter(
        method="filter_control", label="Evidence of this control: its primary control or any linked one."
    )
    framework_id = django_filters.UUIDFilter()
    type = django_filters.ChoiceFilter(choices=EvidenceType.choices)
    scan_job_id = django_filters.UUIDFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    def filter_control(self, queryset, name, value):
        linked = EvidenceControlLink.objects.filter(evidence=OuterRef("pk"), control_id=value)
        return queryset.filter(Q(control_id=value) | Exists(linked))

    class Meta:
        model = Evidence
        fields = ["control_id", "framework_id", "type", "scan_job_id", "created_after", "created_before"]
