"""Top-level URL configuration."""

from django.urls import include, path

urlpatterns = [
    path("", include("divert.web.urls")),
    path("api/", include("divert.api.urls")),
]
