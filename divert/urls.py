"""Top-level URL configuration."""

from django.urls import include, path, register_converter
from django.urls.converters import get_converters

from divert.core.converters import IdConverter

# `<id:...>` in every app's URLs: registered here, before the apps' URL modules load.
# (Once: a test that reloads the URL configuration must not register it again.)
if "id" not in get_converters():
    register_converter(IdConverter, "id")

urlpatterns = [
    path("", include("divert.web.urls")),
    path("", include("divert.accounts.auth_urls")),
    path("users/", include("divert.accounts.urls")),
    path("", include("divert.people.urls")),
    path("", include("divert.referrals.urls")),
    path("", include("divert.casework.urls")),
    path("imports/", include("divert.imports.urls")),
    path("kpis/", include("divert.kpis.urls")),
    path("evaluation/", include("divert.evaluation.urls")),
    path("privacy/", include("divert.privacy.urls")),
    path("reports/", include("divert.reports.urls")),
    path("oversight/", include("divert.oversight.urls")),
    path("api/", include("divert.api.urls")),
]
