import re

import django_filters
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from .choices import FrameworkSource
from .models import Control, Framework

ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


class StrictBooleanFilter(django_filters.ChoiceFilter):
    """`true` or `false`; anything else is a 400 (a plain BooleanFilter silently ignores typos)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class FrameworkFilterSet(django_filters.FilterSet):
    active = StrictBooleanFilter(field_name="active", help_text="Activated for your organisation.")
    is_custom = StrictBooleanFilter(field_name="tenant__isnull", method="filter_is_custom")
    key = django_filters.CharFilter(field_name="key")
    source = django_filters.ChoiceFilter(choices=FrameworkSource.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="In key, name and description.")

    class Meta:
        model = Framework
        fields = ["active", "is_custom", "key", "source", "search"]

    def filter_is_custom(self, queryset, name, value):
        return queryset.filter(tenant__isnull=value != "true")

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(key__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value))


class ControlFilterSet(django_filters.FilterSet):
    ref = django_filters.CharFilter(field_name="ref")
    group = django_filters.CharFilter(field_name="group")
    automated = StrictBooleanFilter(field_name="automated", help_text="Has at least one mapped automated check.")
    search = django_filters.CharFilter(method="filter_search", help_text="In ref, title and description.")
    attribute = django_filters.CharFilter(
        method="filter_attribute",
        help_text="name:value of a catalog attribute, e.g. level:1, assessment:automated, ig1:true, type:required.",
    )

    class Meta:
        model = Control
        fields = ["ref", "group", "automated", "search", "attribute"]

    def filter_attribute(self, queryset, name, value):
        key, sep, wanted = value.partition(":")
        if not sep or not ATTRIBUTE_NAME.match(key) or not wanted:
            raise ValidationError({"attribute": ["Use name:value, e.g. level:1."]})
        # Catalog values are strings, numbers or booleans: match the text as any of them.
        candidates: list[object] = [wanted]
        if wanted.lstrip("-").isdigit():
            candidates.append(int(wanted))
        if wanted in ("true", "false"):
            candidates.append(wanted == "true")
        match = Q()
        for candidate in candidates:
            match |= Q(**{f"attributes__{key}": candidate})
        return queryset.filter(match)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(ref__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value))
