"""HTML to PDF with WeasyPrint, fetching nothing but Divert's own static files.

Used by every PDF the service makes (the subject access export, the board pack)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings


def _static_root() -> Path:
    return Path(settings.BASE_DIR / "static").resolve()


class LocalOnlyFetcher:
    """Fetches data: URLs and files under Divert's static folder; refuses http(s) and the rest."""

    def __new__(cls):
        # Imported here: WeasyPrint is heavy and only the PDFs need it.
        from weasyprint.urls import URLFetcher, URLFetchingError  # type: ignore[import-untyped]

        static_root = _static_root()

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                """Refuse anything but data: and local static files."""
                if url.startswith("data:"):
                    return super().fetch(url, headers)
                if url.startswith("file:"):
                    path = Path(unquote(urlparse(url).path)).resolve()
                    if path.is_relative_to(static_root):
                        return super().fetch(url, headers)
                raise URLFetchingError(f"Refused to fetch {url[:40]}: Divert's PDFs fetch nothing remote")

        return _Fetcher(allowed_protocols=("file", "data"))


def html_to_pdf(html: str) -> bytes:
    """The page as PDF bytes; relative addresses resolve under the static folder."""
    # Imported here: WeasyPrint is heavy and only the PDFs need it.
    from weasyprint import HTML  # type: ignore[import-untyped]

    return HTML(string=html, base_url=_static_root().as_uri() + "/", url_fetcher=LocalOnlyFetcher()).write_pdf()
