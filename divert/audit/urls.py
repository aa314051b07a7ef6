"""Routes for the audit trail pages."""

from django.urls import path

from divert.audit import views

app_name = "audit"

urlpatterns = [
    path("children/<int:child_id>/audit/", views.child_audit, name="child_audit"),
]
