import django_filters

from .choices import OutcomeStatus, ScanStatus
from .models import CheckOutcome, ScanJob


class ScanJobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ScanStatus.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    trigger = django_filters.CharFilter()

    class Meta:
        model = ScanJob
        fields = ["status", "created_after", "created_before", "trigger"]


class CheckOutcomeFilterSet(django_filters.FilterSet):
    check_id = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=OutcomeStatus.choices)
    resource = django_filters.CharFilter(field_name="resource_id", lookup_expr="icontains")
    region = django_filters.CharFilter()
    integration_id = django_filters.UUIDFilter()

    class Meta:
        model = CheckOutcome
        fields = ["check_id", "status", "resource", "region", "integration_id"]
