"""Response headers every Divert page and API answer carries."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Tell browsers and proxies never to keep a copy of any answer.

    Nearly every page and API answer can carry child data, so the rule is simply all of
    them (static files are served outside Django's middleware): a shared computer's
    browser cache or a caching proxy then holds nothing about a child.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
