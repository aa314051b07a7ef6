"""One answer per submission: a form sent twice (a double click, a resubmitted page, the Back
button) or an API request retried with the same `Idempotency-Key` is acted on once.

Each form page carries a one-time token in a hidden field (`form_token`); the API caller
sends a key. The first request claims the key by inserting a `Submission` row inside the
same transaction as the write, so two concurrent requests cannot both write: the second
waits on the unique constraint and then finds the first one's row. The form page sends the
second request to the item already recorded; the API answers with the first answer.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from divert.core.errors import DomainError
from divert.core.models import Submission

TOKEN_FIELD = "form_token"  # noqa: S105 - the name of a form field, not a secret
ALREADY_RECORDED = "This was already recorded. It has not been recorded again."
KEEP_FOR = dt.timedelta(days=1)
_KEY = re.compile(r"^[A-Za-z0-9_\-.:]{8,100}$")

R = TypeVar("R")


def new_token() -> str:
    """A fresh one-time token for a form."""
    return secrets.token_urlsafe(16)


def valid_key(key: str) -> bool:
    """A token or key we accept: 8 to 100 letters, digits and `-_.:`."""
    return bool(_KEY.match(key or ""))


def posted_token(request: HttpRequest) -> str:
    """The form's one-time token as posted, or "" when missing or malformed."""
    token = request.POST.get(TOKEN_FIELD, "")
    return token if valid_key(token) else ""


def form_token(request: HttpRequest) -> str:
    """The token to render in the form: the posted one when the form is shown again with
    errors (it is still the same submission), a fresh one otherwise."""
    return posted_token(request) or new_token()


def claim(*, user, kind: str, key: str, fingerprint: str = "") -> tuple[Submission, bool]:
    """Claim `key` for `user` inside the caller's transaction.

    Returns the row and True when this request holds the key (the caller writes, then
    stores its answer on the row), or the earlier request's row and False. On PostgreSQL a
    concurrent request with the same key waits here until the first commits or rolls back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the transaction that writes.")
    try:
        with transaction.atomic():
            submission = Submission.objects.create(user=user, kind=kind, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return Submission.objects.get(user=user, kind=kind, key=key), False
    # Keys only need to outlive a retry; old rows (and the API answers in them) go.
    Submission.objects.filter(user=user, created_at__lt=timezone.now() - KEEP_FOR).delete()
    return submission, True


def earlier_submission(request: HttpRequest) -> Submission | None:
    """The submission already made with the posted form token, if any."""
    token = posted_token(request)
    if not token or not request.user.is_authenticated:
        return None
    return Submission.objects.filter(user=request.user, kind=Submission.Kind.FORM, key=token).first()


def already_recorded(request: HttpRequest, submission: Submission) -> HttpResponse:
    """Send a repeated form to the item the first submission recorded."""
    messages.info(request, ALREADY_RECORDED)
    return redirect(submission.url or request.path)


def once(*, user, kind: str, key: str, write: Callable[[Submission], None],
         fingerprint: str = "") -> tuple[Submission, bool]:
    """Claim `key` and, for the first request only, call `write(submission)` in the same
    transaction (it calls the action and puts its answer on the submission, which is saved).

    Returns the submission and True, or the earlier request's submission and False. A
    DomainError from `write` releases the key (the person can correct the form and send it
    again) and is raised again; whatever the action itself kept before refusing (a new child
    held for a manager) stays, as it would without a key. Any other error rolls back all.
    """
    refused: DomainError | None = None
    with transaction.atomic():
        submission, first = claim(user=user, kind=kind, key=key, fingerprint=fingerprint)
        if not first:
            return submission, False
        try:
            write(submission)
        except DomainError as error:
            submission.delete()
            refused = error
        else:
            submission.save()
    if refused is not None:
        raise refused
    return submission, True


def save_once(request: HttpRequest, save: Callable[[], R], url_of: Callable[[R], str]) -> tuple[bool, str]:
    """Run `save` (which calls a named action) once for the posted form token.

    Returns `(True, url of the new item)` after saving, or `(False, url of the earlier
    item)` when the same form was already saved. A form without a token (not sent by a
    browser from our pages) is saved as it is.
    """
    token = posted_token(request)
    if not token or not request.user.is_authenticated:
        return True, url_of(save())

    def write(submission: Submission) -> None:
        submission.url = url_of(save())[:500]

    submission, first = once(user=request.user, kind=Submission.Kind.FORM, key=token, write=write)
    return first, submission.url
