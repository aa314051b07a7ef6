"""Audit events for sign-in security changes made through django-allauth's own pages."""

from __future__ import annotations

from divert.audit.actions import record_event


def _record(verb: str, user, authenticator) -> None:
    record_event(
        by=user, verb=verb, obj=user, organisation=user.organisation_id,
        details={"kind": str(authenticator.type)},
    )


def authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """A person set up an authenticator app (or got recovery codes)."""
    _record("added_authenticator", user, authenticator)


def authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    """A person removed their authenticator app."""
    _record("removed_authenticator", user, authenticator)


def authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    """A person made new recovery codes."""
    _record("reset_authenticator", user, authenticator)
