"""Evidence in the admin is read-only: rows are sealed in a hash chain, so nothing here may edit them.

Deleting goes through the "Delete with a reason" action (or ``DELETE /api/evidence/{id}?reason=``),
which leaves a tombstone and an audit event; the admin's own delete is disabled.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from complywise.admin import ReadOnlyAdmin
from complywise.exceptions import ApplicationError

from . import services
from .models import Evidence, EvidenceControlLink, EvidenceExport, EvidenceTombstone


class DeleteReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"size": 80}))


class EvidenceControlLinkInline(admin.TabularInline):
    model = EvidenceControlLink
    extra = 0
    # A tuple: the admin stubs type fields and readonly_fields as different (invariant) lists.
    readonly_fields = ("control", "created_at")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["title", "type", "control_ref", "framework_key", "tenant", "size", "sha256_prefix", "created_at"]
    list_filter = ["type", "tenant", "created_at"]
    search_fields = ["title", "filename", "sha256", "file_key", "control_ref"]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
    actions = ["delete_with_reason"]
    inlines = [EvidenceControlLinkInline]

    @admin.display(description="sha256")
    def sha256_prefix(self, obj: Evidence) -> str:
        return f"{obj.sha256[:12]}…"

    @admin.action(description="Delete selected evidence (with a recorded reason)")
    def delete_with_reason(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, "Only superusers may delete evidence.", messages.ERROR)
            return None
        form = DeleteReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            deleted = 0
            for evidence in queryset.select_related("tenant"):
                try:
                    services.evidence_delete(evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"])
                    deleted += 1
                except ApplicationError as exc:
                    self.message_user(request, f"{evidence}: {exc.detail}", messages.ERROR)
            self.message_user(request, f"Deleted {deleted} evidence item(s); tombstones recorded.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete evidence with a reason",
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/evidence/delete_with_reason.html", context)

    def get_actions(self, request):
        # The built-in bulk delete would skip tombstones; only the reasoned delete is offered.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(EvidenceTombstone)
class EvidenceTombstoneAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "tenant", "type", "evidence_id", "control_ref", "reason", "deleted_by", "deleted_at"]
    list_filter = ["type", "tenant"]
    search_fields = ["evidence_id", "reason", "control_ref", "sha256"]
    list_select_related = ["tenant", "deleted_by"]


@admin.register(EvidenceExport)
class EvidenceExportAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "framework", "status", "file_count", "size", "created_at", "completed_at"]
    list_filter = ["status", "tenant"]
    list_select_related = ["tenant", "framework", "requested_by"]
