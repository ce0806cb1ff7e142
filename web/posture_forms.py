"""Forms of the control posture pages (#14): evidence requirements, the one-click default, uploads for many controls.

They check shape only; the services decide. "Also supports" is the one exception that resolves here: the user
types control refs, and the page has to turn them into ids before the upload service can link them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms

from frameworks.models import RENEWAL_DAYS_MAX, RENEWAL_DAYS_MIN, Control

from .forms import DateInput, EvidenceUploadForm, choice_field

NO_OWNER = ("", "No owner")
# A datalist longer than this stops being a search aid and only weighs on the page.
DATALIST_MAX = 1500
ENTRY_SEPARATORS = re.compile(r"[,\n;]")
# What a datalist suggestion appends after the ref: "soc2 CC6.1 — Logical access …".
TITLE_SEPARATOR = "—"


def member_choices(members: Iterable[Any]) -> list[tuple[str, str]]:
    return [NO_OWNER] + [(str(m.pk), m.user.email or m.user.get_username()) for m in members]


class EvidenceRequirementForm(forms.Form):
    renewal_days = forms.IntegerField(
        min_value=RENEWAL_DAYS_MIN,
        max_value=RENEWAL_DAYS_MAX,
        label="Renew every (days)",
        help_text="A document older than this no longer counts; 365 for a yearly policy, 90 for an access review.",
    )
    owner = forms.ChoiceField(required=False, label="Owner", help_text="Who uploads the next document.")
    due_date = forms.DateField(
        required=False, widget=DateInput(), label="First due", help_text="When the first document is expected."
    )

    def __init__(self, *args: Any, members: Iterable[Any], **kwargs: Any) -> None:
        # Unique ids: this form shares the control page with the applicability and upload forms.
        kwargs.setdefault("auto_id", "requirement_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "owner").choices = member_choices(members)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"renewal_days": data["renewal_days"], "owner_id": data["owner"] or None, "due_date": data["due_date"]}


# The services name the owner by its membership id; the form calls the field "owner".
SERVICE_FIELDS_REQUIREMENT = {"owner_id": "owner"}


class RequireDocumentsForm(forms.Form):
    renewal_days = forms.IntegerField(
        required=False,
        min_value=RENEWAL_DAYS_MIN,
        max_value=RENEWAL_DAYS_MAX,
        label="Renew every (days)",
        help_text="Leave empty for the defaults: 90 days for access reviews, 365 for the rest.",
    )
    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, *args: Any, members: Iterable[Any], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "require_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "owner").choices = member_choices(members)

    def service_kwargs(self) -> dict[str, Any]:
        return {"renewal_days": self.cleaned_data["renewal_days"], "owner_id": self.cleaned_data["owner"] or None}


# --- uploading one document for several controls ----------------------------------------------------------


@dataclass(frozen=True)
class ControlChoice:
    """One control a document may be linked to, as the "Also supports" field names it."""

    pk: Any
    framework_key: str
    framework_version: str
    ref: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.framework_key} {self.ref}"


class ControlRefIndex:
    """The controls of the tenant's active frameworks, looked up by "<framework key> <ref>" or by a bare ref."""

    def __init__(self, controls: Iterable[Control]) -> None:
        self.choices = [ControlChoice(c.pk, c.framework.key, c.framework.version, c.ref, c.title) for c in controls]
        self._by_ref: dict[str, list[ControlChoice]] = defaultdict(list)
        self._keys: set[str] = set()
        for choice in self.choices:
            self._by_ref[choice.ref.lower()].append(choice)
            self._keys.add(choice.framework_key.lower())

    def suggestions(self) -> list[ControlChoice]:
        return self.choices[:DATALIST_MAX]

    def resolve(self, entry: str) -> list[ControlChoice]:
        """Every control the entry may mean: none (unknown), one, or several (ambiguous)."""
        text = " ".join(entry.split())
        head, _, ref = text.partition(" ")
        if ref and head.lower() in self._keys:
            return [c for c in self._by_ref.get(ref.lower(), []) if c.framework_key.lower() == head.lower()]
        return list(self._by_ref.get(text.lower(), []))


def split_entries(text: str) -> list[str]:
    """Entries one per line or comma-separated; a suggestion's " — title" tail is dropped (titles hold commas)."""
    entries: list[str] = []
    for line in text.splitlines():
        parts = [line.split(TITLE_SEPARATOR, 1)[0]] if TITLE_SEPARATOR in line else ENTRY_SEPARATORS.split(line)
        entries.extend(part.strip() for part in parts if part.strip())
    return entries


class PostureUploadForm(EvidenceUploadForm):
    """The control page's upload, which may link the same document to more controls, in any active framework."""

    also_supports = forms.CharField(
        required=False,
        max_length=10000,
        label="Also supports",
        help_text="Other controls this document is evidence for, comma-separated: a framework key and a ref "
        "(soc2 CC6.1, iso27001-2022 5.15), or a ref alone when only one active framework has it.",
    )

    def __init__(self, *args: Any, index: ControlRefIndex | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.index = index
        self.fields["also_supports"].widget.attrs.update({"list": "control-refs", "autocomplete": "off"})

    def clean_also_supports(self) -> list[Any]:
        entries = split_entries(self.cleaned_data["also_supports"])
        if not entries:
            return []
        assert self.index is not None, "an upload naming other controls needs the index of the active frameworks"
        ids, problems = [], []
        for entry in entries:
            found = self.index.resolve(entry)
            if not found:
                problems.append(
                    f"Unknown control “{entry}”: use a framework key and a ref of an active framework, e.g. soc2 CC6.1."
                )
            elif len(found) > 1:
                where = ", ".join(sorted({f"{c.framework_key} {c.ref}" for c in found}))
                problems.append(f"“{entry}” is in several active frameworks ({where}): add the framework key.")
            elif found[0].pk not in ids:
                ids.append(found[0].pk)
        if problems:
            raise forms.ValidationError(problems)
        return ids
