"""Forms of the notifications settings page: webhooks and e-mail digests. Shape only; the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from notifications.choices import SUBSCRIBABLE_EVENTS, DigestFrequency, WebhookKind

EVENT_CHOICES = [(str(e), e.label) for e in SUBSCRIBABLE_EVENTS]
ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(
        max_length=2000,
        label="URL",
        assume_scheme="https",
        help_text="Events are POSTed here, signed with the webhook's secret.",
    )
    kind = forms.ChoiceField(choices=WebhookKind.choices, initial=WebhookKind.GENERIC, label="Format")
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "webhook_%s")
        super().__init__(*args, **kwargs)


class DigestForm(forms.Form):
    name = forms.CharField(max_length=100)
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E-mail addresses, separated by commas or new lines.",
    )
    frequency = forms.ChoiceField(choices=DigestFrequency.choices, initial=DigestFrequency.DAILY)
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "digest_%s")
        super().__init__(*args, **kwargs)

    def clean_recipients(self) -> list[str]:
        return [a for a in ADDRESS_SEPARATORS.split(self.cleaned_data["recipients"]) if a]
