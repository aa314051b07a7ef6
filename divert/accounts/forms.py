"""Forms for signing in and for administrators' user pages."""

from __future__ import annotations

from allauth.account.forms import LoginForm


class SignInForm(LoginForm):
    """django-allauth's sign-in form, with the username box named `username` (id_username)."""

    def add_prefix(self, field_name: str) -> str:
        """allauth calls the field `login`; the page, password managers and tests say `username`."""
        return super().add_prefix("username" if field_name == "login" else field_name)
