from django.contrib import admin

from .models import ApiToken, AuditEvent, Membership, Tenant
from .services import api_token_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through services (which audit them) or never: reviewed here, not edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "retention_days", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_select_related = ["user", "tenant"]
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "user__username", "tenant__name", "tenant__slug"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by command or API (the secret is shown once); here they can only be reviewed or revoked."""

    list_select_related = ["membership__user", "membership__tenant", "tenant"]
    list_display = ["name", "prefix", "membership", "tenant", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "prefix", "membership__user__email"]
    # The digest is deliberately absent: it is neither shown nor editable.
    fields = ["name", "prefix", "tenant", "membership", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "tenant", "membership", "created_at", "expires_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: reviewed here, never added, changed or deleted (the model and a PostgreSQL trigger refuse too)."""

    list_select_related = ["tenant"]
    list_display = ["created_at", "tenant", "actor_email", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action", "tenant"]
    search_fields = ["action", "target_id", "actor_email", "ip_address", "request_id"]
