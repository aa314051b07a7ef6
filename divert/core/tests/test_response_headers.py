"""Headers on every answer: no caching of child data, and HTTPS behind a TLS proxy."""

import json
import os
import subprocess
import sys

from django.conf import settings


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_child_page_is_never_stored(client, personas):
    client.force_login(personas.worker_a)
    response = client.get(f"/children/{personas.child_a.pk}/")
    assert response.status_code == 200
    assert _no_store(response)


def test_an_api_answer_is_never_stored(client, personas):
    client.force_login(personas.worker_a)
    response = client.get(f"/api/children/{personas.child_a.pk}/")
    assert response.status_code == 200
    assert _no_store(response)


def test_refusals_and_sign_in_are_never_stored_either(client, personas):
    assert _no_store(client.get("/sign-in/"))
    client.force_login(personas.worker_a)
    assert _no_store(client.get("/children/999999/"))


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client()
secure = client.get("/health/", HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/sign-in/")
print(json.dumps({
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "health_plain": client.get("/health/").status_code,
    "cookie_secure": django.conf.settings.SESSION_COOKIE_SECURE,
    "csrf_secure": django.conf.settings.CSRF_COOKIE_SECURE,
}))
"""


def _headers_with(tmp_path, **env) -> dict:
    """Start Divert in a fresh process with these variables and report what it answers."""
    environment = {**os.environ, "DIVERT_ENV": "test", "DJANGO_SETTINGS_MODULE": "divert.settings",
                   "DIVERT_SQLITE_PATH": str(tmp_path / "headers.sqlite3"), **env}
    environment.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HEADERS_SCRIPT], env=environment, capture_output=True,
        text=True, check=True, cwd=settings.PROJECT_DIR,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_https_requests_get_hsts_and_secure_cookies(tmp_path):
    seen = _headers_with(tmp_path, DIVERT_BEHIND_TLS_PROXY="1")
    assert seen["secure_status"] == 200
    assert seen["hsts"].startswith("max-age=31536000")
    assert seen["cookie_secure"] and seen["csrf_secure"]
    # A browser that reached the proxy over plain HTTP is sent to HTTPS; the health check is not.
    assert seen["plain_status"] == 301
    assert seen["plain_location"].startswith("https://")
    assert seen["health_plain"] == 200


def test_without_the_setting_the_forwarded_header_is_not_trusted(tmp_path):
    seen = _headers_with(tmp_path)
    assert seen["hsts"] == ""
    assert seen["plain_status"] == 200
