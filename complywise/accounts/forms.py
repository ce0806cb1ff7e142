"""Forms of the login, second-factor and password pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class LoginForm(AuthenticationForm):
    """Django's password form (django-axes sees every attempt through ``authenticate(request, ...)``)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your email/username and password didn't match. Please try again.",
    }


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )


class EnrolConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows for ComplyWise.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class DisableForm(SecondFactorForm):
    pass


class PasswordSetForm(SetPasswordForm):
    """Choose a new password, checked by AUTH_PASSWORD_VALIDATORS; for the reset link and for invitation links.

    ``PasswordSetForm(user, data)``; ``form.save()`` stores the password. ``user`` may be unsaved
    (an invited person's account about to be created): the similarity check then uses its e-mail.
    """

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "New password again"
