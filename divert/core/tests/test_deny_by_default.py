"""Every URL declares who may use it; undeclared views are refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from divert.core.access import DenyByDefaultMiddleware, declared_access


def _walk(patterns, prefix="", namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback, namespaces


def test_every_view_declares_who_may_use_it():
    undeclared = [
        route
        for route, callback, namespaces in _walk(get_resolver().url_patterns)
        if declared_access(callback) is None
    ]
    assert undeclared == [], f"Views without an access declaration: {undeclared}"


def test_the_walk_finds_the_child_pages():
    routes = [route for route, _, _ in _walk(get_resolver().url_patterns)]
    assert any("children/<id:child_id>/" in r for r in routes)
    assert any(r.startswith("api/") for r in routes)


def test_middleware_refuses_an_undeclared_view(rf):
    def naked(request):
        return HttpResponse("should not run")

    middleware = DenyByDefaultMiddleware(lambda r: HttpResponse())
    request = rf.get("/")

    with pytest.raises(PermissionDenied):
        middleware.process_view(request, naked, (), {})


def test_pages_need_sign_in(client, db):
    response = client.get("/children/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
