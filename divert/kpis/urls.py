"""Routes for the kpis app."""

from django.urls import path

from divert.kpis import views

app_name = "kpis"

urlpatterns: list = [
    path("", views.report, name="report"),
]
