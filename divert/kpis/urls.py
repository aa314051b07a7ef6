"""Routes for the kpis app (reference data pages under reference/)."""

from django.urls import include, path

from divert.kpis import views

app_name = "kpis"

urlpatterns: list = [
    path("", views.report, name="report"),
    path("reference/", include("divert.reference.urls")),
]
