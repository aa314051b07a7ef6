"""Routes for the oversight app."""

from django.urls import path  # noqa: F401  (routes are added as pages land)

app_name = "oversight"

urlpatterns: list = []
