from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .access import has_second_factor


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or the password is wrong. Both are case-sensitive."),
        "two_factor_missing": _(
            "Your account must use two-factor login, and it is not set up yet. "
            "Ask an administrator for a setup link."
        ),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("User name")
        # Django sets the user name's max_length after the field is made, so no validator
        # checks it: an over-long name reached authenticate() and axes' record of the
        # failed login (a varchar(255) on PostgreSQL: a server error, found by the form
        # fuzz). Refused here, it never gets that far.
        username: Any = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = _("Password")

    def confirm_login_allowed(self, user: Any) -> None:
        """The password alone never signs in an account that needs two-factor and has
        no device: its first authenticator comes through a one-time link."""
        super().confirm_login_allowed(user)
        if user.needs_two_factor() and not has_second_factor(user):
            raise ValidationError(
                self.error_messages["two_factor_missing"], code="two_factor_missing"
            )

    @property
    def needs_setup_link(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "two_factor_missing")


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=30,
        help_text=_("8 letters and digits from your list of recovery codes. Each works once."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_recovery_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["recovery_code"]).lower()
        if not re.fullmatch(r"[a-z2-7]{8}", code):
            raise ValidationError(
                _("A recovery code has 8 letters and digits."), code="invalid_format"
            )
        return code


class PasswordAgainForm(forms.Form):
    """The password once more, before a change to the login itself. It goes through the
    authentication backends, so django-axes counts the failures and locks out."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user: Any = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise ValidationError(_("The password is wrong."), code="wrong_password")
        return password


class ReplaceAuthenticatorForm(PasswordAgainForm, TokenForm):
    token = forms.RegexField(
        label=_("Code from the new app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=500)
