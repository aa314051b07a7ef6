"""Top-level URL configuration."""

from django.urls import include, path

urlpatterns = [
    path("", include("divert.web.urls")),
    path("", include("divert.referrals.urls")),
    path("", include("divert.casework.urls")),
    path("api/", include("divert.api.urls")),
]
