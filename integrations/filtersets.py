"""Query-string filters of the integrations API."""

from __future__ import annotations

import django_filters

from .choices import IntegrationStatus, IntegrationType
from .models import Integration


class IntegrationFilterSet(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=IntegrationType.choices)
    status = django_filters.ChoiceFilter(choices=IntegrationStatus.choices)

    class Meta:
        model = Integration
        fields = ["type", "status"]
