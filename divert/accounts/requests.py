"""The request a view behind `allow(...)` receives, for type checks.

Every such view is reached only by a signed-in user (DenyByDefaultMiddleware turns anyone
else away first), so its `request.user` is a `User`, never `AnonymousUser`. Annotating the
view's request with `SignedInRequest` says so to mypy; nothing changes at run time.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from divert.accounts.models import Organisation, User


class SignedInRequest(HttpRequest):
    """An HttpRequest whose user is signed in."""

    user: User  # type: ignore[assignment]  # HttpRequest.user is User | AnonymousUser


def organisation_of(user: User) -> Organisation:
    """The user's organisation; 404 for a user who has none (a commissioner, or an
    administrator not attached to one), so a page about one organisation shows nothing."""
    if user.organisation is None:
        raise Http404("Not found")
    return user.organisation
