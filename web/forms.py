"""Forms of the staff pages: they check shape only; the apps' services decide and their errors land on fields."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from django import forms

from complywise.choices import Role
from complywise.exceptions import ApplicationError, FieldValidationError
from evidence.choices import EvidenceType
from integrations.choices import IntegrationType
from integrations.registry import Severity
from integrations.selectors import MULTILINE, SchemaField
from scans.choices import ResultStatus, ScanStatus

ALL_FRAMEWORKS = ("", "All active frameworks")
RETENTION_MAX_DAYS = 3650 * 3


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def flatten_errors(problems: Any, prefix: str = "") -> list[str]:
    """Nested service errors ({"regions": {"0": ["…"]}}) as readable lines ("regions: 0: …")."""
    if isinstance(problems, dict):
        return [line for key, value in problems.items() for line in flatten_errors(value, f"{prefix}{key}: ")]
    if isinstance(problems, list | tuple):
        return [line for value in problems for line in flatten_errors(value, prefix)]
    return [f"{prefix}{problems}"]


def add_service_errors(form: forms.Form, exc: ApplicationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's error on the form: field errors on their fields, anything else at the top."""
    if isinstance(exc, FieldValidationError):
        for key, problems in exc.errors.items():
            target = (field_map or {}).get(key, key)
            for line in flatten_errors(problems):
                form.add_error(target if target in form.fields else None, line)
    else:
        form.add_error(None, exc.detail)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field ``name``, declared as a ChoiceField (``form.fields`` only knows it is some Field)."""
    return cast(forms.ChoiceField, form.fields[name])


def framework_choices(frameworks: Iterable[Any], *, empty: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    choices = [empty] if empty else []
    return choices + [(str(f.pk), str(f)) for f in frameworks]


# --- scans --------------------------------------------------------------------------------------------


class RunScanForm(forms.Form):
    integration_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Integrations to scan",
        help_text="Leave all unticked to scan every connected integration.",
    )
    framework = forms.ChoiceField(required=False, label="Framework")

    def __init__(self, *args: Any, connected_types: Iterable[str], frameworks: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        connected = set(connected_types)
        choice_field(self, "integration_types").choices = [c for c in IntegrationType.choices if c[0] in connected]
        choice_field(self, "framework").choices = framework_choices(frameworks, empty=ALL_FRAMEWORKS)

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "integration_types": list(self.cleaned_data["integration_types"]) or None,
            "framework_id": self.cleaned_data["framework"] or None,
        }


SERVICE_FIELDS_RUN_SCAN = {"framework_id": "framework"}


class ScanFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ScanStatus.choices])


class CheckFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        help_text="Id, title, service, resource type, or another scanner's check id (e.g. Prowler's).",
    )
    integration_type = forms.ChoiceField(
        required=False, label="Provider", choices=[("", "Every provider"), *IntegrationType.choices]
    )
    severity = forms.ChoiceField(
        required=False, choices=[("", "Any severity"), *((s.value, s.value.capitalize()) for s in Severity)]
    )


COULD_NOT_EVALUATE = "could-not-evaluate"
# The two kinds of not-applicable result, told apart by their basis.
NOT_ASSESSED = "not-assessed"
EXCLUDED = "excluded"


class ResultFilterForm(forms.Form):
    # "Fail" here means findings; a fail that only comes from a check that could not evaluate is its own choice.
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            (ResultStatus.PASS, "Pass"),
            (ResultStatus.FAIL, "Fail (findings)"),
            (COULD_NOT_EVALUATE, "Could not evaluate"),
            (NOT_ASSESSED, "Not assessed (no check ran, no document required)"),
            (EXCLUDED, "Excluded from scope"),
            (ResultStatus.NOT_APPLICABLE, "Not assessed or excluded"),
        ],
    )
    framework = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, max_length=200, label="Search control ref or title")

    def __init__(self, *args: Any, frameworks: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "framework").choices = framework_choices(frameworks, empty=("", "All frameworks"))


# --- evidence -------------------------------------------------------------------------------------------


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, image, text, CSV, JSON, Markdown, Office document or ZIP. The content is checked, "
        "not the file name."
    )
    title = forms.CharField(required=False, max_length=300, help_text="Defaults to the file name.")
    description = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    collected_at = forms.DateTimeField(
        required=False, widget=DateTimeLocalInput(), label="Collected at (UTC)", help_text="Defaults to now."
    )
    expires_at = forms.DateTimeField(
        required=False,
        widget=DateTimeLocalInput(),
        label="Expires at (UTC)",
        help_text="When this evidence stops being current, e.g. a yearly policy review.",
    )


class ApplicabilityForm(forms.Form):
    applicable = forms.TypedChoiceField(
        choices=[("true", "In scope"), ("false", "Excluded from scope")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        label="Applicability",
    )
    justification = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to exclude; it appears in scan results and the Statement of Applicability.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Unique ids: this form shares its page with the evidence upload form.
        kwargs.setdefault("auto_id", "applicability_%s")
        super().__init__(*args, **kwargs)


class EvidenceFilterForm(forms.Form):
    """The register's filters. Documents (manual uploads) are the default view; scan artifacts are one choice away."""

    ALL_TYPES = "all"

    framework = forms.ChoiceField(required=False)
    control_ref = forms.CharField(
        required=False, max_length=64, label="Control ref", help_text="Matches every control a document supports."
    )
    type = forms.ChoiceField(
        required=False,
        choices=[
            (EvidenceType.MANUAL, "Documents"),
            (EvidenceType.AUTO, "Scan artifacts"),
            (ALL_TYPES, "Both"),
        ],
    )
    created_from = forms.DateField(required=False, widget=DateInput(), label="Created from")
    created_to = forms.DateField(required=False, widget=DateInput(), label="Created to")
    # Set by the "only this scan" links of the grouped scan artifacts; shown as a notice, not a field.
    scan = forms.UUIDField(required=False, widget=forms.HiddenInput())
    unassessed = forms.BooleanField(
        required=False,
        label="Include “not assessed” scan artifacts",
        help_text="Artifacts of controls no check covered and no document was required for.",
    )

    def __init__(self, *args: Any, frameworks: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "framework").choices = framework_choices(frameworks, empty=("", "All frameworks"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        # The stubs type Form.clean() as Optional; for a plain Form it returns cleaned_data, read here directly.
        cleaned = self.cleaned_data
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "Must not be before the start date.")
        return cleaned

    def evidence_type(self) -> str:
        """The type to list ("" for both): documents unless another type was asked for (or the input was bad)."""
        chosen = (self.cleaned_data.get("type") if self.is_valid() else None) or EvidenceType.MANUAL
        return "" if chosen == self.ALL_TYPES else chosen


class EvidenceExportForm(forms.Form):
    framework = forms.ChoiceField()
    period_start = forms.DateTimeField(required=False, widget=DateTimeLocalInput(), label="From (UTC)")
    period_end = forms.DateTimeField(required=False, widget=DateTimeLocalInput(), label="To (UTC)")

    def __init__(self, *args: Any, frameworks: Iterable[Any], **kwargs: Any) -> None:
        # Unique ids: this form shares its page with others that have fields of the same name.
        kwargs.setdefault("auto_id", "export_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "framework").choices = framework_choices(frameworks)


class EvidenceDeleteForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Recorded in the audit trail and the evidence chain.")


# --- integrations -----------------------------------------------------------------------------------------

CONFIG_EXAMPLES: dict[str, dict[str, Any]] = {
    IntegrationType.AWS: {"regions": ["us-east-1", "eu-west-1"]},
    IntegrationType.GITHUB: {"organization": "my-org"},
    IntegrationType.OKTA: {"org_url": "https://my-org.okta.com"},
    IntegrationType.GOOGLE_WORKSPACE: {"domain": "example.com", "admin_email": "admin@example.com"},
    IntegrationType.ENTRA: {"tenant_id": "contoso.onmicrosoft.com"},
    IntegrationType.HOST: {"root": "/"},
    IntegrationType.POSTGRES: {"host": "db.internal", "port": 5432, "dbname": "app", "user": "auditor"},
}


class IntegrationTypeForm(forms.Form):
    type = forms.ChoiceField(label="Integration type")

    def __init__(self, *args: Any, available_types: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        available = set(available_types)
        choice_field(self, "type").choices = [c for c in IntegrationType.choices if c[0] in available]


class WriteOnlyTextarea(forms.Textarea):
    """A text area for a multi-line secret (a PEM or JSON key) that never renders the value it was given."""

    def format_value(self, value: Any) -> None:
        return None


class IntegrationForm(forms.Form):
    """Name, config (JSON) and one write-only input per credential of the type; credentials never re-display."""

    name = forms.CharField(max_length=100)
    config = forms.CharField(
        required=False,
        label="Configuration (JSON)",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
    )

    def __init__(
        self,
        *args: Any,
        integration_type: str,
        credential_fields: list[SchemaField],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        example = json.dumps(CONFIG_EXAMPLES.get(integration_type, {}), indent=2)
        self.fields["config"].widget.attrs["placeholder"] = example
        self.credential_names = []
        for spec in credential_fields:
            name = f"credential_{spec.name}"
            self.credential_names.append(spec.name)
            help_text = spec.help_text
            if editing:
                help_text = f"{help_text} Leave empty to keep the stored value.".strip()
            self.fields[name] = forms.CharField(
                label=spec.name.replace("_", " ").capitalize(),
                required=spec.required and not editing,
                strip=False,
                help_text=help_text,
                # A secret is never echoed back, not even after a form error.
                widget=(
                    WriteOnlyTextarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono", "autocomplete": "off"})
                    if spec.kind == MULTILINE
                    else forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
                ),
            )
        if editing:
            self.fields["enabled"] = forms.BooleanField(required=False, label="Enabled (included in scans)")

    def credential_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"credential_{name}"] for name in self.credential_names]

    def clean_config(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["config"].strip()
        if not raw:
            return None if self.editing else {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Must be a JSON object, e.g. {"key": "value"}.')
        return value

    def credentials(self) -> dict[str, Any] | None:
        """The credentials typed in; None on edit when all inputs are empty (keep the stored ones)."""
        given = {name: self.cleaned_data.get(f"credential_{name}") or "" for name in self.credential_names}
        filled = {name: value for name, value in given.items() if value != ""}
        if self.editing and not filled:
            return None
        return filled

    def add_service_errors(self, exc: ApplicationError) -> None:
        if not isinstance(exc, FieldValidationError):
            self.add_error(None, exc.detail)
            return
        for key, problems in exc.errors.items():
            if key == "credentials" and isinstance(problems, dict):
                for name, inner in problems.items():
                    target = f"credential_{name}"
                    for line in flatten_errors(inner):
                        if target in self.fields:
                            self.add_error(target, line)
                        else:
                            self.add_error(None, f"credentials: {name}: {line}")
            elif key in self.fields:
                for line in flatten_errors(problems):
                    self.add_error(key, line)
            else:
                for line in flatten_errors(problems, f"{key}: "):
                    self.add_error(None, line)


# --- settings ---------------------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=100)
    interval_minutes = forms.IntegerField(
        required=False, min_value=5, label="Every (minutes)", help_text="Either an interval or a cron expression."
    )
    cron = forms.CharField(
        required=False,
        max_length=100,
        label="Cron expression (UTC)",
        widget=forms.TextInput(attrs={"placeholder": "0 3 * * *", "class": "mono"}),
    )
    integration_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=IntegrationType.choices,
        label="Integrations",
        help_text="None ticked: every connected integration.",
    )
    framework = forms.ChoiceField(required=False)
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, frameworks: Iterable[Any], **kwargs: Any) -> None:
        # Unique ids: this form shares its page with others that have fields of the same name.
        kwargs.setdefault("auto_id", "schedule_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "framework").choices = framework_choices(frameworks, empty=ALL_FRAMEWORKS)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "interval_minutes": data["interval_minutes"],
            "cron": data["cron"].strip(),
            "integration_types": list(data["integration_types"]),
            "framework_id": data["framework"] or None,
            "enabled": data["enabled"],
        }


SERVICE_FIELDS_SCHEDULE = {"framework_id": "framework"}


class RetentionForm(forms.Form):
    retention_days = forms.IntegerField(
        min_value=1,
        max_value=RETENTION_MAX_DAYS,
        label="Keep scans and their evidence for (days)",
        help_text="Older scans, their results and their automatic evidence are purged daily.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Unique ids: this form shares its page with others that have fields of the same name.
        kwargs.setdefault("auto_id", "retention_%s")
        super().__init__(*args, **kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(help_text="They get a link, valid for 7 days, to set a password (or log in) and join.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Unique ids: this form shares its page with others that have fields of the same name.
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)


class RequireMfaForm(forms.Form):
    require_mfa = forms.BooleanField(
        required=False,
        label="Require two-factor authentication for all members",
        help_text="Members without a confirmed authenticator app are asked to set one up before anything else.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "mfa_%s")
        super().__init__(*args, **kwargs)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100)
    membership = forms.ChoiceField(label="Acts as")
    expires_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, label="Expires after (days)", help_text="Empty: never expires."
    )

    def __init__(self, *args: Any, members: Iterable[Any], **kwargs: Any) -> None:
        # Unique ids: this form shares its page with others that have fields of the same name.
        kwargs.setdefault("auto_id", "token_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "membership").choices = [
            (str(m.pk), f"{m.user.email or m.user.get_username()} ({m.get_role_display()})") for m in members
        ]
