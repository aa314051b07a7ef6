"""Routes for the reports app."""

from django.urls import path

from divert.reports import quality_views, views

app_name = "reports"

urlpatterns: list = [
    path("data-quality/", quality_views.data_quality, name="quality"),
    path("data-quality/children/", quality_views.data_quality_children, name="quality_children"),
    path("pack/", views.pack, name="pack"),
]
