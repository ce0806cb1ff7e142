from django.contrib import admin
from django.db.models import Count

from complywise.admin import ReadOnlyAdmin

from .models import Control, ControlApplicability, ControlCheck, ControlEvidenceRequirement, Framework, TenantFramework


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    """Shipped frameworks are refreshed by `load_frameworks`: edit their YAML files, not these rows."""

    list_display = ["key", "name", "version", "source", "tenant", "control_count", "created_at"]
    list_filter = ["source", "tenant"]
    search_fields = ["key", "name", "description"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_control_count=Count("controls"))

    @admin.display(description="controls", ordering="_control_count")
    def control_count(self, obj) -> int:
        return obj._control_count


class ControlCheckInline(admin.TabularInline):
    model = ControlCheck
    extra = 0
    fields = ["check_id", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Control)
class ControlAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "framework", "group", "parent"]
    list_filter = ["framework"]
    search_fields = ["ref", "title"]
    list_select_related = ["framework", "parent"]
    raw_id_fields = ["parent"]
    autocomplete_fields = ["framework"]
    readonly_fields = ["sort_key", "created_at", "updated_at"]
    ordering = ["framework__key", "framework__version", "sort_key"]
    inlines = [ControlCheckInline]


@admin.register(TenantFramework)
class TenantFrameworkAdmin(admin.ModelAdmin):
    list_display = ["tenant", "framework", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["tenant__name", "tenant__slug", "framework__key", "framework__name"]
    list_select_related = ["tenant", "framework"]
    autocomplete_fields = ["tenant", "framework"]


@admin.register(ControlApplicability)
class ControlApplicabilityAdmin(ReadOnlyAdmin):
    """Read-only: a change here would skip the audit trail that holds the applicability history."""

    list_display = ["tenant", "control", "applicable", "decided_by", "decided_at"]
    list_filter = ["applicable", "tenant"]
    search_fields = ["control__ref", "justification", "tenant__slug"]
    list_select_related = ["tenant", "control", "decided_by"]


@admin.register(ControlEvidenceRequirement)
class ControlEvidenceRequirementAdmin(ReadOnlyAdmin):
    """Read-only: requirements are set through the API or the control page, which audit every change."""

    list_display = ["tenant", "control", "renewal_days", "owner", "due_date", "set_by", "updated_at"]
    list_filter = ["tenant", "renewal_days"]
    search_fields = ["control__ref", "tenant__slug", "owner__user__email"]
    list_select_related = ["tenant", "control", "owner__user", "set_by"]
