"""Helpers shared by page views: a GOV.UK form page that calls a named action."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from divert.core.errors import DomainError


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
    person sees what to fix and nothing is saved.
    """
    form_kwargs = form_kwargs or {}
    token = request.POST.get("form_token") or secrets.token_urlsafe(16)
    if request.method == "POST":
        used = request.session.get(USED_TOKENS_KEY, [])
        if token in used:
            # The same form sent twice (a double click, a resubmitted page): nothing more is saved.
            messages.info(request, "That form was already saved; it has not been saved again.")
            return redirect(context.get("back_url") or request.path)
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                result = save(form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                request.session[USED_TOKENS_KEY] = [*used, token][-MAX_TOKENS:]
                if success_message:
                    messages.success(request, success_message)
                url = success_url(result) if callable(success_url) else success_url
                return redirect(url)
    else:
        form = form_class(**form_kwargs)
    return render(request, template, {"form": form, "heading": heading, "form_token": token, **context})


USED_TOKENS_KEY = "divert_used_form_tokens"
MAX_TOKENS = 50
