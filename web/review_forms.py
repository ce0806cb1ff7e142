"""Forms of the access review pages: they check shape only; the reviews services decide.

The create form has one "include" box and one reviewer select per reviewable integration. Their names carry
the integration id, not a row number, so a row keeps its values if the list of integrations changes between
showing the form and posting it; the service's errors ("sources.<n>.reviewer_id") are mapped back to them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from complywise.exceptions import ApplicationError, FieldValidationError
from integrations.models import Integration
from reviews.choices import Decision, Recurrence
from reviews.services import NOTE_MAX, SourceInput

from .forms import DateInput, choice_field, flatten_errors

NAME_MAX = 200
SEARCH_MAX = 200
CANCEL_REASON_MAX = 500


def reviewer_choices(reviewers: Iterable[Any]) -> list[tuple[str, str]]:
    """Memberships as (user id, e-mail): the services name reviewers by user id."""
    return [(str(m.user_id), m.user.email or m.user.get_username()) for m in reviewers]


@dataclass(frozen=True)
class SourceRow:
    """One reviewable integration on the create form, with its two bound fields."""

    integration: Integration
    include: forms.BoundField
    reviewer: forms.BoundField


class CampaignForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX, help_text="For example “Q4 2026 access review”; it names the evidence too."
    )
    due_date = forms.DateField(widget=DateInput(), label="Due date")
    recurrence = forms.ChoiceField(
        choices=Recurrence.choices,
        initial=Recurrence.QUARTERLY,
        help_text="Completing a recurring review schedules the next one.",
    )
    opens_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Opens on",
        help_text="Leave empty to open today: the accounts are taken from the latest scans when it opens.",
    )

    def __init__(
        self,
        *args: Any,
        integrations: Sequence[Integration],
        reviewers: Iterable[Any],
        default_reviewer_id: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.integrations = list(integrations)
        choices = [("", "Choose a reviewer"), *reviewer_choices(reviewers)]
        for integration in self.integrations:
            self.fields[self._include(integration)] = forms.BooleanField(
                required=False, label=f"Include {integration.name}"
            )
            self.fields[self._reviewer(integration)] = forms.ChoiceField(
                required=False,
                choices=choices,
                initial=str(default_reviewer_id),
                label=f"Reviewer of {integration.name}",
            )

    @staticmethod
    def _include(integration: Integration) -> str:
        return f"include_{integration.pk}"

    @staticmethod
    def _reviewer(integration: Integration) -> str:
        return f"reviewer_{integration.pk}"

    def source_rows(self) -> list[SourceRow]:
        return [SourceRow(i, self[self._include(i)], self[self._reviewer(i)]) for i in self.integrations]

    def _included(self) -> list[Integration]:
        return [i for i in self.integrations if self.cleaned_data.get(self._include(i))]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "due_date": data["due_date"],
            "recurrence": data["recurrence"],
            "opens_on": data["opens_on"],
            "sources": [SourceInput(i.pk, self.cleaned_data.get(self._reviewer(i)) or None) for i in self._included()],
        }

    def add_service_errors(self, exc: ApplicationError) -> None:
        """Field errors on their fields; "sources.<n>.…" on the row of the n-th included integration."""
        if not isinstance(exc, FieldValidationError):
            self.add_error(None, exc.detail)
            return
        included = self._included()
        for key, problems in exc.errors.items():
            target: str | None = key if key in self.fields else None
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "sources" and parts[1].isdigit() and int(parts[1]) < len(included):
                integration = included[int(parts[1])]
                target = self._reviewer(integration) if parts[2] == "reviewer_id" else self._include(integration)
            for line in flatten_errors(problems):
                self.add_error(target, line)


class UUIDListField(forms.Field):
    """Several ids posted under one name (the ticked rows); anything but UUIDs is refused, not looked up."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [uuid.UUID(str(v)) for v in values]
        except ValueError:
            raise forms.ValidationError("Some of the selected accounts are not in this review.") from None


class ItemFilterForm(forms.Form):
    """The filters of a campaign's items, read from the query string."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label="Search name, e-mail or id")
    source = forms.ChoiceField(required=False, label="Integration")
    decision = forms.ChoiceField(required=False, choices=[("", "Any decision"), *Decision.choices])
    admins = forms.BooleanField(required=False, label="Admins only")
    inactive = forms.BooleanField(required=False, label="Inactive 90 days")
    new = forms.BooleanField(required=False, label="New since last review")
    mine = forms.BooleanField(required=False, label="Assigned to me")

    def __init__(self, *args: Any, sources: Iterable[Any], **kwargs: Any) -> None:
        # Unique ids: this form shares the page with the bulk decision form.
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "source").choices = [("", "Every integration")] + [
            (str(s.pk), s.integration_name) for s in sources
        ]

    def selector_kwargs(self, user: Any) -> dict[str, Any]:
        """What ``reviews.selectors.campaign_items`` takes; bad input filters nothing rather than failing."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "source_id": data.get("source") or None,
            "decision": data.get("decision") or "",
            "admins_only": bool(data.get("admins")),
            "inactive": bool(data.get("inactive")),
            "new_only": bool(data.get("new")),
            "reviewer": user if data.get("mine") else None,
            "search": (data.get("q") or "").strip(),
        }


ACTION_APPROVE = "approve"
ACTION_REVOKE = "revoke"
ACTION_REASSIGN = "reassign"


class BulkDecisionForm(forms.Form):
    """Approve, revoke or reassign the ticked rows (or every row of the page, or one row's quick button)."""

    action = forms.ChoiceField(
        choices=[
            (ACTION_APPROVE, "Approve"),
            (ACTION_REVOKE, "Revoke (a note is required)"),
            (ACTION_REASSIGN, "Reassign to another reviewer"),
        ],
        initial=ACTION_APPROVE,
        label="Action",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note",
        help_text="Why the access is revoked (the auditor reads it), or a word for the new reviewer.",
    )
    reviewer = forms.ChoiceField(required=False, label="New reviewer", help_text="For “Reassign” only.")
    items = UUIDListField(required=False)
    all_on_page = forms.BooleanField(required=False)
    page_items = UUIDListField(required=False)
    # A row's own "Approve" button posts its id here, whatever else is ticked.
    approve_item = forms.UUIDField(required=False)

    def __init__(self, *args: Any, reviewers: Iterable[Any], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "reviewer").choices = [("", "Choose a reviewer"), *reviewer_choices(reviewers)]

    def chosen_action(self) -> str:
        return ACTION_APPROVE if self.cleaned_data.get("approve_item") else self.cleaned_data["action"]

    def item_ids(self) -> list[uuid.UUID]:
        data = self.cleaned_data
        if data.get("approve_item"):
            return [data["approve_item"]]
        return list(data.get("page_items") or []) if data.get("all_on_page") else list(data.get("items") or [])


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=CANCEL_REASON_MAX, label="Reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel_%s")
        super().__init__(*args, **kwargs)
