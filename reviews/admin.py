from django.contrib import admin

from .models import ReviewCampaign, ReviewItem, ReviewSource


class ReviewSourceInline(admin.TabularInline):
    model = ReviewSource
    extra = 0
    fields = ("integration_name", "integration_type", "reviewer", "accounts_as_of")
    readonly_fields = fields
    can_delete = False


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(admin.ModelAdmin):
    # Decisions are made in the staff pages (with their rules and audit trail); the admin only shows them.
    list_display = ("name", "tenant", "status", "recurrence", "opens_on", "due_date", "completed_at")
    list_filter = ("status", "recurrence")
    search_fields = ("name",)
    inlines = [ReviewSourceInline]
    readonly_fields = [f.name for f in ReviewCampaign._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "campaign", "decision", "decided_by_email", "decided_at")
    list_filter = ("decision", "kind", "admin")
    search_fields = ("name", "email", "external_id")
    readonly_fields = [f.name for f in ReviewItem._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
