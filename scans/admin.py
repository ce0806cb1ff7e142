from django.contrib import admin

from .models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanSchedule


class ReadOnlyAdmin(admin.ModelAdmin):
    """Scan output is a record of what was observed: reviewable, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScanPartInline(admin.TabularInline):
    model = ScanPart
    extra = 0
    can_delete = False
    # A tuple: the admin stubs type fields and readonly_fields as different (invariant) lists.
    readonly_fields = ("integration_type", "integration_name", "status", "outcome_count", "error", "completed_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScanJob)
class ScanJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "status", "trigger", "score", "failed_controls", "created_at", "completed_at"]
    list_filter = ["status", "trigger", "tenant"]
    search_fields = ["id", "tenant__slug", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["tenant"]
    inlines = [ScanPartInline]


@admin.register(ScanResult)
class ScanResultAdmin(ReadOnlyAdmin):
    list_display = ["control", "framework", "status", "scan_job", "tenant", "created_at"]
    list_filter = ["status", "framework", "tenant"]
    search_fields = ["control__ref", "control__title", "finding"]
    list_select_related = ["control", "framework", "tenant"]
    raw_id_fields = ["scan_job", "control", "evidence"]


@admin.register(CheckOutcome)
class CheckOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["check_id", "resource_id", "region", "status", "severity", "tenant", "created_at"]
    list_filter = ["status", "severity", "tenant"]
    search_fields = ["check_id", "resource_id", "reason"]
    list_select_related = ["tenant"]
    raw_id_fields = ["scan_job", "integration"]


@admin.register(ScanSchedule)
class ScanScheduleAdmin(admin.ModelAdmin):
    list_select_related = ["tenant"]
    list_display = ["name", "tenant", "interval_minutes", "cron", "enabled", "next_run_at", "last_run_at"]
    list_filter = ["enabled", "tenant"]
    search_fields = ["name", "tenant__slug"]
    readonly_fields = ["last_run_at", "last_scan_job"]
