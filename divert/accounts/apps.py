"""App configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "divert.accounts"
    label = "accounts"

    def ready(self) -> None:
        """Audit the changes people make to their own sign-in security through allauth's pages.

        These flows belong to django-allauth, which announces them only by signal."""
        # Imported in ready(): models and allauth's signals need the app registry.
        from allauth.mfa import signals

        from divert.accounts import audit_hooks

        signals.authenticator_added.connect(audit_hooks.authenticator_added, dispatch_uid="divert-mfa-added")
        signals.authenticator_removed.connect(audit_hooks.authenticator_removed, dispatch_uid="divert-mfa-removed")
        signals.authenticator_reset.connect(audit_hooks.authenticator_reset, dispatch_uid="divert-mfa-reset")
