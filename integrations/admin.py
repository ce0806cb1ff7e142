"""Integrations in the Django admin: credentials can be replaced here but are never shown."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from . import providers, services
from .choices import IntegrationType
from .models import Integration, IntegrationAccount


class WriteOnlyTextarea(forms.Textarea):
    """Never renders a value: a form re-displayed after an error must not echo the secret back."""

    def format_value(self, value):
        return None


class IntegrationAdminForm(forms.ModelForm):
    new_credentials = forms.JSONField(
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        label="New credentials",
        help_text='JSON, e.g. {"access_key_id": "…", "secret_access_key": "…"}. Write-only: encrypted on '
        "save, never displayed. Leave empty to keep the stored credentials.",
    )

    class Meta:
        model = Integration
        fields = ["tenant", "type", "name", "config"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config_for_service: dict | None = None
        if "type" in self.fields:
            available = set(providers.available_types())
            self.fields["type"].choices = [c for c in IntegrationType.choices if c[0] in available]

    def clean_new_credentials(self):
        value = self.cleaned_data.get("new_credentials")
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter a JSON object.")
        return value

    def clean(self):
        cleaned = super().clean()
        # The pk is a default uuid, so it is set even on the add form.
        instance = None if self.instance._state.adding else self.instance
        tenant = instance.tenant if instance else cleaned.get("tenant")
        integration_type = instance.type if instance else cleaned.get("type")
        if tenant is None or not integration_type or self.errors:
            return cleaned
        self.config_for_service = self._config_for_service(instance, cleaned.get("config"))
        try:
            services.integration_clean(
                tenant=tenant,
                type=integration_type,
                name=cleaned.get("name"),
                config=self.config_for_service,
                credentials=cleaned.get("new_credentials"),
                instance=instance,
            )
        except services.IntegrationValidationError as exc:
            for field, problems in exc.errors.items():
                target = {"credentials": "new_credentials"}.get(field, field)
                # Messages name keys and rules only, never a submitted secret value.
                self.add_error(target if target in self.fields else None, _flatten(problems))
        return cleaned

    @staticmethod
    def _config_for_service(instance: Integration | None, config) -> dict | None:
        """The form edits the whole config: a key removed in the form is cleared, not kept."""
        if instance is None:
            return config if isinstance(config, dict) else {}
        if not isinstance(config, dict):
            return config
        return {**dict.fromkeys(instance.config), **config}


def _flatten(problems, prefix: str = "") -> list[str]:
    if isinstance(problems, dict):
        return [m for key, value in problems.items() for m in _flatten(value, f"{prefix}{key}: ")]
    if isinstance(problems, list):
        return [m for p in problems for m in _flatten(p, prefix)]
    return [f"{prefix}{problems}"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_select_related = ["tenant"]
    form = IntegrationAdminForm
    list_display = ["name", "type", "tenant", "status", "last_tested_at"]
    list_filter = ["type", "status", "tenant"]
    search_fields = ["name", "tenant__name", "tenant__slug"]
    readonly_fields = [
        "status",
        "has_credentials",
        "credentials_hint",
        "last_tested_at",
        "last_error",
        "created_at",
        "updated_at",
    ]
    actions = ["test_connection"]

    def get_fields(self, request, obj=None):
        editable = ["tenant", "type", "name", "config", "new_credentials"]
        return [*editable, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # Tenant and type are fixed once created: config and credentials are shaped by the type.
        return [*self.readonly_fields, "tenant", "type"] if obj else self.readonly_fields

    @admin.display(boolean=True, description="Credentials stored")
    def has_credentials(self, obj):
        return obj.has_credentials

    def save_model(self, request, obj, form, change):
        # Every write goes through the services: validation, encryption and the audit trail.
        credentials = form.cleaned_data.get("new_credentials")
        if change:
            services.integration_update(
                integration=Integration.objects.select_related("tenant").get(pk=obj.pk),
                actor=request.user,
                name=form.cleaned_data.get("name"),
                config=form.config_for_service,
                credentials=credentials,
            )
        else:
            created = services.integration_create(
                tenant=form.cleaned_data["tenant"],
                actor=request.user,
                type=form.cleaned_data["type"],
                name=form.cleaned_data["name"],
                config=form.config_for_service,
                credentials=credentials or {},
            )
            obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.integration_delete(integration=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for integration in queryset:
            services.integration_delete(integration=integration, actor=request.user)

    @admin.action(description="Test connection")
    def test_connection(self, request, queryset):
        for integration in queryset.select_related("tenant"):
            try:
                ok, detail = services.integration_test(integration=integration, actor=request.user)
            except services.IntegrationTestBusyError as exc:
                self.message_user(request, f"{integration}: {exc.detail}", level=messages.WARNING)
                continue
            self.message_user(
                request,
                f"{integration}: {detail}",
                level=messages.SUCCESS if ok else messages.ERROR,
            )


@admin.register(IntegrationAccount)
class IntegrationAccountAdmin(admin.ModelAdmin):
    # Written by scans and access reviews only: the admin shows the snapshot, never edits it.
    list_display = ("name", "kind", "integration", "admin", "active", "last_activity_at", "removed_at")
    list_filter = ("kind", "admin", "active")
    search_fields = ("name", "email", "external_id")
    readonly_fields = [f.name for f in IntegrationAccount._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
