"""Top-level URL configuration."""

from django.urls import include, path, register_converter

from divert.core.converters import IdConverter

# `<id:...>` in every app's URLs: registered here, before the apps' URL modules load.
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
    path("api/", include("divert.api.urls")),
]
