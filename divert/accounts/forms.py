"""Forms for signing in and for administrators' user pages."""

from __future__ import annotations

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from divert.accounts.actions import ADMINISTRABLE_ROLES
from divert.accounts.models import Team
from divert.core.forms import GovForm


class SignInForm(LoginForm):
    """django-allauth's sign-in form, with the username box named `username` (id_username)."""

    def add_prefix(self, field_name: str) -> str:
        """allauth calls the field `login`; the page, password managers and tests say `username`."""
        return super().add_prefix("username" if field_name == "login" else field_name)


def _role_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Roles", choices=[(r.value, r.label) for r in ADMINISTRABLE_ROLES],
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one role"},
        **kwargs,
    )


def _team_field(organisation) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="Teams", queryset=Team.objects.filter(organisation=organisation), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Case workers and team managers work in a team.",
    )


class NewUserForm(GovForm):
    """An administrator adds a member of staff."""

    username = forms.CharField(label="Username", max_length=150,
                               error_messages={"required": "Enter a username"})
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address", required=False,
        help_text="Their council email address: single sign-on matches people by it.",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.gov.uk"},
    )
    password = forms.CharField(
        label="First password", required=False, widget=forms.PasswordInput, strip=False,
        help_text="At least 12 characters; tell them in person or by phone, and they change it. "
                  "Leave empty for someone who signs in only through single sign-on.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"] = _role_field()
        self.fields["teams"] = _team_field(organisation)

    def clean_password(self) -> str:
        """Check a given password against the password rules."""
        password = self.cleaned_data.get("password") or ""
        if password:
            try:
                validate_password(password)
            except ValidationError as error:
                raise ValidationError(" ".join(error.messages)) from error
        return password


class RolesForm(GovForm):
    """An administrator changes a user's roles and teams."""

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"] = _role_field()
        self.fields["teams"] = _team_field(organisation)


class ConfirmForm(GovForm):
    """A confirmation with no fields (deactivate, reset two-factor authentication)."""


class SetPasswordForm(GovForm):
    """An administrator gives someone a new password."""

    password = forms.CharField(
        label="New password", widget=forms.PasswordInput, strip=False,
        help_text="At least 12 characters. Tell them in person or by phone, and ask them to change it.",
        error_messages={"required": "Enter a new password"},
    )


class MfaRuleForm(GovForm):
    """An administrator sets whether everyone must use two-factor authentication."""

    mfa_required = forms.TypedChoiceField(
        label="Must everyone in your organisation use two-factor authentication?",
        choices=[("yes", "Yes (recommended)"), ("no", "No")],
        coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )
