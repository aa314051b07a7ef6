"""Routes for the reports app."""

from django.urls import path  # noqa: F401  (routes are added as pages land)

app_name = "reports"

urlpatterns: list = []
