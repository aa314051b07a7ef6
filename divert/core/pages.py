"""Helpers shared by page views: a GOV.UK form page that calls a named action."""

from __future__ import annotations

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
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                result = save(form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if success_message:
                    messages.success(request, success_message)
                url = success_url(result) if callable(success_url) else success_url
                return redirect(url)
    else:
        form = form_class(**form_kwargs)
    return render(request, template, {"form": form, "heading": heading, **context})
