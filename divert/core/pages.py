"""Helpers shared by page views: a GOV.UK form page that calls a named action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from divert.core.errors import DomainError
from divert.core.submissions import (
    ALREADY_RECORDED,
    already_recorded,
    earlier_submission,
    form_token,
    save_once,
)


def form_page(
    request: HttpRequest,
    form_class,
    *,
    heading: str,
    save: Callable[[dict[str, Any]], Any],
    success_url: str | Callable[[Any], str],
    success_message: str = "",
    form_kwargs: dict[str, Any] | None = None,
    template: str = "web/form_page.html",
    **context,
) -> HttpResponse:
    """Show a form; on a valid POST call `save(cleaned_data)` (a named action).

    A DomainError from the action is shown on the form like any validation error, so the
    person sees what to fix and nothing is saved. The form carries a one-time token: the
    same form sent again (a double click, the Back button, a resubmitted page) saves
    nothing and goes to the item already recorded (`divert/core/submissions.py`).
    """
    form_kwargs = form_kwargs or {}
    token = form_token(request)
    if request.method == "POST":
        earlier = earlier_submission(request)
        if earlier is not None:
            return already_recorded(request, earlier)
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            def url_of(result) -> str:
                return success_url(result) if callable(success_url) else success_url

            try:
                first, url = save_once(request, lambda: save(form.cleaned_data), url_of)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if not first:
                    messages.info(request, ALREADY_RECORDED)
                elif success_message:
                    messages.success(request, success_message)
                return redirect(url)
    else:
        form = form_class(**form_kwargs)
    return render(request, template, {"form": form, "heading": heading, "form_token": token, **context})
